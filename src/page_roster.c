/* page_roster.c: the printable roster and per-session sign-in sheets of a class or semester. */
#include <string.h>

#include "access_log.h"
#include "cohort.h"
#include "pages.h"
#include "seal.h"
#include "users.h"
#include "view.h"


/* Ends a query loop that stopped with rc: list, or NULL (list freed) after an error. */
static json_t *finished(struct db *db, int rc, json_t *list)
{
	if (rc == SQLITE_DONE)
		return list;
	db_log_error(db, "reading the roster");
	json_decref(list);
	return NULL;
}

/* One participant as the roster prints them: PIP contact details, or TAP school
 * details, and the needs staff should know about (a PIP applicant's
 * accommodations, a TAP counselor's note), the sealed ones opened in arena
 * (*bad set when one does not open). */
static json_t *participant_json(sqlite3_stmt *st, bool tap, struct arena *a, bool *bad)
{
	json_t *p = json_pack("{s:s, s:s, s:s}", "first_name", db_col_text(st, 0), "last_name",
	                      db_col_text(st, 1), "ref", db_col_text(st, 9));
	if (p == NULL)
		die_oom();
	if (!tap) {
		json_object_set_new(p, "needs",
		                    json_string(seal_open_or_fail(a, db_col_text(st, 10), bad)));
		json_object_set_new(p, "phone", view_phone(db_col_text(st, 2)));
		json_object_set_new(p, "emergency_name",
		                    json_string(seal_open_or_fail(a, db_col_text(st, 3), bad)));
		json_object_set_new(p, "emergency_phone",
		                    view_phone(seal_open_or_fail(a, db_col_text(st, 4), bad)));
		return p;
	}
	const char *school = school_name(db_col_text(st, 5));
	json_object_set_new(p, "school", json_string(school ? school : ""));
	json_object_set_new(p, "needs", json_string(db_col_text(st, 11)));
	json_object_set_new(p, "grade", json_integer(sqlite3_column_int(st, 6)));
	json_object_set_new(p, "guardian_name",
	                    json_string(seal_open_or_fail(a, db_col_text(st, 7), bad)));
	json_object_set_new(p, "guardian_phone",
	                    view_phone(seal_open_or_fail(a, db_col_text(st, 8), bad)));
	json_object_set_new(p, "student_phone",
	                    view_phone(seal_open_or_fail(a, db_col_text(st, 2), bad)));
	return p;
}

/* The accepted (and already completed) participants, by name; a new array, NULL on failure. */
static json_t *participants_json(struct db *db, struct arena *a, const struct cohort *c,
                                 bool tap)
{
	json_t *list = json_array();
	sqlite3_stmt *st = db_stmt(
	    db, "SELECT COALESCE(first_name, ''), COALESCE(last_name, ''), COALESCE(phone, ''),"
	        " COALESCE(emergency_name, ''), COALESCE(emergency_phone, ''),"
	        " COALESCE(school, ''), COALESCE(grade, 0), COALESCE(guardian_name, ''),"
	        " COALESCE(guardian_phone, ''), ref, COALESCE(accommodations, ''),"
	        " COALESCE(counselor_note, '') FROM applications WHERE cohort_id = ? AND"
	        " status IN ('accepted', 'completed') ORDER BY last_name COLLATE NOCASE,"
	        " first_name COLLATE NOCASE, id");
	db_bind_int(st, 1, c->id);
	int rc;
	bool bad = false;
	while ((rc = db_step(st)) == SQLITE_ROW)
		json_array_append_new(list, participant_json(st, tap, a, &bad));
	sqlite3_reset(st);
	if (bad) {
		fputs("portal: a sealed value of the roster does not open\n", stderr);
		json_decref(list);
		return NULL;
	}
	return finished(db, rc, list);
}

/* The cohort's sessions in order, when and where; a new array, NULL on failure. */
static json_t *sessions_json(struct request *req, const struct cohort *c)
{
	struct cohort_session *s;
	int n = cohort_sessions(req->db, req->arena, c, &s);
	return n < 0 ? NULL : cohort_schedule_json(LANG_EN, s, n);
}

/* Rows left empty at the foot of each sign-in sheet, for people who come without
 * being on the list (a guest, a late acceptance). */
enum { WALK_IN_ROWS = 5 };

/* A roster with a name missing would be worse than none: any failure is a 500.
 * A class nobody was accepted to prints no sign-in sheets: the template says so
 * instead, rather than a stack of sheets with nothing but blank rows. */
void admin_roster(struct request *req, struct response *res)
{
	struct cohort c;
	if (!admin_load_cohort(req, res, &c))
		return;
	bool tap = strcmp(c.program, "tap") == 0;
	char title[32], start[64];
	cohort_title(&c, title, sizeof(title));
	date_format_long(c.start, start, sizeof(start));
	json_t *people = NULL, *sessions = NULL;
	if (db_begin_read(req->db) == 0) {
		people = participants_json(req->db, req->arena, &c, tap);
		sessions = sessions_json(req, &c);
		db_end_read(req->db);
	}
	if (people == NULL || sessions == NULL) {
		json_decref(people);
		json_decref(sessions);
		view_error(req, res, 500, "Sorry, there is a problem", "Try again in a moment.");
		return;
	}
	json_t *data = json_object();
	json_t *blank = json_array();
	for (int i = 0; i < WALK_IN_ROWS; i++)
		json_array_append_new(blank, json_integer(i + 1));
	json_object_set_new(data, "blank", blank);
	json_object_set_new(data, "sessions", sessions);
	json_object_set_new(data, "count", json_integer((json_int_t)json_array_size(people)));
	json_object_set_new(data, "has_people", json_boolean(json_array_size(people) > 0));
	json_object_set_new(data, "people", people);
	json_t *cj = json_pack(
	    "{s:s, s:s, s:b, s:s, s:i, s:i}", "title", title, "start", start, "tap", tap, "url",
	    arena_printf(req->arena, "%s/%lld", tap ? "/admin/tap/semesters" : "/admin/pip/classes",
	                 (long long)c.id),
	    "sessions", c.nsessions, "required", cohort_required(&c));
	if (cj == NULL)
		die_oom();
	json_object_set_new(data, "cohort", cj);
	int64_t listed = (int64_t)json_array_size(people);
	const char *what = arena_printf(req->arena, "Roster of %s", title);
	res->no_store = true;
	view_render(req, res, "admin_roster", data);
	/* Recorded once the page is made, so that a page that failed is not counted. */
	if (access_log_record(req, ACCESS_ROSTER, 0, c.id, listed, what) < 0)
		access_log_failed(req, res);
}
