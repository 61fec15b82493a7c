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
#include "mustache.h"
#include "thread_slot.h"

struct view {
	char *name; /* file name without .mustache */
	struct mus_tmpl *tmpl;
};

static struct view *views;
static size_t nviews;
/* A hash of the stylesheet, added to its address: browsers may cache it for
 * a month, and a new version then has a new address. */
static char asset_version[17];
/* "Community Affairs Unit, .... Telephone 310-618-5555, email x@y." for e-mail and
 * printed pages; made once the settings are read (view_load), read-only afterwards. */
static char contact_text[1024];
/* Each worker thread renders its pages into one buffer it keeps. */
static _Thread_local struct mus_buf page;

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct view *)a)->name, ((const struct view *)b)->name);
}

/* The template called name; the table is sorted once loaded, as a page looks up
 * its layout and a partial for every field. */
static const struct mus_tmpl *find(void *ud, const char *name)
{
	(void)ud;
	if (nviews == 0)
		return NULL;
	struct view key = {.name = (char *)name};
	const struct view *v = bsearch(&key, views, nviews, sizeof(*views), by_name);
	return v ? v->tmpl : NULL;
}

static const struct mus_loader loader = {find, NULL};

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
	char *err = NULL;
	struct mus_tmpl *t = mus_compile(src, len, &err);
	free(src);
	if (t == NULL) {
		fprintf(stderr, "portal: %s: %s\n", path, err ? err : "cannot parse");
		free(err);
		return -1;
	}
	struct view *nv = realloc(views, (nviews + 1) * sizeof(*views));
	if (nv == NULL)
		die_oom();
	views = nv;
	views[nviews].name = strndup(file, flen - slen);
	if (views[nviews].name == NULL)
		die_oom();
	views[nviews].tmpl = t;
	nviews++;
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

const char *view_contact_text(void)
{
	if (contact_text[0] == '\0') {
		char shown[13];
		snprintf(contact_text, sizeof(contact_text), "%s. Telephone %s, email %s.",
			 app_config.department_contact,
			 phone_display(app_config.department_phone, shown),
			 app_config.department_email);
	}
	return contact_text;
}

int view_load(const char *dir)
{
	hash_stylesheet(dir);
	contact_text[0] = '\0';
	view_contact_text();
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
	if (rc == 0 && find(NULL, "layout") == NULL) {
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
		mus_free(views[i].tmpl);
	}
	free(views);
	views = NULL;
	nviews = 0;
}

/* Adds the keys the layout reads, unless the handler set them. */
static void add_common(struct request *req, json_t *data)
{
	json_object_set_new(data, "site_name", json_string(app_config.site_name));
	char shown[13];
	json_object_set_new(data, "department_contact", json_string(view_contact_text()));
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
	const struct mus_tmpl *t = find(NULL, name);
	if (t == NULL) {
		fprintf(stderr, "portal: no template %s\n", name);
		json_decref(data);
		response_text(res, 500, "Internal error: missing template\n");
		return;
	}
	add_common(req, data);
	mus_render_into(t, data, &loader, &page);
	json_decref(data);
	res->content_type = "text/html; charset=utf-8";
	res->body.len = 0;
	buf_add(&res->body, page.data, page.len);
}

void view_error(struct request *req, struct response *res, int status, const char *heading,
		const char *message)
{
	json_t *data = json_pack("{s:s, s:s, s:i}", "heading", heading, "message", message,
				 "status", status);
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

char *view_render_string(const char *name, const json_t *data)
{
	const struct mus_tmpl *t = find(NULL, name);
	if (t == NULL)
		return NULL;
	return mus_render(t, data, &loader, NULL);
}
