/* page_attendance.c: attendance per session of a class or semester; completing who qualifies. */
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "applications.h"
#include "auth.h"
#include "cohort.h"
#include "pages.h"
#include "status.h"
#include "view.h"

/* An accepted or completed participant with a mark per session (same order as sessions). */
struct participant {
	int64_t id;
	const char *first_name, *last_name;
	enum status status;
	bool *marks;
	int total;
};

/* Everything the page and the completion need, read in one transaction; lives in the arena. */
struct grid {
	struct cohort_session *sessions; /* in order, as cohort_sessions reads them */
	int nsessions;
	struct participant *people;
	size_t npeople;
};

/* The URL of the cohort's staff page: /admin/pip/classes/ID or /admin/tap/semesters/ID. */
static const char *cohort_url(struct arena *a, const struct cohort *c)
{
	bool tap = strcmp(c->program, "tap") == 0;
	return arena_printf(a, "%s/%lld", tap ? "/admin/tap/semesters" : "/admin/pip/classes",
	                    (long long)c->id);
}

/* The index of session number in g, or -1 when the cohort has no such session. */
static int session_index(const struct grid *g, int number)
{
	for (int i = 0; i < g->nsessions; i++)
		if (g->sessions[i].number == number)
			return i;
	return -1;
}

/* Fills p's marks and total from the attendance table; 0 or -1. */
static int load_marks(struct db *db, const struct grid *g, struct participant *p)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT session_number FROM attendance"
	                               " WHERE application_id = ?");
	db_bind_int(st, 1, p->id);
	int rc;
	while ((rc = db_step(st)) == SQLITE_ROW) {
		/* A mark for a session the cohort does not have counts for nothing. */
		int i = session_index(g, sqlite3_column_int(st, 0));
		if (i >= 0 && !p->marks[i]) {
			p->marks[i] = true;
			p->total++;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		db_log_error(db, "reading attendance");
		return -1;
	}
	return 0;
}

/*
 * Reads the sessions, the accepted and completed participants (by name) and
 * their marks into g, allocated in a.  The caller holds a read or write
 * transaction so that all of it is one snapshot.  0 or -1.
 */
static int load_grid(struct db *db, struct arena *a, const struct cohort *c, struct grid *g)
{
	memset(g, 0, sizeof(*g));
	g->nsessions = cohort_sessions(db, a, c, &g->sessions);
	if (g->nsessions < 0)
		return -1;
	sqlite3_stmt *st = db_stmt(db, "SELECT count(*) FROM applications WHERE cohort_id = ?"
	                               " AND status IN ('accepted', 'completed')");
	db_bind_int(st, 1, c->id);
	int64_t n = db_int(db, st, -1);
	if (n < 0)
		return -1;
	g->people = arena_alloc(a, sizeof(*g->people) * (size_t)(n + 1));
	st = db_stmt(db, "SELECT id, COALESCE(first_name, ''), COALESCE(last_name, ''), status"
	                 " FROM applications WHERE cohort_id = ? AND"
	                 " status IN ('accepted', 'completed') ORDER BY last_name COLLATE NOCASE,"
	                 " first_name COLLATE NOCASE, id");
	db_bind_int(st, 1, c->id);
	int rc;
	while ((rc = db_step(st)) == SQLITE_ROW && g->npeople < (size_t)n) {
		struct participant *p = &g->people[g->npeople++];
		p->id = sqlite3_column_int64(st, 0);
		p->first_name = arena_strdup(a, db_col_text(st, 1));
		p->last_name = arena_strdup(a, db_col_text(st, 2));
		int s = status_parse(db_col_text(st, 3));
		p->status = s == ST_COMPLETED ? ST_COMPLETED : ST_ACCEPTED;
		p->marks = arena_alloc(a, sizeof(bool) * (size_t)(g->nsessions + 1));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		db_log_error(db, "reading participants");
		return -1;
	}
	for (size_t i = 0; i < g->npeople; i++)
		if (load_marks(db, g, &g->people[i]) < 0)
			return -1;
	return 0;
}

/* Whether p attended enough to complete; a cohort without sessions qualifies nobody. */
static bool qualifies(const struct cohort *c, const struct grid *g, const struct participant *p)
{
	return g->nsessions > 0 && p->total >= cohort_required(c);
}

/*
 * The session the door form shows: the one asked for in ?session=N when the
 * cohort has it; else the first dated today or later; else the last.  Returns
 * an index into g->sessions, -1 when there are no sessions.
 */
static int chosen_session(const struct request *req, const struct grid *g)
{
	if (g->nsessions == 0)
		return -1;
	long n;
	if (parse_int(kv_str(&req->query, "session"), 1, 1000, &n) == 0) {
		int i = session_index(g, (int)n);
		if (i >= 0)
			return i;
	}
	struct date today = date_today();
	for (int i = 0; i < g->nsessions; i++)
		if (date_cmp(g->sessions[i].date, today) >= 0)
			return i;
	return g->nsessions - 1;
}

/* "Lopez, Maria", or the reference-free placeholder when details are missing. */
static const char *display_name(struct arena *a, const struct participant *p)
{
	if (p->first_name[0] == '\0' && p->last_name[0] == '\0')
		return "(no name)";
	return arena_printf(a, "%s, %s", p->last_name, p->first_name);
}

/* The sessions as links and table headers; how many were present at each. */
static json_t *sessions_json(struct request *req, const struct grid *g, int current,
                             const char *base)
{
	json_t *list = json_array();
	struct date today = date_today();
	for (int i = 0; i < g->nsessions; i++) {
		const struct cohort_session *s = &g->sessions[i];
		char date[48], iso[16];
		date_format_long(s->date, date, sizeof(date));
		date_format_iso(s->date, iso, sizeof(iso));
		int present = 0;
		for (size_t k = 0; k < g->npeople; k++)
			present += g->people[k].marks[i];
		json_t *j =
		    json_pack("{s:i, s:s, s:s, s:s, s:s, s:b, s:b, s:i}", "number", s->number,
		              "date", date, "iso", iso, "topic", s->topic, "url",
		              arena_printf(req->arena, "%s/attendance?session=%d", base, s->number),
		              "current", i == current, "held", date_cmp(s->date, today) <= 0,
		              "present", present);
		if (j == NULL)
			die_oom();
		json_array_append_new(list, j);
	}
	return list;
}

/* One participant: the door form's checkbox, the grid's row and whether they qualify. */
static json_t *person_json(struct request *req, const struct cohort *c, const struct grid *g,
                           const struct participant *p, int current)
{
	json_t *marks = json_array();
	for (int i = 0; i < g->nsessions; i++)
		json_array_append_new(marks, json_pack("{s:b}", "present", p->marks[i]));
	int required = cohort_required(c);
	bool ok = qualifies(c, g, p);
	bool completed = p->status == ST_COMPLETED;
	json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:b, s:o, s:i, s:b, s:b, s:i}", "id",
	                      (json_int_t)p->id, "name", display_name(req->arena, p), "status",
	                      status_names[p->status], "status_label", status_labels[p->status],
	                      "checked", current >= 0 && p->marks[current], "marks", marks, "total",
	                      p->total, "qualifies", ok && !completed, "completed", completed,
	                      "missing", ok ? 0 : required - p->total);
	if (j == NULL)
		die_oom();
	return j;
}

/* Adds people, and the accepted ones who qualify and who do not (with why), to data. */
static void add_people(struct request *req, json_t *data, const struct cohort *c,
                       const struct grid *g, int current)
{
	json_t *people = json_array(), *ready = json_array(), *short_of = json_array();
	for (size_t i = 0; i < g->npeople; i++) {
		const struct participant *p = &g->people[i];
		json_array_append_new(people, person_json(req, c, g, p, current));
		if (p->status != ST_ACCEPTED)
			continue;
		const char *name = display_name(req->arena, p);
		if (qualifies(c, g, p))
			json_array_append_new(
			    ready, json_pack("{s:s, s:i}", "name", name, "total", p->total));
		else
			json_array_append_new(
			    short_of,
			    json_pack("{s:s, s:s}", "name", name, "reason",
			              arena_printf(req->arena, "attended %d of %d; needs %d",
			                           p->total, g->nsessions, cohort_required(c))));
	}
	json_object_set_new(data, "has_people", json_boolean(g->npeople > 0));
	json_object_set_new(data, "ready_count", json_integer((json_int_t)json_array_size(ready)));
	json_object_set_new(data, "can_complete", json_boolean(json_array_size(ready) > 0));
	json_object_set_new(data, "has_short", json_boolean(json_array_size(short_of) > 0));
	json_object_set_new(data, "people", people);
	json_object_set_new(data, "ready", ready);
	json_object_set_new(data, "short", short_of);
}

/* The banners after a save (?saved=1) or a completion (?completed=K). */
static void add_banners(struct request *req, json_t *data, const struct grid *g, int current)
{
	if (kv_get(&req->query, "saved") && current >= 0) {
		int present = 0;
		for (size_t k = 0; k < g->npeople; k++)
			present += g->people[k].marks[current];
		json_object_set_new(data, "saved",
		                    json_pack("{s:i, s:i}", "number", g->sessions[current].number,
		                              "present", present));
	}
	long done;
	if (parse_int(kv_str(&req->query, "completed"), 0, 100000, &done) == 0)
		json_object_set_new(data, "completed",
		                    json_pack("{s:i, s:b}", "count", (int)done, "one", done == 1));
}

/* The door form for one session, the grid of every session, and who can complete. */
void admin_attendance(struct request *req, struct response *res)
{
	struct cohort c;
	if (!admin_load_cohort(req, res, &c))
		return;
	struct grid g;
	int rc = db_begin_read(req->db);
	if (rc == 0)
		rc = load_grid(req->db, req->arena, &c, &g);
	db_end_read(req->db);
	if (rc < 0) {
		view_error(req, res, 500, "Sorry, there is a problem", "Try again in a moment.");
		return;
	}
	int current = chosen_session(req, &g);
	const char *base = cohort_url(req->arena, &c);
	bool tap = strcmp(c.program, "tap") == 0;
	char title[32];
	cohort_title(&c, title, sizeof(title));
	json_t *data = json_object();
	json_t *cj = json_pack("{s:s, s:b, s:s, s:s, s:s, s:i, s:i}", "title", title, "tap", tap,
	                       "url", base, "noun", tap ? "semester" : "class", "verb",
	                       tap ? "complete" : "graduate", "sessions", g.nsessions, "required",
	                       cohort_required(&c));
	if (cj == NULL)
		die_oom();
	char last[64];
	date_format_long(c.last, last, sizeof(last));
	json_object_set_new(cj, "ended", json_boolean(date_cmp(date_today(), c.last) >= 0));
	json_object_set_new(cj, "last", json_string(last));
	json_object_set_new(data, "cohort", cj);
	json_object_set_new(data, "has_sessions", json_boolean(g.nsessions > 0));
	json_object_set_new(data, "sessions", sessions_json(req, &g, current, base));
	if (current >= 0) {
		json_t *all = json_object_get(data, "sessions");
		json_object_set(data, "session", json_array_get(all, (size_t)current));
	}
	add_people(req, data, &c, &g, current);
	add_banners(req, data, &g, current);
	res->no_store = true;
	view_render(req, res, "admin_attendance", data);
}

/* Orders application ids for bsearch. */
static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/*
 * Reads the repeated `present` fields as application ids into *out (arena),
 * sorted; returns how many, or -1 when one is not a number.
 */
static long read_present(struct request *req, int64_t **out)
{
	size_t n = kv_count(&req->form, "present"), k = 0;
	int64_t *ids = arena_alloc(req->arena, sizeof(*ids) * (n + 1));
	for (size_t i = 0; i < req->form.n; i++) {
		if (strcmp(req->form.items[i].key, "present") != 0)
			continue;
		long v;
		if (k == n || parse_int(req->form.items[i].val, 1, 1L << 40, &v) < 0)
			return -1;
		ids[k++] = v;
	}
	qsort(ids, k, sizeof(*ids), cmp_id);
	*out = ids;
	return (long)k;
}

enum save_result { SAVE_OK, SAVE_FOREIGN, SAVE_ERROR };

/*
 * Sets session `number`'s marks for the cohort's accepted and completed
 * participants to exactly the ids given (sorted), in one write transaction;
 * marks of other sessions, and of anyone else, stay as they are.  An id that
 * is not such a participant changes nothing (SAVE_FOREIGN).
 */
static enum save_result save_marks(struct db *db, struct arena *a, const struct cohort *c,
                                   int number, const int64_t *ids, long nids)
{
	if (db_begin_write(db) < 0)
		return SAVE_ERROR;
	struct grid g;
	if (load_grid(db, a, c, &g) < 0)
		goto fail;
	/* Every id must be one of the participants: count the ids that are. */
	long known = 0;
	for (size_t i = 0; i < g.npeople; i++)
		known += bsearch(&g.people[i].id, ids, (size_t)nids, sizeof(*ids), cmp_id) != NULL;
	/* ids may repeat: compare with the number of distinct ones. */
	long distinct = 0;
	for (long i = 0; i < nids; i++)
		distinct += i == 0 || ids[i] != ids[i - 1];
	if (known != distinct) {
		db_rollback(db);
		return SAVE_FOREIGN;
	}
	long long now = app_now();
	for (size_t i = 0; i < g.npeople; i++) {
		bool here = bsearch(&g.people[i].id, ids, (size_t)nids, sizeof(*ids), cmp_id);
		/* A mark kept keeps its first recorded time. */
		sqlite3_stmt *st =
		    here ? db_stmt(db, "INSERT INTO attendance (application_id, session_number,"
		                       " recorded_at) VALUES (?1, ?2, ?3)"
		                       " ON CONFLICT (application_id, session_number) DO NOTHING")
		         : db_stmt(db, "DELETE FROM attendance WHERE application_id = ?1 AND"
		                       " session_number = ?2");
		db_bind_int(st, 1, g.people[i].id);
		db_bind_int(st, 2, number);
		if (here)
			db_bind_int(st, 3, now);
		if (db_exec_stmt(db, st) < 0)
			goto fail;
	}
	if (db_commit(db) < 0)
		goto fail;
	return SAVE_OK;
fail:
	db_rollback(db);
	return SAVE_ERROR;
}

/* Records one session: `session`, `present` (repeated ids); 400 for anything not on the form. */
void admin_attendance_save(struct request *req, struct response *res)
{
	struct cohort c;
	if (!admin_load_cohort(req, res, &c))
		return;
	long number;
	int64_t *ids = NULL;
	long nids = read_present(req, &ids);
	if (c.nsessions < 1 ||
	    parse_int(kv_str(&req->form, "session"), 1, c.nsessions, &number) < 0 || nids < 0) {
		view_error(req, res, 400, "Choose a session and who was there",
		           "Send the form from the attendance page again. Nothing was changed.");
		return;
	}
	struct cohort_session *sessions;
	int n = cohort_sessions(req->db, req->arena, &c, &sessions);
	if (n >= number && date_cmp(sessions[number - 1].date, date_today()) > 0) {
		char day[64];
		date_format_long(sessions[number - 1].date, day, sizeof(day));
		view_error(req, res, 409, "This session has not happened yet",
		           arena_printf(req->arena, "Session %ld is on %s. Attendance can be recorded "
		                                    "from that day on. Nothing was saved.",
		                        number, day));
		return;
	}
	switch (save_marks(req->db, req->arena, &c, (int)number, ids, nids)) {
	case SAVE_OK:
		response_redirect(res, arena_printf(req->arena, "%s/attendance?session=%ld&saved=1",
		                                    cohort_url(req->arena, &c), number));
		return;
	case SAVE_FOREIGN:
		view_error(req, res, 400, "Someone on the form is not a participant",
		           "Only accepted participants of this class or semester can be marked. "
		           "Reload the attendance page and try again. Nothing was changed.");
		return;
	case SAVE_ERROR: break;
	}
	view_error(req, res, 500, "Sorry, there is a problem", "Nothing was saved. Try again.");
}

/*
 * Moves every accepted participant who attended enough to completed, each with
 * its audit row and e-mail, in one write transaction: all of them or none.
 * Returns how many moved, or -1.
 */
static int complete_qualified(struct request *req, const struct cohort *c)
{
	struct db *db = req->db;
	if (db_begin_write(db) < 0)
		return -1;
	struct grid g;
	if (load_grid(db, req->arena, c, &g) < 0)
		goto fail;
	struct actor who = {req->session->user_id, req->session->name, false};
	int moved = 0;
	for (size_t i = 0; i < g.npeople; i++) {
		const struct participant *p = &g.people[i];
		if (p->status != ST_ACCEPTED || !qualifies(c, &g, p))
			continue;
		const char *note =
		    arena_printf(req->arena, "Attended %d of %d sessions", p->total, g.nsessions);
		if (application_move_locked(db, p->id, ST_COMPLETED, &who, note, NULL) != MOVE_OK)
			goto fail;
		moved++;
	}
	if (db_commit(db) < 0)
		goto fail;
	return moved;
fail:
	db_rollback(db);
	return -1;
}

/* Completes everyone who qualifies, then back to the attendance page saying how many. */
void admin_attendance_complete(struct request *req, struct response *res)
{
	struct cohort c;
	if (!admin_load_cohort(req, res, &c))
		return;
	if (date_cmp(date_today(), c.last) < 0) {
		char day[64];
		date_format_long(c.last, day, sizeof(day));
		view_error(req, res, 409, "The program has not ended yet",
		           arena_printf(req->arena, "Participants can be completed on or after the "
		                                    "last session, %s. Nobody was moved.",
		                        day));
		return;
	}
	int moved = complete_qualified(req, &c);
	if (moved < 0) {
		view_error(req, res, 500, "Sorry, there is a problem",
		           "Nobody was moved to completed. Try again.");
		return;
	}
	response_redirect(res, arena_printf(req->arena, "%s/attendance?completed=%d",
	                                    cohort_url(req->arena, &c), moved));
}
