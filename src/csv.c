/* csv.c: the CSV writer of the staff exports (RFC 4180, formula guard, UTF-8 with a BOM). */
#include "csv.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* The UTF-8 encoding of U+FEFF: without it Excel reads the file as Windows-1252. */
static const char BOM[] = "\xEF\xBB\xBF";

void csv_start(struct csv *w, struct buf *out)
{
	w->out = out;
	w->cells = 0;
	buf_add(out, BOM, sizeof(BOM) - 1);
}

/* True when a spreadsheet would read a cell starting with c as a formula (SPEC.md). */
static bool formula_start(char c)
{
	return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

void csv_cell(struct csv *w, const char *s)
{
	struct buf *b = w->out;
	if (w->cells++)
		buf_putc(b, ',');
	if (s == NULL || *s == '\0')
		return;
	bool quote = strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		buf_putc(b, '"');
	/* The apostrophe goes inside the quotes: it must be the cell's first character. */
	if (formula_start(*s))
		buf_putc(b, '\'');
	if (!quote) {
		buf_puts(b, s);
		return;
	}
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			buf_putc(b, '"');
		buf_putc(b, *p);
	}
	buf_putc(b, '"');
}

void csv_cell_int(struct csv *w, long long v)
{
	char num[24];
	snprintf(num, sizeof(num), "%lld", v);
	csv_cell(w, num);
}

void csv_row_end(struct csv *w)
{
	buf_add(w->out, "\r\n", 2);
	w->cells = 0;
}

void csv_row(struct csv *w, const char *const cells[])
{
	for (size_t i = 0; cells[i]; i++)
		csv_cell(w, cells[i]);
	csv_row_end(w);
}
