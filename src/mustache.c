/* mustache.c: compiles Mustache templates into flat node arrays and renders them over jansson. */
#include "mustache.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

enum {
	MAX_NESTING = 100,	/* open sections within one template, checked at compile */
	MAX_DEPTH = 64,		/* partials, parents and block overrides entered at render */
	MAX_NEST = 1024,	/* all render recursion: keeps the C stack small on threads */
	MAX_DELIM = 32,		/* bounds the cost of searching for a delimiter */
};

/*
 * Budgets for one render.  Templates are untrusted input: a partial that includes
 * itself twice does 2^64 work at depth 64, and nested loops over data multiply.
 * A real page is far below both, so past them the output is cut short.  A fuzzing
 * build may lower them with -D.
 */
#ifndef MUS_MAX_STEPS
#define MUS_MAX_STEPS (1UL << 24)	/* node visits; about 0.05 s */
#endif
#ifndef MUS_MAX_OUTPUT
#define MUS_MAX_OUTPUT ((size_t)64 << 20)	/* bytes */
#endif

#define NPOS SIZE_MAX

enum kind {
	K_TEXT,
	K_ESCAPED,	/* {{name}} */
	K_RAW,		/* {{{name}}} and {{&name}} */
	K_SECTION,
	K_INVERTED,
	K_PARTIAL,
	K_PARENT,
	K_BLOCK,
};

/*
 * Nodes lie in one array in document order; a section's descendants follow it, so
 * its children run from node + 1 to node + size, stepping by each child's size.
 */
struct node {
	uint8_t kind;
	uint8_t bol;		/* K_TEXT: starts a source line, where indentation goes */
	uint32_t size;		/* this node and all its descendants */
	uint32_t off, len;	/* K_TEXT: bytes of src; named nodes: first part, part count */
	uint32_t ind_off, ind_len; /* partial, parent: standalone indent; block: block_indent */
};

/* One dot-separated piece of a name; src[off + len] is a NUL written after parsing. */
struct part {
	uint32_t off, len;
};

struct mus_tmpl {
	char *src;	/* a copy of the source; names inside tags are NUL-terminated */
	size_t len;
	struct node *nodes;
	size_t nnodes;
	struct part *parts;
	size_t nparts, partcap;
};

/* ---- compiling ---- */

struct tag {
	size_t start, end;	/* the whole tag, delimiters included */
	size_t name, name_len;	/* its content with surrounding whitespace trimmed */
	size_t pre, post;	/* the text before it ends at pre, the text after starts at post */
	size_t ind, ind_len;	/* whitespace between the start of its line and the tag */
	unsigned line;
	char kind;		/* the sigil (# ^ / > < $ ! = &), or 'v' for {{name}} */
	bool standalone;
	bool in_parent;		/* just after this tag the innermost open section is a parent */
};

struct parser {
	const char *src;
	size_t len;
	char **err;
	struct tag *tags;
	size_t ntags, cap;
};

/* Sets *p->err (when wanted and not yet set) to "line N: message"; returns false. */
__attribute__((format(printf, 3, 4)))
static bool fail(struct parser *p, unsigned line, const char *fmt, ...)
{
	if (p->err == NULL || *p->err != NULL)
		return false;
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	size_t n = strlen(msg) + 32;
	char *s = malloc(n);
	if (s == NULL)
		die_oom();
	snprintf(s, n, "line %u: %s", line, msg);
	*p->err = s;
	return false;
}

/* Names go into error messages; a long one is cut so the message stays readable. */
static int shown(size_t len)
{
	return len > 40 ? 40 : (int)len;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Offset of needle (n >= 1 bytes) in s[from, len), or NPOS. */
static size_t find(const char *s, size_t len, size_t from, const char *needle, size_t n)
{
	while (from < len && len - from >= n) {
		const char *c = memchr(s + from, needle[0], len - from - n + 1);
		if (c == NULL)
			break;
		if (memcmp(c, needle, n) == 0)
			return (size_t)(c - s);
		from = (size_t)(c - s) + 1;
	}
	return NPOS;
}

/*
 * Finds where a tag's content ends: at the closing delimiter, or for {{{x}}} and
 * {{=a b=}} at the sigil just before it.  Returns the content's end and sets *end
 * past the delimiter, or returns NPOS when the tag is never closed.
 */
static size_t find_close(const struct parser *p, size_t from, char sigil,
			 const char *close, size_t clen, size_t *end)
{
	if (sigil == 0) {
		size_t at = find(p->src, p->len, from, close, clen);
		*end = at == NPOS ? NPOS : at + clen;
		return at;
	}
	for (size_t at = from + 1;; at++) {
		at = find(p->src, p->len, at, close, clen);
		if (at == NPOS)
			return NPOS;
		if (p->src[at - 1] == sigil) {
			*end = at + clen;
			return at - 1;
		}
	}
}

/* Reads "open close" from a {{=open close=}} tag's trimmed content. */
static bool parse_delims(struct parser *p, const struct tag *t, const char **open,
			 size_t *olen, const char **close, size_t *clen)
{
	const char *s = p->src + t->name, *e = s + t->name_len;
	const char *a = s;
	while (a < e && !is_space(*a))
		a++;
	const char *b = a;
	while (b < e && is_space(*b))
		b++;
	const char *c = b;
	while (c < e && !is_space(*c))
		c++;
	if (a == s || b == a || c == b || c != e)
		return fail(p, t->line, "bad delimiter change, want {{=open close=}}");
	if (a - s > MAX_DELIM || c - b > MAX_DELIM)
		return fail(p, t->line, "delimiter longer than %d bytes", MAX_DELIM);
	*open = s;
	*olen = (size_t)(a - s);
	*close = b;
	*clen = (size_t)(c - b);
	return true;
}

/* Checks a tag's name: comments may hold anything, other tags one word. */
static bool check_name(struct parser *p, const struct tag *t)
{
	if (t->kind == '!' || t->kind == '=')
		return true;
	if (t->name_len == 0)
		return fail(p, t->line, "empty tag name");
	for (size_t i = 0; i < t->name_len; i++)
		if (is_space(p->src[t->name + i]))
			return fail(p, t->line, "tag name '%.*s' contains whitespace",
				    shown(t->name_len), p->src + t->name);
	return true;
}

static struct tag *new_tag(struct parser *p)
{
	if (p->ntags == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct tag *v = realloc(p->tags, cap * sizeof(*v));
		if (v == NULL)
			die_oom();
		p->tags = v;
		p->cap = cap;
	}
	struct tag *t = &p->tags[p->ntags++];
	memset(t, 0, sizeof(*t));
	return t;
}

/*
 * Splits the source into tags (p->tags, which the caller frees), following
 * delimiter changes; the text between tags is implied by their positions.
 */
static bool tokenize(struct parser *p)
{
	const char *open = "{{", *close = "}}";
	size_t olen = 2, clen = 2, pos = 0, counted = 0;
	unsigned line = 1;

	for (;;) {
		size_t at = find(p->src, p->len, pos, open, olen);
		if (at == NPOS)
			return true;
		for (; counted < at; counted++)
			line += p->src[counted] == '\n';
		struct tag *t = new_tag(p);
		t->start = at;
		t->line = line;
		size_t body = at + olen;
		char c = body < p->len ? p->src[body] : '\0';
		char sigil = 0;
		if (c == '{' || c == '=') {
			sigil = c == '{' ? '}' : '=';
			t->kind = c == '{' ? '&' : '=';
			body++;
		} else if (c != '\0' && strchr("&#^/><$!", c) != NULL) {
			t->kind = c;
			body++;
		} else {
			t->kind = 'v';
		}
		size_t cend = body > p->len ? NPOS :
			find_close(p, body, sigil, close, clen, &t->end);
		if (cend == NPOS)
			return fail(p, line, "unclosed tag");
		while (body < cend && is_space(p->src[body]))
			body++;
		while (cend > body && is_space(p->src[cend - 1]))
			cend--;
		t->name = body;
		t->name_len = cend - body;
		t->pre = t->start;
		t->post = t->end;
		if (!check_name(p, t))
			return false;
		if (t->kind == '=' && !parse_delims(p, t, &open, &olen, &close, &clen))
			return false;
		pos = t->end;
	}
}

/*
 * Decides whether the tags a..b-1, which share the line [ls, e), are standalone and
 * if so widens the text they swallow to the whole line.  A line may hold several
 * tags only when the text between them lies directly inside a parent tag, which
 * is ignored anyway: that is what makes "{{<parent}}{{$block}}" standalone.
 */
static void end_line(struct parser *p, size_t ls, size_t a, size_t b, bool blank, size_t e)
{
	struct tag *t = p->tags;
	if (a == b || !blank)
		return;
	for (size_t j = a; j + 1 < b; j++)
		if (!t[j].in_parent)
			return;
	t[a].pre = ls;
	for (size_t j = a; j < b; j++) {
		t[j].standalone = true;
		t[j].ind = ls;
		t[j].ind_len = t[a].start - ls;
		t[j].post = j + 1 < b ? t[j + 1].start : e;
	}
}

/* Tracks which open section is innermost, to know when text is inside a parent. */
static void track_nesting(struct tag *t, bool *stack, size_t *depth)
{
	if (strchr("#^<$", t->kind) != NULL) {
		if (*depth < MAX_NESTING)
			stack[*depth] = t->kind == '<';
		++*depth;
	} else if (t->kind == '/' && *depth > 0) {
		--*depth;
	}
	t->in_parent = *depth > 0 && *depth <= MAX_NESTING && stack[*depth - 1];
}

/*
 * Applies the standalone-line rule: a line holding only whitespace and non-
 * interpolating tags is dropped entirely.  Also records each tag's indentation.
 */
static void mark_standalone(struct parser *p)
{
	bool stack[MAX_NESTING];
	size_t depth = 0, ls = 0, first = 0, gap = 0;
	bool blank = true, lead = true;

	for (size_t i = 0;; i++) {
		size_t gend = i < p->ntags ? p->tags[i].start : p->len;
		for (size_t c = gap; c < gend; c++) {
			char ch = p->src[c];
			if (ch == '\n') {
				end_line(p, ls, first, i, blank, c + 1);
				ls = c + 1;
				first = i;
				blank = lead = true;
			} else if (ch == '\r' && c + 1 < gend && p->src[c + 1] == '\n') {
				continue;
			} else if (ch != ' ' && ch != '\t') {
				blank = lead = false;
			}
		}
		if (i == p->ntags) {
			end_line(p, ls, first, i, blank, p->len);
			return;
		}
		struct tag *t = &p->tags[i];
		if (lead) {
			t->ind = ls;
			t->ind_len = t->start - ls;
		}
		lead = false;
		if (t->kind == 'v' || t->kind == '&')
			blank = false;
		track_nesting(t, stack, &depth);
		gap = t->end;
	}
}

static struct node *add_node(struct mus_tmpl *t, enum kind kind)
{
	struct node *n = &t->nodes[t->nnodes++];
	memset(n, 0, sizeof(*n));
	n->kind = (uint8_t)kind;
	n->size = 1;
	return n;
}

static void add_part(struct mus_tmpl *t, size_t off, size_t len)
{
	if (t->nparts == t->partcap) {
		size_t cap = t->partcap ? t->partcap * 2 : 32;
		struct part *v = realloc(t->parts, cap * sizeof(*v));
		if (v == NULL)
			die_oom();
		t->parts = v;
		t->partcap = cap;
	}
	t->parts[t->nparts].off = (uint32_t)off;
	t->parts[t->nparts].len = (uint32_t)len;
	t->nparts++;
}

/*
 * Adds a node named by tag g.  Data names are split on dots now so that rendering
 * never has to; "." gets no parts.  Partial, parent and block names stay whole.
 */
static struct node *add_named(struct mus_tmpl *t, enum kind kind, const struct tag *g,
			      bool dotted)
{
	struct node *n = add_node(t, kind);
	n->off = (uint32_t)t->nparts;
	if (dotted && g->name_len == 1 && t->src[g->name] == '.')
		return n;
	size_t from = g->name, end = g->name + g->name_len;
	for (size_t i = from; dotted && i < end; i++) {
		if (t->src[i] == '.') {
			add_part(t, from, i - from);
			from = i + 1;
		}
	}
	add_part(t, from, end - from);
	n->len = (uint32_t)(t->nparts - n->off);
	return n;
}

static void add_text(struct mus_tmpl *t, size_t from, size_t to)
{
	if (to <= from)
		return;
	struct node *n = add_node(t, K_TEXT);
	n->off = (uint32_t)from;
	n->len = (uint32_t)(to - from);
	n->bol = from == 0 || t->src[from - 1] == '\n';
}

/*
 * A block's indentation, used when its content is swapped for another: with a
 * standalone opening tag it is the leading whitespace of the body's first line,
 * else (or with an empty body) the whitespace before the tag.
 */
static void block_indent(struct mus_tmpl *t, struct node *n, const struct tag *open,
			 const struct tag *close)
{
	size_t from = open->post, to = close->pre;
	if (open->standalone && to > from) {
		size_t e = from;
		while (e < to && (t->src[e] == ' ' || t->src[e] == '\t'))
			e++;
		n->ind_off = (uint32_t)from;
		n->ind_len = (uint32_t)(e - from);
	} else {
		n->ind_off = (uint32_t)open->ind;
		n->ind_len = (uint32_t)open->ind_len;
	}
}

/* Adds the node for one opening or standalone tag; false on a syntax error. */
static bool add_tag(struct parser *p, struct mus_tmpl *t, const struct tag *g,
		    size_t *open, size_t *depth)
{
	static const struct {
		char sigil;
		enum kind kind;
	} kinds[] = {
		{'v', K_ESCAPED}, {'&', K_RAW}, {'#', K_SECTION}, {'^', K_INVERTED},
		{'>', K_PARTIAL}, {'<', K_PARENT}, {'$', K_BLOCK},
	};
	enum kind kind = K_TEXT;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kinds[i].sigil == g->kind)
			kind = kinds[i].kind;
	if (kind == K_TEXT)
		return true; /* comments and delimiter changes leave nothing behind */
	bool container = kind == K_SECTION || kind == K_INVERTED || kind == K_PARENT ||
			 kind == K_BLOCK;
	if (container && *depth == MAX_NESTING)
		return fail(p, g->line, "sections nested more than %d deep", MAX_NESTING);
	bool dotted = kind == K_ESCAPED || kind == K_RAW || kind == K_SECTION ||
		      kind == K_INVERTED;
	struct node *n = add_named(t, kind, g, dotted);
	if ((kind == K_PARTIAL || kind == K_PARENT) && g->standalone) {
		n->ind_off = (uint32_t)g->ind;
		n->ind_len = (uint32_t)g->ind_len;
	}
	if (container)
		open[(*depth)++] = (size_t)(g - p->tags);
	return true;
}

/* Closes the innermost section with tag g; false when g does not match it. */
static bool close_tag(struct parser *p, struct mus_tmpl *t, const struct tag *g,
		      const size_t *open, size_t *depth, const uint32_t *node_of)
{
	const char *name = p->src + g->name;
	if (*depth == 0)
		return fail(p, g->line, "closing tag '%.*s' without an opening tag",
			    shown(g->name_len), name);
	const struct tag *o = &p->tags[open[*depth - 1]];
	if (o->name_len != g->name_len || memcmp(p->src + o->name, name, g->name_len) != 0)
		return fail(p, g->line, "closing tag '%.*s' does not match '%.*s' on line %u",
			    shown(g->name_len), name, shown(o->name_len), p->src + o->name,
			    o->line);
	(*depth)--;
	struct node *n = &t->nodes[node_of[*depth]];
	n->size = (uint32_t)(t->nnodes - node_of[*depth]);
	if (n->kind == K_BLOCK)
		block_indent(t, n, o, g);
	return true;
}

/* Turns the tag list into the node array of t; false on a syntax error. */
static bool build(struct parser *p, struct mus_tmpl *t)
{
	size_t open[MAX_NESTING], depth = 0, text = 0;
	uint32_t node_of[MAX_NESTING];

	for (size_t i = 0; i < p->ntags; i++) {
		const struct tag *g = &p->tags[i];
		add_text(t, text, g->pre);
		text = g->post;
		if (g->kind == '/') {
			if (!close_tag(p, t, g, open, &depth, node_of))
				return false;
			continue;
		}
		size_t before = depth;
		uint32_t at = (uint32_t)t->nnodes;
		if (!add_tag(p, t, g, open, &depth))
			return false;
		if (depth > before)
			node_of[before] = at;
	}
	add_text(t, text, p->len);
	if (depth > 0) {
		const struct tag *o = &p->tags[open[depth - 1]];
		return fail(p, o->line, "section '%.*s' is never closed",
			    shown(o->name_len), p->src + o->name);
	}
	return true;
}

void mus_free(struct mus_tmpl *t)
{
	if (t == NULL)
		return;
	free(t->src);
	free(t->nodes);
	free(t->parts);
	free(t);
}

/*
 * Parses src into a template the caller frees with mus_free; on a syntax error
 * returns NULL with a malloc'd message in *err.  The tag list is scratch.
 */
struct mus_tmpl *mus_compile(const char *src, size_t len, char **err)
{
	struct parser p = {.src = src, .len = len, .err = err};
	struct mus_tmpl *t = NULL;

	if (err != NULL)
		*err = NULL;
	if (len >= UINT32_MAX) {
		fail(&p, 1, "template larger than 4 GiB");
		return NULL;
	}
	if (!tokenize(&p))
		goto out;
	mark_standalone(&p);
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		die_oom();
	t->len = len;
	t->src = malloc(len + 1);
	t->nodes = malloc((2 * p.ntags + 1) * sizeof(*t->nodes));
	if (t->src == NULL || t->nodes == NULL)
		die_oom();
	if (len > 0)
		memcpy(t->src, src, len);
	t->src[len] = '\0';
	if (!build(&p, t)) {
		mus_free(t);
		t = NULL;
		goto out;
	}
	/* Each name is followed by a delimiter byte or a dot, never by text, so the
	 * copy can carry the NULs that the loader and jansson want. */
	for (size_t i = 0; i < t->nparts; i++)
		t->src[t->parts[i].off + t->parts[i].len] = '\0';
out:
	free(p.tags);
	return t;
}

/* ---- rendering ---- */

/* The context stack, innermost first, living in the renderer's C stack frames. */
struct ctx {
	const json_t *v;
	const struct ctx *up;
};

/* Indentation to write at the start of each output line: up's pieces, then this. */
struct piece {
	const char *s;
	size_t n;
	const struct piece *up;
};

/* The blocks passed to the parent tags being rendered, innermost first. */
struct scope {
	const struct mus_tmpl *t;
	const struct node *parent;
	const struct scope *up;
};

/*
 * Where the nodes being rendered come from and how their text is placed.  Text
 * written at the start of an output line gets the indent chain first; a block
 * moved into a parent first loses the indentation it had where it was written
 * (strip), so that it takes on the indentation of the block it replaces.
 */
struct frame {
	const struct mus_tmpl *t;
	const struct ctx *ctx;
	const struct piece *indent;
	const char *strip;	/* indentation removed from each source line's start */
	size_t strip_len;
	const struct scope *scope;
};

/* The mutable state of one render call; never shared between threads. */
struct render {
	char *buf;
	size_t len, cap;
	bool bol;		/* the output is at the start of a line */
	bool stop;		/* a budget ran out */
	unsigned depth, nest;
	unsigned long steps;
	const struct mus_loader *loader;
	struct mus_buf *out; /* told of every new buffer at once: see emit */
};

static void emit(struct render *r, const char *s, size_t n)
{
	if (n == 0 || r->stop)
		return;
	if (n > MUS_MAX_OUTPUT - r->len) {
		r->stop = true;
		return;
	}
	if (r->len + n >= r->cap) {
		size_t cap = r->cap * 2;
		while (r->len + n >= cap)
			cap *= 2;
		char *b = realloc(r->buf, cap);
		if (b == NULL)
			die_oom();
		r->buf = b;
		r->cap = cap;
		/* The caller's buffer follows each move, so that a later die_oom,
		 * which leaves this render part-way, leaves no freed buffer behind
		 * in it. */
		r->out->data = b;
		r->out->cap = cap;
	}
	memcpy(r->buf + r->len, s, n);
	r->len += n;
}

static void emit_indent(struct render *r, const struct piece *p)
{
	if (p == NULL)
		return;
	emit_indent(r, p->up);
	emit(r, p->s, p->n);
}

/* Writes the indentation owed at the start of a line, before any content. */
static void start_line(struct render *r, const struct frame *f)
{
	if (r->bol) {
		emit_indent(r, f->indent);
		r->bol = false;
	}
}

static size_t common_prefix(const char *a, size_t an, const char *b, size_t bn)
{
	size_t k = 0;
	while (k < an && k < bn && a[k] == b[k])
		k++;
	return k;
}

/*
 * Writes template text.  Indentation from standalone partials and moved blocks is
 * added at each line start, and a moved block's own indentation taken off first.
 */
static void emit_text(struct render *r, const struct frame *f, const struct node *n)
{
	const char *s = f->t->src + n->off;
	size_t len = n->len;
	bool line_start = n->bol;

	if (f->indent == NULL && f->strip_len == 0) {
		emit(r, s, len);
		r->bol = s[len - 1] == '\n';
		return;
	}
	while (len > 0) {
		if (line_start) {
			size_t k = common_prefix(s, len, f->strip, f->strip_len);
			s += k;
			len -= k;
			if (len == 0)
				break;
		}
		const char *nl = memchr(s, '\n', len);
		size_t line = nl ? (size_t)(nl - s) + 1 : len;
		start_line(r, f);
		emit(r, s, line);
		r->bol = s[line - 1] == '\n';
		s += line;
		len -= line;
		line_start = true;
	}
}

static void emit_escaped(struct render *r, const char *s, size_t n)
{
	size_t from = 0;
	for (size_t i = 0; i < n; i++) {
		const char *rep;
		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		emit(r, s + from, i - from);
		emit(r, rep, strlen(rep));
		from = i + 1;
	}
	emit(r, s + from, n - from);
}

/* Formats d in the fewest digits that read back as d, so 1.21 stays "1.21". */
static int format_real(char *buf, size_t size, double d)
{
	int n = 0;
	if (!isfinite(d))
		return 0; /* jansson never holds these; print nothing rather than "inf" */
	for (int prec = 15; prec <= 17; prec++) {
		n = snprintf(buf, size, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	return n;
}

/* Writes a value; strings and numbers print, null, objects and arrays do not. */
static void emit_value(struct render *r, const struct frame *f, const json_t *v, bool escape)
{
	char num[64];
	int n = 0;

	start_line(r, f);
	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_STRING:
		if (escape)
			emit_escaped(r, json_string_value(v), json_string_length(v));
		else
			emit(r, json_string_value(v), json_string_length(v));
		return;
	case JSON_INTEGER:
		n = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		n = format_real(num, sizeof(num), json_real_value(v));
		break;
	case JSON_TRUE:
		n = snprintf(num, sizeof(num), "true");
		break;
	case JSON_FALSE:
		n = snprintf(num, sizeof(num), "false");
		break;
	default:
		return;
	}
	if (n > 0 && (size_t)n < sizeof(num))
		emit(r, num, (size_t)n);
}

static const json_t *get_key(const json_t *obj, const char *key, size_t len)
{
	if (!json_is_object(obj))
		return NULL;
#if JANSSON_VERSION_HEX >= 0x020e00
	return json_object_getn(obj, key, len);
#else
	(void)len;
	return json_object_get(obj, key); /* names are NUL-terminated in the copy */
#endif
}

/*
 * Resolves a node's name: the first part in the innermost context having it, the
 * rest inside that value only.  NULL when any part is missing.
 */
static const json_t *lookup(const struct frame *f, const struct node *n)
{
	if (n->len == 0)
		return f->ctx->v;
	const struct part *p = f->t->parts + n->off;
	const char *src = f->t->src;
	const json_t *v = NULL;
	for (const struct ctx *c = f->ctx; c != NULL && v == NULL; c = c->up)
		v = get_key(c->v, src + p->off, p->len);
	for (uint32_t i = 1; v != NULL && i < n->len; i++)
		v = get_key(v, src + p[i].off, p[i].len);
	return v;
}

static bool truthy(const json_t *v)
{
	if (v == NULL || json_is_null(v) || json_is_false(v))
		return false;
	/* An empty string is false, as in most implementations: a page can
	 * then test an optional field without a separate flag. */
	if (json_is_string(v) && json_string_length(v) == 0)
		return false;
	return !json_is_array(v) || json_array_size(v) > 0;
}

static void render_range(struct render *r, const struct frame *f, const struct node *n,
			 const struct node *end);

/* Renders nodes one level deeper, within the recursion and work budgets. */
static void descend(struct render *r, const struct frame *f, const struct node *n,
		    const struct node *end)
{
	if (++r->steps > MUS_MAX_STEPS)
		r->stop = true;
	if (r->stop || r->nest >= MAX_NEST)
		return;
	r->nest++;
	render_range(r, f, n, end);
	r->nest--;
}

static void render_children(struct render *r, const struct frame *f, const struct node *n)
{
	descend(r, f, n + 1, n + n->size);
}

/*
 * A plural section, {{#count@one}}: when the loader knows plurals and the name's last
 * part holds '@', sets *v to the count when its category is the one named, else to
 * NULL, and returns true.
 */
static bool plural_section(const struct render *r, const struct frame *f,
			   const struct node *n, const json_t **v)
{
	if (r->loader == NULL || r->loader->plural == NULL || n->len != 1)
		return false;
	const struct part *p = f->t->parts + n->off;
	const char *name = f->t->src + p->off;
	const char *at = memchr(name, '@', p->len);
	if (at == NULL)
		return false;
	size_t key_len = (size_t)(at - name);
	char key[64]; /* NUL-terminated, for jansson versions without json_object_getn */
	*v = NULL;
	if (key_len >= sizeof(key))
		return true;
	memcpy(key, name, key_len);
	key[key_len] = '\0';
	const json_t *count = NULL;
	for (const struct ctx *c = f->ctx; c != NULL && count == NULL; c = c->up)
		count = get_key(c->v, key, key_len);
	if (count && json_is_number(count) &&
	    r->loader->plural(r->loader->ud, json_number_value(count), at + 1,
			      p->len - key_len - 1))
		*v = count;
	return true;
}

/* A section renders once per list item, once for another truthy value, else never. */
static void render_section(struct render *r, const struct frame *f, const struct node *n)
{
	const json_t *v;
	if (!plural_section(r, f, n, &v))
		v = lookup(f, n);
	if (n->kind == K_INVERTED) {
		if (!truthy(v))
			render_children(r, f, n);
		return;
	}
	if (!truthy(v))
		return;
	struct ctx c = {.v = v, .up = f->ctx};
	struct frame g = *f;
	g.ctx = &c;
	if (!json_is_array(v)) {
		render_children(r, &g, n);
		return;
	}
	size_t count = json_array_size(v);
	for (size_t i = 0; i < count && !r->stop; i++) {
		c.v = json_array_get(v, i);
		render_children(r, &g, n);
	}
}

/* Adds indentation s (from f's source) less what f strips; returns the new chain. */
static const struct piece *push_indent(struct piece *pc, const struct frame *f,
				       const char *s, size_t n)
{
	size_t k = common_prefix(s, n, f->strip, f->strip_len);
	if (k == n)
		return f->indent;
	pc->s = s + k;
	pc->n = n - k;
	pc->up = f->indent;
	return pc;
}

/*
 * Renders {{>name}} or {{<name}}...{{/name}}: the named template, in the current
 * context, indented when the tag stands alone.  A parent also makes its blocks
 * visible to the blocks of the templates it reaches.
 */
static void render_partial(struct render *r, const struct frame *f, const struct node *n)
{
	if (r->loader == NULL || r->loader->get == NULL || r->depth >= MAX_DEPTH)
		return;
	const char *name = f->t->src + f->t->parts[n->off].off;
	const struct mus_tmpl *t = r->loader->get(r->loader->ud, name);
	if (t == NULL)
		return;
	struct piece pc;
	struct scope sc = {.t = f->t, .parent = n, .up = f->scope};
	struct frame g = *f;
	g.t = t;
	g.strip = NULL;
	g.strip_len = 0;
	g.indent = push_indent(&pc, f, f->t->src + n->ind_off, n->ind_len);
	if (n->kind == K_PARENT)
		g.scope = &sc;
	r->depth++;
	descend(r, &g, t->nodes, t->nodes + t->nnodes);
	r->depth--;
}

/*
 * Finds the block overriding block n: the outermost parent tag passing a block of
 * that name wins, so a template's own choices beat those of its ancestors.
 */
static const struct node *find_override(const struct frame *f, const struct node *n,
					const struct mus_tmpl **in)
{
	const struct part *np = &f->t->parts[n->off];
	const char *name = f->t->src + np->off;
	const struct node *found = NULL;
	for (const struct scope *s = f->scope; s != NULL; s = s->up) {
		const struct node *c = s->parent + 1, *end = s->parent + s->parent->size;
		for (; c < end; c += c->size) {
			if (c->kind != K_BLOCK)
				continue;
			const struct part *cp = &s->t->parts[c->off];
			if (cp->len == np->len && memcmp(s->t->src + cp->off, name, np->len) == 0) {
				found = c;
				*in = s->t;
				break;
			}
		}
	}
	return found;
}

/*
 * Renders {{$name}}: its default content, or an overriding block's content moved
 * here, re-indented from where it was written to where this block sits.
 */
static void render_block(struct render *r, const struct frame *f, const struct node *n)
{
	const struct mus_tmpl *t = NULL;
	const struct node *o = find_override(f, n, &t);
	if (o == NULL) {
		render_children(r, f, n);
		return;
	}
	if (r->depth >= MAX_DEPTH)
		return;
	struct piece pc;
	struct frame g = *f;
	g.t = t;
	g.indent = push_indent(&pc, f, f->t->src + n->ind_off, n->ind_len);
	g.strip = t->src + o->ind_off;
	g.strip_len = o->ind_len;
	r->depth++;
	render_children(r, &g, o);
	r->depth--;
}

static void render_range(struct render *r, const struct frame *f, const struct node *n,
			 const struct node *end)
{
	for (; n < end && !r->stop; n += n->size) {
		if (++r->steps > MUS_MAX_STEPS) {
			r->stop = true;
			break;
		}
		switch ((enum kind)n->kind) {
		case K_TEXT:
			emit_text(r, f, n);
			break;
		case K_ESCAPED:
		case K_RAW:
			emit_value(r, f, lookup(f, n), n->kind == K_ESCAPED);
			break;
		case K_SECTION:
		case K_INVERTED:
			render_section(r, f, n);
			break;
		case K_PARTIAL:
		case K_PARENT:
			render_partial(r, f, n);
			break;
		case K_BLOCK:
			render_block(r, f, n);
			break;
		}
	}
}

/*
 * Renders t over data into one malloc'd buffer the caller frees.  All state lives
 * in this call's stack, so many threads may render the same template at once.
 */
char *mus_render_into(const struct mus_tmpl *t, const json_t *data,
		      const struct mus_loader *loader, struct mus_buf *out)
{
	struct render r = {
	    .bol = true, .loader = loader, .buf = out->data, .cap = out->cap, .out = out};
	/* Pages extend a layout and include partials, so they come out several times
	 * longer than their own text: start with room for a typical page. */
	size_t want = (t ? t->len : 0) + 16384;
	if (r.buf == NULL || r.cap < want) {
		char *b = realloc(r.buf, want);
		if (b == NULL)
			die_oom();
		r.buf = out->data = b;
		r.cap = out->cap = want;
	}
	if (t != NULL) {
		struct ctx root = {.v = data};
		struct frame f = {.t = t, .ctx = &root};
		render_range(&r, &f, t->nodes, t->nodes + t->nnodes);
	}
	r.buf[r.len] = '\0';
	out->data = r.buf;
	out->cap = r.cap;
	out->len = r.len;
	return r.buf;
}

char *mus_render(const struct mus_tmpl *t, const json_t *data,
		 const struct mus_loader *loader, size_t *out_len)
{
	struct mus_buf out = {0};
	mus_render_into(t, data, loader, &out);
	if (out_len != NULL)
		*out_len = out.len;
	return out.data;
}
