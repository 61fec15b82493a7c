/* fuzz_csv.c: the CSV writer of the staff exports (src/csv.c).
 * Input: cells separated by 0x00, rows by 0x01; a cell that is exactly 0x02
 * is written as NULL, one starting with 0x03 as csv_cell_int of the next bytes.
 * Property: the output reads back, with an RFC 4180 reader, as exactly the
 * cells written, each with the formula guard's apostrophe where SPEC.md asks. */
#include <stdbool.h>
#include <string.h>

#include "csv.h"
#include "fuzz.h"

static bool formula(char c)
{
	return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

/* Reads one cell at *p of [*p, end) into out; returns false on malformed CSV.
 * *last is set when the cell ended its row. */
static bool read_cell(const char **p, const char *end, struct buf *out, bool *last)
{
	const char *s = *p;
	if (s < end && *s == '"') {
		s++;
		for (;;) {
			if (s >= end)
				return false; /* unterminated quote */
			if (*s == '"') {
				if (s + 1 < end && s[1] == '"') {
					buf_putc(out, '"');
					s += 2;
					continue;
				}
				s++;
				break;
			}
			buf_putc(out, *s++);
		}
	} else {
		while (s < end && *s != ',' && *s != '\r') {
			if (*s == '"' || *s == '\n')
				return false; /* a bare quote or LF in an unquoted cell */
			buf_putc(out, *s++);
		}
	}
	if (s < end && *s == ',') {
		*last = false;
		*p = s + 1;
		return true;
	}
	if (end - s >= 2 && s[0] == '\r' && s[1] == '\n') {
		*last = true;
		*p = s + 2;
		return true;
	}
	return false; /* anything else after a cell, or no CRLF at the end */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a;
	arena_init(&a);
	struct buf out;
	buf_init(&out, &a);
	struct csv w;
	csv_start(&w, &out);

	/* Write, and remember what each cell should read back as. */
	size_t cap = size + 2, nexp = 0;
	const char **expect = arena_alloc(&a, cap * sizeof(*expect));
	bool *row_end = arena_alloc(&a, cap * sizeof(*row_end));
	size_t i = 0;
	for (;;) {
		size_t start = i;
		while (i < size && data[i] > 1)
			i++;
		char *cell = arena_strndup(&a, (const char *)data + start, i - start);
		if (strcmp(cell, "\x02") == 0) {
			csv_cell(&w, NULL);
			expect[nexp] = "";
		} else if (cell[0] == '\x03') {
			long long v = 0;
			for (const char *c = cell + 1; *c && c < cell + 9; c++)
				v = (long long)((unsigned long long)v << 8 | (unsigned char)*c);
			csv_cell_int(&w, v);
			expect[nexp] = arena_printf(&a, "%s%lld", v < 0 ? "'" : "", v);
		} else {
			csv_cell(&w, cell);
			expect[nexp] = formula(cell[0]) ? arena_printf(&a, "'%s", cell) : cell;
		}
		bool end_row = i >= size || data[i] == 1;
		row_end[nexp++] = end_row;
		if (end_row)
			csv_row_end(&w);
		if (i >= size)
			break;
		i++;
	}
	static const char *const header[] = {"Reference", "=cmd", "a,b", "say \"hi\"", NULL};
	csv_row(&w, header);
	expect[nexp] = "Reference", row_end[nexp++] = false;

	/* Read back. */
	FUZZ_CHECK(out.len >= 3 && memcmp(out.data, "\xEF\xBB\xBF", 3) == 0);
	const char *p = out.data + 3, *end = out.data + out.len;
	for (size_t k = 0; k < nexp; k++) {
		struct buf cell;
		buf_init(&cell, &a);
		bool last = false;
		FUZZ_CHECK(read_cell(&p, end, &cell, &last));
		FUZZ_CHECK(strcmp(buf_str(&cell), expect[k]) == 0);
		FUZZ_CHECK(last == row_end[k]);
	}
	/* The header row: Reference, '=cmd, "a,b", "say ""hi""". */
	static const char tail[] = "'=cmd,\"a,b\",\"say \"\"hi\"\"\"\r\n";
	FUZZ_CHECK((size_t)(end - p) == sizeof(tail) - 1 && memcmp(p, tail, sizeof(tail) - 1) == 0);
	arena_free(&a);
	return 0;
}
