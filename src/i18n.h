/* i18n.h: translated text.  Catalogs are the PO files of po/ (gettext's format, which
 * translators' tools read), loaded once at start into read-only tables; plurals follow
 * CLDR's rules through ICU; templates are expanded per language when they are loaded. */
#ifndef PORTAL_I18N_H
#define PORTAL_I18N_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "clock.h"

/*
 * A language of text: the shipped ones of enum lang, and en-XA, a pseudo-language
 * made from the English (every letter accented, words about 40% longer) that tests
 * use to find text not taken from the catalogs.  en-XA exists only when loaded with
 * pseudo set (a test-only setting); dates in it are English.
 */
enum { LANG_PSEUDO = LANG_MAX, LANG_COUNT };
/* The code of any language, en-XA included. */
const char *i18n_code(int lang);
/* The language of a code ("es", "zh-Hant", any case; "en-XA" when enabled), or -1. */
int i18n_parse(const char *code);
/* Whether en-XA was loaded. */
bool i18n_pseudo_enabled(void);
/* A stored language code's name in English, for staff pages ("Spanish"); the code
 * itself when unknown. */
const char *i18n_english_name(const char *code);
/* The language dates and numbers of lang are written in (en-XA's are English). */
enum lang i18n_format_lang(int lang);

/*
 * Loads po/LANG.po for each shipped language but English from dir, and when pseudo
 * is set makes en-XA from dir/portal.pot.  0, or -1 after naming what failed on
 * stderr.  A translation whose placeholders differ from its msgid's (see
 * i18n_placeholders_match) or that is marked fuzzy is left out: English shows.
 * Called before any thread starts; the tables are read-only afterwards.
 */
int i18n_load(const char *dir, bool pseudo);
void i18n_unload(void);

/* The translation of msgid (with context ctx when not NULL) in lang, or msgid. */
const char *i18n_text(int lang, const char *msgid);
const char *i18n_ctext(int lang, const char *ctx, const char *msgid);
/* The form for count n of a message with English forms one and other. */
const char *i18n_ntext(int lang, const char *one, const char *other, double n);
/* Whether n falls in CLDR plural category cat ("one", "other"...) as lang counts,
 * where a category the language's catalogs have no form for counts as "other". */
bool i18n_plural_is(int lang, double n, const char *cat, size_t cat_len);

/* Marks text for extraction (make po); the translating call comes later. */
#define N_(s) (s)
/* The translation of s in language l. */
#define _(l, s)              i18n_text((l), (s))
#define C_(l, ctx, s)        i18n_ctext((l), (ctx), (s))
#define P_(l, one, other, n) i18n_ntext((l), (one), (other), (n))

/*
 * Expands a template's translatable text for lang: {{#t}}text{{/t}} becomes the
 * translation of text (white space runs made one space), and {{#t COUNT}}one
 * form{{|}}other form{{/t}} the sections {{#COUNT@CATEGORY}}form{{/COUNT@CATEGORY}}
 * that view.c's renderer resolves by CLDR plural category.  Returns a malloc'd
 * string (its length in *out_len), or NULL with *err (malloc'd) naming the line of
 * an unclosed or malformed marker.
 */
char *i18n_expand(int lang, const char *src, size_t len, size_t *out_len, char **err);
/* Whether src holds any marker: a template without one is the same in every language. */
bool i18n_has_markers(const char *src, size_t len);

/*
 * Whether a translation keeps its msgid's placeholders: the same {{name}} tags and
 * HTML tags (in any order), and the same printf conversions in the same order.
 */
bool i18n_placeholders_match(const char *msgid, const char *msgstr);

/* The pseudo-language form of English text s: malloc'd. */
char *i18n_pseudo(const char *s);

/* ---- PO files, for the loader and the catalog check ---- */
enum { PO_MAX_FORMS = 6 };
struct po_entry {
	char *ctx, *id, *id_plural; /* ctx and id_plural may be NULL */
	char *str[PO_MAX_FORMS];
	int nstr;
	bool fuzzy;
	unsigned line; /* of its msgid */
};
struct po_file {
	struct po_entry *e;
	size_t n;
};
/* Parses PO text (the subset gettext writes: comments, msgctxt, msgid,
 * msgid_plural, msgstr, msgstr[N], continued strings, C escapes; obsolete #~
 * entries skipped).  0, or -1 with *err (malloc'd) naming the line. */
int po_parse(const char *src, size_t len, struct po_file *out, char **err);
void po_free(struct po_file *f);
/*
 * Checks dir's catalogs against dir/portal.pot: every message of every shipped
 * language must be there, translated, not fuzzy, with the plural forms its
 * language has and the placeholders of its English.  Writes one line per problem
 * to out; returns how many, and in *checked how many messages it looked at.
 */
size_t i18n_check(const char *dir, FILE *out, size_t *checked);
/* The plural forms a catalog of lang has, in msgstr[] order ("one", "other"). */
size_t i18n_plural_forms(int lang, const char *const **forms);

#endif
