/* page_report.c: figures per class and semester, and how applicants heard of the program. */
#include <stdio.h>
#include <string.h>

#include "cohort.h"
#include "pages.h"
#include "view.h"

/*
 * The referral chart's geometry, in SVG user units; the template draws what C
 * computes.  Each answer's label sits on its own line above its bar, starting
 * at the left edge, so that no label is cut by the edge of the drawing however
 * long (28 characters of 15-unit text fit in 400 units), and the drawing is
 * narrow enough that at phone width (about 360 px) text is still about 13 px.
 */
enum {
	CHART_WIDTH = 400,
	CHART_LABEL_X = 0,
	CHART_BAR_X = 0,
	CHART_BAR_MAX = 340, /* the longest bar, with room after it for its count */
	CHART_ROW = 52,
	CHART_LABEL_Y = 16, /* the label's baseline within its row */
	CHART_BAR_Y = 22,   /* the bar's top within its row */
	CHART_BAR = 22,
	CHART_LABEL_CHARS = 28, /* longer labels are cut, with the whole text in the table */
	TOP_REFERRALS = 10,
};

/* Ends a query loop that stopped with rc: 0 when it ran to the end, else -1 (logged). */
static int loop_end(struct db *db, int rc)
{
	if (rc == SQLITE_DONE)
		return 0;
	db_log_error(db, "reading the report");
	return -1;
}

/* Rounds marks / possible to a whole percentage; -1 when nothing was possible yet. */
static int percent(int64_t marks, int64_t possible)
{
	if (possible <= 0)
		return -1;
	return (int)((marks * 200 + possible) / (2 * possible));
}

/* One cohort's row: applications, accepted (incl. completed), completed, attendance rate. */
static json_t *cohort_row(struct arena *a, sqlite3_stmt *st)
{
	struct cohort c = {0};
	snprintf(c.program, sizeof(c.program), "%s", db_col_text(st, 1));
	c.number = sqlite3_column_int(st, 2);
	snprintf(c.term, sizeof(c.term), "%s", db_col_text(st, 3));
	c.year = sqlite3_column_int(st, 4);
	char title[32];
	cohort_title(&c, title, sizeof(title));
	int64_t accepted = sqlite3_column_int64(st, 6), held = sqlite3_column_int64(st, 9);
	int rate = percent(sqlite3_column_int64(st, 10), accepted * held);
	bool tap = strcmp(c.program, "tap") == 0;
	json_t *r = json_pack(
	    "{s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "title", title, "url",
	    arena_printf(a, "%s/%lld", tap ? "/admin/tap/semesters" : "/admin/pip/classes",
	                 (long long)sqlite3_column_int64(st, 0)),
	    "applications", (json_int_t)sqlite3_column_int64(st, 5), "accepted",
	    (json_int_t)accepted, "completed", (json_int_t)sqlite3_column_int64(st, 7), "sessions",
	    (json_int_t)sqlite3_column_int64(st, 8), "held", (json_int_t)held);
	if (r == NULL)
		die_oom();
	if (rate >= 0)
		json_object_set_new(r, "rate", json_integer(rate));
	return r;
}

/*
 * Every cohort of program, newest first, with its figures.  The attendance
 * rate counts the marks of accepted and completed participants at sessions
 * dated today or earlier, over participants times those sessions.
 */
static int cohort_rows(struct request *req, json_t *data, const char *key, const char *program)
{
	char today[16];
	date_format_iso(date_today(), today, sizeof(today));
	sqlite3_stmt *st = db_stmt(
	    req->db,
	    "SELECT c.id, c.program, COALESCE(c.number, 0), COALESCE(c.term, ''),"
	    " COALESCE(c.year, 0),"
	    " (SELECT count(*) FROM applications a WHERE a.cohort_id = c.id),"
	    " (SELECT count(*) FROM applications a WHERE a.cohort_id = c.id AND"
	    "  a.status IN ('accepted', 'completed')),"
	    " (SELECT count(*) FROM applications a WHERE a.cohort_id = c.id AND"
	    "  a.status = 'completed'),"
	    " (SELECT count(*) FROM cohort_sessions s WHERE s.cohort_id = c.id),"
	    " (SELECT count(*) FROM cohort_sessions s WHERE s.cohort_id = c.id AND s.date <= ?2),"
	    " (SELECT count(*) FROM attendance t JOIN applications a ON a.id = t.application_id"
	    "  JOIN cohort_sessions s ON s.cohort_id = a.cohort_id AND s.number = t.session_number"
	    "  WHERE a.cohort_id = c.id AND a.status IN ('accepted', 'completed') AND"
	    "  s.date <= ?2)"
	    " FROM cohorts c WHERE c.program = ?1 ORDER BY c.start_date DESC, c.id DESC");
	db_bind_text(st, 1, program);
	db_bind_text(st, 2, today);
	json_t *rows = json_array();
	int rc;
	while ((rc = db_step(st)) == SQLITE_ROW)
		json_array_append_new(rows, cohort_row(req->arena, st));
	sqlite3_reset(st);
	json_object_set_new(data, key, rows);
	return loop_end(req->db, rc);
}

/* s cut to at most max characters (code points), ending in an ellipsis when cut. */
static const char *short_label(struct arena *a, const char *s, size_t max)
{
	size_t chars = 0, cut = 0;
	for (size_t i = 0; s[i]; i++) {
		if (((unsigned char)s[i] & 0xC0) == 0x80)
			continue; /* a continuation byte */
		if (chars == max - 1)
			cut = i;
		if (++chars > max)
			return arena_printf(a, "%.*s…", (int)cut, s);
	}
	return s;
}

/* The chart's bars for the referrals in list (label, count; largest first); a new object. */
static json_t *chart_json(struct arena *a, json_t *list)
{
	json_t *bars = json_array();
	json_int_t top = 0;
	size_t i;
	json_t *r;
	json_array_foreach(list, i, r)
	{
		json_int_t n = json_integer_value(json_object_get(r, "count"));
		top = n > top ? n : top;
	}
	json_array_foreach(list, i, r)
	{
		json_int_t n = json_integer_value(json_object_get(r, "count"));
		json_int_t width = top ? n * CHART_BAR_MAX / top : 0;
		width = width < 2 ? 2 : width;
		int row = (int)i * CHART_ROW;
		int y = row + CHART_BAR_Y;
		const char *label = json_string_value(json_object_get(r, "label"));
		json_t *b = json_pack("{s:s, s:I, s:i, s:i, s:i, s:I, s:I, s:b}", "label",
		                      short_label(a, label, CHART_LABEL_CHARS), "count", n, "y", y,
		                      "text_y", row + CHART_LABEL_Y, "count_y", y + CHART_BAR - 6,
		                      "width", width, "count_x", CHART_BAR_X + width + 6, "last",
		                      i + 1 == json_array_size(list));
		if (b == NULL)
			die_oom();
		json_array_append_new(bars, b);
	}
	json_t *chart =
	    json_pack("{s:o, s:i, s:i, s:i, s:i, s:i}", "bars", bars, "width", CHART_WIDTH,
	              "height", (int)json_array_size(list) * CHART_ROW, "label_x", CHART_LABEL_X,
	              "bar_x", CHART_BAR_X, "bar_height", CHART_BAR);
	if (chart == NULL)
		die_oom();
	return chart;
}

/*
 * How PIP applicants heard of the program: the referral field grouped
 * without regard to case, the ten most frequent (of class_id, or of every
 * class when 0), each shown in its most used spelling.  Erased applications
 * have no referral left and drop out.
 */
static int add_referrals(struct request *req, json_t *data, int64_t class_id)
{
	sqlite3_stmt *st = db_stmt(
	    req->db, "WITH spelt AS (SELECT lower(trim(a.referral)) AS k, trim(a.referral) AS t,"
	             " count(*) AS n FROM applications a JOIN cohorts c ON c.id = a.cohort_id"
	             " WHERE c.program = 'pip' AND (?1 = 0 OR a.cohort_id = ?1) AND"
	             " trim(COALESCE(a.referral, '')) <> '' GROUP BY t)"
	             " SELECT (SELECT s2.t FROM spelt s2 WHERE s2.k = s.k"
	             " ORDER BY s2.n DESC, s2.t LIMIT 1), sum(s.n) FROM spelt s"
	             " GROUP BY s.k ORDER BY sum(s.n) DESC, s.k LIMIT ?2");
	db_bind_int(st, 1, class_id);
	db_bind_int(st, 2, TOP_REFERRALS);
	json_t *list = json_array();
	int rc;
	while ((rc = db_step(st)) == SQLITE_ROW)
		json_array_append_new(list,
		                      json_pack("{s:s, s:I}", "label", db_col_text(st, 0), "count",
		                                (json_int_t)sqlite3_column_int64(st, 1)));
	sqlite3_reset(st);
	json_object_set_new(data, "referrals", list);
	if (loop_end(req->db, rc) < 0)
		return -1;
	st = db_stmt(req->db, "SELECT count(*) FROM applications a JOIN cohorts c"
	                      " ON c.id = a.cohort_id WHERE c.program = 'pip' AND"
	                      " (?1 = 0 OR a.cohort_id = ?1) AND a.erased_at IS NULL AND"
	                      " trim(COALESCE(a.referral, '')) = ''");
	db_bind_int(st, 1, class_id);
	int64_t unanswered = db_int(req->db, st, -1);
	if (unanswered > 0) /* a section: 0 would still show */
		json_object_set_new(data, "unanswered", json_integer(unanswered));
	json_object_set_new(data, "has_referrals", json_boolean(json_array_size(list) > 0));
	json_object_set_new(data, "chart", chart_json(req->arena, list));
	return unanswered < 0 ? -1 : 0;
}

/* Sets data's class_options, the PIP classes for the referral filter; the chosen one, when
 * it is one, is selected and its number set as data's chosen_class.  0 or -1. */
static int class_options(struct db *db, int64_t chosen, json_t *data)
{
	json_t *list = json_array();
	sqlite3_stmt *st = db_stmt(db, "SELECT id, number FROM cohorts WHERE program = 'pip'"
	                               " ORDER BY number DESC");
	int rc;
	while ((rc = db_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		json_t *o = json_pack("{s:I, s:i, s:b}", "id", (json_int_t)id, "number",
		                      sqlite3_column_int(st, 1), "selected", id == chosen);
		if (o == NULL)
			die_oom();
		if (id == chosen)
			json_object_set_new(data, "chosen_class",
			                    json_integer(sqlite3_column_int(st, 1)));
		json_array_append_new(list, o);
	}
	sqlite3_reset(st);
	json_object_set_new(data, "class_options", list);
	return loop_end(db, rc);
}

/* The report; ?class=ID narrows the referrals to one PIP class (anything else: all). */
void admin_report(struct request *req, struct response *res)
{
	long class_id;
	if (parse_int(kv_str(&req->query, "class"), 1, 1L << 40, &class_id) < 0)
		class_id = 0;
	json_t *data = json_object();
	if (db_begin_read(req->db) < 0 || cohort_rows(req, data, "classes", "pip") < 0 ||
	    cohort_rows(req, data, "semesters", "tap") < 0 ||
	    class_options(req->db, class_id, data) < 0 ||
	    add_referrals(req, data, json_object_get(data, "chosen_class") ? class_id : 0) < 0) {
		db_end_read(req->db);
		json_decref(data);
		view_error(req, res, 500, "Sorry, there is a problem", "Try again in a moment.");
		return;
	}
	db_end_read(req->db);
	char today[48];
	date_format_long(date_today(), today, sizeof(today));
	json_object_set_new(data, "today", json_string(today));
	res->no_store = true;
	view_render(req, res, "admin_report", data);
}
