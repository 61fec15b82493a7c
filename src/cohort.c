/* cohort.c: reading and creating classes and semesters. */
#include "cohort.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "arena.h"
#include "status.h"

#define COHORT_COLUMNS                                                                     \
	"SELECT c.id, c.program, COALESCE(c.number, 0), COALESCE(c.term, ''),"             \
	" COALESCE(c.year, 0), c.start_date, c.capacity, COALESCE(c.school_cap, 0),"       \
	" COALESCE(c.required_sessions, 0), c.registration_open,"                          \
	" (SELECT count(*) FROM cohort_sessions s WHERE s.cohort_id = c.id) FROM cohorts c "

/* Fills out from a row of COHORT_COLUMNS. */
static void read_row(sqlite3_stmt *st, struct cohort *out)
{
	memset(out, 0, sizeof(*out));
	out->id = sqlite3_column_int64(st, 0);
	snprintf(out->program, sizeof(out->program), "%s", db_col_text(st, 1));
	out->number = sqlite3_column_int(st, 2);
	snprintf(out->term, sizeof(out->term), "%s", db_col_text(st, 3));
	out->year = sqlite3_column_int(st, 4);
	if (date_parse(db_col_text(st, 5), &out->start) < 0)
		out->start = (struct date){1970, 1, 1};
	out->capacity = sqlite3_column_int(st, 6);
	out->school_cap = sqlite3_column_int(st, 7);
	out->required_sessions = sqlite3_column_int(st, 8);
	out->open = sqlite3_column_int(st, 9) != 0;
	out->nsessions = sqlite3_column_int(st, 10);
}

/* Steps a prepared cohort query once: 1 with *out filled, 0 no row, -1 error. */
static int fetch_one(struct db *db, sqlite3_stmt *st, struct cohort *out)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		read_row(st, out);
		sqlite3_reset(st);
		return 1;
	}
	if (rc != SQLITE_DONE)
		db_log_error(db, "reading a class or semester");
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int cohort_get(struct db *db, int64_t id, struct cohort *out)
{
	sqlite3_stmt *st = db_stmt(db, COHORT_COLUMNS "WHERE c.id = ?");
	db_bind_int(st, 1, id);
	return fetch_one(db, st, out);
}

int cohort_open_now(struct db *db, const char *program, struct cohort *out)
{
	sqlite3_stmt *st = db_stmt(db, COHORT_COLUMNS "WHERE c.program = ? AND"
						      " c.registration_open = 1 LIMIT 1");
	db_bind_text(st, 1, program);
	return fetch_one(db, st, out);
}

int cohort_next(struct db *db, const char *program, struct cohort *out)
{
	/* The open one first; else the earliest that has not started; else the latest. */
	sqlite3_stmt *st = db_stmt(db, COHORT_COLUMNS "WHERE c.program = ?1 ORDER BY"
						      " c.registration_open DESC,"
						      " c.start_date < ?2, "
						      " CASE WHEN c.start_date >= ?2 THEN c.start_date END,"
						      " c.start_date DESC LIMIT 1");
	char today[16];
	date_format_iso(date_today(), today, sizeof(today));
	db_bind_text(st, 1, program);
	db_bind_text(st, 2, today);
	return fetch_one(db, st, out);
}

int cohort_insert(struct db *db, struct cohort *c, const struct cohort_session *sessions,
		  int nsessions)
{
	char start[16];
	date_format_iso(c->start, start, sizeof(start));
	bool tap = strcmp(c->program, "tap") == 0;
	sqlite3_stmt *st = db_stmt(db, "INSERT INTO cohorts (program, number, term, year,"
				       " start_date, capacity, school_cap, required_sessions,"
				       " registration_open, created_at)"
				       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	db_bind_text(st, 1, c->program);
	if (!tap)
		db_bind_int(st, 2, c->number);
	if (tap) {
		db_bind_text(st, 3, c->term);
		db_bind_int(st, 4, c->year);
	}
	db_bind_text(st, 5, start);
	db_bind_int(st, 6, c->capacity);
	if (c->school_cap > 0)
		db_bind_int(st, 7, c->school_cap);
	if (c->required_sessions > 0)
		db_bind_int(st, 8, c->required_sessions);
	db_bind_int(st, 9, c->open);
	db_bind_int(st, 10, app_now());
	if (db_exec_stmt(db, st) < 0)
		return -1;
	c->id = sqlite3_last_insert_rowid(db_conn(db));
	/* Without a list of sessions: weekly ones from the start, 12 for a semester and 10
	 * for a class (the fewest a class has), so attendance can be taken at once. */
	int n = nsessions;
	if (nsessions == 0)
		n = tap ? 12 : 10;
	for (int i = 0; i < n; i++) {
		struct date d = i < nsessions ? sessions[i].date : date_add_days(c->start, 7 * i);
		const char *topic = i < nsessions ? sessions[i].topic : "";
		char iso[16];
		date_format_iso(d, iso, sizeof(iso));
		st = db_stmt(db, "INSERT INTO cohort_sessions (cohort_id, number, date, topic)"
				 " VALUES (?, ?, ?, ?)");
		db_bind_int(st, 1, c->id);
		db_bind_int(st, 2, i + 1);
		db_bind_text(st, 3, iso);
		db_bind_text(st, 4, topic);
		if (db_exec_stmt(db, st) < 0)
			return -1;
	}
	c->nsessions = n;
	return 0;
}

int cohort_required(const struct cohort *c)
{
	if (c->required_sessions > 0)
		return c->required_sessions;
	return c->nsessions > 2 ? c->nsessions - 2 : c->nsessions;
}

void cohort_title(const struct cohort *c, char *buf, size_t size)
{
	if (strcmp(c->program, "tap") == 0)
		snprintf(buf, size, "%s %d", strcmp(c->term, "fall") == 0 ? "Fall" : "Spring",
			 c->year);
	else
		snprintf(buf, size, "Class %d", c->number);
}

int cohort_counts(struct db *db, int64_t id, int counts[6])
{
	memset(counts, 0, sizeof(int) * ST_MAX);
	sqlite3_stmt *st = db_stmt(db, "SELECT status, n FROM cohort_status_counts"
				       " WHERE cohort_id = ?");
	db_bind_int(st, 1, id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int s = status_parse(db_col_text(st, 0));
		if (s >= 0)
			counts[s] = sqlite3_column_int(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		db_log_error(db, "counting applications");
		return -1;
	}
	return 0;
}

json_t *cohort_json(struct db *db, const struct cohort *c)
{
	char title[32], start[48];
	cohort_title(c, title, sizeof(title));
	date_format_long(c->start, start, sizeof(start));
	int n[ST_MAX];
	cohort_counts(db, c->id, n);
	int active = n[ST_SUBMITTED] + n[ST_ACCEPTED];
	bool tap = strcmp(c->program, "tap") == 0;
	json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:b, s:b, s:i, s:i, s:i, s:i, s:i, s:i, s:i,"
			      " s:i, s:i, s:b, s:i}",
			      "id", (json_int_t)c->id, "title", title, "start", start, "url",
			      tap ? "/admin/tap/semesters" : "/admin/pip/classes", "tap", tap, "open",
			      c->open, "capacity", c->capacity, "active", active, "submitted",
			      n[ST_SUBMITTED], "accepted", n[ST_ACCEPTED], "waitlisted",
			      n[ST_WAITLISTED], "declined", n[ST_DECLINED], "withdrawn",
			      n[ST_WITHDRAWN], "completed", n[ST_COMPLETED], "sessions", c->nsessions,
			      "full", active >= c->capacity, "free",
			      active < c->capacity ? c->capacity - active : 0);
	if (j == NULL)
		die_oom();
	if (c->school_cap > 0)
		json_object_set_new(j, "school_cap", json_integer(c->school_cap));
	return j;
}
