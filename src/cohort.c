/* cohort.c: reading and creating classes and semesters. */
#include "cohort.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "arena.h"
#include "i18n.h"
#include "status.h"
#include "thread_slot.h"

#define COHORT_COLUMNS                                                                     \
	"SELECT c.id, c.program, COALESCE(c.number, 0), COALESCE(c.term, ''),"             \
	" COALESCE(c.year, 0), c.start_date, c.capacity, COALESCE(c.school_cap, 0),"       \
	" COALESCE(c.required_sessions, 0), c.registration_open,"                          \
	" (SELECT count(*) FROM cohort_sessions s WHERE s.cohort_id = c.id),"               \
	" c.start_time, c.end_time, c.location, c.reminders,"                              \
	" c.registration_closed_at IS NOT NULL,"                                           \
	" (SELECT max(date) FROM cohort_sessions s WHERE s.cohort_id = c.id),"            \
	" c.require_clearance FROM cohorts c "

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
	if (time_parse(db_col_text(st, 11), &out->start_time) < 0)
		out->start_time = 18 * 60;
	if (time_parse(db_col_text(st, 12), &out->end_time) < 0)
		out->end_time = 20 * 60;
	snprintf(out->location, sizeof(out->location), "%s", db_col_text(st, 13));
	out->reminders = sqlite3_column_int(st, 14) != 0;
	out->closed = !out->open && sqlite3_column_int(st, 15) != 0;
	if (date_parse(db_col_text(st, 16), &out->last) < 0)
		out->last = out->start;
	out->require_clearance = sqlite3_column_int(st, 17) != 0;
}

/* Steps a prepared cohort query once: 1 with *out filled, 0 no row, -1 error. */
static int fetch_one(struct db *db, sqlite3_stmt *st, struct cohort *out)
{
	int rc = db_step(st);
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

/*
 * The open cohort of each program, kept per thread: every GET of the form
 * and of the nomination page asks for it.  One rule says when it is stale:
 * the database's version (db_data_version) changed, whoever changed what;
 * "open" is a stored flag, not a fact of the calendar.  The version is read
 * before the cohort, so a change committed in between makes the next call
 * read again rather than keep the old cohort under the new version.
 */
struct kept_open {
	uint64_t version; /* 0: nothing kept */
	int found;
	struct cohort c;
};
static struct thread_slot open_slot = THREAD_SLOT(2 * sizeof(struct kept_open), free);

/* The database's version as of now: PRAGMA data_version takes a read lock,
 * which brings the connection's version up to date, and reads no page. */
static uint64_t version_now(struct db *db)
{
	sqlite3_stmt *st = db_stmt(db, "PRAGMA data_version");
	return db_int(db, st, -1) < 0 ? 0 : db_data_version(db);
}

int cohort_open_now(struct db *db, const char *program, struct cohort *out)
{
	uint64_t version = version_now(db);
	struct kept_open *k = (struct kept_open *)thread_slot_get(&open_slot) +
			      (strcmp(program, "pip") == 0 ? 0 : 1);
	if (version != 0 && k->version == version) {
		if (k->found == 1)
			*out = k->c;
		return k->found;
	}
	sqlite3_stmt *st = db_stmt(db, COHORT_COLUMNS "WHERE c.program = ? AND"
						      " c.registration_open = 1 LIMIT 1");
	db_bind_text(st, 1, program);
	int found = fetch_one(db, st, out);
	k->version = found < 0 ? 0 : version;
	k->found = found;
	if (found == 1)
		k->c = *out;
	return found;
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

int cohort_after(struct db *db, const struct cohort *c, struct cohort *out)
{
	sqlite3_stmt *st = db_stmt(db, COHORT_COLUMNS "WHERE c.program = ? AND c.start_date > ?"
						      " ORDER BY c.start_date LIMIT 1");
	char start[16];
	date_format_iso(c->start, start, sizeof(start));
	db_bind_text(st, 1, c->program);
	db_bind_text(st, 2, start);
	return fetch_one(db, st, out);
}

enum cohort_state cohort_state(const struct cohort *c)
{
	if (c->open)
		return REG_OPEN;
	/* A class that has begun takes nobody new, closed by staff or not. */
	if (c->closed || date_cmp(c->start, date_today()) <= 0)
		return REG_CLOSED;
	return REG_NOT_OPEN;
}

const char *cohort_location(const struct cohort *c)
{
	return c->location[0] ? c->location : app_config.default_location;
}

/* A session's own "HH:MM" column, or the cohort's minute when it is NULL or bad. */
static int session_time(sqlite3_stmt *st, int col, int fallback)
{
	int m;
	if (sqlite3_column_type(st, col) == SQLITE_NULL || time_parse(db_col_text(st, col), &m) < 0)
		return fallback;
	return m;
}

int cohort_sessions(struct db *db, struct arena *a, const struct cohort *c,
		    struct cohort_session **out)
{
	*out = NULL;
	if (c->nsessions <= 0)
		return 0;
	struct cohort_session *s = arena_alloc(a, sizeof(*s) * (size_t)c->nsessions);
	sqlite3_stmt *st = db_stmt(db, "SELECT number, date, topic, start_time, end_time,"
				       " location, sequence FROM cohort_sessions WHERE cohort_id = ?"
				       " ORDER BY number");
	db_bind_int(st, 1, c->id);
	int n = 0, rc;
	while ((rc = db_step(st)) == SQLITE_ROW && n < c->nsessions) {
		struct cohort_session *x = &s[n++];
		x->number = sqlite3_column_int(st, 0);
		if (date_parse(db_col_text(st, 1), &x->date) < 0)
			x->date = c->start;
		x->topic = arena_strdup(a, db_col_text(st, 2));
		x->start_time = session_time(st, 3, c->start_time);
		x->end_time = session_time(st, 4, c->end_time);
		const char *place = db_col_text(st, 5);
		x->location = arena_strdup(a, place[0] ? place : cohort_location(c));
		x->sequence = sqlite3_column_int(st, 6);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		db_log_error(db, "reading sessions");
		return -1;
	}
	*out = s;
	return n;
}

json_t *cohort_schedule_json(enum lang l, const struct cohort_session *s, int n)
{
	json_t *list = json_array();
	struct date today = date_today();
	for (int i = 0; i < n; i++) {
		char date[64], time[64];
		fmt_date_long(l, s[i].date, date, sizeof(date));
		fmt_time_range(l, s[i].start_time, s[i].end_time, time, sizeof(time));
		json_t *j = json_pack("{s:i, s:s, s:s, s:s, s:s, s:b}", "number", s[i].number, "date",
				      date, "time", time, "location", s[i].location, "topic",
				      s[i].topic, "past", date_cmp(s[i].date, today) < 0);
		if (j == NULL || json_array_append_new(list, j) < 0)
			die_oom();
	}
	return list;
}

int cohort_insert(struct db *db, struct cohort *c, const struct cohort_session *sessions,
		  int nsessions)
{
	char start[16], from[8], to[8];
	date_format_iso(c->start, start, sizeof(start));
	time_format_hhmm(c->start_time, from, sizeof(from));
	time_format_hhmm(c->end_time, to, sizeof(to));
	bool tap = strcmp(c->program, "tap") == 0;
	sqlite3_stmt *st = db_stmt(db, "INSERT INTO cohorts (program, number, term, year,"
				       " start_date, capacity, school_cap, required_sessions,"
				       " registration_open, created_at, start_time, end_time, location,"
				       " reminders, require_clearance)"
				       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
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
	db_bind_text(st, 11, from);
	db_bind_text(st, 12, to);
	db_bind_text(st, 13, c->location);
	db_bind_int(st, 14, c->reminders);
	db_bind_int(st, 15, c->require_clearance);
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
		const struct cohort_session *own = i < nsessions ? &sessions[i] : NULL;
		char iso[16];
		date_format_iso(d, iso, sizeof(iso));
		st = db_stmt(db, "INSERT INTO cohort_sessions (cohort_id, number, date, topic,"
				 " start_time, end_time, location) VALUES (?, ?, ?, ?, ?, ?, ?)");
		db_bind_int(st, 1, c->id);
		db_bind_int(st, 2, i + 1);
		db_bind_text(st, 3, iso);
		db_bind_text(st, 4, own && own->topic ? own->topic : "");
		/* A line's own times are kept; the others follow the cohort's. */
		if (own && own->start_time >= 0) {
			time_format_hhmm(own->start_time, from, sizeof(from));
			time_format_hhmm(own->end_time, to, sizeof(to));
			db_bind_text(st, 5, from);
			db_bind_text(st, 6, to);
		}
		if (own && own->location)
			db_bind_text(st, 7, own->location);
		if (db_exec_stmt(db, st) < 0)
			return -1;
		c->last = d;
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

void cohort_title_in(const struct cohort *c, int lang, char *buf, size_t size)
{
	if (strcmp(c->program, "tap") == 0)
		/* TRANSLATORS: a semester of Teens and Policing and its year. */
		snprintf(buf, size, strcmp(c->term, "fall") == 0 ? _(lang, "Fall %d")
								 : _(lang, "Spring %d"),
			 c->year);
	else
		/* TRANSLATORS: a class of Partners In Policing by its number. */
		snprintf(buf, size, _(lang, "Class %d"), c->number);
}

void cohort_title(const struct cohort *c, char *buf, size_t size)
{
	cohort_title_in(c, LANG_EN, buf, size);
}

int cohort_counts(struct db *db, int64_t id, int counts[6])
{
	memset(counts, 0, sizeof(int) * ST_MAX);
	sqlite3_stmt *st = db_stmt(db, "SELECT status, n FROM cohort_status_counts"
				       " WHERE cohort_id = ?");
	db_bind_int(st, 1, id);
	int rc;
	while ((rc = db_step(st)) == SQLITE_ROW) {
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
	char title[32], start[64];
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
	enum cohort_state state = cohort_state(c);
	int free = active < c->capacity ? c->capacity - active : 0;
	char time[64];
	fmt_time_range(LANG_EN, c->start_time, c->end_time, time, sizeof(time));
	json_t *more = json_pack(
	    "{s:b, s:b, s:b, s:b, s:i, s:b, s:b, s:s, s:s, s:s}", "state_open", state == REG_OPEN,
	    "state_closed", state == REG_CLOSED, "state_not_open", state == REG_NOT_OPEN,
	    "free_one", free == 1, "waiting", n[ST_WAITLISTED], "waiting_one",
	    n[ST_WAITLISTED] == 1, "waiting_none", n[ST_WAITLISTED] == 0, "time", time,
	    "location", cohort_location(c), "ics",
	    tap ? "/tap/semesters/" : "/pip/classes/");
	if (more == NULL || json_object_update(j, more) < 0)
		die_oom();
	json_decref(more);
	json_object_set_new(j, "started", json_boolean(date_cmp(c->start, date_today()) <= 0));
	json_object_set_new(j, "ics", json_sprintf("%s%lld.ics", tap ? "/tap/semesters/"
								    : "/pip/classes/",
						   (long long)c->id));
	return j;
}

json_t *cohort_view_json(struct db *db, struct arena *a, const struct cohort *c, int lang)
{
	enum lang l = i18n_format_lang(lang);
	struct cohort_session *s;
	int n = cohort_sessions(db, a, c, &s);
	if (n < 0)
		return NULL;
	json_t *j = cohort_json(db, c);
	json_t *schedule = cohort_schedule_json(l, s, n);
	bool same_time = true, same_place = true;
	const char *usual = cohort_location(c);
	for (int i = 0; i < n; i++) {
		bool own_time = s[i].start_time != c->start_time || s[i].end_time != c->end_time;
		bool own_place = strcmp(s[i].location, usual) != 0;
		json_t *item = json_array_get(schedule, (size_t)i);
		json_object_set_new(item, "own_time", json_boolean(own_time));
		json_object_set_new(item, "own_place", json_boolean(own_place));
		same_time = same_time && !own_time;
		same_place = same_place && !own_place;
	}
	if (n > 0)
		json_object_set(j, "first", json_array_get(schedule, 0));
	/* The next session still to come, for "your next session is ..." once a class began. */
	struct date today = date_today();
	for (int i = 0; i < n; i++)
		if (date_cmp(s[i].date, today) >= 0) {
			json_t *next = json_deep_copy(json_array_get(schedule, (size_t)i));
			json_object_set_new(next, "is_first", json_boolean(i == 0));
			json_object_set_new(j, "upcoming", next);
			break;
		}
	json_object_set_new(j, "schedule", schedule);
	json_object_set_new(j, "has_schedule", json_boolean(n > 0));
	json_object_set_new(j, "same_time", json_boolean(same_time));
	json_object_set_new(j, "same_place", json_boolean(same_place));
	json_object_set_new(j, "reminders", json_boolean(c->reminders));
	char start[64], title[48], time[64];
	fmt_date_long(l, c->start, start, sizeof(start));
	json_object_set_new(j, "start", json_string(start));
	cohort_title_in(c, lang, title, sizeof(title));
	json_object_set_new(j, "title", json_string(title));
	fmt_time_range(l, c->start_time, c->end_time, time, sizeof(time));
	json_object_set_new(j, "time", json_string(time));
	return j;
}

/* ---- the public view, kept per thread ---- */

/*
 * Every public page asks for the view of the same class or semester, and it
 * costs a few hundred allocations to build.  Each thread keeps the views it
 * built, and one rule says when they are stale: a view is valid for the
 * database version (db_data_version) and the day it was built on, since every
 * fact in it comes from the database but "past" and the registration state,
 * which also follow the calendar.
 */
enum { VIEWS_KEPT = 8 };
struct kept_view {
	int64_t id;
	int lang;
	uint64_t version;
	long day;
	json_t *view;
};
struct kept_views {
	struct kept_view v[VIEWS_KEPT];
	unsigned next; /* the slot to replace next */
};

static void views_free(void *p)
{
	struct kept_views *k = p;
	if (k == NULL)
		return;
	for (int i = 0; i < VIEWS_KEPT; i++)
		json_decref(k->v[i].view);
	free(k);
}

static struct thread_slot views_slot = THREAD_SLOT(sizeof(struct kept_views), views_free);

void cohort_views_release(void)
{
	thread_slot_release(&views_slot);
}

json_t *cohort_view(struct db *db, struct arena *a, const struct cohort *c, int l)
{
	/* Read as of now: a version read earlier in the request could miss a commit of
	 * the group writer's connection made since. */
	uint64_t version = version_now(db);
	long day = date_to_days(date_today());
	struct kept_views *k = thread_slot_get(&views_slot);
	for (int i = 0; i < VIEWS_KEPT; i++) {
		struct kept_view *v = &k->v[i];
		if (v->view && version != 0 && v->id == c->id && v->lang == (int)l &&
		    v->version == version && v->day == day)
			return json_incref(v->view);
	}
	json_t *view = cohort_view_json(db, a, c, l);
	if (view == NULL || version == 0)
		return view;
	struct kept_view *v = &k->v[k->next++ % VIEWS_KEPT];
	json_decref(v->view);
	*v = (struct kept_view){c->id, (int)l, version, day, json_incref(view)};
	return view;
}
