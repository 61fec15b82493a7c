/* csv.h: RFC 4180 CSV written into a buffer, with the spreadsheet formula guard of SPEC.md. */
#ifndef PORTAL_CSV_H
#define PORTAL_CSV_H

#include <stddef.h>

#include "arena.h"

/*
 * A CSV writer over a buffer it does not own.  Cells are UTF-8 text; the file
 * starts with a byte order mark so that Excel reads it as UTF-8, and rows end
 * with CRLF as RFC 4180 says.  Nothing here can fail: the buffer grows in its
 * arena, and running out of memory ends the process (arena.h).
 */
struct csv {
	struct buf *out;
	size_t cells; /* cells written on the current row */
};

/* Starts a file in out (appending the byte order mark). */
void csv_start(struct csv *w, struct buf *out);

/*
 * Appends one cell to the current row; NULL is an empty cell.  A cell that a
 * spreadsheet would take for a formula (it begins with =, +, -, @, tab or
 * carriage return) gets a leading apostrophe; a cell holding a comma, a
 * double quote, CR or LF is quoted, its quotes doubled.
 */
void csv_cell(struct csv *w, const char *s);
/* Appends a cell holding a decimal integer (a negative one is guarded like text). */
void csv_cell_int(struct csv *w, long long v);
/* Ends the current row. */
void csv_row_end(struct csv *w);
/* Appends a whole row of cells from a NULL-ended list (a header row). */
void csv_row(struct csv *w, const char *const cells[]);

#endif
