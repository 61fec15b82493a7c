/* markdown.c: cmark rendering of the program pages, never with CMARK_OPT_UNSAFE. */
#include "markdown.h"

#include <cmark.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "arena.h"

/* cmark's own allocator aborts when memory runs out; this one ends the request
 * instead (die_oom).  The parser and nodes of that render are then lost. */
static void *md_calloc(size_t n, size_t size)
{
	void *p = calloc(n, size);
	if (p == NULL)
		die_oom();
	return p;
}

static void *md_realloc(void *p, size_t size)
{
	void *q = realloc(p, size);
	if (q == NULL)
		die_oom();
	return q;
}

static cmark_mem md_mem = {md_calloc, md_realloc, free};

/* Whether cmark's safe mode empties a link to url: its rule, that of
 * _scan_dangerous_url in cmark's html.c (javascript:, vbscript:, file:, and
 * data: but for four kinds of image), case-insensitive. */
static bool unsafe_url(const char *url)
{
	static const char *const images[] = {"image/png", "image/gif", "image/jpeg", "image/webp"};
	if (url == NULL)
		return false;
	if (strncasecmp(url, "javascript:", 11) == 0 || strncasecmp(url, "vbscript:", 9) == 0 ||
	    strncasecmp(url, "file:", 5) == 0)
		return true;
	if (strncasecmp(url, "data:", 5) != 0)
		return false;
	for (size_t i = 0; i < sizeof(images) / sizeof(images[0]); i++)
		if (strncasecmp(url + 5, images[i], strlen(images[i])) == 0)
			return false;
	return true;
}

/* Counts into *d what the safe mode of rendering doc leaves out. */
static void count_dropped(cmark_node *doc, struct markdown_dropped *d)
{
	cmark_iter *it = cmark_iter_new(doc);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		if (ev != CMARK_EVENT_ENTER)
			continue;
		cmark_node *n = cmark_iter_get_node(it);
		switch (cmark_node_get_type(n)) {
		case CMARK_NODE_HTML_BLOCK:
		case CMARK_NODE_HTML_INLINE:
			d->raw_html++;
			break;
		case CMARK_NODE_LINK:
		case CMARK_NODE_IMAGE:
			if (unsafe_url(cmark_node_get_url(n)))
				d->unsafe_links++;
			break;
		default:
			break;
		}
	}
	cmark_iter_free(it);
}

char *markdown_render(const char *md, size_t len)
{
	return markdown_render_checked(md, len, NULL);
}

char *markdown_render_checked(const char *md, size_t len, struct markdown_dropped *dropped)
{
	if (len > MARKDOWN_MAX)
		return NULL;
	/* CMARK_OPT_DEFAULT is the safe mode: raw HTML becomes a comment and
	 * javascript:, vbscript:, file: and most data: links become empty. */
	int options = CMARK_OPT_DEFAULT | CMARK_OPT_SMART;
	cmark_parser *p = cmark_parser_new_with_mem(options, &md_mem);
	cmark_parser_feed(p, md, len);
	cmark_node *doc = cmark_parser_finish(p);
	cmark_parser_free(p);
	if (dropped) {
		*dropped = (struct markdown_dropped){0};
		count_dropped(doc, dropped);
	}
	/* The HTML comes from the document's allocator, so free() releases it. */
	char *html = cmark_render_html(doc, options);
	cmark_node_free(doc);
	return html;
}

int markdown_render_pending(struct db *db)
{
	/* A database migrated by an older data folder (as upgrade tests do, one release at a
	 * time) has pages without languages yet (sql/014): its one version per page is 'en'. */
	static const char pick[] = "SELECT slug, markdown, language FROM pages WHERE html IS NULL";
	static const char pick_old[] = "SELECT slug, markdown, 'en' FROM pages WHERE html IS NULL";
	static const char save[] = "UPDATE pages SET html = ? WHERE slug = ? AND language = ?"
				   " AND html IS NULL";
	static const char save_old[] = "UPDATE pages SET html = ? WHERE slug = ? AND ? = 'en'"
				       " AND html IS NULL";
	static const char has_languages[] = "SELECT count(*) FROM pragma_table_info('pages')"
					    " WHERE name = 'language'";
	if (db_begin_write(db) < 0)
		return -1;
	int64_t languages = db_int(db, db_stmt(db, has_languages), -1);
	if (languages < 0) {
		db_rollback(db);
		return -1;
	}
	sqlite3_stmt *st = db_stmt(db, languages ? pick : pick_old);
	int rc = 0;
	while (rc == 0 && db_step(st) == SQLITE_ROW) {
		const char *md = db_col_text(st, 1);
		char *html = markdown_render(md, (size_t)sqlite3_column_bytes(st, 1));
		if (html == NULL) {
			rc = -1;
			break;
		}
		sqlite3_stmt *up = db_stmt(db, languages ? save : save_old);
		db_bind_text(up, 1, html);
		db_bind_text(up, 2, db_col_text(st, 0));
		db_bind_text(up, 3, db_col_text(st, 2));
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
