/* notify.c: composing application e-mails from templates/mail_*.mustache and queueing them. */
#include "notify.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "arena.h"
#include "calendar.h"
#include "clock.h"
#include "cohort.h"
#include "applications.h"
#include "mail.h"
#include "seal.h"
#include "users.h"
#include "validate.h"
#include "i18n.h"
#include "view.h"

/* Who a message goes to, and as whom they read it. */
enum role { TO_APPLICANT, TO_GUARDIAN, TO_STUDENT, TO_COUNSELOR };
static const char *const role_keys[] = {"to_applicant", "to_guardian", "to_student",
					 "to_counselor"};

struct recipient {
	char email[256];
	char name[128]; /* as the greeting says it: "Maria", "Pat Rivera" */
	enum role role;
	int lang; /* the application's language; a counselor reads English (i18n.h) */
};

/* What a message about application id needs, and who should get it. */
struct about {
	int64_t id; /* the application: its messages carry it, so erasure finds them */
	json_t *data;
	struct recipient to[4]; /* applicant or guardian, student, counselor, a former address */
	int nto;
	struct cohort cohort;
	struct cohort_session *sessions; /* in the caller's arena */
	int nsessions;
	int lang;      /* the language the application was made in */
	bool has_cohort;
	int status_from, status_to; /* a status change's statuses, or -1 */
	bool next;     /* tell the next session (an acceptance) */
	const char *fields; /* a correction's fields, "phone number, city" in English, or NULL */
};

static void add_recipient(struct about *a, const char *email, const char *name, enum role role)
{
	if (email == NULL || email[0] == '\0')
		return;
	for (int i = 0; i < a->nto; i++)
		if (strcasecmp(a->to[i].email, email) == 0)
			return;
	if (a->nto < 4) {
		struct recipient *r = &a->to[a->nto++];
		snprintf(r->email, sizeof(r->email), "%s", email);
		snprintf(r->name, sizeof(r->name), "%s", name ? name : "");
		r->role = role;
		r->lang = role == TO_COUNSELOR ? LANG_EN : a->lang;
	}
}

/* {date, time, location} of session s, in language lang. */
static json_t *session_json(int lang, const struct cohort_session *s)
{
	char date[64], time[64];
	fmt_date_long(i18n_format_lang(lang), s->date, date, sizeof(date));
	fmt_time_range(i18n_format_lang(lang), s->start_time, s->end_time, time, sizeof(time));
	json_t *j =
	    json_pack("{s:s, s:s, s:s}", "date", date, "time", time, "location", s->location);
	if (j == NULL)
		die_oom();
	return j;
}

/*
 * What the messages say of the schedule, from the sessions themselves, so that
 * every sentence holds for this cohort: "start" (the first session's date),
 * "sessions_text" ("12 sessions"), "weekly" when they are seven days apart,
 * and "usual" {time, location} when all share them, else "varied" with the
 * first session's.
 */
static void add_schedule(json_t *data, int lang, const struct cohort_session *s, int n)
{
	if (n <= 0)
		return;
	char start[64];
	fmt_date_long(i18n_format_lang(lang), s[0].date, start, sizeof(start));
	json_object_set_new(data, "start", json_string(start));
	json_object_set_new(data, "sessions", json_integer(n));
	bool weekly = n > 1, same = true;
	for (int i = 1; i < n; i++) {
		weekly &= date_cmp(s[i].date, date_add_days(s[i - 1].date, 7)) == 0;
		same &= s[i].start_time == s[0].start_time && s[i].end_time == s[0].end_time &&
		        strcmp(s[i].location, s[0].location) == 0;
	}
	json_object_set_new(data, "weekly", json_boolean(weekly));
	json_object_set_new(data, same ? "usual" : "varied", session_json(lang, &s[0]));
}

/* Reads the application and builds the template data: 1, 0 when its details are
 * erased (nobody is left to tell), -1 when the database failed.  The sessions live
 * in arena. */
static int load(struct db *db, struct arena *arena, int64_t id, struct about *a)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT a.ref, a.cohort_id, a.status,"
				       " COALESCE(a.waitlist_position, 0), a.first_name,"
				       " COALESCE(a.email, ''), COALESCE(a.guardian_email, ''),"
				       " COALESCE(a.school, ''), COALESCE(u.email, ''),"
				       " COALESCE(u.name, ''), COALESCE(a.last_name, ''),"
				       " COALESCE(a.guardian_name, ''), a.language"
				       " FROM applications a LEFT JOIN users u ON u.id = a.counselor_id"
				       " WHERE a.id = ? AND a.erased_at IS NULL");
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? 0 : -1;
	}
	int64_t cohort_id = sqlite3_column_int64(st, 1);
	int position = sqlite3_column_int(st, 3);
	/* A TAP student's address and the guardian's are sealed (seal.c). */
	bool bad = false;
	const char *email = seal_open_or_fail(arena, db_col_text(st, 5), &bad);
	const char *guardian = seal_open_or_fail(arena, db_col_text(st, 6), &bad);
	const char *guardian_name = seal_open_or_fail(arena, db_col_text(st, 11), &bad);
	if (bad) {
		fprintf(stderr, "portal: a sealed address of application %s does not open\n",
			db_col_text(st, 0));
		sqlite3_reset(st);
		return -1;
	}
	memset(a, 0, sizeof(*a));
	a->id = id;
	a->status_from = a->status_to = -1;
	a->lang = lang_parse(db_col_text(st, 12));
	if (a->lang < 0)
		a->lang = LANG_EN;
	a->data = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "ref", db_col_text(st, 0),
			    "status", db_col_text(st, 2), "first_name", db_col_text(st, 4),
			    "last_name", db_col_text(st, 10), "school",
			    school_name(db_col_text(st, 7)) ? school_name(db_col_text(st, 7)) : "",
			    "counselor", db_col_text(st, 9));
	if (a->data == NULL)
		die_oom();
	bool tap = db_col_text(st, 0)[0] == 'T';
	if (tap) {
		/* The guardian when there is one, else the adult student; and the counselor. */
		if (guardian[0])
			add_recipient(a, guardian, guardian_name, TO_GUARDIAN);
		else
			add_recipient(a, email, db_col_text(st, 4), TO_STUDENT);
		add_recipient(a, db_col_text(st, 8), db_col_text(st, 9), TO_COUNSELOR);
	} else {
		add_recipient(a, email, db_col_text(st, 4), TO_APPLICANT);
	}
	sqlite3_reset(st);
	struct cohort *c = &a->cohort;
	if (cohort_get(db, cohort_id, c) != 1 ||
	    (a->nsessions = cohort_sessions(db, arena, c, &a->sessions)) < 0) {
		json_decref(a->data);
		return -1;
	}
	a->has_cohort = true;
	json_object_set_new(a->data, "tap", json_boolean(tap));
	if (position > 0)
		json_object_set_new(a->data, "position", json_integer(position));
	json_object_set_new(a->data, "status_url",
			    json_sprintf("%s/status?ref=%s", app_config.base_url,
					 json_string_value(json_object_get(a->data, "ref"))));
	json_object_set_new(a->data, "resend_url",
			    json_sprintf("%s/status/resend", app_config.base_url));
	json_object_set_new(a->data, "counselor_url",
			    json_sprintf("%s/counselor/nominations/%lld", app_config.base_url,
					 (long long)id));
	return 1;
}

/*
 * What the acceptance says of what comes next: "next" {date, time, location, first}
 * for the first session not yet past (first when it is the first of all), and the
 * reminders it may promise: only when the cohort sends them and they are still to
 * come (the reminders module never sends one for a day already gone).
 */
static void add_next(json_t *data, int lang, const struct cohort *c,
		     const struct cohort_session *s, int n)
{
	struct date today = date_today();
	int i = 0;
	while (i < n && date_cmp(s[i].date, today) < 0)
		i++;
	if (i == n)
		return;
	json_t *next = session_json(lang, &s[i]);
	json_object_set_new(next, "first", json_boolean(i == 0));
	json_object_set_new(data, "next", next);
	bool day = c->reminders && date_cmp(date_add_days(s[i].date, -1), today) > 0;
	bool week = day && i == 0 && date_cmp(date_add_days(s[0].date, -7), today) > 0;
	json_object_set_new(data, "remind_week", json_boolean(week));
	json_object_set_new(data, "remind_day", json_boolean(day));
}

static bool is_tap_data(const json_t *data)
{
	return json_is_true(json_object_get(data, "tap"));
}

/* A correction's list of fields ("phone number, city", as applications.c writes it) with
 * each name and the separator in lang, as a new JSON string. */
static json_t *fields_in(int lang, const char *english)
{
	struct arena a;
	arena_init(&a);
	struct buf b;
	buf_init(&b, &a);
	char *list = arena_strdup(&a, english), *save = NULL;
	for (char *f = strtok_r(list, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
		if (b.len)
			/* TRANSLATORS: between the names of the fields in a list, "phone number, city". */
			buf_puts(&b, _(lang, ", "));
		buf_puts(&b, _(lang, f + strspn(f, " ")));
	}
	json_t *j = json_string(buf_str(&b));
	arena_free(&a);
	return j;
}

/* Sets the data's words and dates in the recipient's language. */
static void localize(struct about *a, int lang)
{
	json_object_set_new(a->data, "contact", json_string(view_contact_text(lang)));
	if (a->has_cohort) {
		char title[48], start[64];
		cohort_title_in(&a->cohort, lang, title, sizeof(title));
		fmt_date_long(i18n_format_lang(lang), a->cohort.start, start, sizeof(start));
		json_object_set_new(a->data, "cohort", json_string(title));
		json_object_set_new(a->data, "start", json_string(start));
		json_object_set_new(a->data, "program",
				    json_string(is_tap_data(a->data) ? "Teens and Policing"
								     : "Partners In Policing"));
		add_schedule(a->data, lang, a->sessions, a->nsessions);
	}
	if (a->status_from >= 0)
		json_object_set_new(a->data, "from", json_string(status_label(lang, a->status_from)));
	if (a->status_to >= 0)
		json_object_set_new(a->data, "to_label", json_string(status_label(lang, a->status_to)));
	if (a->next)
		add_next(a->data, lang, &a->cohort, a->sessions, a->nsessions);
	if (a->fields)
		json_object_set_new(a->data, "fields", fields_in(lang, a->fields));
}

/*
 * Renders template name for each recipient (the data say whom it greets and as
 * whom they read it: "greet", "to_guardian"...) and queues it, with the calendar
 * attached when there is one (named calendar_name).  subject_for gives each
 * recipient's subject.  Frees a->data.
 */
static int send_all(struct db *db, struct about *a, const char *name,
		    const char *(*subject_for)(struct about *, const struct recipient *, char *,
					       size_t),
		    const char *calendar, const char *calendar_name)
{
	int rc = 0;
	for (int i = 0; rc == 0 && i < a->nto; i++) {
		const struct recipient *r = &a->to[i];
		json_object_set_new(a->data, "greet", json_string(r->name));
		for (int k = 0; k < 4; k++)
			json_object_set_new(a->data, role_keys[k], json_boolean((int)r->role == k));
		char subject[300];
		localize(a, r->lang);
		char *body = view_render_string(name, r->lang, a->data);
		if (body == NULL) {
			rc = -1;
			break;
		}
		struct mail m = {.to = r->email,
		                 .application_id = a->id,
		                 .subject = subject_for(a, r, subject, sizeof(subject)),
		                 .body = body,
		                 .calendar = calendar,
		                 .calendar_name = calendar_name};
		rc = mail_queue_mail(db, &m) < 0 ? -1 : 0;
		free(body);
	}
	json_decref(a->data);
	return rc;
}

static const char *str(const struct about *a, const char *key)
{
	const char *v = json_string_value(json_object_get(a->data, key));
	return v ? v : "";
}

static bool is_tap(const struct about *a)
{
	return is_tap_data(a->data);
}

/* A family reads about the student by name; the applicant and the counselor by reference. */
static const char *subject_received(struct about *a, const struct recipient *r, char *out,
				    size_t size)
{
	/* The en dash makes the subject non-ASCII: it is sent RFC 2047-encoded. */
	int l = r->lang;
	if (!is_tap(a))
		snprintf(out, size, _(l, "Partners In Policing application received \u2013 %s"),
			 str(a, "ref"));
	else if (r->role == TO_COUNSELOR)
		snprintf(out, size, "Teens and Policing nomination received \u2013 %s",
			 str(a, "ref"));
	else
		/* TRANSLATORS: the student's first and last names, then the reference. */
		snprintf(out, size, _(l, "%s %s is nominated for Teens and Policing \u2013 %s"),
			 str(a, "first_name"), str(a, "last_name"), str(a, "ref"));
	return out;
}

static const char *subject_status(struct about *a, const struct recipient *r, char *out,
				  size_t size)
{
	const char *to = str(a, "to_label");
	int l = r->lang;
	if (r->role == TO_COUNSELOR)
		snprintf(out, size, "Your nomination %s \u2013 %s", str(a, "ref"), to);
	else if (!is_tap(a))
		/* TRANSLATORS: the reference, then the new status ("Accepted"). */
		snprintf(out, size, _(l, "Your application %s \u2013 %s"), str(a, "ref"), to);
	else
		/* TRANSLATORS: the student's first name, then the new status ("Accepted"). */
		snprintf(out, size, _(l, "Teens and Policing: %s's nomination \u2013 %s"),
			 str(a, "first_name"), to);
	return out;
}

static const char *subject_details(struct about *a, const struct recipient *r, char *out,
				   size_t size)
{
	int l = r->lang;
	if (is_tap(a))
		/* TRANSLATORS: the student's first name, then the reference. */
		snprintf(out, size, _(l, "Teens and Policing: %s's details were corrected \u2013 %s"),
			 str(a, "first_name"), str(a, "ref"));
	else
		snprintf(out, size, _(l, "Your Partners In Policing details were changed \u2013 %s"),
			 str(a, "ref"));
	return out;
}

int notify_received(struct db *db, int64_t id)
{
	struct arena arena;
	arena_init(&arena);
	struct about a;
	int rc = -1; /* a new application always has its details */
	if (load(db, &arena, id, &a) > 0) {
		rc = send_all(db, &a, "mail_received", subject_received, NULL, NULL);
	}
	arena_free(&arena);
	return rc;
}

int notify_status(struct db *db, int64_t id, enum status from, enum status to,
		  bool by_counselor)
{
	struct arena arena;
	arena_init(&arena);
	struct about a;
	int rc = load(db, &arena, id, &a);
	if (rc <= 0) {
		arena_free(&arena);
		return rc; /* erased (0): nobody is left to tell */
	}
	a.status_from = (int)from;
	a.status_to = (int)to;
	json_object_set_new(a.data, status_names[to], json_true());
	json_object_set_new(a.data, "promoted",
			    json_boolean(from == ST_WAITLISTED && to == ST_SUBMITTED));
	json_object_set_new(a.data, "by_counselor", json_boolean(by_counselor));
	/* SPEC.md: the acceptance carries the sessions as a calendar to add them from. */
	const char *calendar = NULL, *file = NULL;
	if (to == ST_ACCEPTED) {
		a.next = true;
		if (a.nsessions > 0) {
			calendar =
			    calendar_write(&arena, &a.cohort, a.sessions, a.nsessions, app_now());
			file = calendar_file_name(&arena, &a.cohort);
			json_object_set_new(a.data, "calendar", json_string(file));
		}
	}
	rc = send_all(db, &a, "mail_status", subject_status, calendar, file);
	arena_free(&arena);
	return rc;
}

int notify_details(struct db *db, int64_t id, const char *fields, const char *old_email,
		   bool by_counselor)
{
	struct arena arena;
	arena_init(&arena);
	struct about a;
	int rc = load(db, &arena, id, &a);
	if (rc <= 0) {
		arena_free(&arena);
		return rc;
	}
	a.fields = fields;
	json_object_set_new(a.data, "by_counselor", json_boolean(by_counselor));
	if (old_email && old_email[0]) {
		/* The address that was on file hears of the change too: if it was not its
		 * owner who made it, they can say so. */
		json_object_set_new(a.data, "old_email", json_string(old_email));
		enum role role = is_tap(&a) ? TO_GUARDIAN : TO_APPLICANT;
		const char *name = a.nto ? a.to[0].name : "";
		char kept[128];
		snprintf(kept, sizeof(kept), "%s", name);
		add_recipient(&a, old_email, kept, role);
	}
	rc = send_all(db, &a, "mail_details", subject_details, NULL, NULL);
	arena_free(&arena);
	return rc;
}

/* The one subject of the references e-mail. */
static const char *subject_references(struct about *a, const struct recipient *r, char *out,
				      size_t size)
{
	(void)a;
	snprintf(out, size, "%s", _(r->lang, "Your references for the Torrance police community programs"));
	return out;
}

int notify_references(struct db *db, const char *email, const struct app_ref *refs, int n)
{
	struct arena arena;
	arena_init(&arena);
	json_t *items = json_array();
	int rc = 0;
	/* The language of the newest application the address has. */
	int lang = n > 0 ? refs[0].lang : LANG_EN;
	for (int i = 0; i < n && rc == 0; i++) {
		struct cohort c;
		if (cohort_get(db, refs[i].cohort_id, &c) != 1) {
			rc = -1;
			break;
		}
		char title[48], start[64];
		cohort_title_in(&c, lang, title, sizeof(title));
		fmt_date_long(i18n_format_lang(lang), c.start, start, sizeof(start));
		bool tap = refs[i].ref[0] == 'T';
		json_t *it = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}", "ref", refs[i].ref, "program",
				       tap ? "Teens and Policing" : "Partners In Policing", "cohort",
				       title, "start", start, "status_label",
				       status_label(lang, (int)refs[i].status), "tap", tap);
		if (it == NULL)
			die_oom();
		if (tap && refs[i].first_name[0])
			json_object_set_new(it, "student", json_string(refs[i].first_name));
		if (refs[i].position > 0)
			json_object_set_new(it, "position", json_integer(refs[i].position));
		json_object_set_new(it, "url", json_sprintf("%s/status?ref=%s", app_config.base_url,
							    refs[i].ref));
		json_array_append_new(items, it);
	}
	struct about a;
	memset(&a, 0, sizeof(a));
	a.lang = lang;
	a.status_from = a.status_to = -1;
	a.data = json_pack("{s:s, s:o, s:s}", "email", email, "items", items, "status_url",
			   arena_printf(&arena, "%s/status", app_config.base_url));
	if (a.data == NULL)
		die_oom();
	add_recipient(&a, email, "", TO_APPLICANT);
	if (rc == 0)
		rc = send_all(db, &a, "mail_references", subject_references, NULL, NULL);
	else
		json_decref(a.data);
	arena_free(&arena);
	return rc;
}
