/* applications.c: capacity, the waitlist and status moves, each in one write transaction
 * (for placements and moves, one member of a group commit: group.c). */
#include "applications.h"

#include "clock.h"
#include "i18n.h"

#include <stdio.h>
#include <string.h>

#include "app.h"
#include "auth.h"
#include "group.h"
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
		" dob_hash, language) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
		" ?, ?, ?)");
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
	db_bind_text(st, 21, a->language ? a->language : "en");
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

/* A placement's arguments, for its work in the group writer (group.h). */
struct place_job {
	int64_t cohort_id;
	const struct pip_application *pip; /* or: */
	const struct tap_nomination *tap;
	const char *school, *counselor_name;
	int64_t counselor_id;
	struct placed *out;
};

/* Runs a placement's work as one member of a group commit: PLACE_OK once it is
 * on disk, its refusal, or PLACE_ERROR. */
static enum place_result place(struct db *db, group_work *work, struct place_job *job)
{
	memset(job->out, 0, sizeof(*job->out));
	int r = group_write(db, work, job);
	return r == GROUP_FAILED ? PLACE_ERROR : (enum place_result)r;
}

/* The work of application_place_pip, inside the group's transaction. */
static int place_pip_work(struct db *db, void *ctx)
{
	const struct place_job *job = ctx;
	struct cohort c;
	if (!cohort_open_locked(db, job->cohort_id, "pip", &c))
		return PLACE_CLOSED;
	int dup = pip_duplicate(db, job->cohort_id, job->pip);
	if (dup != 0)
		return dup > 0 ? PLACE_DUPLICATE : PLACE_ERROR;
	static const struct actor applicant = {0, "applicant", false};
	struct placed *out = job->out;
	struct arena arena;
	arena_init(&arena);
	bool ok = decide(db, &c, NULL, out) == 0 && new_reference(db, 'P', out->ref) == 0 &&
		  insert_pip(db, &arena, job->cohort_id, job->pip, out) == 0 &&
		  audit(db, out->id, -1, out->status, &applicant, "Application received") == 0 &&
		  notify_received(db, out->id) == 0;
	arena_free(&arena);
	return ok ? PLACE_OK : PLACE_ERROR;
}

enum place_result application_place_pip(struct db *db, int64_t cohort_id,
					const struct pip_application *app, struct placed *out)
{
	struct place_job job = {.cohort_id = cohort_id, .pip = app, .out = out};
	return place(db, place_pip_work, &job);
}

/* Inserts the nomination with its sealed columns (sealed in arena). */
static int insert_tap(struct db *db, struct arena *arena, int64_t cohort_id, const char *school,
		      int64_t counselor_id, const struct tap_nomination *n, struct placed *out)
{
	sqlite3_stmt *st = db_stmt(
	    db, "INSERT INTO applications (ref, cohort_id, status, waitlist_position,"
		" submitted_at, status_at, first_name, last_name, dob, email, phone, school,"
		" student_id, grade, guardian_name, guardian_phone, guardian_email,"
		" guardian_consent, counselor_note, counselor_id, dob_hash, student_id_hash, language)"
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
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
	db_bind_text(st, 23, n->language ? n->language : "en");
	if (db_exec_stmt(db, st) < 0)
		return -1;
	out->id = sqlite3_last_insert_rowid(db_conn(db));
	return 0;
}

/* The work of application_place_tap, inside the group's transaction. */
static int place_tap_work(struct db *db, void *ctx)
{
	const struct place_job *job = ctx;
	struct cohort c;
	if (!cohort_open_locked(db, job->cohort_id, "tap", &c))
		return PLACE_CLOSED;
	/* The student ID is sealed: rows are found by its keyed hash. */
	char sid_hash[65];
	seal_hash(job->tap->student_id, sid_hash);
	sqlite3_stmt *st = db_stmt(db, "SELECT count(*) FROM applications WHERE cohort_id = ?"
				       " AND student_id_hash = ? AND erased_at IS NULL AND "
				       COUNTS_AS_DUPLICATE);
	db_bind_int(st, 1, job->cohort_id);
	db_bind_text(st, 2, sid_hash);
	int64_t dup = db_int(db, st, -1);
	if (dup != 0)
		return dup > 0 ? PLACE_DUPLICATE : PLACE_ERROR;
	struct actor counselor = {job->counselor_id, job->counselor_name, true};
	struct placed *out = job->out;
	struct arena arena;
	arena_init(&arena);
	bool ok = decide(db, &c, job->school, out) == 0 && new_reference(db, 'T', out->ref) == 0 &&
		  insert_tap(db, &arena, job->cohort_id, job->school, job->counselor_id, job->tap,
			     out) == 0 &&
		  audit(db, out->id, -1, out->status, &counselor, "Nomination received") == 0 &&
		  notify_received(db, out->id) == 0;
	arena_free(&arena);
	return ok ? PLACE_OK : PLACE_ERROR;
}

enum place_result application_place_tap(struct db *db, int64_t cohort_id, const char *school,
					int64_t counselor_id, const char *counselor_name,
					const struct tap_nomination *nom, struct placed *out)
{
	struct place_job job = {.cohort_id = cohort_id,
				.tap = nom,
				.school = school,
				.counselor_name = counselor_name,
				.counselor_id = counselor_id,
				.out = out};
	return place(db, place_tap_work, &job);
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
	static const struct actor system = {0, "system", false};
	if (set_status(db, id, ST_SUBMITTED, 0) < 0 || close_gap(db, c->id, position) < 0 ||
	    audit(db, id, ST_WAITLISTED, ST_SUBMITTED, &system,
		  "Promoted from the waiting list: a place became free") < 0 ||
	    notify_status(db, id, ST_WAITLISTED, ST_SUBMITTED, false) < 0)
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
	if (to == ST_ACCEPTED && c.require_clearance) {
		/* The class accepts only those whose background check has cleared. */
		st = db_stmt(db, "SELECT COALESCE(background, '') = 'cleared' FROM applications"
				 " WHERE id = ?");
		db_bind_int(st, 1, id);
		int64_t cleared = db_int(db, st, -1);
		if (cleared < 0)
			return MOVE_ERROR;
		if (!cleared)
			return MOVE_NOT_CLEARED;
	}
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
	    notify_status(db, id, (enum status)from, to, who->counselor) < 0)
		return MOVE_ERROR;
	bool freed = status_active((enum status)from) && (to == ST_DECLINED || to == ST_WITHDRAWN);
	if (freed && promote(db, &c, promoted) < 0)
		return MOVE_ERROR;
	if (promoted_ref)
		memcpy(promoted_ref, promoted, sizeof(promoted));
	return MOVE_OK;
}

/* A status move's arguments, for its work in the group writer (group.h). */
struct move_job {
	int64_t id;
	enum status to;
	const struct actor *who;
	const char *note;
	char *promoted_ref;
};

static int move_work(struct db *db, void *ctx)
{
	const struct move_job *job = ctx;
	return application_move_locked(db, job->id, job->to, job->who, job->note,
				       job->promoted_ref);
}

enum move_result application_move(struct db *db, int64_t id, enum status to,
				  const struct actor *who, const char *note, char *promoted_ref)
{
	struct move_job job = {id, to, who, note, promoted_ref};
	int r = group_write(db, move_work, &job);
	return r == GROUP_FAILED ? MOVE_ERROR : (enum move_result)r;
}

enum move_result application_withdraw_preview(struct db *db, int64_t id, char *promoted)
{
	promoted[0] = '\0';
	if (db_begin_write(db) < 0)
		return MOVE_ERROR;
	static const struct actor nobody = {0, "preview", false};
	enum move_result r = application_move_locked(db, id, ST_WITHDRAWN, &nobody, "", promoted);
	db_rollback(db); /* a preview: nothing stays, not even the e-mails it queued */
	return r;
}

/* ---- the personal details ---- */

void app_details_from_pip(struct arena *a, const struct pip_application *app,
			  struct app_details *out)
{
	char dob[16];
	date_format_iso(app->dob, dob, sizeof(dob));
	*out = (struct app_details){.first_name = app->first_name,
				    .last_name = app->last_name,
				    .dob = arena_strdup(a, dob),
				    .email = app->email,
				    .phone = app->phone,
				    .street = app->street,
				    .city = app->city,
				    .zip = app->zip,
				    .verify_residence = app->verify_residence,
				    .emergency_name = app->emergency_name,
				    .emergency_phone = app->emergency_phone,
				    .accommodations = app->accommodations,
				    .referral = app->referral,
				    .affiliations = app->affiliations,
				    .grade = -1,
				    .guardian_consent = -1};
	for (int k = 0; k < AFF_MAX; k++)
		out->detail[k] = app->detail[k];
}

void app_details_from_tap(struct arena *a, const struct tap_nomination *nom,
			  struct app_details *out)
{
	char dob[16];
	date_format_iso(nom->dob, dob, sizeof(dob));
	/* The phones live in nom itself, which the caller may not keep. */
	*out = (struct app_details){.first_name = nom->student_first_name,
				    .last_name = nom->student_last_name,
				    .dob = arena_strdup(a, dob),
				    .email = nom->student_email,
				    .phone = arena_strdup(a, nom->student_phone),
				    .verify_residence = -1,
				    .student_id = nom->student_id,
				    .grade = nom->grade,
				    .guardian_name = nom->guardian_name,
				    .guardian_phone = arena_strdup(a, nom->guardian_phone),
				    .guardian_email = nom->guardian_email,
				    .guardian_consent = nom->guardian_consent,
				    .counselor_note = nom->counselor_note};
}

/* Column i copied into the arena ("" for NULL). */
static const char *col(struct arena *a, sqlite3_stmt *st, int i)
{
	return arena_strdup(a, db_col_text(st, i));
}

int application_read(struct db *db, struct arena *arena, int64_t id, struct app_record *r)
{
	sqlite3_stmt *st = db_stmt(
	    db, "SELECT ref, cohort_id, status, COALESCE(waitlist_position, 0),"
		" COALESCE(counselor_id, 0), erased_at IS NOT NULL, COALESCE(school, ''),"
		" first_name, last_name, dob, email, phone, street, city, zip,"
		" verify_residence, emergency_name, emergency_phone, accommodations, referral,"
		" student_id, COALESCE(grade, 0), guardian_name, guardian_phone, guardian_email,"
		" COALESCE(guardian_consent, 0), counselor_note FROM applications WHERE id = ?");
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? 0 : -1;
	}
	memset(r, 0, sizeof(*r));
	r->id = id;
	snprintf(r->ref, sizeof(r->ref), "%s", db_col_text(st, 0));
	r->tap = r->ref[0] == 'T';
	r->cohort_id = sqlite3_column_int64(st, 1);
	int s = status_parse(db_col_text(st, 2));
	r->status = s < 0 ? ST_SUBMITTED : (enum status)s;
	r->position = sqlite3_column_int(st, 3);
	r->counselor_id = sqlite3_column_int64(st, 4);
	r->erased = sqlite3_column_int(st, 5) != 0;
	r->school = col(arena, st, 6);
	struct app_details *d = &r->d;
	d->first_name = col(arena, st, 7);
	d->last_name = col(arena, st, 8);
	/* Sealed columns (seal.c) are opened; a TAP student's e-mail and phone are sealed. */
	bool bad = false;
	d->dob = seal_open_or_fail(arena, db_col_text(st, 9), &bad);
	d->email = seal_open_or_fail(arena, db_col_text(st, 10), &bad);
	d->phone = seal_open_or_fail(arena, db_col_text(st, 11), &bad);
	d->street = col(arena, st, 12);
	d->city = col(arena, st, 13);
	d->zip = col(arena, st, 14);
	d->verify_residence = sqlite3_column_int(st, 15);
	d->emergency_name = seal_open_or_fail(arena, db_col_text(st, 16), &bad);
	d->emergency_phone = seal_open_or_fail(arena, db_col_text(st, 17), &bad);
	d->accommodations = seal_open_or_fail(arena, db_col_text(st, 18), &bad);
	d->referral = col(arena, st, 19);
	d->student_id = seal_open_or_fail(arena, db_col_text(st, 20), &bad);
	d->grade = sqlite3_column_int(st, 21);
	d->guardian_name = seal_open_or_fail(arena, db_col_text(st, 22), &bad);
	d->guardian_phone = seal_open_or_fail(arena, db_col_text(st, 23), &bad);
	d->guardian_email = seal_open_or_fail(arena, db_col_text(st, 24), &bad);
	d->guardian_consent = sqlite3_column_int(st, 25);
	d->counselor_note = col(arena, st, 26);
	sqlite3_reset(st);
	if (bad) {
		fprintf(stderr, "portal: a sealed value of application %s does not open\n", r->ref);
		return -1;
	}
	for (int k = 0; k < AFF_MAX; k++)
		d->detail[k] = "";
	st = db_stmt(db, "SELECT kind, COALESCE(detail, '') FROM affiliations"
			 " WHERE application_id = ?");
	db_bind_int(st, 1, id);
	while ((rc = db_step(st)) == SQLITE_ROW) {
		for (int k = 0; k < AFF_MAX; k++) {
			if (strcmp(db_col_text(st, 0), affiliation_names[k]) == 0) {
				d->affiliations |= 1u << k;
				d->detail[k] = col(arena, st, 1);
			}
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 1 : -1;
}

/* Whether the stored (perhaps sealed) address is email, case aside as NOCASE would. */
static bool same_address(struct arena *a, const char *stored, const char *email, bool *bad)
{
	const char *v = seal_open_or_fail(a, stored, bad);
	return v[0] && strcasecmp(v, email) == 0;
}

int64_t application_find_pair(struct db *db, const char *ref, const char *email,
			      enum proof *who)
{
	if (email == NULL || email[0] == '\0')
		return 0;
	/* The reference finds the row; the addresses are compared opened, since a TAP
	 * student's and a guardian's are sealed. */
	sqlite3_stmt *st = db_stmt(
	    db, "SELECT a.id, COALESCE(a.email, ''), COALESCE(a.guardian_email, ''),"
		" a.school IS NOT NULL AND EXISTS (SELECT 1 FROM users u WHERE"
		" u.email = ?2 COLLATE NOCASE AND u.role = 'counselor' AND u.school = a.school"
		" AND u.disabled_at IS NULL) FROM applications a WHERE a.ref = ?1");
	db_bind_text(st, 1, ref);
	db_bind_text(st, 2, email);
	int rc = db_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? 0 : -1;
	}
	struct arena a;
	arena_init(&a);
	bool bad = false, tap = ref[0] == 'T';
	int64_t id = sqlite3_column_int64(st, 0);
	if (same_address(&a, db_col_text(st, 1), email, &bad))
		*who = tap ? PROOF_STUDENT : PROOF_APPLICANT;
	else if (same_address(&a, db_col_text(st, 2), email, &bad))
		*who = PROOF_GUARDIAN;
	else if (sqlite3_column_int(st, 3))
		*who = PROOF_COUNSELOR;
	else
		id = 0;
	sqlite3_reset(st);
	arena_free(&a);
	return bad ? -1 : id;
}

int application_list_for_email(struct db *db, struct arena *arena, const char *email,
			       struct app_ref **out, int max)
{
	*out = arena_alloc(arena, (size_t)max * sizeof(**out));
	/* A PIP applicant's address is plain and indexed; TAP nominations (a few dozen a
	 * semester) have theirs sealed, so each is opened and compared here. */
	sqlite3_stmt *st = db_stmt(
	    db, "SELECT a.ref, a.cohort_id, a.status, COALESCE(a.waitlist_position, 0),"
		" COALESCE(a.first_name, ''), COALESCE(a.email, ''),"
		" COALESCE(a.guardian_email, ''), a.school IS NOT NULL AND EXISTS (SELECT 1"
		" FROM users u WHERE u.email = ?1 COLLATE NOCASE AND u.role = 'counselor' AND"
		" u.school = a.school AND u.disabled_at IS NULL), a.language FROM applications a"
		" WHERE a.erased_at IS NULL AND (a.email = ?1 COLLATE NOCASE OR"
		" a.school IS NOT NULL) ORDER BY a.submitted_at DESC, a.id DESC");
	db_bind_text(st, 1, email);
	int n = 0, rc;
	bool bad = false;
	while ((rc = db_step(st)) == SQLITE_ROW && n < max) {
		bool tap = db_col_text(st, 0)[0] == 'T';
		if (tap && !sqlite3_column_int(st, 7) &&
		    !same_address(arena, db_col_text(st, 5), email, &bad) &&
		    !same_address(arena, db_col_text(st, 6), email, &bad))
			continue;
		struct app_ref *r = &(*out)[n++];
		snprintf(r->ref, sizeof(r->ref), "%s", db_col_text(st, 0));
		r->cohort_id = sqlite3_column_int64(st, 1);
		int s = status_parse(db_col_text(st, 2));
		r->status = s < 0 ? ST_SUBMITTED : (enum status)s;
		r->position = sqlite3_column_int(st, 3);
		r->first_name = col(arena, st, 4);
		r->lang = sqlite3_column_int(st, 7) ? -1 : lang_parse(db_col_text(st, 8));
		if (r->lang < 0)
			r->lang = LANG_EN;
	}
	sqlite3_reset(st);
	return (rc == SQLITE_DONE || rc == SQLITE_ROW) && !bad ? n : -1;
}

/* Adds the label of a changed text field to the list in b. */
static void diff_text(struct buf *b, const char *label, const char *was, const char *want)
{
	if (want == NULL || strcmp(was ? was : "", want) == 0)
		return;
	if (b->len)
		buf_puts(b, ", ");
	buf_puts(b, label);
}

static void diff_int(struct buf *b, const char *label, int was, int want)
{
	if (want < 0 || was == want)
		return;
	if (b->len)
		buf_puts(b, ", ");
	buf_puts(b, label);
}

/* Whether the affiliations (kinds or details) differ. */
static bool affiliations_differ(const struct app_details *was, const struct app_details *want)
{
	if (!want->set_affiliations)
		return false;
	if (was->affiliations != want->affiliations)
		return true;
	for (int k = 0; k < AFF_MAX; k++)
		if ((want->affiliations & (1u << k)) &&
		    strcmp(was->detail[k] ? was->detail[k] : "",
			   want->detail[k] ? want->detail[k] : "") != 0)
			return true;
	return false;
}

/* The labels of the fields want changes from was, comma separated ("" when none). */
static const char *changed_fields(struct arena *a, bool tap, const struct app_details *was,
				  const struct app_details *want)
{
	struct buf b;
	buf_init(&b, a);
	diff_text(&b, tap ? N_("student's first name") : N_("first name"), was->first_name,
		  want->first_name);
	diff_text(&b, tap ? N_("student's last name") : N_("last name"), was->last_name, want->last_name);
	if (tap)
		diff_text(&b, N_("student ID"), was->student_id, want->student_id);
	diff_int(&b, N_("grade"), was->grade, want->grade);
	diff_text(&b, N_("date of birth"), was->dob, want->dob);
	diff_text(&b, tap ? N_("student's email address") : N_("email address"), was->email, want->email);
	diff_text(&b, tap ? N_("student's phone number") : N_("phone number"), was->phone, want->phone);
	diff_text(&b, N_("street address"), was->street, want->street);
	diff_text(&b, N_("city"), was->city, want->city);
	diff_text(&b, N_("ZIP code"), was->zip, want->zip);
	if (affiliations_differ(was, want)) {
		if (b.len)
			buf_puts(&b, ", ");
		buf_puts(&b, N_("connection to Torrance"));
	}
	diff_text(&b, N_("emergency contact's name"), was->emergency_name, want->emergency_name);
	diff_text(&b, N_("emergency contact's phone number"), was->emergency_phone,
		  want->emergency_phone);
	diff_text(&b, N_("accommodations"), was->accommodations, want->accommodations);
	diff_text(&b, N_("parent or guardian's name"), was->guardian_name, want->guardian_name);
	diff_text(&b, N_("parent or guardian's phone number"), was->guardian_phone,
		  want->guardian_phone);
	diff_text(&b, N_("parent or guardian's email address"), was->guardian_email,
		  want->guardian_email);
	diff_int(&b, N_("consent on file"), was->guardian_consent, want->guardian_consent);
	diff_text(&b, N_("counselor's note"), was->counselor_note, want->counselor_note);
	return b.len ? buf_str(&b) : "";
}

/* A value to write: want's when it differs from was, else NULL (the column is kept). */
static const char *if_changed(const char *was, const char *want)
{
	return want && strcmp(was ? was : "", want) != 0 ? want : NULL;
}

/* Writes the changed columns of one row; every other column keeps its value. */
static int write_details(struct db *db, struct arena *a, int64_t id, bool tap,
			 const struct app_details *was, const struct app_details *w)
{
	sqlite3_stmt *st = db_stmt(
	    db, "UPDATE applications SET first_name = COALESCE(?1, first_name),"
		" last_name = COALESCE(?2, last_name), dob = COALESCE(?3, dob),"
		" email = COALESCE(?4, email), phone = COALESCE(?5, phone),"
		" street = COALESCE(?6, street), city = COALESCE(?7, city), zip = COALESCE(?8, zip),"
		" verify_residence = COALESCE(?9, verify_residence),"
		" emergency_name = COALESCE(?10, emergency_name),"
		" emergency_phone = COALESCE(?11, emergency_phone),"
		" accommodations = COALESCE(?12, accommodations),"
		" student_id = COALESCE(?13, student_id), grade = COALESCE(?14, grade),"
		" guardian_name = COALESCE(?15, guardian_name),"
		" guardian_phone = COALESCE(?16, guardian_phone),"
		" guardian_email = COALESCE(?17, guardian_email),"
		" guardian_consent = COALESCE(?18, guardian_consent),"
		" counselor_note = COALESCE(?19, counselor_note),"
		" dob_hash = COALESCE(?21, dob_hash),"
		" student_id_hash = COALESCE(?22, student_id_hash) WHERE id = ?20");
	db_bind_text(st, 1, if_changed(was->first_name, w->first_name));
	db_bind_text(st, 2, if_changed(was->last_name, w->last_name));
	/* The sealed columns are written sealed (seal.c), with the lookup hashes of the
	 * date of birth and the student ID; a PIP applicant's e-mail and phone are not. */
	const char *dob = if_changed(was->dob, w->dob), *sid = if_changed(was->student_id,
									   w->student_id);
	char dob_hash[65], sid_hash[65];
	if (dob)
		seal_hash(dob, dob_hash);
	if (sid)
		seal_hash(sid, sid_hash);
	db_bind_text(st, 3, dob ? seal_text(a, dob) : NULL);
	const char *email = if_changed(was->email, w->email);
	const char *phone = if_changed(was->phone, w->phone);
	db_bind_text(st, 4, tap && email ? seal_text(a, email) : email);
	db_bind_text(st, 5, tap && phone ? seal_text(a, phone) : phone);
	db_bind_text(st, 6, if_changed(was->street, w->street));
	db_bind_text(st, 7, if_changed(was->city, w->city));
	db_bind_text(st, 8, if_changed(was->zip, w->zip));
	if (w->verify_residence >= 0)
		db_bind_int(st, 9, w->verify_residence);
	db_bind_text(st, 10, seal_text(a, if_changed(was->emergency_name, w->emergency_name)));
	db_bind_text(st, 11, seal_text(a, if_changed(was->emergency_phone, w->emergency_phone)));
	db_bind_text(st, 12, seal_text(a, if_changed(was->accommodations, w->accommodations)));
	db_bind_text(st, 13, sid ? seal_text(a, sid) : NULL);
	if (w->grade > 0)
		db_bind_int(st, 14, w->grade);
	db_bind_text(st, 15, seal_text(a, if_changed(was->guardian_name, w->guardian_name)));
	db_bind_text(st, 16, seal_text(a, if_changed(was->guardian_phone, w->guardian_phone)));
	db_bind_text(st, 17, seal_text(a, if_changed(was->guardian_email, w->guardian_email)));
	if (w->guardian_consent >= 0)
		db_bind_int(st, 18, w->guardian_consent);
	db_bind_text(st, 19, if_changed(was->counselor_note, w->counselor_note));
	db_bind_int(st, 20, id);
	if (dob)
		db_bind_text(st, 21, dob_hash);
	if (sid)
		db_bind_text(st, 22, sid_hash);
	if (db_exec_stmt(db, st) < 0)
		return -1;
	if (!affiliations_differ(was, w))
		return 0;
	st = db_stmt(db, "DELETE FROM affiliations WHERE application_id = ?");
	db_bind_int(st, 1, id);
	if (db_exec_stmt(db, st) < 0)
		return -1;
	for (int k = 0; k < AFF_MAX; k++) {
		if (!(w->affiliations & (1u << k)))
			continue;
		st = db_stmt(db, "INSERT INTO affiliations (application_id, kind, detail)"
				 " VALUES (?, ?, ?)");
		db_bind_int(st, 1, id);
		db_bind_text(st, 2, affiliation_names[k]);
		db_bind_text(st, 3, w->detail[k] ? w->detail[k] : "");
		if (db_exec_stmt(db, st) < 0)
			return -1;
	}
	return 0;
}

/* 1 when the cohort already has another live application with this e-mail (PIP) or
 * student ID (TAP), 0 when not, -1 on failure. */
static int details_duplicate(struct db *db, const struct app_record *r,
			     const struct app_details *w)
{
	const char *value = r->tap ? if_changed(r->d.student_id, w->student_id)
				   : if_changed(r->d.email, w->email);
	if (value == NULL || value[0] == '\0')
		return 0;
	char sid_hash[65];
	if (r->tap) {
		seal_hash(value, sid_hash); /* student IDs are sealed: found by their hash */
		value = sid_hash;
	}
	sqlite3_stmt *st =
	    r->tap ? db_stmt(db, "SELECT EXISTS (SELECT 1 FROM applications WHERE cohort_id = ?1"
				 " AND student_id_hash = ?2 AND id <> ?3 AND erased_at IS NULL"
				 " AND status <> 'withdrawn')")
		   : db_stmt(db, "SELECT EXISTS (SELECT 1 FROM applications WHERE cohort_id = ?1"
				 " AND email = ?2 COLLATE NOCASE AND id <> ?3 AND erased_at IS NULL"
				 " AND status <> 'withdrawn')");
	db_bind_int(st, 1, r->cohort_id);
	db_bind_text(st, 2, value);
	db_bind_int(st, 3, r->id);
	return (int)db_int(db, st, -1);
}

/* The part of application_update_details inside its transaction. */
static enum update_result update_locked(struct db *db, struct arena *arena, int64_t id,
					const struct app_details *want, unsigned statuses,
					const struct actor *who, const char **changed)
{
	struct app_record r;
	int found = application_read(db, arena, id, &r);
	if (found <= 0)
		return found < 0 ? UPDATE_ERROR : UPDATE_NOT_FOUND;
	if (r.erased || !(statuses & (1u << r.status)))
		return UPDATE_NOT_ALLOWED;
	const char *fields = changed_fields(arena, r.tap, &r.d, want);
	*changed = fields;
	if (fields[0] == '\0')
		return UPDATE_UNCHANGED;
	int dup = details_duplicate(db, &r, want);
	if (dup != 0)
		return dup > 0 ? UPDATE_DUPLICATE : UPDATE_ERROR;
	const char *old_email = r.tap ? r.d.guardian_email : r.d.email;
	const char *new_email = r.tap ? if_changed(r.d.guardian_email, want->guardian_email)
				      : if_changed(r.d.email, want->email);
	if (r.tap && new_email == NULL && r.d.guardian_email[0] == '\0') {
		/* An adult student with no guardian: the student's own address is told. */
		old_email = r.d.email;
		new_email = if_changed(r.d.email, want->email);
	}
	const char *note = arena_printf(arena, "Details corrected by %s: %s",
					who->user_id ? who->name
						     : (r.tap ? "the family" : "the applicant"),
					fields);
	if (write_details(db, arena, id, r.tap, &r.d, want) < 0 || audit(db, id, r.status, r.status, who, note) < 0 ||
	    notify_details(db, id, fields, new_email ? old_email : NULL, who->counselor) < 0)
		return UPDATE_ERROR;
	return UPDATE_OK;
}

enum update_result application_update_details(struct db *db, struct arena *arena, int64_t id,
					      const struct app_details *want, unsigned statuses,
					      const struct actor *who, const char **changed)
{
	const char *fields = "";
	if (db_begin_write(db) < 0)
		return UPDATE_ERROR;
	enum update_result r = update_locked(db, arena, id, want, statuses, who, &fields);
	if (changed)
		*changed = fields;
	if (r != UPDATE_OK) {
		db_rollback(db);
		return r;
	}
	return db_commit(db) == 0 ? UPDATE_OK : UPDATE_ERROR;
}

/* ---- bulk decisions and background checks ---- */

/* Reads who application id is, for a bulk decision's messages: 1 (of cohort_id), 0 not
 * found or of another cohort, -1.  The names go in arena. */
static int bulk_person(struct db *db, struct arena *arena, int64_t cohort_id, int64_t id,
		       const char **name)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT cohort_id, COALESCE(first_name, ''),"
				       " COALESCE(last_name, ''), erased_at IS NOT NULL"
				       " FROM applications WHERE id = ?");
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? 0 : -1;
	}
	int found = sqlite3_column_int64(st, 0) == cohort_id;
	*name = sqlite3_column_int(st, 3)
		    ? arena_printf(arena, "application %lld (details erased)", (long long)id)
		    : arena_printf(arena, "%s %s", db_col_text(st, 1), db_col_text(st, 2));
	sqlite3_reset(st);
	return found;
}

/* A bulk decision's arguments, for its work in the group writer (group.h). */
struct many_job {
	struct arena *arena;
	int64_t cohort_id;
	const int64_t *ids;
	int n;
	enum status to;
	const struct actor *who;
	const char *note;
	struct bulk_outcome *out;
};

/* The work of application_move_many: every move, or (after any refusal) none. */
static int move_many_work(struct db *db, void *ctx)
{
	const struct many_job *job = ctx;
	enum move_result first = MOVE_OK;
	for (int i = 0; i < job->n; i++) {
		struct bulk_outcome *o = &job->out[i];
		o->id = job->ids[i];
		o->name = "";
		o->result = MOVE_OK;
		int found = bulk_person(db, job->arena, job->cohort_id, job->ids[i], &o->name);
		enum move_result r;
		if (found < 0)
			r = MOVE_ERROR;
		else if (found == 0)
			r = MOVE_NOT_FOUND;
		else
			/* After a refusal the rest still run, so that every refusal is named;
			 * the savepoint is then rolled back whole. */
			r = application_move_locked(db, job->ids[i], job->to, job->who, job->note,
						    NULL);
		o->result = r;
		if (r != MOVE_OK && first == MOVE_OK)
			first = r;
		if (r == MOVE_ERROR)
			break;
	}
	return first;
}

enum move_result application_move_many(struct db *db, struct arena *arena, int64_t cohort_id,
				       const int64_t *ids, int n, enum status to,
				       const struct actor *who, const char *note,
				       struct bulk_outcome *out)
{
	struct many_job job = {arena, cohort_id, ids, n, to, who, note, out};
	int r = group_write(db, move_many_work, &job);
	return r == GROUP_FAILED ? MOVE_ERROR : (enum move_result)r;
}

const char *const background_names[BG_MAX] = {"not_started", "in_progress", "cleared",
					      "not_cleared"};
const char *const background_labels[BG_MAX] = {"Not started", "In progress", "Cleared",
					       "Not cleared"};

int background_parse(const char *s)
{
	for (int i = 0; s && i < BG_MAX; i++)
		if (strcmp(s, background_names[i]) == 0)
			return i;
	return -1;
}

int application_set_background(struct db *db, int64_t id, enum background state,
			       const struct actor *who)
{
	if (db_begin_write(db) < 0)
		return -1;
	sqlite3_stmt *st = db_stmt(db, "SELECT status, c.program = 'pip' FROM applications a"
				       " JOIN cohorts c ON c.id = a.cohort_id WHERE a.id = ?");
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	int status = rc == SQLITE_ROW ? status_parse(db_col_text(st, 0)) : -1;
	bool pip = rc == SQLITE_ROW && sqlite3_column_int(st, 1) != 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW || status < 0 || !pip) {
		db_rollback(db);
		return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
	}
	st = db_stmt(db, "UPDATE applications SET background = ?, background_at = ?,"
			 " background_by = ? WHERE id = ?");
	db_bind_text(st, 1, background_names[state]);
	db_bind_int(st, 2, app_now());
	db_bind_text(st, 3, who->name);
	db_bind_int(st, 4, id);
	char note[80];
	snprintf(note, sizeof(note), "Background check: %s", background_labels[state]);
	if (db_exec_stmt(db, st) < 0 || audit(db, id, status, (enum status)status, who, note) < 0) {
		db_rollback(db);
		return -1;
	}
	return db_commit(db) == 0 ? 1 : -1;
}
