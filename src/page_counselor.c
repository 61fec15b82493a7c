/* page_counselor.c: a school's TAP nominations, one nomination with its history, its letter. */
#include <string.h>

#include "access_log.h"
#include "app.h"
#include "applications.h"
#include "eligibility.h"
#include "auth.h"
#include "cohort.h"
#include "pages.h"
#include "seal.h"
#include "status.h"
#include "users.h"
#include "view.h"

/* Statuses inside a sentence ("2 received, 1 on the waiting list"); index by enum status. */
static const char *const status_words[ST_MAX] = {
	"received", "on the waiting list", "accepted", "declined", "withdrawn", "completed",
};

/* Aborts on a json_pack that failed: with valid formats that is only out of memory. */
static json_t *made(json_t *j)
{
	if (j == NULL)
		die_oom();
	return j;
}

/* Staff and administrators see every school's nominations. */
static bool is_staff(const struct session *s)
{
	return strcmp(s->role, "admin") == 0 || strcmp(s->role, "staff") == 0;
}

/* The database failed: nothing was changed, so trying again is safe. */
static void fail_500(struct request *req, struct response *res)
{
	view_error(req, res, 500, "Sorry, there is a problem", "Try again in a few minutes.");
}

/* One answer for a nomination that does not exist and one this user may not see. */
static void not_found(struct request *req, struct response *res)
{
	view_error(req, res, 404, "Page not found",
		   "There is no nomination at this address that you can see. Check the link, or "
		   "go back to your nominations.");
}

/* ---- the school's list ---- */

/*
 * The nominations of school in semester c, oldest first, as the rows of
 * group; per-status counts go in group too.  When one row has the reference
 * banner_ref, *banner receives what the success message says about it.
 * 0 or -1.
 */
static int school_rows(struct request *req, const struct cohort *c, const char *school,
		       const char *banner_ref, json_t *group, json_t **banner)
{
	sqlite3_stmt *st =
	    db_stmt(req->db, "SELECT id, ref, status, COALESCE(waitlist_position, 0),"
			     " submitted_at, first_name IS NULL,"
			     " COALESCE(first_name, ''), COALESCE(last_name, ''),"
			     " COALESCE(grade, 0) FROM applications"
			     " WHERE cohort_id = ? AND school = ?"
			     " ORDER BY submitted_at, id");
	db_bind_int(st, 1, c->id);
	db_bind_text(st, 2, school);
	json_t *rows = json_array();
	int counts[ST_MAX] = {0};
	int rc;
	while ((rc = db_step(st)) == SQLITE_ROW) {
		int s = status_parse(db_col_text(st, 2));
		if (s < 0)
			continue;
		counts[s]++;
		char when[48];
		time_format(sqlite3_column_int64(st, 4), when, sizeof(when));
		bool erased = sqlite3_column_int(st, 5) != 0;
		json_t *row = made(json_pack(
		    "{s:I, s:s, s:s, s:s, s:s, s:b}", "id", (json_int_t)sqlite3_column_int64(st, 0),
		    "ref", db_col_text(st, 1), "status", status_names[s], "status_label",
		    status_labels[s], "submitted", when, "erased", erased));
		if (!erased)
			json_object_set_new(
			    row, "name",
			    json_sprintf("%s %s", db_col_text(st, 6), db_col_text(st, 7)));
		if (sqlite3_column_int(st, 8) > 0)
			json_object_set_new(row, "grade", json_integer(sqlite3_column_int(st, 8)));
		if (sqlite3_column_int(st, 3) > 0)
			json_object_set_new(row, "position",
					    json_integer(sqlite3_column_int(st, 3)));
		if (banner_ref && strcmp(banner_ref, db_col_text(st, 1)) == 0 && *banner == NULL)
			*banner = json_deep_copy(row);
		json_array_append_new(rows, row);
	}
	sqlite3_reset(st);
	json_object_set_new(group, "rows", rows);
	if (rc != SQLITE_DONE) {
		db_log_error(req->db, "listing a school's nominations");
		return -1;
	}
	json_t *list = json_array();
	int total = 0;
	for (int s = 0; s < ST_MAX; s++) {
		total += counts[s];
		if (counts[s])
			json_array_append_new(list, made(json_pack("{s:i, s:s}", "n", counts[s],
								   "label", status_words[s])));
	}
	/* The template separates the counts with commas: mark the last one. */
	if (json_array_size(list))
		json_object_set_new(json_array_get(list, json_array_size(list) - 1), "last",
				    json_true());
	json_object_set_new(group, "counts", list);
	json_object_set_new(group, "total", json_integer(total));
	json_object_set_new(group, "has_rows", json_boolean(total > 0));
	json_object_set_new(group, "school_active",
			    json_integer(counts[ST_SUBMITTED] + counts[ST_ACCEPTED]));
	return 0;
}

/* One semester's section of the page: title, places, the school's rows; NULL on failure. */
static json_t *semester_group(struct request *req, int64_t id, const char *school,
			      const char *banner_ref, json_t **banner)
{
	struct cohort c;
	if (cohort_get(req->db, id, &c) != 1)
		return NULL;
	/* Title, start, capacity, active and waiting counts, school_cap: cohort_json's. */
	json_t *group = cohort_json(req->db, &c);
	if (school_rows(req, &c, school, banner_ref, group, banner) < 0) {
		json_decref(group);
		return NULL;
	}
	return group;
}

/*
 * The semesters the page shows, newest first: every one where the school has
 * a nomination, and the open one even before the first.  Sets "semesters"
 * and, for the one taking nominations, "open".  0 or -1.
 */
static int list_semesters(struct request *req, const char *school, json_t *data)
{
	const char *banner_ref = kv_get(&req->query, "nominated");
	json_t *banner = NULL;
	json_t *groups = json_array();
	json_object_set_new(data, "semesters", groups);
	sqlite3_stmt *st = db_stmt(req->db, "SELECT id FROM cohorts c WHERE program = 'tap' AND"
					    " (registration_open = 1 OR EXISTS (SELECT 1 FROM"
					    " applications a WHERE a.cohort_id = c.id AND"
					    " a.school = ?)) ORDER BY start_date DESC, id DESC");
	db_bind_text(st, 1, school);
	int rc;
	while ((rc = db_step(st)) == SQLITE_ROW) {
		json_t *group =
		    semester_group(req, sqlite3_column_int64(st, 0), school, banner_ref, &banner);
		if (group == NULL) {
			sqlite3_reset(st);
			json_decref(banner);
			return -1;
		}
		if (json_is_true(json_object_get(group, "open")))
			json_object_set(data, "open", group);
		json_array_append_new(groups, group);
	}
	sqlite3_reset(st);
	if (banner)
		json_object_set_new(data, "nominated", banner);
	if (rc != SQLITE_DONE) {
		db_log_error(req->db, "listing semesters");
		return -1;
	}
	return 0;
}

/* GET /counselor: the school's nominations by semester, with a banner after a nomination. */
void counselor_home(struct request *req, struct response *res)
{
	res->no_store = true;
	const char *school = school_name(req->session->school);
	if (school == NULL) {
		view_error(req, res, 403, "Your account has no school",
			   "Ask an administrator to set your school, then sign in again.");
		return;
	}
	json_t *data = made(json_pack("{s:s}", "school", school));
	/* One snapshot, so that the counts agree with the rows. */
	if (db_begin_read(req->db) < 0) {
		json_decref(data);
		fail_500(req, res);
		return;
	}
	int rc = list_semesters(req, req->session->school, data);
	db_end_read(req->db);
	if (rc < 0) {
		json_decref(data);
		fail_500(req, res);
		return;
	}
	view_render(req, res, "counselor", data);
}

/* ---- one nomination ---- */

/* A nomination as read from the table; strings live in the request's arena. */
struct nomination {
	int64_t id, cohort_id, counselor_id;
	char ref[12];
	enum status status;
	int position, grade;
	long long submitted_at, erased_at; /* erased_at 0 while the details are kept */
	long long status_at;               /* the last move: for a completed one, its completion */
	const char *first_name, *last_name, *dob, *student_email, *student_phone;
	const char *school, *student_id, *guardian_name, *guardian_phone, *guardian_email;
	const char *note, *counselor_name;
	bool consent;
};

/* Column i copied into the request's arena, so it outlives the statement's reset. */
static const char *col(struct request *req, sqlite3_stmt *st, int i)
{
	return arena_strdup(req->arena, db_col_text(st, i));
}

/* Column i opened (seal.c) into the request's arena; *bad set when it does not open. */
static const char *col_open(struct request *req, sqlite3_stmt *st, int i, bool *bad)
{
	return seal_open_or_fail(req->arena, db_col_text(st, i), bad);
}

/* Reads TAP nomination id: 1 found, 0 not (or not TAP), -1 failure (a sealed
 * value that does not open included). */
static int load(struct request *req, int64_t id, struct nomination *n)
{
	sqlite3_stmt *st = db_stmt(
	    req->db,
	    "SELECT a.ref, a.status, COALESCE(a.waitlist_position, 0), a.submitted_at,"
	    " COALESCE(a.erased_at, 0), COALESCE(a.first_name, ''), COALESCE(a.last_name, ''),"
	    " COALESCE(a.dob, ''), COALESCE(a.email, ''), COALESCE(a.phone, ''),"
	    " COALESCE(a.school, ''), COALESCE(a.student_id, ''), COALESCE(a.grade, 0),"
	    " COALESCE(a.guardian_name, ''), COALESCE(a.guardian_phone, ''),"
	    " COALESCE(a.guardian_email, ''), COALESCE(a.guardian_consent, 0),"
	    " COALESCE(a.counselor_note, ''), COALESCE(a.counselor_id, 0), COALESCE(u.name, ''),"
	    " a.cohort_id, a.status_at FROM applications a JOIN cohorts c ON c.id = a.cohort_id"
	    " LEFT JOIN users u ON u.id = a.counselor_id WHERE a.id = ? AND c.program = 'tap'");
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	if (rc != SQLITE_ROW) {
		if (rc != SQLITE_DONE)
			db_log_error(req->db, "reading a nomination");
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? 0 : -1;
	}
	memset(n, 0, sizeof(*n));
	n->id = id;
	snprintf(n->ref, sizeof(n->ref), "%s", db_col_text(st, 0));
	int s = status_parse(db_col_text(st, 1));
	n->status = s < 0 ? ST_SUBMITTED : (enum status)s;
	n->position = sqlite3_column_int(st, 2);
	n->submitted_at = sqlite3_column_int64(st, 3);
	n->erased_at = sqlite3_column_int64(st, 4);
	n->first_name = col(req, st, 5);
	n->last_name = col(req, st, 6);
	bool bad = false;
	n->dob = col_open(req, st, 7, &bad);
	n->student_email = col_open(req, st, 8, &bad);
	n->student_phone = col_open(req, st, 9, &bad);
	n->school = col(req, st, 10);
	n->student_id = col_open(req, st, 11, &bad);
	n->grade = sqlite3_column_int(st, 12);
	n->guardian_name = col_open(req, st, 13, &bad);
	n->guardian_phone = col_open(req, st, 14, &bad);
	n->guardian_email = col_open(req, st, 15, &bad);
	n->consent = sqlite3_column_int(st, 16) != 0;
	n->note = col(req, st, 17);
	n->counselor_id = sqlite3_column_int64(st, 18);
	n->counselor_name = col(req, st, 19);
	n->cohort_id = sqlite3_column_int64(st, 20);
	n->status_at = sqlite3_column_int64(st, 21);
	sqlite3_reset(st);
	if (bad) {
		fprintf(stderr, "portal: a sealed value of nomination %s does not open\n", n->ref);
		return -1;
	}
	return 1;
}

/* A counselor sees the nominations of their own school; staff and admin see every one. */
static bool may_see(const struct session *s, const struct nomination *n)
{
	return is_staff(s) || (s->school[0] && strcmp(s->school, n->school) == 0);
}

/* The letter: the nomination's own counselor (SPEC.md), staff and admin. */
static bool may_print(const struct session *s, const struct nomination *n)
{
	return is_staff(s) || (n->counselor_id != 0 && n->counselor_id == s->user_id);
}

/*
 * Finds the nomination of the route's id and checks this user may open it
 * (for the letter: print it).  Answers 404 or 500 itself and returns 0;
 * returns 1 with *n filled.
 */
static int find_for(struct request *req, struct response *res, bool letter, struct nomination *n)
{
	long id;
	if (req->nparams < 1 || parse_int(req->params[0], 1, 1L << 40, &id) < 0) {
		not_found(req, res);
		return 0;
	}
	int found = load(req, id, n);
	if (found < 0) {
		fail_500(req, res);
		return 0;
	}
	bool ok = found == 1 && (letter ? may_print(req->session, n) : may_see(req->session, n));
	if (!ok) {
		not_found(req, res);
		return 0;
	}
	return 1;
}


/* "Wednesday 17 May 2009" for a stored date; the stored text when it is not one. */
static json_t *date_json(const char *iso)
{
	struct date d;
	char out[48];
	if (date_parse(iso, &d) < 0)
		return json_string(iso);
	date_format_long(d, out, sizeof(out));
	return json_string(out);
}

/* The personal details of a nomination that retention has not erased. */
static void add_details(json_t *d, const struct nomination *n)
{
	json_object_set_new(d, "name", json_sprintf("%s %s", n->first_name, n->last_name));
	json_object_set_new(d, "student_id", json_string(n->student_id));
	json_object_set_new(d, "dob", date_json(n->dob));
	if (n->grade > 0)
		json_object_set_new(d, "grade", json_integer(n->grade));
	if (n->student_email[0])
		json_object_set_new(d, "student_email", json_string(n->student_email));
	if (n->student_phone[0])
		json_object_set_new(d, "student_phone", view_phone(n->student_phone));
	if (n->guardian_name[0] || n->guardian_email[0]) {
		json_t *g = made(json_pack("{s:s, s:s, s:b}", "name", n->guardian_name, "email",
					   n->guardian_email, "consent", n->consent));
		json_object_set_new(g, "phone", view_phone(n->guardian_phone));
		json_object_set_new(d, "guardian", g);
	}
	if (n->note[0])
		json_object_set_new(d, "note", json_string(n->note));
}

/* The audit rows of a nomination, oldest first; NULL on failure. */
static json_t *history_json(struct request *req, int64_t id)
{
	sqlite3_stmt *st = db_stmt(req->db, "SELECT at, actor, COALESCE(from_status, ''),"
					    " to_status, note FROM audit WHERE application_id = ?"
					    " ORDER BY at, id");
	db_bind_int(st, 1, id);
	json_t *rows = json_array();
	int rc;
	while ((rc = db_step(st)) == SQLITE_ROW) {
		char when[48];
		time_format(sqlite3_column_int64(st, 0), when, sizeof(when));
		int from = status_parse(db_col_text(st, 2));
		int to = status_parse(db_col_text(st, 3));
		json_t *row = made(
		    json_pack("{s:s, s:s, s:s, s:s}", "at", when, "actor", db_col_text(st, 1), "to",
			      to >= 0 ? status_names[to] : "", "note", db_col_text(st, 4)));
		json_object_set_new(row, "to_label",
				    json_string(to >= 0 ? status_labels[to] : db_col_text(st, 3)));
		if (from >= 0)
			json_object_set_new(row, "from_label", json_string(status_labels[from]));
		json_array_append_new(rows, row);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		db_log_error(req->db, "reading a nomination's history");
		json_decref(rows);
		return NULL;
	}
	return rows;
}

/* GET /counselor/nominations/ID: one nomination, whole, with its status history. */
void counselor_nomination(struct request *req, struct response *res)
{
	res->no_store = true;
	struct nomination n;
	if (!find_for(req, res, false, &n))
		return;
	struct cohort c;
	json_t *history = NULL;
	if (cohort_get(req->db, n.cohort_id, &c) != 1 ||
	    (history = history_json(req, n.id)) == NULL) {
		fail_500(req, res);
		return;
	}
	char when[48];
	time_format(n.submitted_at, when, sizeof(when));
	const char *school = school_name(n.school);
	json_t *data = made(
	    json_pack("{s:I, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:o, s:b, s:b}", "id",
		      (json_int_t)n.id, "ref", n.ref, "status", status_names[n.status],
		      "status_label", status_labels[n.status], "semester", cohort_json(req->db, &c),
		      "school", school ? school : "", "counselor", n.counselor_name, "submitted",
		      when, "history", history, "staff", is_staff(req->session), "letter",
		      n.status == ST_COMPLETED && n.erased_at == 0 && may_print(req->session, &n)));
	if (n.position > 0)
		json_object_set_new(data, "position", json_integer(n.position));
	/* The school's counselor may correct it while it waits for a decision, and
	 * withdraw it while it is not closed. */
	bool counselor = !is_staff(req->session);
	json_object_set_new(data, "can_correct",
			    json_boolean(counselor && n.erased_at == 0 &&
					 (UPDATE_COUNSELOR & (1u << n.status))));
	json_object_set_new(data, "can_withdraw",
			    json_boolean(counselor && !status_final(n.status)));
	const char *done = kv_str(&req->query, "done");
	json_object_set_new(data, "done_withdrawn", json_boolean(strcmp(done, "withdrawn") == 0));
	json_object_set_new(data, "done_corrected", json_boolean(strcmp(done, "corrected") == 0));
	json_object_set_new(data, "done_unchanged", json_boolean(strcmp(done, "unchanged") == 0));
	if (n.erased_at == 0) {
		add_details(data, &n);
	} else {
		time_format(n.erased_at, when, sizeof(when));
		json_object_set_new(data, "erased", json_string(when));
	}
	view_render(req, res, "counselor_nomination", data);
	/* Recorded once the page is made, so that a page that failed is not counted. */
	if (access_log_record(req, ACCESS_VIEW, n.id, 0, -1, n.ref) < 0)
		access_log_failed(req, res);
}

/* ---- the completion letter ---- */

/*
 * The dates of the first and last sessions of c (the start date when the
 * semester has no sessions), and how many of them nomination id attended.
 * 0 or -1.
 */
static int attendance_of(struct request *req, const struct cohort *c, int64_t id,
			 struct date *first, struct date *last, int64_t *attended)
{
	sqlite3_stmt *st =
	    db_stmt(req->db, "SELECT COALESCE(min(date), ''), COALESCE(max(date), '')"
			     " FROM cohort_sessions WHERE cohort_id = ?");
	db_bind_int(st, 1, c->id);
	int rc = db_step(st);
	if (rc != SQLITE_ROW) {
		db_log_error(req->db, "reading a semester's sessions");
		sqlite3_reset(st);
		return -1;
	}
	if (date_parse(db_col_text(st, 0), first) < 0)
		*first = c->start;
	if (date_parse(db_col_text(st, 1), last) < 0)
		*last = c->start;
	sqlite3_reset(st);
	st = db_stmt(req->db, "SELECT count(*) FROM attendance WHERE application_id = ?");
	db_bind_int(st, 1, id);
	*attended = db_int(req->db, st, -1);
	return *attended < 0 ? -1 : 0;
}

/* GET /counselor/nominations/ID/letter: the printable letter for a completed nomination. */
void counselor_letter(struct request *req, struct response *res)
{
	res->no_store = true;
	struct nomination n;
	if (!find_for(req, res, true, &n))
		return;
	/* Only a completion earns the letter; erased details leave nothing to print. */
	if (n.status != ST_COMPLETED || n.erased_at != 0) {
		not_found(req, res);
		return;
	}
	struct cohort c;
	struct date first, last;
	int64_t attended;
	if (cohort_get(req->db, n.cohort_id, &c) != 1 ||
	    attendance_of(req, &c, n.id, &first, &last, &attended) < 0) {
		fail_500(req, res);
		return;
	}
	/* Dated the day of completion (SPEC.md), in the portal's zone, however late it is
	 * printed: a completed nomination's last move is its completion. */
	char completed[48], from[48], to[48], title[32];
	date_format_long(clock_date(n.status_at), completed, sizeof(completed));
	date_format_long(first, from, sizeof(from));
	date_format_long(last, to, sizeof(to));
	cohort_title(&c, title, sizeof(title));
	const char *school = school_name(n.school);
	json_t *data = made(json_pack(
	    "{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:i, s:s}", "id", (json_int_t)n.id,
	    "date", completed, "school", school ? school : n.school, "first_name", n.first_name,
	    "student_id", n.student_id, "semester", title, "first_session", from, "last_session",
	    to, "ref", n.ref, "attended", (json_int_t)attended, "sessions", c.nsessions,
	    "counselor", n.counselor_name));
	json_object_set_new(data, "student_name", json_sprintf("%s %s", n.first_name, n.last_name));
	view_render(req, res, "tap_letter", data);
	if (access_log_record(req, ACCESS_LETTER, n.id, 0, -1, n.ref) < 0)
		access_log_failed(req, res);
}

/* ---- correcting and withdrawing ---- */

/*
 * Renders the correction form of nomination n in semester c with values (as
 * stored, or as typed with errs: 422).
 */
static void edit_form(struct request *req, struct response *res, const struct nomination *n,
		      const struct cohort *c, const struct kvmap *values,
		      const struct form_errors *errs)
{
	const char *school = school_name(n->school);
	json_t *data = made(json_pack("{s:I, s:s, s:s}", "id", (json_int_t)n->id, "ref", n->ref,
				      "school", school ? school : ""));
	tap_form_data(req, data, c, values, errs);
	if (errs && errs->n)
		res->status = 422;
	res->no_store = true;
	view_render(req, res, "counselor_edit", data);
}

/* The 409 of a nomination no longer open to corrections. */
static void not_correctable(struct request *req, struct response *res)
{
	view_error(req, res, 409, "This nomination can no longer be corrected",
		   "A nomination can be corrected while it is received or on the waiting list. "
		   "Nothing was changed. To correct an accepted one, contact the police "
		   "department.");
}

/*
 * Finds the route's nomination for its school's counselor, and its semester.
 * Answers 404 or 500 itself and returns 0; 1 with *n and *c filled.
 */
static int find_own(struct request *req, struct response *res, struct nomination *n,
		    struct cohort *c)
{
	if (!find_for(req, res, false, n))
		return 0;
	if (cohort_get(req->db, n->cohort_id, c) != 1) {
		fail_500(req, res);
		return 0;
	}
	return 1;
}

/* find_own, for a nomination still open to the counselor's corrections (409 if not). */
static int find_correctable(struct request *req, struct response *res, struct nomination *n,
			    struct cohort *c)
{
	res->no_store = true;
	if (!find_own(req, res, n, c))
		return 0;
	if (n->erased_at != 0 || !(UPDATE_COUNSELOR & (1u << n->status))) {
		not_correctable(req, res);
		return 0;
	}
	return 1;
}

/* GET /counselor/nominations/ID/edit: the nomination form with the stored details. */
void counselor_edit_form(struct request *req, struct response *res)
{
	struct nomination n;
	struct cohort c;
	if (!find_correctable(req, res, &n, &c))
		return;
	struct app_record r;
	if (application_read(req->db, req->arena, n.id, &r) != 1) {
		fail_500(req, res);
		return;
	}
	struct kvmap values = {0};
	tap_form_values(req->arena, &r.d, &values);
	edit_form(req, res, &n, &c, &values, NULL);
}

/*
 * POST /counselor/nominations/ID: the nominate form's rules again, then the
 * correction with its audit row and the family's notice in one transaction;
 * 303 back to the nomination.
 */
void counselor_correct(struct request *req, struct response *res)
{
	struct nomination n;
	struct cohort c;
	if (!find_correctable(req, res, &n, &c))
		return;
	struct app_details want;
	struct form_errors errs;
	if (tap_form_read(req, &c, &want, &errs) > 0) {
		edit_form(req, res, &n, &c, &req->form, &errs);
		return;
	}
	struct actor who = {req->session->user_id, req->session->name, true};
	enum update_result r = application_update_details(req->db, req->arena, n.id, &want,
							  UPDATE_COUNSELOR, &who, NULL);
	switch (r) {
	case UPDATE_OK:
	case UPDATE_UNCHANGED:
		response_redirect(res, arena_printf(req->arena, "/counselor/nominations/%lld?done=%s",
						    (long long)n.id,
						    r == UPDATE_OK ? "corrected" : "unchanged"));
		return;
	case UPDATE_NOT_ALLOWED:
	case UPDATE_NOT_FOUND: not_correctable(req, res); return;
	case UPDATE_DUPLICATE: tap_student_id_taken(req, res); return;
	default: fail_500(req, res);
	}
}

/*
 * POST /counselor/nominations/ID/withdraw: without confirm=yes, a page saying
 * what withdrawing would do (nothing changes); with it, the withdrawal
 * (audited, the next waitlisted one promoted, the family told), then 303
 * back to the nomination.
 */
void counselor_withdraw(struct request *req, struct response *res)
{
	res->no_store = true;
	struct nomination n;
	struct cohort c;
	if (!find_own(req, res, &n, &c))
		return;
	if (status_final(n.status)) {
		view_error(req, res, 409, "This nomination cannot be withdrawn",
			   "It is already closed: declined, withdrawn or completed. Nothing was "
			   "changed.");
		return;
	}
	if (!kv_has(&req->form, "confirm", "yes")) {
		char promoted[12], title[32];
		if (application_withdraw_preview(req->db, n.id, promoted) != MOVE_OK) {
			fail_500(req, res);
			return;
		}
		cohort_title(&c, title, sizeof(title));
		json_t *data = made(json_pack(
		    "{s:I, s:s, s:s, s:s, s:s, s:b, s:b, s:b}", "id", (json_int_t)n.id, "ref", n.ref,
		    "semester", title, "status", status_names[n.status], "status_label",
		    status_labels[n.status], "promotes", promoted[0] != '\0', "was_waitlisted",
		    n.status == ST_WAITLISTED, "guardian", n.guardian_email[0] != '\0'));
		json_object_set_new(data, "name", n.erased_at ? json_string(n.ref)
							      : json_sprintf("%s %s", n.first_name,
									     n.last_name));
		if (n.position > 0)
			json_object_set_new(data, "position", json_integer(n.position));
		view_render(req, res, "counselor_withdraw", data);
		return;
	}
	struct actor who = {req->session->user_id, req->session->name, true};
	switch (application_move(req->db, n.id, ST_WITHDRAWN, &who,
				 "Withdrawn by the school's counselor", NULL)) {
	case MOVE_OK:
		response_redirect(res, arena_printf(req->arena,
						    "/counselor/nominations/%lld?done=withdrawn",
						    (long long)n.id));
		return;
	case MOVE_NOT_ALLOWED:
		view_error(req, res, 409, "This nomination cannot be withdrawn",
			   "It is already closed: declined, withdrawn or completed. Nothing was "
			   "changed.");
		return;
	default: fail_500(req, res);
	}
}
