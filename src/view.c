/* view.c: loads and compiles templates once, renders pages inside the shared layout. */
#include "view.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "auth.h"
#include "file.h"
#include "i18n.h"
#include "lang.h"
#include "mustache.h"
#include "thread_slot.h"

/* A template in each language: its marked text expanded at load (i18n_expand), so a
 * page costs nothing more in Japanese than in English.  A template without marked
 * text is compiled once and shared by every language. */
struct view {
	char *name; /* file name without .mustache */
	struct mus_tmpl *tmpl[LANG_COUNT];
	bool shared;
};

static struct view *views;
static size_t nviews;
/* A hash of the stylesheet, added to its address: browsers may cache it for
 * a month, and a new version then has a new address. */
static char asset_version[17];
/* "Community Affairs Unit, .... Telephone 310-618-5555, email x@y." for e-mail and
 * printed pages; made once the settings are read (view_load), read-only afterwards. */
static char contact_text[LANG_COUNT][1024];
/* Each worker thread renders its pages into one buffer it keeps. */
static _Thread_local struct mus_buf page;

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct view *)a)->name, ((const struct view *)b)->name);
}

/* The template called name in language *ud; the table is sorted once loaded, as a
 * page looks up its layout and a partial for every field. */
static const struct mus_tmpl *find(void *ud, const char *name)
{
	int lang = *(const int *)ud;
	if (nviews == 0)
		return NULL;
	struct view key = {.name = (char *)name};
	const struct view *v = bsearch(&key, views, nviews, sizeof(*views), by_name);
	return v ? v->tmpl[lang] : NULL;
}

static bool plural(void *ud, double n, const char *cat, size_t cat_len)
{
	return i18n_plural_is(*(const int *)ud, n, cat, cat_len);
}

/* The loaders of the languages: each finds partials in its own language. */
static const int lang_ids[LANG_COUNT] = {LANG_EN, LANG_ES, LANG_JA, LANG_KO, LANG_ZH_HANT,
					 LANG_PSEUDO};
static const struct mus_loader loaders[LANG_COUNT] = {
    {find, (void *)&lang_ids[0], plural}, {find, (void *)&lang_ids[1], plural},
    {find, (void *)&lang_ids[2], plural}, {find, (void *)&lang_ids[3], plural},
    {find, (void *)&lang_ids[4], plural}, {find, (void *)&lang_ids[5], plural},
};

/* A shipped language, or en-XA when loaded; English for anything else. */
static int known_lang(int lang)
{
	if (lang == LANG_PSEUDO && i18n_pseudo_enabled())
		return lang;
	return lang >= 0 && lang < LANG_MAX ? lang : LANG_EN;
}

/* Compiles src for one language; NULL after naming path and the fault. */
static struct mus_tmpl *compile(const char *path, int lang, const char *src, size_t len)
{
	char *err = NULL;
	size_t xlen = len;
	char *x = lang < 0 ? NULL : i18n_expand(lang, src, len, &xlen, &err);
	if (lang >= 0 && x == NULL) {
		fprintf(stderr, "portal: %s: %s\n", path, err ? err : "cannot expand");
		free(err);
		return NULL;
	}
	struct mus_tmpl *t = mus_compile(x ? x : src, xlen, &err);
	free(x);
	if (t == NULL) {
		fprintf(stderr, "portal: %s (%s): %s\n", path, lang < 0 ? "all" : i18n_code(lang),
			err ? err : "cannot parse");
		free(err);
	}
	return t;
}

static int load_one(const char *dir, const char *file)
{
	size_t flen = strlen(file), slen = strlen(".mustache");
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	size_t len;
	char *src = file_read(path, &len);
	if (src == NULL) {
		fprintf(stderr, "portal: cannot read %s: %s\n", path, strerror(errno));
		return -1;
	}
	struct view v = {.shared = !i18n_has_markers(src, len)};
	int langs = i18n_pseudo_enabled() ? LANG_COUNT : LANG_MAX;
	bool ok = true;
	if (v.shared) {
		v.tmpl[0] = compile(path, -1, src, len);
		ok = v.tmpl[0] != NULL;
		for (int l = 1; l < LANG_COUNT; l++)
			v.tmpl[l] = v.tmpl[0];
	} else {
		for (int l = 0; l < langs && ok; l++)
			ok = (v.tmpl[l] = compile(path, l, src, len)) != NULL;
	}
	free(src);
	if (!ok) {
		for (int l = 0; !v.shared && l < LANG_COUNT; l++)
			mus_free(v.tmpl[l]);
		if (v.shared)
			mus_free(v.tmpl[0]);
		return -1;
	}
	struct view *nv = realloc(views, (nviews + 1) * sizeof(*views));
	if (nv == NULL)
		die_oom();
	views = nv;
	v.name = strndup(file, flen - slen);
	if (v.name == NULL)
		die_oom();
	views[nviews++] = v;
	return 0;
}

/* FNV-1a of the stylesheet beside the templates, as 16 hex digits ("0" when unreadable). */
static void hash_stylesheet(const char *dir)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/../static/portal.css", dir);
	size_t len;
	char *css = file_read(path, &len);
	unsigned long long h = 1469598103934665603ull;
	for (size_t i = 0; css && i < len; i++)
		h = (h ^ (unsigned char)css[i]) * 1099511628211ull;
	snprintf(asset_version, sizeof(asset_version), "%016llx", css ? h : 0ull);
	free(css);
}

const char *view_contact_text(int lang)
{
	lang = known_lang(lang);
	if (contact_text[lang][0] == '\0') {
		char shown[13];
		/* TRANSLATORS: the department's address, telephone and e-mail address. */
		snprintf(contact_text[lang], sizeof(contact_text[lang]),
			 _(lang, "%s. Telephone %s, email %s."), app_config.department_contact,
			 phone_display(app_config.department_phone, shown),
			 app_config.department_email);
	}
	return contact_text[lang];
}

int view_load(const char *dir)
{
	hash_stylesheet(dir);
	for (int l = 0; l < LANG_COUNT; l++) {
		contact_text[l][0] = '\0';
		view_contact_text(l);
	}
	DIR *d = opendir(dir);
	if (d == NULL) {
		fprintf(stderr, "portal: cannot open templates folder %s: %s\n", dir,
			strerror(errno));
		return -1;
	}
	struct dirent *e;
	int rc = 0;
	while (rc == 0 && (e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name), s = strlen(".mustache");
		if (n > s && strcmp(e->d_name + n - s, ".mustache") == 0)
			rc = load_one(dir, e->d_name);
	}
	closedir(d);
	if (nviews)
		qsort(views, nviews, sizeof(*views), by_name);
	if (rc == 0 && find((void *)&lang_ids[LANG_EN], "layout") == NULL) {
		fprintf(stderr, "portal: %s has no layout.mustache\n", dir);
		rc = -1;
	}
	return rc;
}

void view_thread_end(void)
{
	free(page.data);
	page = (struct mus_buf){0};
}

void view_unload(void)
{
	for (size_t i = 0; i < nviews; i++) {
		free(views[i].name);
		for (int l = 0; l < (views[i].shared ? 1 : LANG_COUNT); l++)
			mus_free(views[i].tmpl[l]);
	}
	free(views);
	views = NULL;
	nviews = 0;
}

/* The names of the languages, each in itself, for the switcher. */
static const char *const lang_names[LANG_MAX] = {"English", "Español", "日本語", "한국어",
						 "繁體中文"};

/* This page's address in language lang: its path, and of its query what names the
 * application shown (a status page's view token, a prefilled reference); one-time
 * notices ("done=withdrawn") are not shown again. */
static char *page_in(const struct request *req, int lang)
{
	struct buf b;
	buf_init(&b, req->arena);
	buf_puts(&b, req->path);
	for (size_t i = 0; i < req->query.n; i++)
		if (strcmp(req->query.items[i].key, "view") == 0 ||
		    strcmp(req->query.items[i].key, "ref") == 0)
			buf_printf(&b, "%c%s=%s", b.len == strlen(req->path) ? '?' : '&',
				   url_encode(req->arena, req->query.items[i].key),
				   url_encode(req->arena, req->query.items[i].val));
	buf_printf(&b, "%clang=%s", b.len == strlen(req->path) ? '?' : '&', i18n_code(lang));
	return buf_str(&b);
}

/* The line each language's reader finds on every public page, in that language. */
static json_t *help_lines(void)
{
	json_t *list = json_array();
	for (int l = 0; l < LANG_MAX; l++)
		/* TRANSLATORS: shown in every language at the foot of every page, followed by
		 * the department's telephone: write it in your own language and name your
		 * language ("For help in Spanish, call"), not English. */
		json_array_append_new(list, json_pack("{s:s, s:s}", "code", lang_codes[l], "text",
						      _(l, "For help in English, call")));
	return list;
}

/* The language keys of a public page: "lang" for <html lang>, "languages" (the
 * switcher's links to this page in the other languages, on a GET) and "help". */
static void add_languages(struct request *req, json_t *data)
{
	json_object_set_new(data, "lang", json_string(i18n_code(req->lang)));
	if (!lang_public_path(req->path))
		return;
	json_object_set_new(data, "help", help_lines());
	json_object_set_new(data, "has_help", json_true());
	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)
		return;
	json_t *list = json_array();
	for (int l = 0; l < LANG_MAX; l++)
		if (l != req->lang)
			json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "code",
							      lang_codes[l], "name", lang_names[l],
							      "href", page_in(req, l)));
	json_object_set_new(data, "languages", list);
	json_object_set_new(data, "has_languages", json_true());
}

/* Adds the keys the layout reads, unless the handler set them. */
static void add_common(struct request *req, json_t *data)
{
	json_object_set_new(data, "site_name", json_string(app_config.site_name));
	char shown[13];
	add_languages(req, data);
	json_object_set_new(data, "department_contact",
			    json_string(view_contact_text(req->lang)));
	json_object_set_new(data, "department_address",
			    json_string(app_config.department_contact));
	json_object_set_new(data, "department_phone",
			    json_string(phone_display(app_config.department_phone, shown)));
	json_object_set_new(data, "department_tel",
			    json_sprintf("+1%s", app_config.department_phone));
	json_object_set_new(data, "department_email", json_string(app_config.department_email));
	json_object_set_new(data, "asset_version", json_string(asset_version));
	if (req->csrf)
		json_object_set_new(data, "csrf", json_string(req->csrf));
	json_t *user = auth_user_json(req);
	if (user)
		json_object_set_new(data, "user", user);
}

void view_render(struct request *req, struct response *res, const char *name, json_t *data)
{
	int lang = known_lang(req->lang);
	const struct mus_tmpl *t = find((void *)&lang_ids[lang], name);
	if (t == NULL) {
		fprintf(stderr, "portal: no template %s\n", name);
		json_decref(data);
		response_text(res, 500, "Internal error: missing template\n");
		return;
	}
	add_common(req, data);
	mus_render_into(t, data, &loaders[lang], &page);
	json_decref(data);
	res->content_type = "text/html; charset=utf-8";
	res->body.len = 0;
	buf_add(&res->body, page.data, page.len);
}

void view_error(struct request *req, struct response *res, int status, const char *heading,
		const char *message)
{
	json_t *data = json_pack("{s:s, s:s, s:i}", "heading", _(req->lang, heading), "message",
				 _(req->lang, message), "status", status);
	if (data == NULL)
		die_oom();
	res->status = status;
	view_render(req, res, "error", data);
}

void view_form(json_t *data, const struct kvmap *values, const char *const names[],
	       const struct form_errors *errs)
{
	json_t *f = json_object();
	for (size_t i = 0; names[i]; i++) {
		const char *err = errs ? form_error_for(errs, names[i]) : NULL;
		json_t *field = json_pack("{s:s, s:s}", "name", names[i], "value",
					  values ? kv_str(values, names[i]) : "");
		if (field == NULL)
			die_oom();
		if (err)
			json_object_set_new(field, "error", json_string(err));
		json_object_set_new(f, names[i], field);
	}
	json_object_set_new(data, "f", f);
	json_t *list = json_array();
	for (size_t i = 0; errs && i < errs->n; i++)
		json_array_append_new(list, json_pack("{s:s, s:s}", "field", errs->e[i].field,
						      "message", errs->e[i].message));
	json_object_set_new(data, "has_errors", json_boolean(errs && errs->n > 0));
	json_object_set_new(data, "error_list", list);
}

json_t *view_language_choices(const char *chosen)
{
	int pick = lang_parse(chosen);
	json_t *list = json_array();
	for (int l = 0; l < LANG_MAX; l++)
		json_array_append_new(list, json_pack("{s:s, s:s, s:b}", "code", lang_codes[l],
						      "name", lang_names[l], "selected",
						      l == (pick < 0 ? LANG_EN : pick)));
	return list;
}

/*
 * The state of a form shown empty depends on nothing but its table of names,
 * yet took a few dozen allocations a page.  Each thread keeps it per table
 * (the tables are static arrays, so their address names them), built on first
 * use; nothing invalidates it.  Pages share it by reference, so no caller may
 * change it: view_form_blank's callers only render it.
 */
enum { BLANK_FORMS_KEPT = 8 };
struct blank_form {
	const char *const *names;
	json_t *f, *errors;
};

static void blank_forms_free(void *p)
{
	struct blank_form *k = p;
	for (int i = 0; k && i < BLANK_FORMS_KEPT; i++) {
		json_decref(k[i].f);
		json_decref(k[i].errors);
	}
	free(k);
}

static struct thread_slot blank_slot =
    THREAD_SLOT(BLANK_FORMS_KEPT * sizeof(struct blank_form), blank_forms_free);

void view_form_blank(json_t *data, const char *const names[])
{
	struct blank_form *k = thread_slot_get(&blank_slot), *slot = NULL;
	for (int i = 0; i < BLANK_FORMS_KEPT && slot == NULL; i++)
		if (k[i].names == names || k[i].names == NULL)
			slot = &k[i];
	if (slot == NULL) { /* more tables than kept: build this one each time */
		view_form(data, NULL, names, NULL);
		return;
	}
	if (slot->names == NULL) {
		json_t *built = json_object();
		view_form(built, NULL, names, NULL);
		slot->f = json_incref(json_object_get(built, "f"));
		slot->errors = json_incref(json_object_get(built, "error_list"));
		json_decref(built);
		slot->names = names;
	}
	json_object_set(data, "f", slot->f);
	json_object_set_new(data, "has_errors", json_false());
	json_object_set(data, "error_list", slot->errors);
}

json_t *view_phone(const char *stored)
{
	char out[13];
	return json_string(phone_display(stored, out));
}

char *view_render_string(const char *name, int lang, const json_t *data)
{
	lang = known_lang(lang);
	const struct mus_tmpl *t = find((void *)&lang_ids[lang], name);
	if (t == NULL)
		return NULL;
	return mus_render(t, data, &loaders[lang], NULL);
}
