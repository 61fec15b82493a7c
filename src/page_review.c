/* page_review.c: the applicant list of a class or semester, one application, and status moves. */
#include <stdlib.h>
#include <string.h>

#include "access_log.h"
#include "app.h"
#include "applications.h"
#include "auth.h"
#include "cohort.h"
#include "eligibility.h"
#include "pages.h"
#include "retention.h"
#include "seal.h"
#include "status.h"
#include "users.h"
#include "i18n.h"
#include "view.h"

enum { PAGE_SIZE = 50 };

/* The list's WHERE clause, shared by the count and the three orders.  ?8 is the
 * search's digits when it reads as a phone number (phone_pattern): stored phones
 * are bare digits, and a TAP student's is sealed, so only a PIP phone matches. */
#define LIST_FROM                                                                          \
	" FROM applications WHERE cohort_id = ?1 AND (?2 = '' OR status = ?2) AND"          \
	" (?3 = '' OR first_name LIKE ?3 ESCAPE '\\' OR last_name LIKE ?3 ESCAPE '\\' OR"   \
	" (?8 <> '' AND phone LIKE ?8 AND substr(phone, 1, 3) <> 's1:') OR"                  \
	" (email LIKE ?3 ESCAPE '\\' AND substr(email, 1, 3) <> 's1:') OR"                   \
	" (first_name || ' ' || last_name) LIKE ?3 ESCAPE '\\' OR ref LIKE ?3 ESCAPE '\\') AND" \
	" (?6 = '' OR COALESCE(background, 'not_started') = ?6)"
#define LIST_COLUMNS                                                                       \
	"SELECT id, ref, status, COALESCE(waitlist_position, 0), submitted_at,"            \
	" COALESCE(first_name, ''), COALESCE(last_name, ''), COALESCE(email, ''),"         \
	" verify_residence, COALESCE(school, ''), COALESCE(grade, 0), erased_at,"           \
	" COALESCE(background, 'not_started')"
#define ORDER_TIME " ORDER BY submitted_at, id"
#define ORDER_NAME " ORDER BY last_name COLLATE NOCASE, first_name COLLATE NOCASE, id"
#define ORDER_STATUS                                                                       \
	" ORDER BY CASE status WHEN 'submitted' THEN 0 WHEN 'waitlisted' THEN 1"            \
	" WHEN 'accepted' THEN 2 WHEN 'completed' THEN 3 WHEN 'declined' THEN 4 ELSE 5 END," \
	" waitlist_position, submitted_at, id"

static const char list_by_time[] = LIST_COLUMNS LIST_FROM ORDER_TIME " LIMIT ?4 OFFSET ?5";
static const char list_by_name[] = LIST_COLUMNS LIST_FROM ORDER_NAME " LIMIT ?4 OFFSET ?5";
static const char list_by_status[] = LIST_COLUMNS LIST_FROM ORDER_STATUS " LIMIT ?4 OFFSET ?5";
static const char list_count[] = "SELECT count(*)" LIST_FROM;

/* The applications before and after ?7 in the list's order and filters (the
 * application page's previous and next links). */
#define NEIGHBOURS(order)                                                                  \
	"SELECT COALESCE(prev, 0), COALESCE(next, 0) FROM (SELECT id, lag(id) OVER w AS prev," \
	" lead(id) OVER w AS next" LIST_FROM " WINDOW w AS (" order ")) WHERE id = ?7"
static const char neighbours_by_time[] = NEIGHBOURS(ORDER_TIME);
static const char neighbours_by_name[] = NEIGHBOURS(ORDER_NAME);
static const char neighbours_by_status[] = NEIGHBOURS(ORDER_STATUS);

/* A LIKE pattern that finds q anywhere, with % _ and \ in q taken literally. */
static char *like_pattern(struct arena *a, const char *q)
{
	if (q[0] == '\0')
		return "";
	struct buf b;
	buf_init(&b, a);
	buf_putc(&b, '%');
	for (; *q; q++) {
		if (*q == '%' || *q == '_' || *q == '\\')
			buf_putc(&b, '\\');
		buf_putc(&b, *q);
	}
	buf_putc(&b, '%');
	return buf_str(&b);
}

/*
 * A LIKE pattern of the digits of q when q reads as (part of) a phone number:
 * only digits, spaces and ( ) - . +, at least three digits; a leading 1 of an
 * eleven-digit number (the country code) is dropped.  "" otherwise, which
 * matches no phone.  So "(310) 555-0123", "310.555.0123" and "555-01" all find
 * 3105550123.
 */
static const char *phone_pattern(struct arena *a, const char *q)
{
	char digits[32];
	size_t n = 0;
	for (const char *p = q; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			if (n + 1 >= sizeof(digits))
				return "";
			digits[n++] = *p;
		} else if (strchr(" ()-.+", *p) == NULL) {
			return "";
		}
	}
	digits[n] = '\0';
	if (n < 3)
		return "";
	const char *d = n == 11 && digits[0] == '1' ? digits + 1 : digits;
	return arena_printf(a, "%%%s%%", d);
}

/* The list's filters as the query string gave them, cleaned. */
struct filters {
	const char *status, *q, *sort, *background;
	const char *phone; /* phone_pattern of q */
	long page;
};

static void read_filters(struct request *req, struct filters *f)
{
	f->status = kv_str(&req->query, "status");
	if (status_parse(f->status) < 0)
		f->status = "";
	const char *q = kv_str(&req->query, "q");
	if (text_clean(req->arena, q, 200, &f->q) < 0)
		f->q = "";
	f->phone = phone_pattern(req->arena, f->q);
	f->sort = kv_str(&req->query, "sort");
	if (strcmp(f->sort, "name") && strcmp(f->sort, "status"))
		f->sort = "submitted";
	if (parse_int(kv_str(&req->query, "page"), 1, 100000, &f->page) < 0)
		f->page = 1;
	f->background = kv_str(&req->query, "background");
	if (background_parse(f->background) < 0)
		f->background = "";
}

/* The filters and order as a query string for links that keep them: only those that
 * differ from the list's default, so that the plain list keeps its plain address. */
static char *filter_query(struct arena *a, const struct filters *f)
{
	struct buf b;
	buf_init(&b, a);
	if (f->status[0])
		buf_printf(&b, "&status=%s", f->status);
	if (f->q[0])
		buf_printf(&b, "&q=%s", url_encode(a, f->q));
	if (strcmp(f->sort, "submitted") != 0)
		buf_printf(&b, "&sort=%s", f->sort);
	if (f->background[0])
		buf_printf(&b, "&background=%s", f->background);
	if (b.len == 0)
		return "";
	b.data[0] = '?';
	return buf_str(&b);
}

static void bind_filters(sqlite3_stmt *st, int64_t cohort_id, const struct filters *f,
			 const char *pattern)
{
	db_bind_int(st, 1, cohort_id);
	db_bind_text(st, 2, f->status);
	db_bind_text(st, 3, pattern);
	db_bind_text(st, 6, f->background);
	db_bind_text(st, 8, f->phone);
}

/* One row of the list; a TAP student's e-mail is sealed, opened in arena (and
 * left out when it does not open: the detail page then says so). */
static json_t *row_json(sqlite3_stmt *st, struct arena *arena)
{
	const char *email = seal_open(arena, db_col_text(st, 7));
	char when[40];
	time_format(sqlite3_column_int64(st, 4), when, sizeof(when));
	int s = status_parse(db_col_text(st, 2));
	bool erased = sqlite3_column_type(st, 11) != SQLITE_NULL;
	json_t *r = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b}", "id",
			      (json_int_t)sqlite3_column_int64(st, 0), "ref", db_col_text(st, 1),
			      "status", db_col_text(st, 2), "status_label",
			      s >= 0 ? status_labels[s] : "", "submitted", when, "first_name",
			      db_col_text(st, 5), "last_name", db_col_text(st, 6), "email",
			      email ? email : "", "verify", sqlite3_column_int(st, 8) != 0, "erased",
			      erased);
	if (r == NULL)
		die_oom();
	int position = sqlite3_column_int(st, 3);
	if (position)
		json_object_set_new(r, "position", json_integer(position));
	const char *school = school_name(db_col_text(st, 9));
	if (school)
		json_object_set_new(r, "school", json_string(school));
	if (sqlite3_column_int(st, 10))
		json_object_set_new(r, "grade", json_integer(sqlite3_column_int(st, 10)));
	int bg = background_parse(db_col_text(st, 12));
	json_object_set_new(r, "background",
			    json_string(background_labels[bg >= 0 ? bg : BG_NOT_STARTED]));
	return r;
}

/* A link to the list with the filters, changing one of them. */
static char *list_url(struct arena *a, const char *base, const struct filters *f,
		      const char *sort, long page)
{
	return arena_printf(a, "%s?status=%s&q=%s&sort=%s&background=%s&page=%ld", base,
			    f->status, url_encode(a, f->q), sort, f->background, page);
}

/* How many rows the filters find: from the kept counts unless there is a search, so
 * that a page costs the same however many applications are stored. */
static int64_t list_total(struct db *db, const struct cohort *c, const struct filters *f,
			  const char *pattern)
{
	if (f->q[0] == '\0' && f->background[0] == '\0') {
		int n[ST_MAX];
		if (cohort_counts(db, c->id, n) == 0) {
			int s = status_parse(f->status);
			int64_t total = 0;
			for (int i = 0; i < ST_MAX; i++)
				total += (s < 0 || s == i) ? n[i] : 0;
			return total;
		}
	}
	sqlite3_stmt *st = db_stmt(db, list_count);
	bind_filters(st, c->id, f, pattern);
	return db_int(db, st, 0);
}

/* The rows of one page of the list, and the links to move between pages. */
static void add_list(struct request *req, json_t *data, const struct cohort *c,
		     const struct filters *f, const char *base)
{
	struct db *db = req->db;
	const char *pattern = like_pattern(req->arena, f->q);
	int64_t total = list_total(db, c, f, pattern);
	long pages = total == 0 ? 1 : (long)((total + PAGE_SIZE - 1) / PAGE_SIZE);
	long page = f->page > pages ? pages : f->page;
	const char *sql = strcmp(f->sort, "name") == 0     ? list_by_name
			  : strcmp(f->sort, "status") == 0 ? list_by_status
							   : list_by_time;
	sqlite3_stmt *st = db_stmt(db, sql);
	bind_filters(st, c->id, f, pattern);
	db_bind_int(st, 4, PAGE_SIZE);
	db_bind_int(st, 5, (page - 1) * PAGE_SIZE);
	json_t *rows = json_array();
	while (db_step(st) == SQLITE_ROW)
		json_array_append_new(rows, row_json(st, req->arena));
	sqlite3_reset(st);
	json_object_set_new(data, "has_rows", json_boolean(json_array_size(rows) > 0));
	json_object_set_new(data, "rows", rows);
	json_object_set_new(data, "total", json_integer(total));
	json_object_set_new(data, "one", json_boolean(total == 1));
	json_object_set_new(data, "page", json_integer(page));
	json_object_set_new(data, "pages", json_integer(pages));
	json_object_set_new(data, "paged", json_boolean(pages > 1));
	if (page > 1)
		json_object_set_new(data, "prev_url",
				    json_string(list_url(req->arena, base, f, f->sort, page - 1)));
	if (page < pages)
		json_object_set_new(data, "next_url",
				    json_string(list_url(req->arena, base, f, f->sort, page + 1)));
	static const char *const sorts[] = {"submitted", "name", "status"};
	for (size_t i = 0; i < 3; i++)
		json_object_set_new(data, arena_printf(req->arena, "sort_%s_url", sorts[i]),
				    json_string(list_url(req->arena, base, f, sorts[i], 1)));
	json_object_set_new(data, arena_printf(req->arena, "sorted_%s", f->sort), json_true());
	json_t *filter = json_pack("{s:s, s:s}", "status", f->status, "q", f->q);
	json_t *options = json_array();
	for (int s = 0; s < ST_MAX; s++)
		json_array_append_new(options,
				      json_pack("{s:s, s:s, s:b}", "value", status_names[s], "label",
						status_labels[s],
						"selected", strcmp(f->status, status_names[s]) == 0));
	json_object_set_new(filter, "options", options);
	json_t *bgs = json_array();
	for (int b = 0; b < BG_MAX; b++)
		json_array_append_new(bgs, json_pack("{s:s, s:s, s:b}", "value", background_names[b],
						     "label", background_labels[b], "selected",
						     strcmp(f->background, background_names[b]) == 0));
	json_object_set_new(filter, "backgrounds", bgs);
	json_object_set_new(data, "filter", filter);
	json_object_set_new(data, "list_query", json_string(filter_query(req->arena, f)));
}

/* Active and waiting nominations per school, for a semester. */
static json_t *school_counts(struct db *db, const struct cohort *c)
{
	json_t *list = json_array();
	for (size_t i = 0; i < sizeof(schools) / sizeof(schools[0]); i++) {
		sqlite3_stmt *st = db_stmt(db, "SELECT"
					       " sum(status IN ('submitted', 'accepted')),"
					       " sum(status = 'waitlisted'), sum(status = 'completed'),"
					       " count(*) FROM applications WHERE cohort_id = ? AND"
					       " school = ?");
		db_bind_int(st, 1, c->id);
		db_bind_text(st, 2, schools[i].slug);
		if (db_step(st) == SQLITE_ROW)
			json_array_append_new(
			    list, json_pack("{s:s, s:i, s:i, s:i, s:i}", "school", schools[i].name,
					    "active", sqlite3_column_int(st, 0), "waiting",
					    sqlite3_column_int(st, 1), "completed",
					    sqlite3_column_int(st, 2), "total", sqlite3_column_int(st, 3)));
		sqlite3_reset(st);
	}
	return list;
}

/* After a bulk decision: the banner naming the people moved, read back from the ids the
 * redirect carries (only those of this cohort). */
static void add_decided(struct request *req, json_t *data, int64_t cohort_id)
{
	int to = status_parse(kv_str(&req->query, "decided"));
	if (to < 0)
		return;
	struct buf names;
	buf_init(&names, req->arena);
	long found = 0;
	sqlite3_stmt *st = db_stmt(req->db, "SELECT COALESCE(first_name, ''),"
					    " COALESCE(last_name, ''), erased_at IS NOT NULL"
					    " FROM applications WHERE id = ? AND cohort_id = ?");
	char *save = NULL;
	char *list = arena_strndup(req->arena, kv_str(&req->query, "who"), 4000);
	for (char *t = strtok_r(list, ".", &save); t; t = strtok_r(NULL, ".", &save)) {
		long v;
		if (parse_int(t, 1, 1L << 40, &v) < 0)
			continue;
		db_bind_int(st, 1, v);
		db_bind_int(st, 2, cohort_id);
		if (db_step(st) == SQLITE_ROW && !sqlite3_column_int(st, 2))
			buf_puts(&names, arena_printf(req->arena, "%s%s %s", found++ ? ", " : "",
						      db_col_text(st, 0), db_col_text(st, 1)));
		sqlite3_reset(st);
	}
	long n;
	if (parse_int(kv_str(&req->query, "n"), 1, 100000, &n) < 0)
		n = found;
	json_object_set_new(data, "decided",
			    json_pack("{s:s, s:i, s:s}", "to", status_labels[to], "count", (int)n,
				      "names", buf_str(&names)));
}

void admin_cohort_page(struct request *req, struct response *res)
{
	struct cohort c;
	if (!admin_load_cohort(req, res, &c))
		return;
	struct filters f;
	read_filters(req, &f);
	bool tap = strcmp(c.program, "tap") == 0;
	const char *base = arena_printf(req->arena, "%s/%lld",
					tap ? "/admin/tap/semesters" : "/admin/pip/classes",
					(long long)c.id);
	db_begin_read(req->db);
	json_t *data = json_object();
	char title[32], start[64];
	cohort_title(&c, title, sizeof(title));
	date_format_long(c.start, start, sizeof(start));
	int n[ST_MAX];
	cohort_counts(req->db, c.id, n);
	json_t *counts = json_object();
	for (int s = 0; s < ST_MAX; s++)
		json_object_set_new(counts, status_names[s], json_integer(n[s]));
	json_object_set_new(counts, "active", json_integer(n[ST_SUBMITTED] + n[ST_ACCEPTED]));
	json_object_set_new(data, "counts", counts);
	json_t *cj = json_pack("{s:I, s:s, s:s, s:b, s:b, s:i, s:s, s:i, s:i}", "id",
			       (json_int_t)c.id, "title", title, "start", start, "open", c.open,
			       "tap", tap, "capacity", c.capacity, "url", base, "sessions",
			       c.nsessions, "required", cohort_required(&c));
	if (c.school_cap)
		json_object_set_new(cj, "school_cap", json_integer(c.school_cap));
	struct cohort_session *sessions;
	int nsessions = cohort_sessions(req->db, req->arena, &c, &sessions);
	json_object_set_new(cj, "schedule",
			    cohort_schedule_json(LANG_EN, sessions, nsessions > 0 ? nsessions : 0));
	json_object_set_new(cj, "reminders", json_boolean(c.reminders));
	json_object_set_new(data, "cohort", cj);
	if (tap)
		json_object_set_new(data, "schools", school_counts(req->db, &c));
	add_list(req, data, &c, &f, base);
	add_decided(req, data, c.id);
	db_end_read(req->db);
	json_object_set_new(data, "created",
			    json_boolean(kv_get(&req->query, "created") != NULL));
	long changed, told;
	if (parse_int(kv_str(&req->query, "session"), 1, 100, &changed) == 0) {
		json_object_set_new(data, "session_changed", json_integer(changed));
		if (parse_int(kv_str(&req->query, "told"), 1, 100000, &told) == 0)
			json_object_set_new(data, "told", json_integer(told));
	}
	const char *reg = kv_str(&req->query, "registration");
	if (reg[0])
		json_object_set_new(data, "registration_changed",
				    json_string(strcmp(reg, "open") == 0 ? "open" : "closed"));
	res->no_store = true;
	view_render(req, res, "admin_cohort", data);
}

/* Loads the application named by the URL; 1, or 0 after a 404. */
static int load_application(struct request *req, struct response *res, int64_t *id)
{
	long v;
	if (parse_int(req->params[0], 1, 1L << 40, &v) < 0) {
		view_error(req, res, 404, "Page not found", "There is no such application.");
		return 0;
	}
	*id = v;
	return 1;
}

/* The affiliations of an application, "resident; work: Acme" style, as a list. */
static json_t *affiliations_json(struct db *db, int64_t id)
{
	json_t *list = json_array();
	sqlite3_stmt *st = db_stmt(db, "SELECT kind, COALESCE(detail, '') FROM affiliations"
				       " WHERE application_id = ?");
	db_bind_int(st, 1, id);
	while (db_step(st) == SQLITE_ROW) {
		const char *kind = db_col_text(st, 0);
		const char *label = kind;
		for (int k = 0; k < AFF_MAX; k++)
			if (strcmp(affiliation_names[k], kind) == 0)
				label = affiliation_labels[k];
		json_array_append_new(list, json_pack("{s:s, s:s}", "label", label, "detail",
						      db_col_text(st, 1)));
	}
	sqlite3_reset(st);
	return list;
}

/* The status history of an application, oldest first. */
json_t *admin_history_json(struct db *db, int64_t id)
{
	json_t *list = json_array();
	sqlite3_stmt *st = db_stmt(db, "SELECT at, actor, COALESCE(from_status, ''), to_status,"
				       " note FROM audit WHERE application_id = ? ORDER BY at, id");
	db_bind_int(st, 1, id);
	while (db_step(st) == SQLITE_ROW) {
		char when[40];
		time_format(sqlite3_column_int64(st, 0), when, sizeof(when));
		int from = status_parse(db_col_text(st, 2)), to = status_parse(db_col_text(st, 3));
		json_array_append_new(
		    list, json_pack("{s:s, s:s, s:s, s:s, s:s}", "when", when, "who",
				    db_col_text(st, 1), "from", from >= 0 ? status_labels[from] : "",
				    "to", to >= 0 ? status_labels[to] : "", "note", db_col_text(st, 4)));
	}
	sqlite3_reset(st);
	return list;
}


/* Every field of an application as the detail page shows them, the sealed
 * ones opened; NULL when there is none, or (*status_out -2) when a sealed
 * value does not open. */
static json_t *application_json(struct request *req, int64_t id, struct cohort *c,
				int *status_out)
{
	sqlite3_stmt *st = db_stmt(
	    req->db, "SELECT ref, cohort_id, status, COALESCE(waitlist_position, 0), submitted_at,"
		     " COALESCE(first_name, ''), COALESCE(last_name, ''), COALESCE(dob, ''),"
		     " COALESCE(email, ''), COALESCE(phone, ''), COALESCE(street, ''),"
		     " COALESCE(city, ''), COALESCE(zip, ''), verify_residence,"
		     " COALESCE(emergency_name, ''), COALESCE(emergency_phone, ''),"
		     " COALESCE(accommodations, ''), COALESCE(referral, ''), COALESCE(school, ''),"
		     " COALESCE(student_id, ''), COALESCE(grade, 0), COALESCE(guardian_name, ''),"
		     " COALESCE(guardian_phone, ''), COALESCE(guardian_email, ''),"
		     " COALESCE(guardian_consent, 0), COALESCE(counselor_note, ''),"
		     " (SELECT name FROM users WHERE id = counselor_id), erased_at, status_at,"
		     " language FROM applications WHERE id = ?");
	db_bind_int(st, 1, id);
	if (db_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return NULL;
	}
	char when[40];
	time_format(sqlite3_column_int64(st, 4), when, sizeof(when));
	int s = status_parse(db_col_text(st, 2));
	*status_out = s;
	bool bad = false;
	struct arena *ar = req->arena;
	const char *dob = seal_open_or_fail(ar, db_col_text(st, 7), &bad);
	const char *email = seal_open_or_fail(ar, db_col_text(st, 8), &bad);
	const char *phone = seal_open_or_fail(ar, db_col_text(st, 9), &bad);
	const char *em_name = seal_open_or_fail(ar, db_col_text(st, 14), &bad);
	const char *em_phone = seal_open_or_fail(ar, db_col_text(st, 15), &bad);
	const char *accommodations = seal_open_or_fail(ar, db_col_text(st, 16), &bad);
	const char *student_id = seal_open_or_fail(ar, db_col_text(st, 19), &bad);
	const char *g_name = seal_open_or_fail(ar, db_col_text(st, 21), &bad);
	const char *g_phone = seal_open_or_fail(ar, db_col_text(st, 22), &bad);
	const char *g_email = seal_open_or_fail(ar, db_col_text(st, 23), &bad);
	if (bad) {
		sqlite3_reset(st);
		*status_out = -2;
		return NULL;
	}
	json_t *a = json_pack(
	    "{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:b, s:s, s:o,"
	    " s:s, s:s}",
	    "id", (json_int_t)id, "ref", db_col_text(st, 0), "status", db_col_text(st, 2),
	    "status_label", s >= 0 ? status_labels[s] : "", "submitted", when, "first_name",
	    db_col_text(st, 5), "last_name", db_col_text(st, 6), "dob", dob,
	    "email", email, "phone", view_phone(phone), "street",
	    db_col_text(st, 10), "city", db_col_text(st, 11), "zip", db_col_text(st, 12),
	    "verify", sqlite3_column_int(st, 13) != 0, "emergency_name", em_name,
	    "emergency_phone", view_phone(em_phone), "accommodations",
	    accommodations, "referral", db_col_text(st, 17));
	if (a == NULL)
		die_oom();
	int position = sqlite3_column_int(st, 3);
	if (position)
		json_object_set_new(a, "position", json_integer(position));
	json_object_set_new(a, "language", json_string(i18n_english_name(db_col_text(st, 29))));
	const char *school = school_name(db_col_text(st, 18));
	if (school) {
		json_t *t = json_pack(
		    "{s:s, s:s, s:i, s:s, s:o, s:s, s:b, s:s, s:s}", "school", school, "student_id",
		    student_id, "grade", sqlite3_column_int(st, 20), "guardian_name",
		    g_name, "guardian_phone", view_phone(g_phone),
		    "guardian_email", g_email, "consent", sqlite3_column_int(st, 24) != 0,
		    "counselor_note", db_col_text(st, 25), "counselor", db_col_text(st, 26));
		json_object_set_new(a, "tap", t);
	}
	if (sqlite3_column_type(st, 27) != SQLITE_NULL) {
		char erased[40];
		time_format(sqlite3_column_int64(st, 27), erased, sizeof(erased));
		json_object_set_new(a, "erased", json_string(erased));
	} else if (s == ST_DECLINED || s == ST_WITHDRAWN) {
		/* Retention erases a closed one's details once its period is over (SPEC.md):
		 * that day in the portal's zone, not the process's. */
		char day[48];
		date_format_long(clock_date(retention_due(sqlite3_column_int64(st, 28))), day,
				 sizeof(day));
		json_object_set_new(a, "erase_due", json_string(day));
	}
	int64_t cohort_id = sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	if (cohort_get(req->db, cohort_id, c) != 1) {
		json_decref(a);
		return NULL;
	}
	return a;
}

/* "+1" and the digits of a phone shown as view_phone shows it, for a tel: link;
 * NULL when it holds no ten digits. */
static json_t *tel_json(const json_t *shown)
{
	const char *p = json_string_value(shown);
	char digits[11];
	size_t n = 0;
	for (; p && *p; p++)
		if (*p >= '0' && *p <= '9') {
			if (n == 10)
				return NULL;
			digits[n++] = *p;
		}
	if (n != 10)
		return NULL;
	digits[n] = '\0';
	return json_sprintf("+1%s", digits);
}

/*
 * Adds to application a what the page links and works out from its details:
 * tel: addresses of its phones, and the age on the first session's date
 * (c's start), which decides eligibility and the consent a minor needs.
 */
static void add_contact_json(json_t *a, const struct cohort *c)
{
	static const char *const phones[] = {"phone", "emergency_phone"};
	for (size_t i = 0; i < sizeof(phones) / sizeof(phones[0]); i++) {
		json_t *tel = tel_json(json_object_get(a, phones[i]));
		if (tel)
			json_object_set_new(a, phones[i] == phones[0] ? "phone_tel" : "emergency_tel",
			                    tel);
	}
	json_t *tap = json_object_get(a, "tap");
	json_t *gtel = tap ? tel_json(json_object_get(tap, "guardian_phone")) : NULL;
	if (gtel)
		json_object_set_new(tap, "guardian_tel", gtel);
	struct date born;
	const char *dob = json_string_value(json_object_get(a, "dob"));
	if (dob && date_parse(dob, &born) == 0 && c->start.y > 0) {
		char on[64];
		date_format_long(c->start, on, sizeof(on));
		json_object_set_new(a, "age", json_integer(date_age_on(born, c->start)));
		json_object_set_new(a, "age_on", json_string(on));
	}
}

/* The moves allowed from status s, for the status form. */
static json_t *moves_json(int s)
{
	json_t *list = json_array();
	for (int t = 0; s >= 0 && t < ST_MAX; t++)
		if (status_move_allowed((enum status)s, (enum status)t))
			json_array_append_new(list, json_pack("{s:s, s:s}", "value", status_names[t],
							      "label", status_labels[t]));
	return list;
}

/* A PIP application's background check: state, when and who, and the form's choices. */
static json_t *background_json(struct db *db, int64_t id)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT COALESCE(background, 'not_started'),"
				       " background_at, COALESCE(background_by, '')"
				       " FROM applications WHERE id = ?");
	db_bind_int(st, 1, id);
	json_t *b = json_object();
	int state = BG_NOT_STARTED;
	if (db_step(st) == SQLITE_ROW) {
		int v = background_parse(db_col_text(st, 0));
		state = v >= 0 ? v : BG_NOT_STARTED;
		if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
			char when[40];
			time_format(sqlite3_column_int64(st, 1), when, sizeof(when));
			json_object_set_new(b, "when", json_string(when));
			json_object_set_new(b, "who", json_string(db_col_text(st, 2)));
		}
	}
	sqlite3_reset(st);
	json_object_set_new(b, "state", json_string(background_names[state]));
	json_object_set_new(b, "label", json_string(background_labels[state]));
	json_t *options = json_array();
	for (int i = 0; i < BG_MAX; i++)
		json_array_append_new(options,
				      json_pack("{s:s, s:s, s:b}", "value", background_names[i],
						"label", background_labels[i], "selected", i == state));
	json_object_set_new(b, "options", options);
	return b;
}

/* The previous and next applications of the list the page was opened from (same
 * filters and order, carried in the query string), as links that keep them. */
static void add_neighbours(struct request *req, json_t *data, int64_t cohort_id, int64_t id,
			   const struct filters *f)
{
	const char *sql = strcmp(f->sort, "name") == 0     ? neighbours_by_name
			  : strcmp(f->sort, "status") == 0 ? neighbours_by_status
							   : neighbours_by_time;
	sqlite3_stmt *st = db_stmt(req->db, sql);
	bind_filters(st, cohort_id, f, like_pattern(req->arena, f->q));
	db_bind_int(st, 7, id);
	if (db_step(st) == SQLITE_ROW) {
		const char *query = filter_query(req->arena, f);
		int64_t prev = sqlite3_column_int64(st, 0), next = sqlite3_column_int64(st, 1);
		if (prev)
			json_object_set_new(data, "prev_url",
					    json_string(arena_printf(req->arena,
								     "/admin/applications/%lld%s",
								     (long long)prev, query)));
		if (next)
			json_object_set_new(data, "next_url",
					    json_string(arena_printf(req->arena,
								     "/admin/applications/%lld%s",
								     (long long)next, query)));
	}
	sqlite3_reset(st);
	json_object_set_new(data, "list_query", json_string(filter_query(req->arena, f)));
}

void admin_application(struct request *req, struct response *res)
{
	int64_t id;
	if (!load_application(req, res, &id))
		return;
	struct cohort c;
	int s = -1;
	db_begin_read(req->db);
	json_t *a = application_json(req, id, &c, &s);
	if (a == NULL && s == -2) {
		db_end_read(req->db);
		view_error(req, res, 500, "Sorry, there is a problem",
			   "This application's details cannot be read.");
		return;
	}
	if (a == NULL) {
		db_end_read(req->db);
		view_error(req, res, 404, "Page not found", "There is no such application.");
		return;
	}
	json_t *data = json_object();
	char title[32];
	cohort_title(&c, title, sizeof(title));
	bool tap = strcmp(c.program, "tap") == 0;
	json_object_set_new(a, "affiliations", affiliations_json(req->db, id));
	add_contact_json(a, &c);
	json_object_set_new(data, "app", a);
	json_object_set_new(data, "history", admin_history_json(req->db, id));
	if (!tap)
		json_object_set_new(data, "background", background_json(req->db, id));
	struct filters f;
	read_filters(req, &f);
	add_neighbours(req, data, c.id, id, &f);
	db_end_read(req->db);
	const char *ref = arena_strdup(req->arena, json_string_value(json_object_get(a, "ref")));
	json_t *moves = moves_json(s);
	json_object_set_new(data, "has_moves", json_boolean(json_array_size(moves) > 0));
	json_object_set_new(data, "moves", moves);
	json_object_set_new(data, "cohort",
			    json_pack("{s:s, s:s, s:b}", "title", title, "url",
				      arena_printf(req->arena, "%s/%lld",
						   tap ? "/admin/tap/semesters" : "/admin/pip/classes",
						   (long long)c.id),
				      "tap", tap));
	const char *moved = kv_str(&req->query, "moved");
	int m = status_parse(moved);
	if (m >= 0)
		json_object_set_new(data, "moved", json_string(status_labels[m]));
	const char *promoted = kv_str(&req->query, "promoted");
	if (promoted[0] && strlen(promoted) == 11)
		json_object_set_new(data, "promoted", json_string(promoted));
	json_object_set_new(data, "background_set",
			    json_boolean(kv_get(&req->query, "background_set") != NULL));
	json_object_set_new(data, "corrected",
			    json_boolean(kv_get(&req->query, "corrected") != NULL));
	res->no_store = true;
	view_render(req, res, "admin_application", data);
	/* Recorded once the page is made, so that a page that failed is not counted. */
	if (access_log_record(req, ACCESS_VIEW, id, 0, -1, ref) < 0)
		access_log_failed(req, res);
}

void admin_application_status(struct request *req, struct response *res)
{
	int64_t id;
	if (!load_application(req, res, &id))
		return;
	int to = status_parse(kv_str(&req->form, "status"));
	const char *note;
	if (text_clean_multiline(req->arena, kv_str(&req->form, "note"), LEN_NOTE, &note) < 0)
		note = NULL;
	if (to < 0 || note == NULL) {
		view_error(req, res, 400, "Choose a status",
			   "Choose one of the statuses offered, with a note of 1000 characters "
			   "or fewer. Nothing was changed.");
		return;
	}
	struct actor who = {req->session->user_id, req->session->name, false};
	char promoted[12];
	switch (application_move(req->db, id, (enum status)to, &who, note, promoted)) {
	case MOVE_OK:
		response_redirect(res, arena_printf(req->arena,
						    "/admin/applications/%lld?moved=%s%s%s",
						    (long long)id, status_names[to],
						    promoted[0] ? "&promoted=" : "", promoted));
		return;
	case MOVE_NOT_FOUND:
		view_error(req, res, 404, "Page not found", "There is no such application.");
		return;
	case MOVE_NOT_ALLOWED:
		view_error(req, res, 409, "That change is not allowed",
			   "An application can only move to the statuses offered on its page: "
			   "declined, withdrawn and completed ones are final. Nothing was changed.");
		return;
	case MOVE_NOT_QUALIFIED:
		view_error(req, res, 409, "Not enough sessions attended",
			   "Only a participant who attended the required number of sessions can be "
			   "completed. Record attendance first on the attendance page. Nothing was "
			   "changed.");
		return;
	case MOVE_TOO_EARLY:
		view_error(req, res, 409, "The program has not ended yet",
			   "A participant can be completed on or after the date of the last "
			   "session. Nothing was changed.");
		return;
	case MOVE_NOT_CLEARED:
		view_error(req, res, 409, "The background check has not cleared",
			   "This class accepts only applicants whose background check is marked "
			   "cleared. Record the check on this page first. Nothing was changed.");
		return;
	case MOVE_ERROR:
		break;
	}
	view_error(req, res, 500, "Sorry, there is a problem", "Nothing was changed. Try again.");
}

/* Why a move was refused, in a few words, for the bulk decision's 409. */
static const char *refusal(enum move_result r)
{
	switch (r) {
	case MOVE_NOT_FOUND: return "not an application of this class or semester";
	case MOVE_NOT_ALLOWED: return "its status cannot move there";
	case MOVE_NOT_QUALIFIED: return "not enough sessions attended";
	case MOVE_TOO_EARLY: return "the program has not ended yet";
	case MOVE_NOT_CLEARED: return "background check not cleared";
	case MOVE_OK:
	case MOVE_ERROR: break;
	}
	return "";
}

/* The bulk decisions a list offers. */
static bool bulk_status(int s)
{
	return s == ST_ACCEPTED || s == ST_WAITLISTED || s == ST_DECLINED;
}

void admin_cohort_decide(struct request *req, struct response *res)
{
	struct cohort c;
	if (!admin_load_cohort(req, res, &c))
		return;
	int to = status_parse(kv_str(&req->form, "status"));
	const char *note;
	if (text_clean_multiline(req->arena, kv_str(&req->form, "note"), LEN_NOTE, &note) < 0)
		note = NULL;
	size_t total = kv_count(&req->form, "id");
	if (!bulk_status(to) || note == NULL || total == 0 || total > 1000) {
		view_error(req, res, 400, "Choose who and what",
			   "Tick at least one person (1000 at most), then choose Accept, "
			   "Waitlist or Decline, with a note of 1000 characters or fewer. Nothing "
			   "was changed.");
		return;
	}
	/* The ticked ids, each once, in the order the list gave them. */
	int64_t *ids = arena_alloc(req->arena, total * sizeof(*ids));
	int n = 0;
	for (size_t i = 0; i < req->form.n; i++) {
		if (strcmp(req->form.items[i].key, "id") != 0)
			continue;
		long v;
		if (parse_int(req->form.items[i].val, 1, 1L << 40, &v) < 0) {
			view_error(req, res, 400, "Choose who and what",
				   "The people ticked were not understood. Nothing was changed.");
			return;
		}
		bool seen = false;
		for (int k = 0; k < n && !seen; k++)
			seen = ids[k] == v;
		if (!seen)
			ids[n++] = v;
	}
	struct bulk_outcome *out = arena_alloc(req->arena, (size_t)n * sizeof(*out));
	struct actor who = {req->session->user_id, req->session->name, false};
	enum move_result r =
	    application_move_many(req->db, req->arena, c.id, ids, n, (enum status)to, &who,
				  note[0] ? note : "Decided with others from the list", out);
	if (r == MOVE_ERROR) {
		view_error(req, res, 500, "Sorry, there is a problem",
			   "Nothing was changed. Try again.");
		return;
	}
	if (r != MOVE_OK) {
		struct buf b;
		buf_init(&b, req->arena);
		buf_puts(&b, "Nothing was changed. These cannot be moved to ");
		buf_puts(&b, status_labels[to]);
		buf_puts(&b, ": ");
		bool first = true;
		for (int i = 0; i < n; i++) {
			if (out[i].result == MOVE_OK)
				continue;
			if (!first)
				buf_puts(&b, "; ");
			first = false;
			buf_puts(&b, out[i].name[0] ? out[i].name
						    : arena_printf(req->arena, "application %lld",
								   (long long)out[i].id));
			buf_puts(&b, " (");
			buf_puts(&b, refusal(out[i].result));
			buf_puts(&b, ")");
		}
		buf_puts(&b, ". Untick them, or change them one by one, then try again.");
		view_error(req, res, 409, "Some of these changes are not allowed", buf_str(&b));
		return;
	}
	/* The list names the people moved: their ids travel, never their names. */
	struct buf b;
	buf_init(&b, req->arena);
	for (int i = 0; i < n && i < 200; i++)
		buf_puts(&b, arena_printf(req->arena, "%s%lld", i ? "." : "", (long long)ids[i]));
	response_redirect(res, arena_printf(req->arena, "%s/%lld?decided=%s&n=%d&who=%s",
					    strcmp(c.program, "tap") == 0 ? "/admin/tap/semesters"
									  : "/admin/pip/classes",
					    (long long)c.id, status_names[to], n, buf_str(&b)));
}

void admin_application_background(struct request *req, struct response *res)
{
	int64_t id;
	if (!load_application(req, res, &id))
		return;
	int state = background_parse(kv_str(&req->form, "state"));
	if (state < 0) {
		view_error(req, res, 400, "Choose a state",
			   "Choose not started, in progress, cleared or not cleared. Nothing was "
			   "changed.");
		return;
	}
	struct actor who = {req->session->user_id, req->session->name, false};
	int rc = application_set_background(req->db, id, (enum background)state, &who);
	if (rc == 0) {
		view_error(req, res, 404, "Page not found",
			   "There is no such Partners In Policing application.");
		return;
	}
	if (rc < 0) {
		view_error(req, res, 500, "Sorry, there is a problem",
			   "Nothing was changed. Try again.");
		return;
	}
	response_redirect(res, arena_printf(req->arena, "/admin/applications/%lld?background_set=1",
					    (long long)id));
}

/* ---- staff correct an application's personal details ---- */

/* The correction form's fields: the apply form's personal ones (affiliations stay). */
static const char *const correct_fields[] = {
	"first_name", "last_name", "dob", "email", "phone", "street", "city", "zip",
	"emergency_name", "emergency_phone", "accommodations", "referral", NULL,
};

/* Statuses staff may correct in: any but the closed ones. */
#define UPDATE_STAFF (UPDATE_PUBLIC | (1u << ST_COMPLETED))

/*
 * The correction form, filled from values (stored or as typed) with errs: the
 * apply form's personal fields for an application, the nominate form's for a
 * nomination of semester c.
 */
static void correct_form(struct request *req, struct response *res, const struct app_record *r,
			 const struct cohort *c, const struct kvmap *values,
			 const struct form_errors *errs)
{
	json_t *data = json_object();
	if (r->tap) {
		const char *school = school_name(r->school);
		json_object_set_new(data, "school", json_string(school ? school : ""));
		tap_form_data(req, data, c, values, errs);
	} else {
		view_form(data, values, correct_fields, errs);
	}
	json_object_set_new(data, "id", json_integer(r->id));
	json_object_set_new(data, "ref", json_string(r->ref));
	if (errs && errs->n)
		res->status = 422;
	res->no_store = true;
	view_render(req, res, r->tap ? "admin_nomination_edit" : "admin_application_edit", data);
}

/*
 * The start of both correction routes: reads the route's application and its
 * cohort, and checks it may still be corrected.  Answers 404, 409 or 500
 * itself and returns 0; 1 with *r and *c filled.
 */
static int correction_target(struct request *req, struct response *res, struct app_record *r,
			     struct cohort *c)
{
	int64_t id;
	if (!load_application(req, res, &id))
		return 0;
	int found = application_read(req->db, req->arena, id, r);
	if (found == 0) {
		view_error(req, res, 404, "Page not found", "There is no such application.");
		return 0;
	}
	if (found < 0 || cohort_get(req->db, r->cohort_id, c) != 1) {
		view_error(req, res, 500, "Sorry, there is a problem",
			   "This application's details cannot be read. Nothing was changed.");
		return 0;
	}
	if (r->erased || !(UPDATE_STAFF & (1u << r->status))) {
		view_error(req, res, 409, "This application can no longer be corrected",
			   "It is closed: declined or withdrawn. Nothing was changed.");
		return 0;
	}
	return 1;
}

/* GET /admin/applications/ID/edit: the correction form with the stored details. */
void admin_application_edit(struct request *req, struct response *res)
{
	struct app_record r;
	struct cohort c;
	if (!correction_target(req, res, &r, &c))
		return;
	struct kvmap v = {0};
	struct arena *a = req->arena;
	const struct app_details *d = &r.d;
	if (r.tap) {
		tap_form_values(a, d, &v);
		correct_form(req, res, &r, &c, &v, NULL);
		return;
	}
	kv_add(&v, a, "first_name", d->first_name);
	kv_add(&v, a, "last_name", d->last_name);
	kv_add(&v, a, "dob", d->dob);
	kv_add(&v, a, "email", d->email);
	kv_add(&v, a, "phone", d->phone);
	kv_add(&v, a, "street", d->street);
	kv_add(&v, a, "city", d->city);
	kv_add(&v, a, "zip", d->zip);
	kv_add(&v, a, "emergency_name", d->emergency_name);
	kv_add(&v, a, "emergency_phone", d->emergency_phone);
	kv_add(&v, a, "accommodations", d->accommodations);
	kv_add(&v, a, "referral", d->referral);
	correct_form(req, res, &r, &c, &v, NULL);
}

/*
 * The application as corrected, read by the apply form's rules with its
 * stored affiliations (staff correct the personal fields only) into *app: 0
 * with *want set (some of its strings are app's, which the caller keeps), or
 * the number of errors in *errs.
 */
static int pip_correction_read(struct request *req, const struct app_record *r,
			       const struct cohort *c, struct pip_application *app,
			       struct app_details *want, struct form_errors *errs)
{
	struct arena *a = req->arena;
	struct kvmap m = {0};
	for (size_t i = 0; correct_fields[i]; i++)
		kv_add(&m, a, correct_fields[i], kv_str(&req->form, correct_fields[i]));
	for (int k = 0; k < AFF_MAX; k++) {
		if (r->d.affiliations & (1u << k))
			kv_add(&m, a, "affiliation", affiliation_names[k]);
		if (k != AFF_RESIDENT)
			kv_add(&m, a, arena_printf(a, "%s_detail", affiliation_names[k]),
			       r->d.detail[k]);
	}
	kv_add(&m, a, "ack_background", "yes");
	int n = pip_validate(a, LANG_EN, &m, c->start, app, errs);
	if (n > 0)
		return n;
	app_details_from_pip(a, app, want);
	return 0;
}

/*
 * POST /admin/applications/ID: the form's rules on the application as
 * corrected (the apply form's for an application, the nominate form's for a
 * nomination), then application_update_details (audited without the values,
 * the applicant or family told); 303 to the application's page.
 */
void admin_application_save(struct request *req, struct response *res)
{
	struct app_record r;
	struct cohort c;
	if (!correction_target(req, res, &r, &c))
		return;
	struct arena *a = req->arena;
	struct pip_application app;
	struct app_details want;
	struct form_errors errs = {0};
	int bad = r.tap ? tap_form_read(req, &c, &want, &errs)
			: pip_correction_read(req, &r, &c, &app, &want, &errs);
	if (bad > 0) {
		correct_form(req, res, &r, &c, &req->form, &errs);
		return;
	}
	struct actor who = {req->session->user_id, req->session->name, false};
	switch (application_update_details(req->db, a, r.id, &want, UPDATE_STAFF, &who, NULL)) {
	case UPDATE_OK:
	case UPDATE_UNCHANGED:
		response_redirect(res, arena_printf(a, "/admin/applications/%lld?corrected=1",
						    (long long)r.id));
		return;
	case UPDATE_NOT_FOUND:
	case UPDATE_NOT_ALLOWED:
		view_error(req, res, 409, "This application can no longer be corrected",
			   "Its status changed a moment ago. Nothing was changed.");
		return;
	case UPDATE_DUPLICATE:
		if (r.tap) {
			tap_student_id_taken(req, res);
			return;
		}
		view_error(req, res, 409, "That email address is already used",
			   "Another application for this class uses that email address. Nothing "
			   "was changed.");
		return;
	case UPDATE_ERROR: break;
	}
	view_error(req, res, 500, "Sorry, there is a problem", "Nothing was changed. Try again.");
}
