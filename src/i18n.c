/* i18n.c: PO catalogs read at start, CLDR plurals through ICU, the pseudo-language,
 * and the expansion of templates' translatable text. */
#define _GNU_SOURCE /* memmem */
#include "i18n.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unicode/upluralrules.h>

#include "arena.h"
#include "file.h"
#include "thread_slot.h"

/* ---- languages ---- */

static bool pseudo_on;

const char *i18n_code(int lang)
{
	if (lang == LANG_PSEUDO)
		return "en-XA";
	return lang >= 0 && lang < LANG_MAX ? lang_codes[lang] : "en";
}

int i18n_parse(const char *code)
{
	if (pseudo_on && strcasecmp(code, "en-XA") == 0)
		return LANG_PSEUDO;
	return lang_parse(code);
}

bool i18n_pseudo_enabled(void)
{
	return pseudo_on;
}

const char *i18n_english_name(const char *code)
{
	static const char *const names[LANG_MAX] = {"English", "Spanish", "Japanese", "Korean",
	                                            "Chinese (Traditional)"};
	int l = lang_parse(code);
	return l >= 0 ? names[l] : code;
}

enum lang i18n_format_lang(int lang)
{
	return lang >= 0 && lang < LANG_MAX ? (enum lang)lang : LANG_EN;
}

/*
 * The plural forms of each language's catalogs, in msgstr[] order, matching the
 * Plural-Forms headers of the PO files (which Poedit reads to show the boxes).
 * CLDR's categories the catalogs have no form for ("many" in Spanish, for a
 * million) take the last form, "other".
 */
static const char *const forms_one_other[] = {"one", "other"};
static const char *const forms_other[] = {"other"};

size_t i18n_plural_forms(int lang, const char *const **forms)
{
	switch (lang) {
	case LANG_JA:
	case LANG_KO:
	case LANG_ZH_HANT: *forms = forms_other; return 1;
	default: *forms = forms_one_other; return 2;
	}
}

/* ICU's plural rules: the C API promises no thread safety, so each thread keeps its own. */
static const char *const rules_locales[LANG_MAX] = {"en", "es", "ja", "ko", "zh_Hant"};

struct rules {
	UPluralRules *r[LANG_MAX];
};

static void rules_free(void *p)
{
	struct rules *s = p;
	for (int l = 0; s && l < LANG_MAX; l++)
		if (s->r[l])
			uplrules_close(s->r[l]);
	free(s);
}

static struct thread_slot rules_slot = THREAD_SLOT(sizeof(struct rules), rules_free);

/* The CLDR category of n in lang, as ASCII into buf; "other" when ICU fails. */
static const char *category(int lang, double n, char *buf, size_t size)
{
	enum lang l = i18n_format_lang(lang);
	struct rules *s = thread_slot_get(&rules_slot);
	UErrorCode status = U_ZERO_ERROR;
	if (s->r[l] == NULL) {
		s->r[l] = uplrules_open(rules_locales[l], &status);
		if (U_FAILURE(status))
			s->r[l] = NULL;
	}
	snprintf(buf, size, "other");
	if (s->r[l] == NULL)
		return buf;
	UChar word[16];
	status = U_ZERO_ERROR;
	int32_t n16 = uplrules_select(s->r[l], n, word, 16, &status);
	if (U_FAILURE(status) || n16 <= 0 || (size_t)n16 >= size || n16 >= 16)
		return buf;
	for (int32_t i = 0; i < n16; i++)
		buf[i] = word[i] < 128 ? (char)word[i] : '?';
	buf[n16] = '\0';
	return buf;
}

/* The msgstr[] index of n's form in lang. */
static size_t form_index(int lang, double n)
{
	char cat[16];
	category(lang, n, cat, sizeof(cat));
	const char *const *forms;
	size_t nforms = i18n_plural_forms(lang, &forms);
	for (size_t i = 0; i < nforms; i++)
		if (strcmp(forms[i], cat) == 0)
			return i;
	return nforms - 1;
}

bool i18n_plural_is(int lang, double n, const char *cat, size_t cat_len)
{
	const char *const *forms;
	i18n_plural_forms(lang, &forms);
	const char *want = forms[form_index(lang, n)];
	return strlen(want) == cat_len && memcmp(want, cat, cat_len) == 0;
}

/* ---- PO files ---- */

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (p == NULL)
		die_oom();
	return p;
}

static char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);
	if (p == NULL)
		die_oom();
	return p;
}

__attribute__((format(printf, 2, 3))) static int po_fail(char **err, const char *fmt, ...)
{
	if (err) {
		char msg[256];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		*err = xstrndup(msg, strlen(msg));
	}
	return -1;
}

/* Appends the C-quoted string at s ("...", escapes) to the malloc'd *dst; -1 when malformed. */
static int append_quoted(const char *s, const char *end, char **dst)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (s >= end || *s != '"')
		return -1;
	s++;
	size_t have = *dst ? strlen(*dst) : 0;
	char *out = realloc(*dst, have + (size_t)(end - s) + 1);
	if (out == NULL)
		die_oom();
	*dst = out;
	char *o = out + have;
	for (; s < end && *s != '"'; s++) {
		if (*s != '\\') {
			*o++ = *s;
			continue;
		}
		if (++s >= end)
			return -1;
		switch (*s) {
		case 'n': *o++ = '\n'; break;
		case 't': *o++ = '\t'; break;
		case 'r': *o++ = '\r'; break;
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		default: return -1;
		}
	}
	*o = '\0';
	if (s >= end)
		return -1;
	for (s++; s < end; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r')
			return -1;
	return 0;
}

static void entry_free(struct po_entry *e)
{
	free(e->ctx);
	free(e->id);
	free(e->id_plural);
	for (int i = 0; i < PO_MAX_FORMS; i++)
		free(e->str[i]);
	*e = (struct po_entry){0};
}

void po_free(struct po_file *f)
{
	for (size_t i = 0; i < f->n; i++)
		entry_free(&f->e[i]);
	free(f->e);
	*f = (struct po_file){0};
}

/* Keeps the entry being read when it has a msgid; starts the next one. */
static void po_push(struct po_file *f, size_t *cap, struct po_entry *cur)
{
	if (cur->id == NULL) {
		entry_free(cur);
		return;
	}
	if (f->n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		struct po_entry *e = realloc(f->e, *cap * sizeof(*e));
		if (e == NULL)
			die_oom();
		f->e = e;
	}
	f->e[f->n++] = *cur;
	*cur = (struct po_entry){0};
}

int po_parse(const char *src, size_t len, struct po_file *out, char **err)
{
	*out = (struct po_file){0};
	size_t cap = 0;
	struct po_entry cur = {0};
	bool fuzzy_next = false;
	char **target = NULL; /* where a continued string goes */
	const char *why = NULL;
	const char *p = src, *end = src + len;
	unsigned line = 0;
	while (p < end && why == NULL) {
		line++;
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		const char *s = p;
		p = eol < end ? eol + 1 : end;
		while (s < eol && (*s == ' ' || *s == '\t' || *s == '\r'))
			s++;
		if (s == eol) {
			target = NULL;
			continue;
		}
		if (*s == '#') {
			/* An entry's comments come before it: they end the entry before. */
			if (cur.id && cur.nstr > 0)
				po_push(out, &cap, &cur);
			target = NULL;
			if (s + 1 < eol && s[1] == ',' && memmem(s, (size_t)(eol - s), "fuzzy", 5))
				fuzzy_next = true;
			continue;
		}
		int rc = 0;
		if (*s == '"') {
			rc = target ? append_quoted(s, eol, target) : -1;
		} else if (strncmp(s, "msgctxt ", 8) == 0 || strncmp(s, "msgid ", 6) == 0) {
			bool ctx = s[3] == 'c';
			if (cur.id && (cur.nstr > 0 || ctx))
				po_push(out, &cap, &cur);
			else if (cur.id) {
				why = "msgid without msgstr";
				break;
			}
			if (cur.ctx == NULL && cur.id == NULL) {
				cur.fuzzy = fuzzy_next;
				fuzzy_next = false;
			}
			if (!ctx)
				cur.line = line;
			target = ctx ? &cur.ctx : &cur.id;
			if (*target) {
				why = "repeated keyword";
				break;
			}
			*target = xstrndup("", 0);
			rc = append_quoted(s + (ctx ? 8 : 6), eol, target);
		} else if (strncmp(s, "msgid_plural ", 13) == 0 && cur.id && !cur.id_plural) {
			target = &cur.id_plural;
			*target = xstrndup("", 0);
			rc = append_quoted(s + 13, eol, target);
		} else if (strncmp(s, "msgstr", 6) == 0 && cur.id) {
			const char *q = s + 6;
			int idx = 0;
			if (*q == '[') {
				char *after;
				long v = strtol(q + 1, &after, 10);
				if (after == q + 1 || *after != ']' || v < 0 || v >= PO_MAX_FORMS) {
					why = "bad msgstr index";
					break;
				}
				idx = (int)v;
				q = after + 1;
			}
			if (idx != cur.nstr || cur.str[idx]) {
				why = "msgstr out of order";
				break;
			}
			cur.nstr++;
			target = &cur.str[idx];
			*target = xstrndup("", 0);
			rc = append_quoted(q, eol, target);
		} else {
			rc = -1;
		}
		if (rc < 0)
			why = "not a PO line gettext writes";
	}
	if (why == NULL && cur.id && cur.nstr == 0) {
		why = "msgid without msgstr";
		line++;
	}
	if (why) {
		entry_free(&cur);
		po_free(out);
		return po_fail(err, "line %u: %s", line, why);
	}
	po_push(out, &cap, &cur);
	return 0;
}

/* ---- placeholders ---- */

/* The length of a printf conversion at s ('%' there), or 0 when it is none ("50% off"). */
static size_t printf_conversion(const char *s)
{
	const char *p = s + 1;
	if (*p == '%')
		return 2;
	while (*p && strchr("-+#0", *p))
		p++;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p == '.') {
		p++;
		if (*p == '*')
			p++;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	while (*p && strchr("hlzjt", *p))
		p++;
	return *p && strchr("diouxXscfgeEp", *p) ? (size_t)(p - s) + 1 : 0;
}

/* The length of a {{...}} tag or an HTML tag or entity at s, or 0. */
static size_t markup(const char *s)
{
	if (s[0] == '{' && s[1] == '{') {
		const char *e = strstr(s + 2, "}}");
		if (e == NULL)
			return 0;
		if (s[2] == '{' && e[2] == '}')
			e++;
		return (size_t)(e + 2 - s);
	}
	if (s[0] == '<' && (s[1] == '/' || (s[1] >= 'a' && s[1] <= 'z'))) {
		const char *e = strchr(s, '>');
		return e ? (size_t)(e + 1 - s) : 0;
	}
	if (s[0] == '&') {
		size_t n = 1;
		while (n < 10 && ((s[n] >= 'a' && s[n] <= 'z') || s[n] == '#' ||
		                  (s[n] >= '0' && s[n] <= '9')))
			n++;
		return n > 1 && s[n] == ';' ? n + 1 : 0;
	}
	return 0;
}

struct tokens {
	const char *at[64];
	size_t len[64];
	size_t n;
	bool overflow;
};

static void token_add(struct tokens *t, const char *s, size_t n)
{
	if (t->n == 64) {
		t->overflow = true;
		return;
	}
	t->at[t->n] = s;
	t->len[t->n++] = n;
}

/* The markup (unordered) and printf conversions (ordered) of s. */
static void placeholders(const char *s, struct tokens *tags, struct tokens *conv)
{
	while (*s) {
		size_t n = markup(s);
		if (n > 0 && s[0] != '&') {
			token_add(tags, s, n);
		} else if (n == 0 && *s == '%' && (n = printf_conversion(s)) > 0) {
			if (n != 2 || s[1] != '%')
				token_add(conv, s, n);
		}
		s += n ? n : 1;
	}
}

static int token_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);
	return c ? c : (an > bn) - (an < bn);
}

/* Whether two token lists hold the same strings, in order or in any order. */
static bool same_tokens(const struct tokens *a, const struct tokens *b, bool ordered)
{
	if (a->n != b->n || a->overflow || b->overflow)
		return false;
	bool used[64] = {0};
	for (size_t i = 0; i < a->n; i++) {
		size_t j = ordered ? i : 0, stop = ordered ? i + 1 : b->n;
		bool found = false;
		for (; j < stop && !found; j++)
			if (!used[j] && token_cmp(a->at[i], a->len[i], b->at[j], b->len[j]) == 0)
				found = used[j] = true;
		if (!found)
			return false;
	}
	return true;
}

bool i18n_placeholders_match(const char *msgid, const char *msgstr)
{
	struct tokens ta = {0}, ca = {0}, tb = {0}, cb = {0};
	placeholders(msgid, &ta, &ca);
	placeholders(msgstr, &tb, &cb);
	return same_tokens(&ta, &tb, false) && same_tokens(&ca, &cb, true);
}

/* ---- the pseudo-language ---- */

/* Each ASCII letter's accented look-alike (UTF-8), a to z then A to Z. */
static const char *const accented[52] = {
    "á", "ƀ", "ç", "đ", "é", "ƒ", "ĝ", "ĥ", "í", "ĵ", "ķ", "ļ", "ɱ", "ñ", "ó", "þ", "ǫ", "ŕ",
    "š", "ţ", "ú", "ṽ", "ŵ", "ẋ", "ý", "ž", "Á", "Ɓ", "Ç", "Đ", "É", "Ƒ", "Ĝ", "Ĥ", "Í", "Ĵ",
    "Ķ", "Ļ", "Ṁ", "Ñ", "Ó", "Þ", "Ǫ", "Ŕ", "Š", "Ţ", "Ú", "Ṽ", "Ŵ", "Ẋ", "Ý", "Ž",
};

char *i18n_pseudo(const char *s)
{
	/* At most 4 bytes per letter (two of 2 bytes for a vowel), markup copied. */
	char *out = xcalloc(strlen(s) * 4 + 1, 1);
	char *o = out;
	while (*s) {
		size_t n = markup(s);
		if (n == 0 && *s == '%')
			n = printf_conversion(s);
		if (n > 0) {
			memcpy(o, s, n);
			o += n;
			s += n;
			continue;
		}
		char c = *s++;
		const char *a = NULL;
		if (c >= 'a' && c <= 'z')
			a = accented[c - 'a'];
		else if (c >= 'A' && c <= 'Z')
			a = accented[26 + c - 'A'];
		if (a == NULL) {
			*o++ = c;
			continue;
		}
		/* Vowels twice: about 40% longer words, as translations often are. */
		int times = strchr("aeiouAEIOU", c) ? 2 : 1;
		for (int k = 0; k < times; k++) {
			size_t al = strlen(a);
			memcpy(o, a, al);
			o += al;
		}
	}
	*o = '\0';
	return out;
}

/* ---- catalogs ---- */

/* One message of a catalog: its key (context, "\004", msgid) and its forms. */
struct msg {
	char *key;
	const char *str[PO_MAX_FORMS];
	int nstr;
};

struct catalog {
	struct po_file po;
	struct msg *m;
	size_t n;
	char **owned; /* pseudo forms made here */
	size_t nowned;
};

static struct catalog catalogs[LANG_COUNT];

static int msg_cmp(const void *a, const void *b)
{
	return strcmp(((const struct msg *)a)->key, ((const struct msg *)b)->key);
}

static char *make_key(const char *ctx, const char *id)
{
	size_t cl = ctx ? strlen(ctx) + 1 : 0, il = strlen(id);
	char *k = xcalloc(cl + il + 1, 1);
	if (ctx) {
		memcpy(k, ctx, cl - 1);
		k[cl - 1] = '\004';
	}
	memcpy(k + cl, id, il);
	return k;
}

static const char *keep(struct catalog *c, char *s)
{
	char **o = realloc(c->owned, (c->nowned + 1) * sizeof(*o));
	if (o == NULL)
		die_oom();
	c->owned = o;
	c->owned[c->nowned++] = s;
	return s;
}

/* Whether entry e of a language's PO file may be shown: translated, not fuzzy, every
 * form keeping the placeholders of the English it stands for.  Says why not on stderr. */
static bool usable(int lang, const char *file, const struct po_entry *e)
{
	if (e->fuzzy || e->id[0] == '\0')
		return false;
	const char *const *forms;
	size_t nforms = i18n_plural_forms(lang, &forms);
	if (e->id_plural && (size_t)e->nstr != nforms)
		return false;
	for (int i = 0; i < e->nstr; i++) {
		if (e->str[i][0] == '\0')
			return false;
		const char *english = e->id_plural && nforms > 1 && i == 0 ? e->id : e->id_plural;
		if (english == NULL)
			english = e->id;
		/* A language of one form writes the count in it, like the English plural. */
		if (!i18n_placeholders_match(english, e->str[i])) {
			fprintf(stderr,
			        "portal: %s:%u: placeholders differ from the English; "
			        "shown in English\n",
			        file, e->line);
			return false;
		}
	}
	return true;
}

static void index_catalog(struct catalog *c)
{
	if (c->n > 1)
		qsort(c->m, c->n, sizeof(*c->m), msg_cmp);
}

/* Parses the PO file at path into c->po and makes room for its messages; 0, or -1
 * after naming what failed on stderr. */
static int read_catalog(const char *path, struct catalog *c)
{
	size_t len;
	char *src = file_read(path, &len);
	if (src == NULL) {
		fprintf(stderr, "portal: cannot read %s: %s\n", path, strerror(errno));
		return -1;
	}
	char *err = NULL;
	int rc = po_parse(src, len, &c->po, &err);
	free(src);
	if (rc < 0) {
		fprintf(stderr, "portal: %s: %s\n", path, err);
		free(err);
		return -1;
	}
	c->m = xcalloc(c->po.n, sizeof(*c->m));
	return 0;
}

static int load_language(int lang, const char *dir)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s.po", dir, lang_codes[lang]);
	struct catalog *c = &catalogs[lang];
	if (read_catalog(path, c) < 0)
		return -1;
	for (size_t i = 0; i < c->po.n; i++) {
		const struct po_entry *e = &c->po.e[i];
		if (!usable(lang, path, e))
			continue;
		struct msg *m = &c->m[c->n++];
		m->key = make_key(e->ctx, e->id);
		m->nstr = e->nstr;
		for (int k = 0; k < e->nstr; k++)
			m->str[k] = e->str[k];
	}
	index_catalog(c);
	return 0;
}

/* en-XA from the template of every catalog: each message made accented and longer. */
static int load_pseudo(const char *dir)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/portal.pot", dir);
	struct catalog *c = &catalogs[LANG_PSEUDO];
	if (read_catalog(path, c) < 0)
		return -1;
	for (size_t i = 0; i < c->po.n; i++) {
		const struct po_entry *e = &c->po.e[i];
		if (e->id[0] == '\0')
			continue;
		struct msg *m = &c->m[c->n++];
		m->key = make_key(e->ctx, e->id);
		m->str[0] = keep(c, i18n_pseudo(e->id));
		m->nstr = 1;
		if (e->id_plural) {
			m->str[1] = keep(c, i18n_pseudo(e->id_plural));
			m->nstr = 2;
		}
	}
	index_catalog(c);
	pseudo_on = true;
	return 0;
}

int i18n_load(const char *dir, bool pseudo)
{
	i18n_unload();
	for (int l = 0; l < LANG_MAX; l++)
		if (l != LANG_EN && load_language(l, dir) < 0)
			return -1;
	return pseudo ? load_pseudo(dir) : 0;
}

void i18n_unload(void)
{
	for (int l = 0; l < LANG_COUNT; l++) {
		struct catalog *c = &catalogs[l];
		for (size_t i = 0; i < c->n; i++)
			free(c->m[i].key);
		for (size_t i = 0; i < c->nowned; i++)
			free(c->owned[i]);
		free(c->m);
		free(c->owned);
		po_free(&c->po);
		*c = (struct catalog){0};
	}
	pseudo_on = false;
	/* The calling thread's plural rules: other threads free theirs when they end. */
	thread_slot_release(&rules_slot);
}

static const struct msg *find(int lang, const char *ctx, const char *id)
{
	if (lang <= LANG_EN || lang >= LANG_COUNT || catalogs[lang].n == 0)
		return NULL;
	const struct catalog *c = &catalogs[lang];
	char stack[512];
	char *key = stack;
	size_t cl = ctx ? strlen(ctx) + 1 : 0, il = strlen(id);
	if (cl + il + 1 > sizeof(stack))
		key = make_key(ctx, id);
	else {
		if (ctx) {
			memcpy(stack, ctx, cl - 1);
			stack[cl - 1] = '\004';
		}
		memcpy(stack + cl, id, il + 1);
	}
	struct msg k = {.key = key};
	const struct msg *m = bsearch(&k, c->m, c->n, sizeof(*c->m), msg_cmp);
	if (key != stack)
		free(key);
	return m;
}

const char *i18n_ctext(int lang, const char *ctx, const char *msgid)
{
	const struct msg *m = find(lang, ctx, msgid);
	return m ? m->str[0] : msgid;
}

const char *i18n_text(int lang, const char *msgid)
{
	return i18n_ctext(lang, NULL, msgid);
}

const char *i18n_ntext(int lang, const char *one, const char *other, double n)
{
	const struct msg *m = find(lang, NULL, one);
	if (m == NULL)
		return form_index(LANG_EN, n) == 0 ? one : other;
	size_t i = form_index(lang, n);
	return (int)i < m->nstr ? m->str[i] : m->str[m->nstr - 1];
}

/* ---- the catalogs' check ---- */

static int read_po(const char *path, struct po_file *f, FILE *out)
{
	size_t len;
	char *src = file_read(path, &len);
	if (src == NULL) {
		fprintf(out, "%s: cannot read: %s\n", path, strerror(errno));
		return -1;
	}
	char *err = NULL;
	int rc = po_parse(src, len, f, &err);
	free(src);
	if (rc < 0) {
		fprintf(out, "%s: %s\n", path, err);
		free(err);
	}
	return rc;
}

static bool same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* What is wrong with the translation e of message want in lang, or NULL. */
static const char *entry_problem(int lang, const struct po_entry *want, const struct po_entry *e)
{
	if (e == NULL)
		return "missing";
	if (e->fuzzy)
		return "fuzzy";
	const char *const *forms;
	size_t nforms = i18n_plural_forms(lang, &forms);
	if (want->id_plural && (size_t)e->nstr != nforms)
		return "wrong number of plural forms";
	if (!want->id_plural && (e->nstr != 1 || e->id_plural))
		return "plural forms for a message without";
	for (int i = 0; i < e->nstr; i++) {
		if (e->str[i][0] == '\0')
			return "untranslated";
		const char *english = want->id_plural && nforms > 1 && i == 0 ? want->id
		                      : want->id_plural                       ? want->id_plural
		                                                              : want->id;
		if (!i18n_placeholders_match(english, e->str[i]))
			return "placeholders differ from the English";
	}
	return NULL;
}

size_t i18n_check(const char *dir, FILE *out, size_t *checked)
{
	char path[4096];
	struct po_file pot;
	*checked = 0;
	snprintf(path, sizeof(path), "%s/portal.pot", dir);
	if (read_po(path, &pot, out) < 0)
		return 1;
	size_t problems = 0;
	for (int l = 0; l < LANG_MAX; l++) {
		if (l == LANG_EN)
			continue;
		struct po_file po;
		snprintf(path, sizeof(path), "%s/%s.po", dir, lang_codes[l]);
		if (read_po(path, &po, out) < 0) {
			problems++;
			continue;
		}
		for (size_t i = 0; i < pot.n; i++) {
			const struct po_entry *want = &pot.e[i];
			if (want->id[0] == '\0')
				continue;
			const struct po_entry *e = NULL;
			for (size_t k = 0; k < po.n && e == NULL; k++)
				if (strcmp(po.e[k].id, want->id) == 0 &&
				    same_str(po.e[k].ctx, want->ctx))
					e = &po.e[k];
			const char *why = entry_problem(l, want, e);
			++*checked;
			if (why) {
				problems++;
				fprintf(out, "%s.po:%u: %s: \"%s\"\n", lang_codes[l],
				        e ? e->line : 0, why, want->id);
			}
		}
		po_free(&po);
	}
	po_free(&pot);
	return problems;
}

/* ---- templates ---- */

static const char open_simple[] = "{{#t}}", open_count[] = "{{#t ", close_t[] = "{{/t}}",
                  split_t[] = "{{|}}";
enum { OPEN_COUNT_LEN = sizeof(open_count) - 1 };

bool i18n_has_markers(const char *src, size_t len)
{
	return memmem(src, len, open_simple, sizeof(open_simple) - 1) ||
	       memmem(src, len, open_count, OPEN_COUNT_LEN);
}

static unsigned line_of(const char *src, const char *at)
{
	unsigned line = 1;
	for (const char *p = src; p < at; p++)
		line += *p == '\n';
	return line;
}

/* The text between a and b with white space runs made one space, trimmed: a msgid. */
static char *collapse(const char *a, const char *b)
{
	char *out = xcalloc((size_t)(b - a) + 1, 1), *o = out;
	bool space = false;
	for (; a < b; a++) {
		if (*a == ' ' || *a == '\t' || *a == '\n' || *a == '\r') {
			space = o != out;
			continue;
		}
		if (space)
			*o++ = ' ';
		space = false;
		*o++ = *a;
	}
	*o = '\0';
	return out;
}

struct out {
	char *s;
	size_t len, cap;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->len + n + 1 > o->cap) {
		size_t cap = (o->len + n + 1) * 2;
		char *p = realloc(o->s, cap);
		if (p == NULL)
			die_oom();
		o->s = p;
		o->cap = cap;
	}
	memcpy(o->s + o->len, s, n);
	o->len += n;
	o->s[o->len] = '\0';
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* The pseudo form of an English text that has no message (en-XA shows every marked text). */
static const char *pseudo_fallback(int lang, const char *english, char **tmp)
{
	if (lang != LANG_PSEUDO)
		return english;
	*tmp = i18n_pseudo(english);
	return *tmp;
}

/* Writes the plural sections of one message: {{#count@one}}...{{/count@one}}... */
static void put_plural(struct out *o, int lang, const char *count, size_t count_len,
                       const char *one, const char *other)
{
	const char *const *forms;
	size_t nforms = i18n_plural_forms(lang, &forms);
	const struct msg *m = find(lang, NULL, one);
	const char *english[2] = {one, other};
	if (m == NULL) {
		/* English's own forms: one and other. */
		i18n_plural_forms(LANG_EN, &forms);
		nforms = 2;
	}
	if (nforms == 1) {
		puts_(o, m->str[0]);
		return;
	}
	for (size_t i = 0; i < nforms; i++) {
		char *tmp = NULL;
		const char *text = m ? (int)i < m->nstr ? m->str[i] : m->str[m->nstr - 1]
		                     : pseudo_fallback(lang, english[i], &tmp);
		puts_(o, "{{#");
		put(o, count, count_len);
		puts_(o, "@");
		puts_(o, forms[i]);
		puts_(o, "}}");
		puts_(o, text);
		puts_(o, "{{/");
		put(o, count, count_len);
		puts_(o, "@");
		puts_(o, forms[i]);
		puts_(o, "}}");
		free(tmp);
	}
}

static char *expand_fail(struct out *o, char **err, const char *src, const char *at,
                         const char *what)
{
	free(o->s);
	if (err) {
		char msg[160];
		snprintf(msg, sizeof(msg), "line %u: %s", line_of(src, at), what);
		*err = xstrndup(msg, strlen(msg));
	}
	return NULL;
}

char *i18n_expand(int lang, const char *src, size_t len, size_t *out_len, char **err)
{
	struct out o = {0};
	put(&o, "", 0);
	const char *p = src, *end = src + len;
	while (p < end) {
		const char *a = memmem(p, (size_t)(end - p), "{{#t", 4);
		if (a == NULL || (a[4] != '}' && a[4] != ' ')) {
			const char *stop = a ? a + 4 : end;
			put(&o, p, (size_t)(stop - p));
			p = stop;
			continue;
		}
		put(&o, p, (size_t)(a - p));
		const char *count = NULL, *body;
		size_t count_len = 0;
		if (strncmp(a, open_simple, sizeof(open_simple) - 1) == 0) {
			body = a + sizeof(open_simple) - 1;
		} else {
			count = a + OPEN_COUNT_LEN;
			const char *e = memmem(count, (size_t)(end - count), "}}", 2);
			if (e == NULL)
				return expand_fail(&o, err, src, a, "unclosed {{#t COUNT}}");
			count_len = (size_t)(e - count);
			for (size_t i = 0; i < count_len; i++)
				if (count[i] == ' ' || count[i] == '{' || count[i] == '\n')
					return expand_fail(&o, err, src, a, "bad {{#t COUNT}}");
			if (count_len == 0)
				return expand_fail(&o, err, src, a, "empty {{#t COUNT}}");
			body = e + 2;
		}
		const char *close =
		    memmem(body, (size_t)(end - body), close_t, sizeof(close_t) - 1);
		const char *nested = memmem(body, (size_t)(end - body), "{{#t", 4);
		if (close == NULL)
			return expand_fail(&o, err, src, a, "{{#t}} without {{/t}}");
		if (nested && nested < close)
			return expand_fail(&o, err, src, nested, "{{#t}} inside {{#t}}");
		const char *split =
		    memmem(body, (size_t)(close - body), split_t, sizeof(split_t) - 1);
		if ((split != NULL) != (count != NULL))
			return expand_fail(&o, err, src, a,
			                   count ? "{{#t COUNT}} needs one{{|}}other"
			                         : "{{|}} only in {{#t COUNT}}");
		if (count) {
			char *one = collapse(body, split);
			char *other = collapse(split + sizeof(split_t) - 1, close);
			put_plural(&o, lang, count, count_len, one, other);
			free(one);
			free(other);
		} else {
			char *id = collapse(body, close), *tmp = NULL;
			const struct msg *m = find(lang, NULL, id);
			puts_(&o, m ? m->str[0] : pseudo_fallback(lang, id, &tmp));
			free(tmp);
			free(id);
		}
		p = close + sizeof(close_t) - 1;
	}
	if (out_len)
		*out_len = o.len;
	return o.s;
}
