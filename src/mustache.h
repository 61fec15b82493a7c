/* mustache.h: a Mustache renderer (spec v1.3 with inheritance) over jansson values. */
#ifndef PORTAL_MUSTACHE_H
#define PORTAL_MUSTACHE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * A template is parsed once (mus_compile) into a tree that is read-only
 * afterwards, so one compiled template may be rendered by many threads at once.
 *
 * Partials and parents ({{>name}}, {{<name}}) are looked up by name at render
 * time through a loader.  The loader returns a compiled template it keeps
 * ownership of, or NULL when there is no such name (which renders as empty,
 * as the specification says).
 */
struct mus_tmpl;

struct mus_loader {
	const struct mus_tmpl *(*get)(void *ud, const char *name);
	void *ud;
	/*
	 * Plural sections (an extension the specification does not know, used only
	 * when set): a section named COUNT@CATEGORY ({{#places@one}}) renders when
	 * COUNT is a number and plural(ud, number, CATEGORY) is true.  May be NULL.
	 */
	bool (*plural)(void *ud, double n, const char *cat, size_t cat_len);
};

/*
 * Parses src (len bytes, need not be NUL-terminated).  On success returns a
 * template the caller frees with mus_free.  On a syntax error (an unclosed
 * tag or section, a mismatched closing tag, a bad delimiter change) returns
 * NULL and, when err is not NULL, sets *err to a malloc'd message naming the
 * line, which the caller frees.
 */
struct mus_tmpl *mus_compile(const char *src, size_t len, char **err);
void mus_free(struct mus_tmpl *t);

/*
 * Renders t with data as the context stack's root.  {{name}} escapes & < > "
 * and ' for HTML; {{{name}}} and {{&name}} do not.  Returns a malloc'd,
 * NUL-terminated string (its length in *out_len when not NULL) that the caller
 * frees; exits the process on out of memory.  loader may be NULL.
 * Recursion through partials and parents is bounded (a depth over 64 renders
 * nothing further), so a self-including template cannot exhaust the stack.
 */
char *mus_render(const struct mus_tmpl *t, const json_t *data,
		 const struct mus_loader *loader, size_t *out_len);

/*
 * The same, into a buffer the caller keeps between renders (a worker thread
 * renders every page into one), so that a page costs no allocation of its
 * size.  out starts zeroed; the caller frees out->data when done with it.
 * Returns out->data, which holds out->len bytes and a NUL.
 */
struct mus_buf {
	char *data;
	size_t len, cap;
};
char *mus_render_into(const struct mus_tmpl *t, const json_t *data,
		      const struct mus_loader *loader, struct mus_buf *out);

#endif
