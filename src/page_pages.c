/* page_pages.c: administrators edit, preview and save the program pages' Markdown. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "clock.h"
#include "auth.h"
#include "db.h"
#include "i18n.h"
#include "markdown.h"
#include "pages.h"
#include "view.h"

/* The pages an administrator can edit: the slugs of the pages table. */
struct program_page {
	const char *slug, *title, *url;
};
static const struct program_page program_pages[] = {
    {"home", "Home", "/"},
    {"pip", "Partners In Policing", "/pip"},
    {"tap", "Teens and Policing", "/tap"},
};
enum { NPAGES = sizeof(program_pages) / sizeof(program_pages[0]) };

static const char *const edit_fields[] = {"markdown", NULL};

/* The language of the version edited: ?lang= on a GET, the form's lang on a POST, English
 * when absent; -1 when it names none of SPEC.md's. */
static int edit_lang(const struct request *req)
{
	const char *code = kv_get(strcmp(req->method, "POST") == 0 ? &req->form : &req->query, "lang");
	return code == NULL || code[0] == '\0' ? LANG_EN : lang_parse(code);
}

/* The page's versions for the editor's navigation: each language, the edited one marked,
 * and whether it is written yet. */
static json_t *versions_json(struct request *req, const char *slug, int lang)
{
	json_t *list = json_array();
	sqlite3_stmt *st = db_stmt(req->db, "SELECT 1 FROM pages WHERE slug = ? AND language = ?");
	for (int l = 0; l < LANG_MAX; l++) {
		db_bind_text(st, 1, slug);
		db_bind_text(st, 2, lang_codes[l]);
		bool written = db_step(st) == SQLITE_ROW;
		sqlite3_reset(st);
		json_array_append_new(list, json_pack("{s:s, s:s, s:b, s:b}", "code", lang_codes[l],
						      "name", i18n_english_name(lang_codes[l]),
						      "current", l == lang, "written", written));
	}
	return list;
}

/* The page of the URL (req->params[0]), or NULL. */
static const struct program_page *url_page(const struct request *req)
{
	for (size_t i = 0; req->nparams == 1 && i < NPAGES; i++)
		if (strcmp(program_pages[i].slug, req->params[0]) == 0)
			return &program_pages[i];
	return NULL;
}

/* What is stored for a page; strings live in the request's arena. */
struct stored {
	const char *markdown, *html, *updated_by;
	long long updated_at; /* 0 when the page has no row */
};

/* Reads a page's row in a language: 0 (empty fields when it has none) or -1 on failure. */
static int stored_get(struct request *req, const char *slug, int lang, struct stored *out)
{
	sqlite3_stmt *st = db_stmt(req->db, "SELECT p.markdown, COALESCE(p.html, ''),"
	                                    " p.updated_at, COALESCE(u.name, '') FROM pages p"
	                                    " LEFT JOIN users u ON u.id = p.updated_by"
	                                    " WHERE p.slug = ? AND p.language = ?");
	db_bind_text(st, 1, slug);
	db_bind_text(st, 2, lang_codes[lang]);
	*out = (struct stored){"", "", "", 0};
	int rc = db_step(st);
	if (rc == SQLITE_ROW) {
		out->markdown = arena_strdup(req->arena, db_col_text(st, 0));
		out->html = arena_strdup(req->arena, db_col_text(st, 1));
		out->updated_at = sqlite3_column_int64(st, 2);
		out->updated_by = arena_strdup(req->arena, db_col_text(st, 3));
	} else if (rc != SQLITE_DONE) {
		db_log_error(req->db, "reading a program page");
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* The list of pages for the page's navigation, the current one marked. */
static json_t *pages_json(const struct program_page *current)
{
	json_t *list = json_array();
	for (size_t i = 0; i < NPAGES; i++)
		json_array_append_new(list,
		                      json_pack("{s:s, s:s, s:b}", "slug", program_pages[i].slug,
		                                "title", program_pages[i].title, "current",
		                                &program_pages[i] == current));
	return list;
}

/*
 * Renders the editor for page p: the form holding markdown, the preview of
 * html (the stored page's, or, when previewing, the one rendered from what
 * was typed, and then what rendering left out: previewing is not NULL) and
 * errs (status 422 when there are any).  Everything given is only read.
 */
static void show_editor(struct request *req, struct response *res, const struct program_page *p,
                        int lang, const struct stored *s, const char *markdown, const char *html,
                        const struct markdown_dropped *previewing, const struct form_errors *errs)
{
	json_t *data = json_pack(
	    "{s:{s:s, s:s, s:s}, s:o, s:s, s:b, s:b}", "page", "slug", p->slug, "title", p->title,
	    "url", p->url, "pages", pages_json(p), "preview", html, "previewing", previewing != NULL,
	    "saved", !previewing && !errs && strcmp(kv_str(&req->query, "saved"), "1") == 0);
	if (data == NULL)
		die_oom();
	json_object_set_new(data, "versions", versions_json(req, p->slug, lang));
	json_object_set_new(data, "edit_lang", json_pack("{s:s, s:s, s:b, s:b}", "code",
							 lang_codes[lang], "name",
							 i18n_english_name(lang_codes[lang]),
							 "english", lang == LANG_EN, "written",
							 s->updated_at > 0));
	if (previewing && previewing->raw_html > 0) {
		json_object_set_new(data, "dropped_html", json_integer(previewing->raw_html));
		json_object_set_new(data, "dropped_html_one", json_boolean(previewing->raw_html == 1));
	}
	if (previewing && previewing->unsafe_links > 0) {
		json_object_set_new(data, "dropped_links", json_integer(previewing->unsafe_links));
		json_object_set_new(data, "dropped_links_one",
		                    json_boolean(previewing->unsafe_links == 1));
	}
	if (s->updated_at > 0) {
		char when[48];
		time_format(s->updated_at, when, sizeof(when));
		json_object_set_new(data, "updated", json_string(when));
		if (*s->updated_by) /* the seeded pages were written by no one */
			json_object_set_new(data, "updated_by", json_string(s->updated_by));
	}
	struct kvmap values = {0};
	kv_add(&values, req->arena, "markdown", markdown);
	view_form(data, &values, edit_fields, errs);
	if (errs && errs->n)
		res->status = 422;
	/* A signed-in page: nothing of it belongs in a shared cache or the back button's. */
	res->no_store = true;
	view_render(req, res, "admin_page_edit", data);
}

static void not_found(struct request *req, struct response *res)
{
	view_error(req, res, 404, "Page not found",
	           "Only the Home, Partners In Policing and Teens and Policing pages can be "
	           "edited, in English, Spanish (es), Japanese (ja), Korean (ko) and Chinese "
	           "(zh-Hant).");
}

static void failed(struct request *req, struct response *res, const char *what)
{
	view_error(req, res, 500, "Sorry, there is a problem", what);
}

void admin_page_edit(struct request *req, struct response *res)
{
	const struct program_page *p = url_page(req);
	int lang = edit_lang(req);
	if (p == NULL || lang < 0) {
		not_found(req, res);
		return;
	}
	struct stored s;
	if (stored_get(req, p->slug, lang, &s) < 0) {
		failed(req, res, "The page could not be read. Try again in a few minutes.");
		return;
	}
	show_editor(req, res, p, lang, &s, s.markdown, s.html, NULL, NULL);
}

/*
 * The textarea's text with the browser's CRLF line ends made LF, so that the
 * stored size is the text's and not twice its line count (allocated in a).
 */
static char *unix_lines(struct arena *a, const char *in)
{
	size_t n = strlen(in);
	char *out = arena_alloc(a, n + 1), *o = out;
	for (const char *s = in; *s; s++) {
		if (*s == '\r') {
			*o++ = '\n';
			if (s[1] == '\n')
				s++;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return out;
}

static bool blank(const char *s)
{
	return s[strspn(s, " \t\n")] == '\0';
}

/* Stores a page's Markdown and its HTML in one write transaction; 0 or -1. */
static int store(struct request *req, const char *slug, int lang, const char *md,
		 const char *html)
{
	struct db *db = req->db;
	if (db_begin_write(db) < 0)
		return -1;
	/* An upsert: a language's first version, or a page whose seed row is missing, is
	 * created rather than lost. */
	sqlite3_stmt *st = db_stmt(db, "INSERT INTO pages (slug, markdown, html, updated_at,"
	                               " updated_by, language) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
	                               " ON CONFLICT (slug, language) DO UPDATE SET markdown = ?2,"
	                               " html = ?3, updated_at = ?4, updated_by = ?5");
	db_bind_text(st, 1, slug);
	db_bind_text(st, 6, lang_codes[lang]);
	db_bind_text(st, 2, md);
	db_bind_text(st, 3, html);
	db_bind_int(st, 4, app_now());
	db_bind_int(st, 5, req->session->user_id);
	if (db_exec_stmt(db, st) < 0 || db_commit(db) < 0) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

void admin_page_save(struct request *req, struct response *res)
{
	const struct program_page *p = url_page(req);
	int lang = edit_lang(req);
	if (p == NULL || lang < 0) {
		not_found(req, res);
		return;
	}
	struct stored s;
	if (stored_get(req, p->slug, lang, &s) < 0) {
		failed(req, res, "Nothing was saved. Try again in a few minutes.");
		return;
	}
	bool preview = strcmp(kv_str(&req->form, "action"), "preview") == 0;
	const char *md = unix_lines(req->arena, kv_str(&req->form, "markdown"));
	size_t len = strlen(md);
	struct form_errors errs = {.n = 0};
	if (len > MARKDOWN_MAX)
		form_error(&errs, "markdown", "The page must be 32 KB or shorter");
	else if (!preview && blank(md))
		form_error(&errs, "markdown", "Enter the page text");
	if (errs.n) {
		show_editor(req, res, p, lang, &s, md, s.html, NULL, &errs);
		return;
	}
	/* Rendered once here; the public pages only ever read the stored HTML. */
	struct markdown_dropped dropped;
	char *html = markdown_render_checked(md, len, &dropped);
	if (html == NULL) {
		failed(req, res, "The page could not be rendered. Nothing was saved.");
		return;
	}
	if (preview) {
		show_editor(req, res, p, lang, &s, md, html, &dropped, NULL);
		free(html);
		return;
	}
	int rc = store(req, p->slug, lang, md, html);
	free(html);
	if (rc < 0) {
		failed(req, res, "The page was not saved. Try again in a few minutes.");
		return;
	}
	response_redirect(res, lang == LANG_EN
				   ? arena_printf(req->arena, "/admin/pages/%s?saved=1", p->slug)
				   : arena_printf(req->arena, "/admin/pages/%s?lang=%s&saved=1", p->slug,
						  lang_codes[lang]));
}
