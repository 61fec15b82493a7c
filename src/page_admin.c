/* page_admin.c: the staff desk: dashboard, classes and semesters, and registration. */
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cohort.h"
#include "mail.h"
#include "pages.h"
#include "status.h"
#include "users.h"
#include "i18n.h"
#include "view.h"

/* Which program a staff URL is about: /admin/pip/classes/... or /admin/tap/semesters/... */
static bool path_is_tap(const struct request *req)
{
	return strncmp(req->path, "/admin/tap/", 11) == 0;
}

/* Every cohort of program, newest first, as summaries. */
static json_t *cohort_list(struct db *db, const char *program, bool only_current)
{
	json_t *list = json_array();
	char today[16];
	date_format_iso(date_add_days(date_today(), -120), today, sizeof(today));
	sqlite3_stmt *st = db_stmt(db, "SELECT id FROM cohorts WHERE program = ?1 AND"
				       " (?2 = 0 OR registration_open = 1 OR start_date >= ?3)"
				       " ORDER BY start_date DESC, id DESC");
	db_bind_text(st, 1, program);
	db_bind_int(st, 2, only_current);
	db_bind_text(st, 3, today);
	/* Ids first, then the details: cohort_get uses statements of its own. */
	int64_t ids[500];
	size_t n = 0;
	while (n < 500 && db_step(st) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	for (size_t i = 0; i < n; i++) {
		struct cohort c;
		if (cohort_get(db, ids[i], &c) == 1)
			json_array_append_new(list, cohort_json(db, &c));
	}
	return list;
}

/* The admin_cohort_table partial's context for classes or semesters. */
static json_t *cohort_table(struct db *db, bool tap, bool only_current)
{
	json_t *t = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "id", tap ? "semesters" : "classes",
			      "heading",
			      tap ? "Teens and Policing semesters" : "Partners In Policing classes",
			      "caption",
			      only_current ? (tap ? "Current semesters" : "Current classes")
					   : (tap ? "All semesters" : "All classes"),
			      "noun", tap ? "Semester" : "Class", "plural",
			      tap ? "semesters" : "classes", "create_url",
			      tap ? "/admin/tap/semesters" : "/admin/pip/classes");
	if (t == NULL)
		die_oom();
	json_object_set_new(t, "rows", cohort_list(db, tap ? "tap" : "pip", only_current));
	return t;
}

/* Messages that failed for good, for the dashboard. */
static json_t *mail_failures(struct db *db)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT count(*) FROM outbox WHERE failed_at IS NOT NULL");
	return json_integer(db_int(db, st, 0));
}

void admin_dashboard(struct request *req, struct response *res)
{
	struct db *db = req->db;
	db_begin_read(db);
	json_t *data = json_object();
	json_t *tables = json_array();
	json_array_append_new(tables, cohort_table(db, false, true));
	json_array_append_new(tables, cohort_table(db, true, true));
	json_object_set_new(data, "tables", tables);
	/* Only when some failed: the template's section would show a count of 0 too. */
	json_t *failed = mail_failures(db);
	if (json_integer_value(failed) > 0)
		json_object_set_new(data, "mail_failed", failed);
	else
		json_decref(failed);
	db_end_read(db);
	res->no_store = true;
	view_render(req, res, "admin_dashboard", data);
}

static const char *const class_fields[] = {"number", "start_date", "start_time", "end_time",
					   "location", "capacity", "sessions",
					   "required_sessions", NULL};
static const char *const semester_fields[] = {"term", "year", "start_date", "start_time",
					      "end_time", "location", "capacity", "school_cap",
					      "required_sessions", NULL};

/* An empty create form starts from the usual evening and place. */
static void form_defaults(json_t *data)
{
	json_t *f = json_object_get(data, "f");
	json_object_set_new(json_object_get(f, "start_time"), "value", json_string("18:00"));
	json_object_set_new(json_object_get(f, "end_time"), "value", json_string("20:00"));
	json_object_set_new(json_object_get(f, "location"), "value",
			    json_string(app_config.default_location));
}

/* The list of classes or semesters and the form that creates one. */
static void show_cohorts(struct request *req, struct response *res, const struct kvmap *form,
			 const struct form_errors *errs)
{
	bool tap = path_is_tap(req);
	json_t *data = json_object();
	db_begin_read(req->db);
	json_object_set_new(data, "table", cohort_table(req->db, tap, false));
	if (!tap) {
		sqlite3_stmt *st = db_stmt(req->db, "SELECT COALESCE(max(number), 44) + 1 FROM"
						    " cohorts WHERE program = 'pip'");
		json_object_set_new(data, "next_number", json_integer(db_int(req->db, st, 45)));
	}
	db_end_read(req->db);
	view_form(data, form, tap ? semester_fields : class_fields, errs);
	if (form == NULL)
		form_defaults(data);
	/* Reminders are on unless a sent form turned them off. */
	json_object_set_new(data, "reminders",
			    json_boolean(form == NULL || !kv_has(form, "reminders", "no")));
	json_object_set_new(data, "require_clearance",
			    json_boolean(form && kv_has(form, "require_clearance", "yes")));
	json_object_set_new(data, "fall", json_boolean(form && kv_has(form, "term", "fall")));
	json_object_set_new(data, "spring", json_boolean(form && kv_has(form, "term", "spring")));
	if (errs && errs->n)
		res->status = 422;
	res->no_store = true;
	view_render(req, res, tap ? "admin_semesters" : "admin_classes", data);
}

void admin_cohorts(struct request *req, struct response *res)
{
	show_cohorts(req, res, NULL, NULL);
}

/* Reads an optional whole number field; 0 when empty, -1 (with an error) when bad. */
static long optional_int(const struct kvmap *form, const char *name, long min, long max,
			 struct form_errors *errs, const char *message)
{
	const char *s = kv_str(form, name);
	long v;
	if (s[0] == '\0')
		return 0;
	if (parse_int(s, min, max, &v) < 0) {
		form_error(errs, name, message);
		return -1;
	}
	return v;
}

/*
 * Reads an optional "HH:MM-HH:MM" after a session line's date into *s; moves *p
 * past it and its spaces.  0, or -1 when it is there but not a good range.
 */
static int line_times(struct arena *a, const char **p, struct cohort_session *s)
{
	s->start_time = s->end_time = -1;
	const char *dash = strchr(*p, '-');
	if (dash == NULL || dash - *p > 8 || !strchr("0123456789", **p) || !strchr(*p, ':') ||
	    strchr(*p, ':') > dash)
		return 0; /* no times: the topic starts here */
	size_t rest = strcspn(dash + 1, " ");
	const char *from = arena_strndup(a, *p, (size_t)(dash - *p));
	const char *to = arena_strndup(a, dash + 1, rest);
	if (time_parse(from, &s->start_time) < 0 || time_parse(to, &s->end_time) < 0 ||
	    s->end_time <= s->start_time)
		return -1;
	*p = dash + 1 + rest;
	while (**p == ' ')
		(*p)++;
	return 0;
}

/*
 * Parses the sessions box: one "YYYY-MM-DD topic" or "YYYY-MM-DD HH:MM-HH:MM
 * topic" a line, dates in order and not before the start.  Fills up to max
 * sessions (topics in the arena) and returns how many, or -1 after adding an
 * error.
 */
static int parse_sessions(struct arena *a, const char *text, struct date start,
			  struct cohort_session *out, int max, struct form_errors *errs)
{
	int n = 0;
	const char *p = text;
	while (*p) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char *line = arena_strndup(a, p, len);
		p += len + (end != NULL);
		const char *clean;
		if (text_clean(a, line, 200, &clean) < 0) {
			form_error(errs, "sessions", "Each session line must be 200 characters or fewer");
			return -1;
		}
		if (clean[0] == '\0')
			continue;
		char datepart[11] = {0};
		memcpy(datepart, clean, strlen(clean) < 10 ? strlen(clean) : 10);
		struct date d;
		if (date_parse(datepart, &d) < 0 || (clean[10] != '\0' && clean[10] != ' ')) {
			form_error(errs, "sessions", arena_printf(a, "Start each line with the session's "
								     "date, like 2027-01-14 Patrol. "
								     "Line %d is not like that", n + 1));
			return -1;
		}
		if (date_cmp(d, start) < 0 || (n > 0 && date_cmp(d, out[n - 1].date) <= 0)) {
			form_error(errs, "sessions", "List the sessions in date order, the first on or "
						     "after the start date");
			return -1;
		}
		if (n == max) {
			form_error(errs, "sessions", "A class has at most 20 sessions");
			return -1;
		}
		const char *topic = clean + 10;
		while (*topic == ' ')
			topic++;
		struct cohort_session *x = &out[n];
		*x = (struct cohort_session){.date = d, .location = NULL};
		if (line_times(a, &topic, x) < 0) {
			form_error(errs, "sessions",
				   arena_printf(a, "Write a session's times like 2027-01-14 "
						   "18:00-20:00 Patrol, the end after the start. "
						   "Line %d is not like that", n + 1));
			return -1;
		}
		x->topic = topic;
		n++;
	}
	return n;
}

/*
 * The usual start and end times and place of the create form into c: the
 * times default to 6 to 8 PM and the place to the default_location setting.
 */
static void check_evening(struct arena *a, const struct kvmap *f, struct cohort *c,
			  struct form_errors *errs)
{
	const char *from = kv_str(f, "start_time"), *to = kv_str(f, "end_time");
	c->start_time = 18 * 60;
	c->end_time = 20 * 60;
	if (from[0] && time_parse(from, &c->start_time) < 0)
		form_error(errs, "start_time", "Enter the start time, like 18:00 or 6:00 PM");
	if (to[0] && time_parse(to, &c->end_time) < 0)
		form_error(errs, "end_time", "Enter the end time, like 20:00 or 8:00 PM");
	else if (c->end_time <= c->start_time && !form_error_for(errs, "start_time"))
		form_error(errs, "end_time", "Enter an end time after the start time");
	const char *place;
	int rc = text_clean(a, kv_str(f, "location"), LEN_OTHER, &place);
	if (rc == -1)
		form_error(errs, "location", "Remove the special characters from the place");
	else if (rc == -2)
		form_error(errs, "location", "The place must be 200 characters or fewer");
	else if (strcmp(place, app_config.default_location) != 0)
		snprintf(c->location, sizeof(c->location), "%s", place);
	/* Radios, so that a form that does not send the field keeps SPEC.md's default. */
	c->reminders = strcmp(kv_str(f, "reminders"), "no") != 0;
}

/* Checks the create form into c (and sessions); returns the number of errors. */
static int check_cohort_form(struct request *req, bool tap, struct cohort *c,
			     struct cohort_session *sessions, int *nsessions,
			     struct form_errors *errs)
{
	const struct kvmap *f = &req->form;
	long v;
	memset(c, 0, sizeof(*c));
	errs->n = 0;
	*nsessions = 0;
	snprintf(c->program, sizeof(c->program), "%s", tap ? "tap" : "pip");
	if (tap) {
		const char *term = kv_str(f, "term");
		if (strcmp(term, "fall") && strcmp(term, "spring"))
			form_error(errs, "term", "Select fall or spring");
		snprintf(c->term, sizeof(c->term), "%s", term);
		if (parse_int(kv_str(f, "year"), 2020, 2100, &v) < 0)
			form_error(errs, "year", "Enter the year, like 2027");
		c->year = (int)v;
	} else {
		if (parse_int(kv_str(f, "number"), 1, 9999, &v) < 0)
			form_error(errs, "number", "Enter the class number, like 45");
		c->number = (int)v;
		/* A checkbox: only a ticked one sends the field. */
		c->require_clearance = kv_has(f, "require_clearance", "yes");
	}
	if (date_parse_input(kv_str(f, "start_date"), &c->start) < 0)
		form_error(errs, "start_date", "Enter the date of the first session, like 1/14/2027");
	check_evening(req->arena, f, c, errs);
	if (parse_int(kv_str(f, "capacity"), 1, 1000, &v) < 0)
		form_error(errs, "capacity", "Enter the number of places, from 1 to 1000");
	c->capacity = (int)v;
	if (tap) {
		long cap = optional_int(f, "school_cap", 1, 1000, errs,
					"Enter the places per school as a whole number, or leave it "
					"empty for no limit");
		c->school_cap = cap > 0 ? (int)cap : 0;
	}
	long req_n = optional_int(f, "required_sessions", 1, 20, errs,
				  "Enter the sessions needed to complete, from 1 to 20, or leave "
				  "it empty for all but two");
	c->required_sessions = req_n > 0 ? (int)req_n : 0;
	if (!tap && !form_error_for(errs, "start_date")) {
		int n = parse_sessions(req->arena, kv_str(f, "sessions"), c->start, sessions, 20,
				       errs);
		*nsessions = n > 0 ? n : 0;
	}
	/* Nobody could complete a class that needs more sessions than it has. */
	int planned = tap ? 12 : (*nsessions > 0 ? *nsessions : 10);
	if (c->required_sessions > planned)
		form_error(errs, "required_sessions",
			   arena_printf(req->arena, "Enter at most %d: the number of sessions",
					planned));
	return (int)errs->n;
}

void admin_cohort_create(struct request *req, struct response *res)
{
	bool tap = path_is_tap(req);
	struct cohort c;
	struct cohort_session sessions[20];
	int nsessions;
	struct form_errors errs;
	if (check_cohort_form(req, tap, &c, sessions, &nsessions, &errs) > 0) {
		show_cohorts(req, res, &req->form, &errs);
		return;
	}
	struct db *db = req->db;
	if (db_begin_write(db) < 0)
		goto fail;
	sqlite3_stmt *st = db_stmt(db, "SELECT count(*) FROM cohorts WHERE program = ?1 AND"
				       " ((?1 = 'pip' AND number = ?2) OR"
				       " (?1 = 'tap' AND term = ?3 AND year = ?4))");
	db_bind_text(st, 1, c.program);
	db_bind_int(st, 2, c.number);
	db_bind_text(st, 3, c.term);
	db_bind_int(st, 4, c.year);
	if (db_int(db, st, 1) != 0) {
		db_rollback(db);
		form_error(&errs, tap ? "term" : "number",
			   tap ? "That semester exists already" : "That class number exists already");
		show_cohorts(req, res, &req->form, &errs);
		return;
	}
	if (cohort_insert(db, &c, sessions, nsessions) < 0 || db_commit(db) < 0) {
		db_rollback(db);
		goto fail;
	}
	response_redirect(res, arena_printf(req->arena, "%s/%lld?created=1",
					    tap ? "/admin/tap/semesters" : "/admin/pip/classes",
					    (long long)c.id));
	return;
fail:
	view_error(req, res, 500, "Sorry, there is a problem", "Nothing was saved. Try again.");
}

/* Loads the cohort named by the URL's id, of the URL's program; false after a 404. */
bool admin_load_cohort(struct request *req, struct response *res, struct cohort *c)
{
	long id;
	const char *program = path_is_tap(req) ? "tap" : "pip";
	if (req->nparams < 1 || parse_int(req->params[0], 1, 1L << 40, &id) < 0 ||
	    cohort_get(req->db, id, c) != 1 || strcmp(c->program, program) != 0) {
		view_error(req, res, 404, "Page not found", "There is no such class or semester.");
		return false;
	}
	return true;
}

/*
 * Queues the class-opening message to everyone on the interest list not told
 * yet, once per address, inside the caller's transaction.  0 or -1.
 */
static int tell_interest_list(struct db *db, struct arena *a, const struct cohort *c)
{
	/* One message per language, made when the first reader of that language comes. */
	char *body[LANG_MAX] = {0};
	char subject[LANG_MAX][160];
	sqlite3_stmt *st = db_stmt(db, "SELECT id, email, language FROM interest"
				       " WHERE notified_at IS NULL AND email IS NOT NULL ORDER BY id");
	int rc = 0;
	while (rc == 0 && db_step(st) == SQLITE_ROW) {
		int lang = lang_parse(db_col_text(st, 2));
		if (lang < 0)
			lang = LANG_EN;
		if (body[lang] == NULL) {
			json_t *data = cohort_view_json(db, a, c, lang);
			if (data == NULL) {
				rc = -1;
				break;
			}
			json_object_set_new(data, "url", json_string(app_config.base_url));
			json_object_set_new(data, "contact", json_string(view_contact_text(lang)));
			/* TRANSLATORS: the class, "Class 46". */
			snprintf(subject[lang], sizeof(subject[lang]),
				 _(lang, "Registration is open for Partners In Policing %s"),
				 json_string_value(json_object_get(data, "title")));
			body[lang] = view_render_string("mail_class_open", lang, data);
			json_decref(data);
			if (body[lang] == NULL) {
				rc = -1;
				break;
			}
		}
		rc = mail_queue(db, db_col_text(st, 1), subject[lang], body[lang]);
	}
	sqlite3_reset(st);
	for (int l = 0; l < LANG_MAX; l++)
		free(body[l]);
	if (rc < 0)
		return -1;
	st = db_stmt(db, "UPDATE interest SET notified_at = ? WHERE notified_at IS NULL"
			 " AND email IS NOT NULL");
	db_bind_int(st, 1, app_now());
	return db_exec_stmt(db, st);
}

/* The 409 page for opening a second class or semester: it names the one that
 * is open and links to it, where staff can close it. */
static void another_open(struct request *req, struct response *res, const struct cohort *other)
{
	bool tap = strcmp(other->program, "tap") == 0;
	char title[32];
	cohort_title(other, title, sizeof(title));
	json_t *data = json_pack(
	    "{s:s, s:s, s:i, s:{s:s, s:s}}", "heading",
	    tap ? "Another semester is open" : "Another class is open", "message",
	    arena_printf(req->arena,
	                 "%s takes registrations now, and only one %s does at a time. Close it "
	                 "first, then open this one. Nothing was changed.",
	                 title, tap ? "semester" : "class"),
	    "status", 409, "link", "url",
	    arena_printf(req->arena, "%s/%lld", tap ? "/admin/tap/semesters" : "/admin/pip/classes",
	                 (long long)other->id),
	    "text", arena_printf(req->arena, "Go to %s", title));
	if (data == NULL)
		die_oom();
	res->status = 409;
	view_render(req, res, "error", data);
}

void admin_cohort_registration(struct request *req, struct response *res)
{
	struct cohort c;
	if (!admin_load_cohort(req, res, &c))
		return;
	const char *state = kv_str(&req->form, "state");
	bool open = strcmp(state, "open") == 0;
	if (!open && strcmp(state, "closed") != 0) {
		view_error(req, res, 400, "Choose open or closed", "Nothing was changed.");
		return;
	}
	struct db *db = req->db;
	if (db_begin_write(db) < 0)
		goto fail;
	if (open) {
		struct cohort other;
		int found = cohort_open_now(db, c.program, &other);
		if (found < 0) {
			db_rollback(db);
			goto fail;
		}
		if (found > 0 && other.id != c.id) {
			db_rollback(db);
			another_open(req, res, &other);
			return;
		}
	}
	/* The time of closing tells the public "closed" from "not open yet". */
	sqlite3_stmt *st = db_stmt(db, "UPDATE cohorts SET registration_open = ?1,"
				       " registration_closed_at = CASE WHEN ?1 THEN"
				       " registration_closed_at ELSE ?3 END WHERE id = ?2");
	db_bind_int(st, 1, open);
	db_bind_int(st, 2, c.id);
	db_bind_int(st, 3, app_now());
	bool tell = open && !c.open && strcmp(c.program, "pip") == 0;
	if (db_exec_stmt(db, st) < 0 || (tell && tell_interest_list(db, req->arena, &c) < 0) ||
	    db_commit(db) < 0) {
		db_rollback(db);
		goto fail;
	}
	response_redirect(res, arena_printf(req->arena, "%s/%lld?registration=%s",
					    path_is_tap(req) ? "/admin/tap/semesters"
							     : "/admin/pip/classes",
					    (long long)c.id, open ? "open" : "closed"));
	return;
fail:
	view_error(req, res, 500, "Sorry, there is a problem", "Nothing was changed. Try again.");
}
