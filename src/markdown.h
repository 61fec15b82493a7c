/* markdown.h: program pages' Markdown, rendered by cmark in its safe mode when saved. */
#ifndef PORTAL_MARKDOWN_H
#define PORTAL_MARKDOWN_H

#include <stddef.h>

#include "db.h"

/* A page's Markdown may not exceed this (cmark has slow inputs). */
#define MARKDOWN_MAX (32 * 1024)

/* Renders Markdown to HTML without raw HTML or unsafe links; malloc'd, caller frees.
 * NULL when md is longer than MARKDOWN_MAX. */
char *markdown_render(const char *md, size_t len);

/* What the safe mode left out of a rendering: pieces of raw HTML (blocks and
 * inline tags, comments included), and links or images whose address was
 * emptied (javascript:, vbscript:, file:, most data:). */
struct markdown_dropped {
	int raw_html;
	int unsafe_links;
};

/* As markdown_render, and when dropped is not NULL sets *dropped, so that the
 * editor can tell what the page will not show. */
char *markdown_render_checked(const char *md, size_t len, struct markdown_dropped *dropped);

/* Renders the pages whose HTML is missing (seeded by a migration); 0 or -1. */
int markdown_render_pending(struct db *db);

#endif
