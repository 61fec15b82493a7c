/* test_csv.c: the CSV writer: RFC 4180 quoting, CRLF rows, the BOM and the formula guard. */
#include "csv.h"
#include "test.h"

static const char BOM[] = "\xEF\xBB\xBF";

/* One row of the given cells, as the writer makes it, without the BOM (owned by a). */
static const char *row(struct arena *a, const char *const cells[])
{
	struct buf b;
	buf_init(&b, a);
	struct csv w;
	csv_start(&w, &b);
	csv_row(&w, cells);
	const char *s = buf_str(&b);
	return strncmp(s, BOM, 3) == 0 ? s + 3 : "(no BOM)";
}

/* One cell alone on a row, without the row's CRLF. */
static const char *cell(struct arena *a, const char *s)
{
	const char *cells[] = {s, NULL};
	const char *r = row(a, cells);
	size_t n = strlen(r);
	if (n < 2 || strcmp(r + n - 2, "\r\n") != 0)
		return "(no CRLF)";
	return arena_strndup(a, r, n - 2);
}

int main(void)
{
	struct arena a;
	arena_init(&a);

	/* The file starts with the UTF-8 byte order mark, and only once. */
	struct buf b;
	buf_init(&b, &a);
	struct csv w;
	csv_start(&w, &b);
	csv_cell(&w, "a");
	csv_cell(&w, "b");
	csv_row_end(&w);
	csv_cell(&w, "c");
	csv_cell_int(&w, 42);
	csv_row_end(&w);
	CHECK_STR(buf_str(&b), "\xEF\xBB\xBF"
	                       "a,b\r\nc,42\r\n");

	/* Plain cells go as they are. */
	CHECK_STR(cell(&a, "Smith"), "Smith");
	CHECK_STR(cell(&a, "P-7K3M-Q9XZ"), "P-7K3M-Q9XZ");
	CHECK_STR(cell(&a, "2026-11-26T05:49:10Z"), "2026-11-26T05:49:10Z");
	CHECK_STR(cell(&a, "310-555-0123"), "310-555-0123");

	/* Each character that makes a cell a formula gets an apostrophe. */
	CHECK_STR(cell(&a, "=1+1"), "'=1+1");
	CHECK_STR(cell(&a, "+1 310 555 0123"), "'+1 310 555 0123");
	CHECK_STR(cell(&a, "-2"), "'-2");
	CHECK_STR(cell(&a, "@SUM(A1)"), "'@SUM(A1)");
	CHECK_STR(cell(&a, "\tx"), "'\tx");
	CHECK_STR(cell(&a, "\rx"), "\"'\rx\"");
	CHECK_STR(cell(&a, "="), "'=");
	/* ...only at the start. */
	CHECK_STR(cell(&a, "a=b-c+d@e"), "a=b-c+d@e");
	CHECK_STR(cell(&a, " =1"), " =1");
	CHECK_STR(cell(&a, "'=1"), "'=1");
	csv_start(&w, &b);
	b.len = 0;
	csv_cell_int(&w, -5);
	CHECK_STR(buf_str(&b), "'-5");

	/* Quoting: comma, quote, CR, LF; quotes doubled. */
	CHECK_STR(cell(&a, "Smith, Jr."), "\"Smith, Jr.\"");
	CHECK_STR(cell(&a, "12 \"Oak\" St"), "\"12 \"\"Oak\"\" St\"");
	CHECK_STR(cell(&a, "\""), "\"\"\"\"");
	CHECK_STR(cell(&a, "line one\nline two"), "\"line one\nline two\"");
	CHECK_STR(cell(&a, "line one\r\nline two"), "\"line one\r\nline two\"");
	CHECK_STR(cell(&a, "a\rb"), "\"a\rb\"");

	/* Both: the apostrophe goes inside the quotes. */
	CHECK_STR(cell(&a, "=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
	CHECK_STR(cell(&a, "-1,2"), "\"'-1,2\"");
	CHECK_STR(cell(&a, "@a\nb"), "\"'@a\nb\"");
	CHECK_STR(cell(&a, "\t\""), "\"'\t\"\"\"");

	/* Empty and NULL cells are empty; a row keeps its commas. */
	CHECK_STR(cell(&a, ""), "");
	CHECK_STR(cell(&a, NULL), "");
	const char *empties[] = {"", "x", "", "", NULL};
	CHECK_STR(row(&a, empties), ",x,,\r\n");
	const char *mixed[] = {"a", NULL};
	CHECK_STR(row(&a, mixed), "a\r\n");
	const char *header[] = {"reference", "status", "waitlist_position", NULL};
	CHECK_STR(row(&a, header), "reference,status,waitlist_position\r\n");

	/* Non-ASCII text passes through as UTF-8. */
	CHECK_STR(cell(&a, "José Núñez"), "José Núñez");
	CHECK_STR(cell(&a, "北高校, 東"), "\"北高校, 東\"");
	CHECK_STR(cell(&a, "＝1"), "＝1");
	CHECK_STR(cell(&a, "😀\"x\""), "\"😀\"\"x\"\"\"");

	arena_free(&a);
	return TEST_DONE("csv");
}
