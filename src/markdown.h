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

/* Renders the pages whose HTML is missing (seeded by a migration); 0 or -1. */
int markdown_render_pending(struct db *db);

#endif
