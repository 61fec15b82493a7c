/* page_access_log.c: the access log of personal records: writing it, and /admin/access-log. */
#include <limits.h>
#include <string.h>

#include "access_log.h"
#include "app.h"
#include "auth.h"
#include "clock.h"
#include "db.h"
#include "pages.h"
#include "validate.h"
#include "view.h"

static const char *const kind_names[ACCESS_MAX] = {"view", "export", "roster", "letter"};
static const char *const kind_labels[ACCESS_MAX] = {"Opened", "Exported", "Printed roster",
						    "Printed letter"};

enum { LOG_PAGE = 50 };

int access_log_record(struct request *req, enum access_kind kind, int64_t application_id,
		      int64_t cohort_id, int64_t rows, const char *what)
{
	struct db *db = req->db;
	if (db_begin_write(db) < 0)
		return -1;
	sqlite3_stmt *st = db_stmt(db, "INSERT INTO access_log (at, user_id, actor, action,"
				       " application_id, cohort_id, rows, what)"
				       " VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	db_bind_int(st, 1, app_now());
	db_bind_int(st, 2, req->session->user_id);
	db_bind_text(st, 3, req->session->name);
	db_bind_text(st, 4, kind_names[kind]);
	if (application_id > 0)
		db_bind_int(st, 5, application_id);
	if (cohort_id > 0)
		db_bind_int(st, 6, cohort_id);
	if (rows >= 0)
		db_bind_int(st, 7, rows);
	db_bind_text(st, 8, what);
	if (db_exec_stmt(db, st) < 0 || db_commit(db) < 0) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

void access_log_failed(struct request *req, struct response *res)
{
	view_error(req, res, 503, "Sorry, there is a problem with the service",
		   "Opening personal records is recorded, and the record could not be written. "
		   "Try again in a few minutes.");
}

/* The filters of the page: user (an account id) and application (an id or a reference). */
struct log_filter {
	long user, page;
	int64_t application; /* 0: any */
	const char *application_text;
	bool unknown_application; /* a reference that names nothing: no rows */
};

static void read_filter(struct request *req, struct log_filter *f)
{
	if (parse_int(kv_get(&req->query, "user"), 1, LONG_MAX, &f->user) < 0)
		f->user = 0;
	if (parse_int(kv_get(&req->query, "page"), 1, 100000, &f->page) < 0)
		f->page = 1;
	f->application = 0;
	f->unknown_application = false;
	f->application_text = "";
	const char *a = kv_str(&req->query, "application");
	if (text_clean(req->arena, a, 40, &f->application_text) < 0 || f->application_text[0] == 0)
		return;
	long id;
	char ref[16];
	if (parse_int(f->application_text, 1, LONG_MAX, &id) == 0) {
		f->application = id;
		return;
	}
	reference_normalise(f->application_text, ref);
	sqlite3_stmt *st = db_stmt(req->db, "SELECT id FROM applications WHERE ref = ?");
	db_bind_text(st, 1, ref);
	f->application = db_int(req->db, st, 0);
	f->unknown_application = f->application == 0;
}

/* The query string of f for page (links between pages keep the filters). */
static const char *filter_query(struct arena *a, const struct log_filter *f, long page)
{
	struct buf b;
	buf_init(&b, a);
	buf_printf(&b, "?page=%ld", page);
	if (f->user)
		buf_printf(&b, "&user=%ld", f->user);
	if (f->application_text[0])
		buf_printf(&b, "&application=%s", url_encode(a, f->application_text));
	return buf_str(&b);
}

/* The accounts for the user filter's choices, by name.  New reference. */
static json_t *users_json(struct db *db, long chosen)
{
	json_t *list = json_array();
	sqlite3_stmt *st = db_stmt(db, "SELECT id, name, email FROM users"
				       " ORDER BY name COLLATE NOCASE, id");
	while (db_step(st) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		json_array_append_new(list, json_pack("{s:I, s:s, s:s, s:b}", "id", (json_int_t)id,
						      "name", db_col_text(st, 1), "email",
						      db_col_text(st, 2), "selected", id == chosen));
	}
	sqlite3_reset(st);
	return list;
}

/* One row of the log from (at, actor, action, application_id, ref, rows, what). */
static json_t *row_json(sqlite3_stmt *st)
{
	char when[64];
	time_format(sqlite3_column_int64(st, 0), when, sizeof(when));
	const char *action = db_col_text(st, 2);
	const char *label = action;
	for (int k = 0; k < ACCESS_MAX; k++)
		if (strcmp(kind_names[k], action) == 0)
			label = kind_labels[k];
	json_t *row = json_pack("{s:s, s:s, s:s, s:s}", "when", when, "who", db_col_text(st, 1),
				"action", label, "what", db_col_text(st, 6));
	if (row == NULL)
		die_oom();
	if (sqlite3_column_type(st, 3) != SQLITE_NULL)
		json_object_set_new(row, "application_id", json_integer(sqlite3_column_int64(st, 3)));
	if (sqlite3_column_type(st, 5) != SQLITE_NULL)
		json_object_set_new(row, "rows", json_integer(sqlite3_column_int64(st, 5)));
	return row;
}

/* GET /admin/access-log: newest first, filtered by `user` and `application`, pages of 50. */
void admin_access_log(struct request *req, struct response *res)
{
	struct db *db = req->db;
	struct log_filter f;
	db_begin_read(db);
	read_filter(req, &f);
	sqlite3_stmt *st = db_stmt(db, "SELECT count(*) FROM access_log"
				       " WHERE (?1 = 0 OR user_id = ?1) AND (?2 = 0 OR application_id = ?2)"
				       " AND NOT ?3");
	db_bind_int(st, 1, f.user);
	db_bind_int(st, 2, f.application);
	db_bind_int(st, 3, f.unknown_application);
	int64_t total = db_int(db, st, -1);
	long pages = total <= 0 ? 1 : (long)((total + LOG_PAGE - 1) / LOG_PAGE);
	long page = f.page > pages ? pages : f.page;
	st = db_stmt(db, "SELECT l.at, l.actor, l.action, l.application_id, a.ref, l.rows, l.what"
			 " FROM access_log l LEFT JOIN applications a ON a.id = l.application_id"
			 " WHERE (?1 = 0 OR l.user_id = ?1) AND (?2 = 0 OR l.application_id = ?2)"
			 " AND NOT ?3 ORDER BY l.at DESC, l.id DESC LIMIT ?4 OFFSET ?5");
	db_bind_int(st, 1, f.user);
	db_bind_int(st, 2, f.application);
	db_bind_int(st, 3, f.unknown_application);
	db_bind_int(st, 4, LOG_PAGE);
	db_bind_int(st, 5, (page - 1) * LOG_PAGE);
	json_t *rows = json_array();
	int rc;
	while ((rc = db_step(st)) == SQLITE_ROW)
		json_array_append_new(rows, row_json(st));
	sqlite3_reset(st);
	json_t *users = users_json(db, f.user);
	db_end_read(db);
	if (total < 0 || rc != SQLITE_DONE) {
		json_decref(rows);
		json_decref(users);
		db_log_error(db, "reading the access log");
		view_error(req, res, 500, "Sorry, there is a problem", "Try again in a moment.");
		return;
	}
	json_t *data = json_pack("{s:o, s:o, s:I, s:i, s:i, s:b, s:s, s:i}", "rows", rows, "users",
				 users, "total", (json_int_t)total, "page", (int)page, "pages",
				 (int)pages, "paged", pages > 1, "application", f.application_text,
				 "days", app_config.access_log_days);
	if (data == NULL)
		die_oom();
	if (page > 1)
		json_object_set_new(data, "prev_url",
				    json_string(filter_query(req->arena, &f, page - 1)));
	if (page < pages)
		json_object_set_new(data, "next_url",
				    json_string(filter_query(req->arena, &f, page + 1)));
	res->no_store = true;
	view_render(req, res, "access_log", data);
}
