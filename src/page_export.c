/* page_export.c: staff's CSV downloads: class applicants, semester nominations, interest list. */
#include <stdbool.h>
#include <string.h>

#include "access_log.h"
#include "clock.h"
#include "cohort.h"
#include "csv.h"
#include "db.h"
#include "pages.h"
#include "seal.h"
#include "status.h"
#include "users.h"
#include "validate.h"
#include "view.h"

/* SPEC.md's header rows, in its order, then the columns it adds after them (the status
 * in words, the sessions attended), then the columns staff also need. */
static const char *const class_header[] = {
    "reference",
    "status",
    "waitlist_position",
    "submitted_at",
    "first_name",
    "last_name",
    "dob",
    "email",
    "phone",
    "street",
    "city",
    "zip",
    "affiliations",
    "emergency_name",
    "emergency_phone",
    "referral",
    "status_label",
    "sessions_attended",
    "language",
    "background",
    "verify_residence",
    "accommodations",
    NULL,
};
static const char *const semester_header[] = {
    "reference",
    "status",
    "waitlist_position",
    "submitted_at",
    "school",
    "student_first_name",
    "student_last_name",
    "student_id",
    "grade",
    "dob",
    "student_email",
    "student_phone",
    "guardian_name",
    "guardian_phone",
    "guardian_email",
    "counselor",
    "status_label",
    "sessions_attended",
    "language",
    "guardian_consent",
    "counselor_note",
    NULL,
};
static const char *const interest_header[] = {"email", "name", "joined_at", "notified_at", NULL};

/*
 * Every export query starts with these columns, so that one function writes
 * them: reference, status, waitlist position, the submission time (Unix time,
 * written in the portal's zone by fmt_csv_time), whether retention has erased
 * the row's personal data, the number of sessions attended (the primary
 * key of attendance makes each count one index lookup) and the language the
 * applicant reads.
 */
#define ROW_HEAD                                                                                   \
	"SELECT a.id, a.ref, a.status, a.waitlist_position, a.submitted_at,"                       \
	" a.erased_at IS NOT NULL,"                                                                \
	" (SELECT count(*) FROM attendance t WHERE t.application_id = a.id), a.language,"
enum { H_ID, H_REF, H_STATUS, H_POSITION, H_SUBMITTED, H_ERASED, H_ATTENDED, H_LANGUAGE, H_NEXT };

/* Oldest first; the index applications_cohort_time gives this order without sorting. */
#define ROW_ORDER " WHERE a.cohort_id = ? ORDER BY a.submitted_at, a.id"

/* A class's applications: ROW_HEAD, then these from H_NEXT on. */
static const char class_rows[] =
    ROW_HEAD " a.first_name, a.last_name, a.dob, a.email, a.phone, a.street, a.city, a.zip,"
             " a.emergency_name, a.emergency_phone, a.referral, a.verify_residence,"
             " a.accommodations, COALESCE(a.background, 'not_started')"
             " FROM applications a" ROW_ORDER;
enum {
	P_FIRST = H_NEXT,
	P_LAST,
	P_DOB,
	P_EMAIL,
	P_PHONE,
	P_STREET,
	P_CITY,
	P_ZIP,
	P_EMERGENCY_NAME,
	P_EMERGENCY_PHONE,
	P_REFERRAL,
	P_VERIFY,
	P_ACCOMMODATIONS,
	P_BACKGROUND,
};

/*
 * The same class's affiliations in the same order of applications, each
 * application's in the form's order of kinds: walked side by side with
 * class_rows, so that 10,000 rows cost two queries, not one per row.
 */
static const char class_affiliations[] =
    "SELECT f.application_id, f.kind, COALESCE(f.detail, '') FROM applications a"
    " JOIN affiliations f ON f.application_id = a.id"
    " WHERE a.cohort_id = ?"
    " ORDER BY a.submitted_at, a.id, CASE f.kind WHEN 'resident' THEN 0 WHEN 'work' THEN 1"
    " WHEN 'school' THEN 2 WHEN 'faith' THEN 3 WHEN 'civic' THEN 4 ELSE 5 END";

/* A semester's nominations, with the counselor's name. */
static const char semester_rows[] =
    ROW_HEAD " a.school, a.first_name, a.last_name, a.student_id, a.grade, a.dob, a.email,"
             " a.phone, a.guardian_name, a.guardian_phone, a.guardian_email,"
             " COALESCE(u.name, ''), a.guardian_consent, a.counselor_note"
             " FROM applications a LEFT JOIN users u ON u.id = a.counselor_id" ROW_ORDER;
enum {
	T_SCHOOL = H_NEXT,
	T_FIRST,
	T_LAST,
	T_STUDENT_ID,
	T_GRADE,
	T_DOB,
	T_EMAIL,
	T_PHONE,
	T_GUARDIAN_NAME,
	T_GUARDIAN_PHONE,
	T_GUARDIAN_EMAIL,
	T_COUNSELOR,
	T_CONSENT,
	T_NOTE,
};

/* Column text, or NULL (an empty cell) when the row's personal data is erased. */
static const char *personal(sqlite3_stmt *st, int col, bool erased)
{
	return erased ? NULL : db_col_text(st, col);
}

/* A sealed column opened in arena (seal.c), or NULL when erased; *bad is set
 * when a value does not open, and the export then ends in a 500. */
static const char *sealed(struct arena *a, sqlite3_stmt *st, int col, bool erased, bool *bad)
{
	return seal_open_or_fail(a, personal(st, col, erased), bad);
}

/* A stored phone number (10 digits) as 310-555-0123; anything else as stored. */
static void phone_cell(struct csv *w, const char *digits)
{
	char out[13];
	csv_cell(w, phone_display(digits, out));
}

/* A stored Unix time as "2026-12-01 11:04" in the portal's zone; NULL as an empty cell. */
static void time_cell(struct csv *w, sqlite3_stmt *st, int col)
{
	char when[32];
	if (sqlite3_column_type(st, col) == SQLITE_NULL) {
		csv_cell(w, NULL);
		return;
	}
	fmt_csv_time(sqlite3_column_int64(st, col), when, sizeof(when));
	csv_cell(w, when);
}

/* Writes the ROW_HEAD cells; returns whether the row's personal data is erased. */
static bool head_cells(struct csv *w, sqlite3_stmt *st)
{
	const char *status = db_col_text(st, H_STATUS);
	csv_cell(w, db_col_text(st, H_REF));
	csv_cell(w, status);
	/* The schema ties the position to the status; the export says so again. */
	if (strcmp(status, "waitlisted") == 0 && sqlite3_column_type(st, H_POSITION) != SQLITE_NULL)
		csv_cell_int(w, sqlite3_column_int64(st, H_POSITION));
	else
		csv_cell(w, NULL);
	time_cell(w, st, H_SUBMITTED);
	return sqlite3_column_int(st, H_ERASED) != 0;
}

/*
 * Writes the cells SPEC.md puts after its header row: the status in words,
 * the sessions attended and the language.  None is personal: retention keeps
 * the status, the attendance rows and the language of an erased row.
 */
static void progress_cells(struct csv *w, sqlite3_stmt *st)
{
	int s = status_parse(db_col_text(st, H_STATUS));
	csv_cell(w, s >= 0 ? status_labels[s] : NULL);
	csv_cell_int(w, sqlite3_column_int64(st, H_ATTENDED));
	csv_cell(w, db_col_text(st, H_LANGUAGE));
}

/*
 * The cohort the URL names (req->params[0]) when it exists and belongs to
 * program: true.  Otherwise the 404 page (or 500 when the database failed)
 * is already rendered, and false.
 */
static bool url_cohort(struct request *req, struct response *res, const char *program,
                       struct cohort *c)
{
	long id;
	int found = 0;
	if (req->nparams == 1 && parse_int(req->params[0], 1, 1L << 40, &id) == 0)
		found = cohort_get(req->db, id, c);
	if (found == 1 && strcmp(c->program, program) == 0)
		return true;
	if (found < 0)
		view_error(req, res, 500, "Sorry, there is a problem",
		           "Try again in a few minutes.");
	else
		view_error(req, res, 404, "Page not found",
		           "There is no such list. Go back to the staff desk and choose it there.");
	return false;
}

/* Turns the response into a download named NAME-YYYY-MM-DD.csv (name is ASCII). */
static void send_csv(struct request *req, struct response *res, const char *name,
		     int64_t cohort_id, int64_t rows)
{
	char today[16];
	date_format_iso(date_today(), today, sizeof(today));
	const char *what = arena_printf(req->arena, "%s.csv", name);
	const char *disposition =
	    arena_printf(req->arena, "attachment; filename=\"%s-%s.csv\"", name, today);
	/* Once the file is made, so that an export that failed is not counted; one that
	 * cannot be recorded is not handed out (the error page replaces the CSV). */
	if (access_log_record(req, ACCESS_EXPORT, 0, cohort_id, rows, what) < 0) {
		access_log_failed(req, res);
		return;
	}
	res->status = 200;
	res->content_type = "text/csv; charset=utf-8";
	res->no_store = true; /* every export holds personal data */
	response_header(res, "Content-Disposition", disposition);
}

/* The 500 page for an export the database failed halfway through. */
static void export_failed(struct request *req, struct response *res)
{
	db_log_error(req->db, "exporting a list");
	view_error(req, res, 500, "Sorry, there is a problem",
	           "The list could not be made. Try again in a few minutes.");
}

/*
 * Collects into aff the affiliations of application id from the side query
 * af, whose current row is *arc's, as "resident; work: Acme Corp", advancing
 * af past them.
 */
static void take_affiliations(sqlite3_stmt *af, int *arc, int64_t id, struct buf *aff)
{
	aff->len = 0;
	while (*arc == SQLITE_ROW && sqlite3_column_int64(af, 0) == id) {
		const char *detail = db_col_text(af, 2);
		if (aff->len)
			buf_puts(aff, "; ");
		buf_puts(aff, db_col_text(af, 1));
		if (*detail) {
			buf_puts(aff, ": ");
			buf_puts(aff, detail);
		}
		*arc = db_step(af);
	}
}

/* Writes one row of class_rows with its affiliations (aff, NUL-terminated);
 * sealed values are opened in arena, *bad set when one does not open. */
static void class_row(struct csv *w, sqlite3_stmt *st, const char *aff, struct arena *a,
                      bool *bad)
{
	bool erased = head_cells(w, st);
	csv_cell(w, personal(st, P_FIRST, erased));
	csv_cell(w, personal(st, P_LAST, erased));
	csv_cell(w, sealed(a, st, P_DOB, erased, bad));
	csv_cell(w, personal(st, P_EMAIL, erased));
	phone_cell(w, personal(st, P_PHONE, erased));
	csv_cell(w, personal(st, P_STREET, erased));
	csv_cell(w, personal(st, P_CITY, erased));
	csv_cell(w, personal(st, P_ZIP, erased));
	csv_cell(w, erased ? NULL : aff);
	csv_cell(w, sealed(a, st, P_EMERGENCY_NAME, erased, bad));
	phone_cell(w, sealed(a, st, P_EMERGENCY_PHONE, erased, bad));
	csv_cell(w, personal(st, P_REFERRAL, erased));
	progress_cells(w, st);
	/* SPEC.md puts the background check right after the language, before the columns
	 * staff also need. */
	csv_cell(w, erased ? NULL : db_col_text(st, P_BACKGROUND)); /* sensitive: erased too */
	csv_cell(w, !erased && sqlite3_column_int(st, P_VERIFY) ? "yes" : NULL);
	csv_cell(w, sealed(a, st, P_ACCOMMODATIONS, erased, bad));
	csv_row_end(w);
}

void export_class_applicants(struct request *req, struct response *res)
{
	struct db *db = req->db;
	struct cohort c;
	if (!url_cohort(req, res, "pip", &c))
		return;
	/* One snapshot: the side query must see exactly the applications of the main one. */
	if (db_begin_read(db) < 0) {
		export_failed(req, res);
		return;
	}
	struct csv w;
	csv_start(&w, &res->body);
	csv_row(&w, class_header);
	sqlite3_stmt *st = db_stmt(db, class_rows);
	sqlite3_stmt *af = db_stmt(db, class_affiliations);
	db_bind_int(st, 1, c.id);
	db_bind_int(af, 1, c.id);
	struct buf aff;
	buf_init(&aff, req->arena);
	int arc = db_step(af), rc;
	bool bad = false;
	int64_t rows = 0;
	while ((rc = db_step(st)) == SQLITE_ROW) {
		take_affiliations(af, &arc, sqlite3_column_int64(st, H_ID), &aff);
		class_row(&w, st, buf_str(&aff), req->arena, &bad);
		rows++;
	}
	bool ok = rc == SQLITE_DONE && (arc == SQLITE_ROW || arc == SQLITE_DONE) && !bad;
	if (!ok)
		export_failed(req, res);
	sqlite3_reset(st);
	sqlite3_reset(af);
	db_end_read(db);
	if (ok)
		send_csv(req, res, arena_printf(req->arena, "pip-class-%d-applicants", c.number), c.id,
			 rows);
}

/* Writes one row of semester_rows, opening its sealed values in arena (*bad
 * set when one does not open). */
static void semester_row(struct csv *w, sqlite3_stmt *st, struct arena *a, bool *bad)
{
	bool erased = head_cells(w, st);
	const char *slug = db_col_text(st, T_SCHOOL);
	const char *school = school_name(slug);
	csv_cell(w, school ? school : slug);
	csv_cell(w, personal(st, T_FIRST, erased));
	csv_cell(w, personal(st, T_LAST, erased));
	csv_cell(w, sealed(a, st, T_STUDENT_ID, erased, bad));
	csv_cell(w, personal(st, T_GRADE, erased));
	csv_cell(w, sealed(a, st, T_DOB, erased, bad));
	csv_cell(w, sealed(a, st, T_EMAIL, erased, bad));
	phone_cell(w, sealed(a, st, T_PHONE, erased, bad));
	csv_cell(w, sealed(a, st, T_GUARDIAN_NAME, erased, bad));
	phone_cell(w, sealed(a, st, T_GUARDIAN_PHONE, erased, bad));
	csv_cell(w, sealed(a, st, T_GUARDIAN_EMAIL, erased, bad));
	csv_cell(w, db_col_text(st, T_COUNSELOR));
	progress_cells(w, st);
	csv_cell(w, !erased && sqlite3_column_int(st, T_CONSENT) ? "yes" : NULL);
	csv_cell(w, personal(st, T_NOTE, erased));
	csv_row_end(w);
}

void export_semester_nominations(struct request *req, struct response *res)
{
	struct db *db = req->db;
	struct cohort c;
	if (!url_cohort(req, res, "tap", &c))
		return;
	struct csv w;
	csv_start(&w, &res->body);
	csv_row(&w, semester_header);
	sqlite3_stmt *st = db_stmt(db, semester_rows);
	db_bind_int(st, 1, c.id);
	int rc;
	bool bad = false;
	int64_t rows = 0;
	for (; (rc = db_step(st)) == SQLITE_ROW; rows++)
		semester_row(&w, st, req->arena, &bad);
	if (rc != SQLITE_DONE || bad)
		export_failed(req, res);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE && !bad)
		send_csv(req, res, arena_printf(req->arena, "tap-%s-%d-nominations", c.term, c.year),
			 c.id, rows);
}

void export_interest(struct request *req, struct response *res)
{
	/* Erased entries have nothing left to write to: they are left out. */
	sqlite3_stmt *st =
	    db_stmt(req->db, "SELECT email, name, created_at, notified_at FROM interest"
	                     " WHERE erased_at IS NULL AND email IS NOT NULL"
	                     " ORDER BY created_at, id");
	struct csv w;
	csv_start(&w, &res->body);
	csv_row(&w, interest_header);
	int rc;
	int64_t rows = 0;
	while ((rc = db_step(st)) == SQLITE_ROW) {
		rows++;
		csv_cell(&w, db_col_text(st, 0));
		csv_cell(&w, db_col_text(st, 1));
		time_cell(&w, st, 2);
		time_cell(&w, st, 3);
		csv_row_end(&w);
	}
	if (rc != SQLITE_DONE)
		export_failed(req, res);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		send_csv(req, res, "pip-interest-list", 0, rows);
}
