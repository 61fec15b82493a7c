/* markdown.c: cmark rendering of the program pages, never with CMARK_OPT_UNSAFE. */
#include "markdown.h"

#include <cmark.h>
#include <stdlib.h>

#include "app.h"

char *markdown_render(const char *md, size_t len)
{
	if (len > MARKDOWN_MAX)
		return NULL;
	/* CMARK_OPT_DEFAULT is the safe mode: raw HTML becomes a comment and
	 * javascript:, vbscript:, file: and most data: links become empty. */
	return cmark_markdown_to_html(md, len, CMARK_OPT_DEFAULT | CMARK_OPT_SMART);
}

int markdown_render_pending(struct db *db)
{
	static const char pick[] = "SELECT slug, markdown FROM pages WHERE html IS NULL";
	static const char save[] = "UPDATE pages SET html = ? WHERE slug = ? AND html IS NULL";
	if (db_begin_write(db) < 0)
		return -1;
	sqlite3_stmt *st = db_stmt(db, pick);
	int rc = 0;
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		const char *md = db_col_text(st, 1);
		char *html = markdown_render(md, (size_t)sqlite3_column_bytes(st, 1));
		if (html == NULL) {
			rc = -1;
			break;
		}
		sqlite3_stmt *up = db_stmt(db, save);
		db_bind_text(up, 1, html);
		db_bind_text(up, 2, db_col_text(st, 0));
		free(html);
		rc = db_exec_stmt(db, up);
	}
	sqlite3_reset(st);
	if (rc < 0) {
		db_rollback(db);
		return -1;
	}
	return db_commit(db);
}
