/* page_public.c: the home page, the program pages, the health check. */
#include <string.h>

#include "app.h"
#include "cohort.h"
#include "db.h"
#include "pages.h"
#include "i18n.h"
#include "status.h"
#include "view.h"

/* Before the portal: 44 classes and over 1,000 graduates (SPEC.md). */
enum { BASELINE_CLASSES = 44, BASELINE_GRADUATES = 1000 };

/*
 * The stored HTML of a program page in the reader's language, as a new JSON string
 * ("" when missing); the English one when the page has no version in that language,
 * and then data gets "untranslated" so the page can say so.
 */
static json_t *page_html(struct request *req, json_t *data, const char *slug)
{
	const char *want = i18n_code(req->lang); /* en-XA has none: its readers see the note */
	sqlite3_stmt *st = db_stmt(req->db, "SELECT html, language FROM pages WHERE slug = ?1"
					    " AND language IN (?2, 'en')"
					    " ORDER BY language = ?2 DESC LIMIT 1");
	db_bind_text(st, 1, slug);
	db_bind_text(st, 2, want);
	bool found = db_step(st) == SQLITE_ROW;
	json_t *s = json_string(found ? db_col_text(st, 0) : "");
	if (found && strcmp(db_col_text(st, 1), want) != 0)
		json_object_set_new(data, "untranslated", json_true());
	sqlite3_reset(st);
	return s;
}

/* The home page's figures: the baseline plus what the portal recorded. */
static json_t *figures_json(struct db *db)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT count(*), COALESCE(sum(s.n), 0)"
				       " FROM cohort_status_counts s JOIN cohorts c ON c.id = s.cohort_id"
				       " WHERE s.status = 'completed' AND s.n > 0 AND c.program = 'pip'");
	int classes = 0, graduates = 0;
	if (db_step(st) == SQLITE_ROW) {
		classes = sqlite3_column_int(st, 0);
		graduates = sqlite3_column_int(st, 1);
	}
	sqlite3_reset(st);
	char grads[32];
	int g = BASELINE_GRADUATES + graduates;
	if (g >= 1000)
		snprintf(grads, sizeof(grads), "%d,%03d", g / 1000, g % 1000);
	else
		snprintf(grads, sizeof(grads), "%d", g);
	return json_pack("{s:i, s:s}", "classes", BASELINE_CLASSES + classes, "graduates", grads);
}

/*
 * The class or semester of program the public should hear about (the open one,
 * else the next to start), with its schedule; when its registration has
 * closed, the one after it as next.  NULL when there is none.
 */
static json_t *next_cohort(struct request *req, const char *program)
{
	struct cohort c, after;
	if (cohort_next(req->db, program, &c) != 1)
		return NULL;
	json_t *j = cohort_view(req->db, req->arena, &c, req->lang);
	if (j && cohort_state(&c) == REG_CLOSED && cohort_after(req->db, &c, &after) == 1) {
		/* The kept view is shared: "next" goes on a copy of it. */
		json_t *own = json_copy(j);
		json_decref(j);
		j = own;
		if (j)
			json_object_set_new(j, "next", cohort_view(req->db, req->arena, &after, req->lang));
	}
	return j;
}

void public_home(struct request *req, struct response *res)
{
	struct db *db = req->db;
	db_begin_read(db);
	json_t *data = json_object();
	json_object_set_new(data, "intro", page_html(req, data, "home"));
	json_t *pip = next_cohort(req, "pip"), *tap = next_cohort(req, "tap");
	if (pip)
		json_object_set_new(data, "pip", pip);
	if (tap)
		json_object_set_new(data, "tap", tap);
	json_object_set_new(data, "figures", figures_json(db));
	db_end_read(db);
	view_render(req, res, "home", data);
}

void public_program_page(struct request *req, struct response *res)
{
	bool pip = strcmp(req->path, "/pip") == 0;
	struct db *db = req->db;
	db_begin_read(db);
	json_t *data = json_object();
	json_object_set_new(data, "body", page_html(req, data, pip ? "pip" : "tap"));
	json_object_set_new(data, "title",
			    json_string(pip ? "Partners In Policing" : "Teens and Policing"));
	json_object_set_new(data, "pip", json_boolean(pip));
	json_t *c = next_cohort(req, pip ? "pip" : "tap");
	if (c)
		json_object_set_new(data, "cohort", c);
	db_end_read(db);
	view_render(req, res, "program", data);
}

void public_healthz(struct request *req, struct response *res)
{
	sqlite3_stmt *st = db_stmt(req->db, "SELECT count(*) FROM sqlite_schema");
	if (db_int(req->db, st, -1) > 0)
		response_text(res, 200, "ok\n");
	else
		response_text(res, 503, "database unavailable\n");
}

void public_styleguide(struct request *req, struct response *res)
{
	view_render(req, res, "styleguide", json_object());
}
