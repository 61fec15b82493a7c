/* applications.c: capacity, the waitlist and status moves, each in one write transaction. */
#include "applications.h"

#include <stdio.h>
#include <string.h>

#include "app.h"
#include "auth.h"
#include "notify.h"
#include "seal.h"

/* Active (submitted or accepted) applications of a cohort. */
static int64_t count_active(struct db *db, int64_t cohort_id)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT COALESCE(sum(n), 0) FROM cohort_status_counts"
				       " WHERE cohort_id = ? AND status IN ('submitted', 'accepted')");
	db_bind_int(st, 1, cohort_id);
	return db_int(db, st, -1);
}

/* Active nominations of one school in a semester. */
static int64_t count_active_school(struct db *db, int64_t cohort_id, const char *school)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT count(*) FROM applications WHERE cohort_id = ?"
				       " AND school = ? AND status IN ('submitted', 'accepted')");
	db_bind_int(st, 1, cohort_id);
	db_bind_text(st, 2, school);
	return db_int(db, st, -1);
}

static int64_t count_waitlisted(struct db *db, int64_t cohort_id)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT COALESCE(sum(n), 0) FROM cohort_status_counts"
				       " WHERE cohort_id = ? AND status = 'waitlisted'");
	db_bind_int(st, 1, cohort_id);
	return db_int(db, st, -1);
}

/* Sessions application id attended, or -1. */
static int64_t count_attended(struct db *db, int64_t id)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT count(*) FROM attendance WHERE application_id = ?");
	db_bind_int(st, 1, id);
	return db_int(db, st, -1);
}

/* Writes one audit row; from may be -1 for the first row of an application. */
static int audit(struct db *db, int64_t id, int from, enum status to, const struct actor *who,
		 const char *note)
{
	sqlite3_stmt *st = db_stmt(db, "INSERT INTO audit (application_id, at, user_id, actor,"
				       " from_status, to_status, note) VALUES (?, ?, ?, ?, ?, ?, ?)");
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, app_now());
	if (who->user_id)
		db_bind_int(st, 3, who->user_id);
	db_bind_text(st, 4, who->name);
	db_bind_text(st, 5, from >= 0 ? status_names[from] : NULL);
	db_bind_text(st, 6, status_names[to]);
	db_bind_text(st, 7, note ? note : "");
	return db_exec_stmt(db, st);
}

/* Checks, inside the transaction, that the cohort of this program is open. */
static bool cohort_open_locked(struct db *db, int64_t cohort_id, const char *program,
			       struct cohort *c)
{
	return cohort_get(db, cohort_id, c) == 1 && strcmp(c->program, program) == 0 && c->open;
}

/* Decides submitted or waitlisted for one more application; -1 on failure. */
static int decide(struct db *db, const struct cohort *c, const char *school, struct placed *out)
{
	int64_t active = count_active(db, c->id);
	if (active < 0)
		return -1;
	bool room = active < c->capacity;
	if (room && school && c->school_cap > 0) {
		int64_t mine = count_active_school(db, c->id, school);
		if (mine < 0)
			return -1;
		room = mine < c->school_cap;
	}
	if (room) {
		out->status = ST_SUBMITTED;
		out->position = 0;
		return 0;
	}
	int64_t waiting = count_waitlisted(db, c->id);
	if (waiting < 0)
		return -1;
	out->status = ST_WAITLISTED;
	out->position = (int)waiting + 1;
	return 0;
}

/* A reference not yet used: 40 random bits make a clash rare, but check. */
static int new_reference(struct db *db, char prefix, char ref[12])
{
	for (int tries = 0; tries < 8; tries++) {
		auth_new_reference(prefix, ref);
		sqlite3_stmt *st = db_stmt(db, "SELECT count(*) FROM applications WHERE ref = ?");
		db_bind_text(st, 1, ref);
		int64_t n = db_int(db, st, -1);
		if (n == 0)
			return 0;
		if (n < 0)
			return -1;
	}
	return -1;
}

/* The applications that stop the same person applying again to a class: all
 * but a withdrawn one, since withdrawing must not shut anyone out (SPEC.md). */
#define COUNTS_AS_DUPLICATE                                                                    \
	"status IN ('submitted', 'waitlisted', 'accepted', 'declined', 'completed')"

/* 1 when the applicant applied already, 0 when not, -1 when the database failed. */
static int pip_duplicate(struct db *db, int64_t cohort_id, const struct pip_application *a)
{
	char dob[16], dob_hash[65];
	date_format_iso(a->dob, dob, sizeof(dob));
	/* The date of birth is sealed: rows are found by its keyed hash. */
	seal_hash(dob, dob_hash);
	/* Two lookups, each along its own index, rather than one OR that scans the class. */
	sqlite3_stmt *st = db_stmt(
	    db, "SELECT EXISTS (SELECT 1 FROM applications WHERE cohort_id = ?1 AND"
		" email = ?2 COLLATE NOCASE AND erased_at IS NULL AND " COUNTS_AS_DUPLICATE ")"
		" OR EXISTS (SELECT 1 FROM applications WHERE cohort_id = ?1 AND"
		" last_name = ?4 COLLATE NOCASE AND first_name = ?3 COLLATE NOCASE AND"
		" dob_hash = ?5 AND erased_at IS NULL AND " COUNTS_AS_DUPLICATE ")");
	db_bind_int(st, 1, cohort_id);
	db_bind_text(st, 2, a->email);
	db_bind_text(st, 3, a->first_name);
	db_bind_text(st, 4, a->last_name);
	db_bind_text(st, 5, dob_hash);
	return (int)db_int(db, st, -1);
}

/* The person a new row is about, bound to parameters 1 to 11 of either insert
 * below (email and phone already sealed when they are a TAP student's). */
struct person {
	const char *first_name, *last_name, *email, *phone;
	struct date dob;
};

/* Binds the common columns, the date of birth sealed (in arena) and its
 * hash as parameter `hash_param`. */
static void bind_common(sqlite3_stmt *st, struct arena *arena, int64_t cohort_id,
			const struct placed *out, const struct person *p, int hash_param)
{
	char dob[16], dob_hash[65];
	date_format_iso(p->dob, dob, sizeof(dob));
	seal_hash(dob, dob_hash);
	db_bind_text(st, hash_param, dob_hash);
	long long now = app_now();
	db_bind_text(st, 1, out->ref);
	db_bind_int(st, 2, cohort_id);
	db_bind_text(st, 3, status_names[out->status]);
	if (out->position)
		db_bind_int(st, 4, out->position);
	db_bind_int(st, 5, now);
	db_bind_int(st, 6, now);
	db_bind_text(st, 7, p->first_name);
	db_bind_text(st, 8, p->last_name);
	db_bind_text(st, 9, seal_text(arena, dob));
	db_bind_text(st, 10, p->email);
	db_bind_text(st, 11, p->phone);
}

/* Inserts the application with its sealed columns (sealed in arena). */
static int insert_pip(struct db *db, struct arena *arena, int64_t cohort_id,
		      const struct pip_application *a, struct placed *out)
{
	sqlite3_stmt *st = db_stmt(
	    db, "INSERT INTO applications (ref, cohort_id, status, waitlist_position,"
		" submitted_at, status_at, first_name, last_name, dob, email, phone, street, city,"
		" zip, verify_residence, emergency_name, emergency_phone, accommodations, referral,"
		" dob_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	struct person p = {a->first_name, a->last_name, a->email, a->phone, a->dob};
	bind_common(st, arena, cohort_id, out, &p, 20);
	db_bind_text(st, 12, a->street);
	db_bind_text(st, 13, a->city);
	db_bind_text(st, 14, a->zip);
	db_bind_int(st, 15, a->verify_residence);
	db_bind_text(st, 16, seal_text(arena, a->emergency_name));
	db_bind_text(st, 17, seal_text(arena, a->emergency_phone));
	db_bind_text(st, 18, seal_text(arena, a->accommodations));
	db_bind_text(st, 19, a->referral);
	if (db_exec_stmt(db, st) < 0)
		return -1;
	out->id = sqlite3_last_insert_rowid(db_conn(db));
	for (int k = 0; k < AFF_MAX; k++) {
		if (!(a->affiliations & (1u << k)))
			continue;
		st = db_stmt(db, "INSERT INTO affiliations (application_id, kind, detail)"
				 " VALUES (?, ?, ?)");
		db_bind_int(st, 1, out->id);
		db_bind_text(st, 2, affiliation_names[k]);
		db_bind_text(st, 3, a->detail[k] ? a->detail[k] : "");
		if (db_exec_stmt(db, st) < 0)
			return -1;
	}
	return 0;
}

/* Ends a placement: commit on success, roll back and map the failure otherwise. */
static enum place_result finish(struct db *db, enum place_result r)
{
	if (r != PLACE_OK) {
		db_rollback(db);
		return r;
	}
	return db_commit(db) == 0 ? PLACE_OK : PLACE_ERROR;
}

enum place_result application_place_pip(struct db *db, int64_t cohort_id,
					const struct pip_application *app, struct placed *out)
{
	memset(out, 0, sizeof(*out));
	if (db_begin_write(db) < 0)
		return PLACE_ERROR;
	struct cohort c;
	if (!cohort_open_locked(db, cohort_id, "pip", &c))
		return finish(db, PLACE_CLOSED);
	int dup = pip_duplicate(db, cohort_id, app);
	if (dup != 0)
		return finish(db, dup > 0 ? PLACE_DUPLICATE : PLACE_ERROR);
	static const struct actor applicant = {0, "applicant"};
	struct arena arena;
	arena_init(&arena);
	bool ok = decide(db, &c, NULL, out) == 0 && new_reference(db, 'P', out->ref) == 0 &&
		  insert_pip(db, &arena, cohort_id, app, out) == 0 &&
		  audit(db, out->id, -1, out->status, &applicant, "Application received") == 0 &&
		  notify_received(db, out->id) == 0;
	arena_free(&arena);
	return finish(db, ok ? PLACE_OK : PLACE_ERROR);
}

/* Inserts the nomination with its sealed columns (sealed in arena). */
static int insert_tap(struct db *db, struct arena *arena, int64_t cohort_id, const char *school,
		      int64_t counselor_id, const struct tap_nomination *n, struct placed *out)
{
	sqlite3_stmt *st = db_stmt(
	    db, "INSERT INTO applications (ref, cohort_id, status, waitlist_position,"
		" submitted_at, status_at, first_name, last_name, dob, email, phone, school,"
		" student_id, grade, guardian_name, guardian_phone, guardian_email,"
		" guardian_consent, counselor_note, counselor_id, dob_hash, student_id_hash)"
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	/* A student's own address and phone are sealed too (a PIP applicant's are not:
	 * they find the application and its duplicates). */
	struct person p = {n->student_first_name, n->student_last_name,
			   seal_text(arena, n->student_email), seal_text(arena, n->student_phone),
			   n->dob};
	bind_common(st, arena, cohort_id, out, &p, 21);
	char sid_hash[65];
	seal_hash(n->student_id, sid_hash);
	db_bind_text(st, 12, school);
	db_bind_text(st, 13, seal_text(arena, n->student_id));
	db_bind_int(st, 14, n->grade);
	db_bind_text(st, 15, seal_text(arena, n->guardian_name));
	db_bind_text(st, 16, seal_text(arena, n->guardian_phone));
	db_bind_text(st, 17, seal_text(arena, n->guardian_email));
	db_bind_int(st, 18, n->guardian_consent);
	db_bind_text(st, 19, n->counselor_note);
	db_bind_int(st, 20, counselor_id);
	db_bind_text(st, 22, sid_hash);
	if (db_exec_stmt(db, st) < 0)
		return -1;
	out->id = sqlite3_last_insert_rowid(db_conn(db));
	return 0;
}

enum place_result application_place_tap(struct db *db, int64_t cohort_id, const char *school,
					int64_t counselor_id, const char *counselor_name,
					const struct tap_nomination *nom, struct placed *out)
{
	memset(out, 0, sizeof(*out));
	if (db_begin_write(db) < 0)
		return PLACE_ERROR;
	struct cohort c;
	if (!cohort_open_locked(db, cohort_id, "tap", &c))
		return finish(db, PLACE_CLOSED);
	/* The student ID is sealed: rows are found by its keyed hash. */
	char sid_hash[65];
	seal_hash(nom->student_id, sid_hash);
	sqlite3_stmt *st = db_stmt(db, "SELECT count(*) FROM applications WHERE cohort_id = ?"
				       " AND student_id_hash = ? AND erased_at IS NULL AND "
				       COUNTS_AS_DUPLICATE);
	db_bind_int(st, 1, cohort_id);
	db_bind_text(st, 2, sid_hash);
	int64_t dup = db_int(db, st, -1);
	if (dup != 0)
		return finish(db, dup > 0 ? PLACE_DUPLICATE : PLACE_ERROR);
	struct actor counselor = {counselor_id, counselor_name};
	struct arena arena;
	arena_init(&arena);
	bool ok = decide(db, &c, school, out) == 0 && new_reference(db, 'T', out->ref) == 0 &&
		  insert_tap(db, &arena, cohort_id, school, counselor_id, nom, out) == 0 &&
		  audit(db, out->id, -1, out->status, &counselor, "Nomination received") == 0 &&
		  notify_received(db, out->id) == 0;
	arena_free(&arena);
	return finish(db, ok ? PLACE_OK : PLACE_ERROR);
}

/* Moves everyone behind position up one place, after `position` left the list. */
static int close_gap(struct db *db, int64_t cohort_id, int position)
{
	/* Two steps, through negative numbers, so the unique index on
	 * (cohort, position) never sees two rows with one position mid-update. */
	sqlite3_stmt *st = db_stmt(db, "UPDATE applications SET waitlist_position ="
				       " -(waitlist_position - 1) WHERE cohort_id = ? AND"
				       " status = 'waitlisted' AND waitlist_position > ?");
	db_bind_int(st, 1, cohort_id);
	db_bind_int(st, 2, position);
	if (db_exec_stmt(db, st) < 0)
		return -1;
	st = db_stmt(db, "UPDATE applications SET waitlist_position = -waitlist_position"
			 " WHERE cohort_id = ? AND waitlist_position < 0");
	db_bind_int(st, 1, cohort_id);
	return db_exec_stmt(db, st);
}

/* Sets a row's status (and position), keeping the CHECK that ties them. */
static int set_status(struct db *db, int64_t id, enum status to, int position)
{
	sqlite3_stmt *st = db_stmt(db, "UPDATE applications SET status = ?, waitlist_position = ?,"
				       " status_at = ? WHERE id = ?");
	db_bind_text(st, 1, status_names[to]);
	if (position > 0)
		db_bind_int(st, 2, position);
	db_bind_int(st, 3, app_now());
	db_bind_int(st, 4, id);
	return db_exec_stmt(db, st);
}

/*
 * Promotes the earliest waitlisted application of the cohort to submitted when
 * there is room (for TAP, room in the semester and under the school's cap).
 * Fills ref ("" when nobody moved).  0 or -1.
 */
static int promote(struct db *db, const struct cohort *c, char ref[12])
{
	ref[0] = '\0';
	int64_t active = count_active(db, c->id);
	if (active < 0)
		return -1;
	if (active >= c->capacity)
		return 0;
	sqlite3_stmt *st = db_stmt(db, "SELECT id, ref, waitlist_position, COALESCE(school, '')"
				       " FROM applications WHERE cohort_id = ? AND"
				       " status = 'waitlisted' ORDER BY waitlist_position");
	db_bind_int(st, 1, c->id);
	int64_t id = 0;
	int position = 0;
	int rc;
	while ((rc = db_step(st)) == SQLITE_ROW) {
		const char *school = db_col_text(st, 3);
		if (c->school_cap > 0 && school[0] &&
		    count_active_school(db, c->id, school) >= c->school_cap)
			continue; /* that school is at its cap: the next one may go */
		id = sqlite3_column_int64(st, 0);
		snprintf(ref, 12, "%s", db_col_text(st, 1));
		position = sqlite3_column_int(st, 2);
		break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	if (id == 0)
		return 0;
	static const struct actor system = {0, "system"};
	if (set_status(db, id, ST_SUBMITTED, 0) < 0 || close_gap(db, c->id, position) < 0 ||
	    audit(db, id, ST_WAITLISTED, ST_SUBMITTED, &system,
		  "Promoted from the waiting list: a place became free") < 0 ||
	    notify_status(db, id, ST_WAITLISTED, ST_SUBMITTED) < 0)
		return -1;
	return 0;
}

enum move_result application_move_locked(struct db *db, int64_t id, enum status to,
					 const struct actor *who, const char *note,
					 char *promoted_ref)
{
	char promoted[12] = "";
	if (promoted_ref)
		promoted_ref[0] = '\0';
	sqlite3_stmt *st = db_stmt(db, "SELECT status, cohort_id, COALESCE(waitlist_position, 0)"
				       " FROM applications WHERE id = ?");
	db_bind_int(st, 1, id);
	if (db_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return MOVE_NOT_FOUND;
	}
	int from = status_parse(db_col_text(st, 0));
	int64_t cohort_id = sqlite3_column_int64(st, 1);
	int position = sqlite3_column_int(st, 2);
	sqlite3_reset(st);
	if (from < 0 || !status_move_allowed((enum status)from, to))
		return MOVE_NOT_ALLOWED;
	struct cohort c;
	if (cohort_get(db, cohort_id, &c) != 1)
		return MOVE_ERROR;
	if (to == ST_COMPLETED && date_cmp(date_today(), c.last) < 0)
		return MOVE_TOO_EARLY; /* nobody has completed a program still under way */
	if (to == ST_COMPLETED) {
		/* Completion is earned by attendance (SPEC.md), whoever asks for it. */
		int64_t attended = count_attended(db, id);
		if (attended < 0)
			return MOVE_ERROR;
		if (c.nsessions == 0 || attended < cohort_required(&c))
			return MOVE_NOT_QUALIFIED;
	}
	int new_position = 0;
	if (to == ST_WAITLISTED) {
		int64_t waiting = count_waitlisted(db, cohort_id);
		if (waiting < 0)
			return MOVE_ERROR;
		new_position = (int)waiting + 1;
	}
	if (set_status(db, id, to, new_position) < 0)
		return MOVE_ERROR;
	if (from == ST_WAITLISTED && close_gap(db, cohort_id, position) < 0)
		return MOVE_ERROR;
	if (audit(db, id, from, to, who, note) < 0 ||
	    notify_status(db, id, (enum status)from, to) < 0)
		return MOVE_ERROR;
	bool freed = status_active((enum status)from) && (to == ST_DECLINED || to == ST_WITHDRAWN);
	if (freed && promote(db, &c, promoted) < 0)
		return MOVE_ERROR;
	if (promoted_ref)
		memcpy(promoted_ref, promoted, sizeof(promoted));
	return MOVE_OK;
}

enum move_result application_move(struct db *db, int64_t id, enum status to,
				  const struct actor *who, const char *note, char *promoted_ref)
{
	if (db_begin_write(db) < 0)
		return MOVE_ERROR;
	enum move_result r = application_move_locked(db, id, to, who, note, promoted_ref);
	if (r != MOVE_OK) {
		db_rollback(db);
		return r;
	}
	return db_commit(db) == 0 ? MOVE_OK : MOVE_ERROR;
}
