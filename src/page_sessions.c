/* page_sessions.c: staff change one session of a class or semester, and may tell its participants. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "calendar.h"
#include "cohort.h"
#include "mail.h"
#include "pages.h"
#include "seal.h"
#include "i18n.h"
#include "view.h"

static const char *const session_fields[] = {"date", "start_time", "end_time", "location",
					     "topic", NULL};

/* What staff may change of a session, checked. */
struct session_change {
	struct date date;
	int start_time, end_time;
	const char *location; /* "" = the class's usual place */
	const char *topic;
	bool notify;
};

/* The staff address of a class or semester. */
static const char *cohort_base(struct arena *a, const struct cohort *c)
{
	return arena_printf(a, "%s/%lld",
			    strcmp(c->program, "tap") == 0 ? "/admin/tap/semesters"
							   : "/admin/pip/classes",
			    (long long)c->id);
}

/*
 * Loads the cohort and the session the URL names (/admin/.../ID/sessions/N)
 * with all its sessions; false after a 404.
 */
static bool load_session(struct request *req, struct response *res, struct cohort *c,
			 struct cohort_session **all, int *n, int *index)
{
	long number;
	if (!admin_load_cohort(req, res, c))
		return false;
	*n = cohort_sessions(req->db, req->arena, c, all);
	if (*n < 0) {
		view_error(req, res, 500, "Sorry, there is a problem", "Try again in a minute.");
		return false;
	}
	if (req->nparams < 2 || parse_int(req->params[1], 1, *n, &number) < 0) {
		view_error(req, res, 404, "Page not found", "There is no such session.");
		return false;
	}
	*index = (int)number - 1;
	return true;
}

/* Whether attendance was recorded for a session: then its date may not move past today. */
static int has_attendance(struct db *db, const struct cohort *c, int number)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT count(*) FROM attendance t JOIN applications a"
				       " ON a.id = t.application_id WHERE a.cohort_id = ?"
				       " AND t.session_number = ?");
	db_bind_int(st, 1, c->id);
	db_bind_int(st, 2, number);
	return db_int(db, st, -1);
}

/* The form's values of session s, as stored (for an empty form). */
static void session_values(struct arena *a, const struct cohort *c,
			   const struct cohort_session *s, struct kvmap *out)
{
	char iso[16], from[8], to[8];
	date_format_iso(s->date, iso, sizeof(iso));
	time_format_hhmm(s->start_time, from, sizeof(from));
	time_format_hhmm(s->end_time, to, sizeof(to));
	memset(out, 0, sizeof(*out));
	kv_add(out, a, "date", arena_strdup(a, iso));
	kv_add(out, a, "start_time", arena_strdup(a, from));
	kv_add(out, a, "end_time", arena_strdup(a, to));
	kv_add(out, a, "location", strcmp(s->location, cohort_location(c)) ? s->location : "");
	kv_add(out, a, "topic", s->topic);
}

/* The change form, empty (200) or as typed with its errors (422). */
static void show_form(struct request *req, struct response *res, const struct cohort *c,
		      const struct cohort_session *all, int i, const struct kvmap *form,
		      const struct form_errors *errs)
{
	struct kvmap stored;
	if (form == NULL) {
		session_values(req->arena, c, &all[i], &stored);
		form = &stored;
	}
	char title[32];
	cohort_title(c, title, sizeof(title));
	json_t *data = json_pack("{s:s, s:s, s:b, s:i, s:s, s:b}", "title", title, "url",
				 cohort_base(req->arena, c), "tap", strcmp(c->program, "tap") == 0,
				 "number", all[i].number, "usual_location", cohort_location(c),
				 "notify", errs == NULL || kv_has(form, "notify", "yes"));
	if (data == NULL)
		die_oom();
	json_t *schedule = cohort_schedule_json(LANG_EN, &all[i], 1);
	json_object_set(data, "session", json_array_get(schedule, 0));
	json_decref(schedule);
	view_form(data, form, session_fields, errs);
	res->no_store = true;
	if (errs && errs->n)
		res->status = 422;
	view_render(req, res, "admin_session", data);
}

void admin_session_form(struct request *req, struct response *res)
{
	struct cohort c;
	struct cohort_session *all;
	int n, i;
	if (load_session(req, res, &c, &all, &n, &i))
		show_form(req, res, &c, all, i, NULL, NULL);
}

/*
 * Checks the change form against the session's neighbours (sessions keep
 * their order, so numbers and attendance stay meaningful) and its attendance;
 * returns the number of errors.
 */
static int check_change(struct request *req, const struct cohort *c,
			const struct cohort_session *all, int n, int i, struct session_change *out,
			struct form_errors *errs)
{
	const struct kvmap *f = &req->form;
	struct arena *a = req->arena;
	errs->n = 0;
	if (date_parse_input(kv_str(f, "date"), &out->date) < 0) {
		form_error(errs, "date", "Enter the session's date, like 1/14/2027");
	} else if ((i > 0 && date_cmp(out->date, all[i - 1].date) <= 0) ||
		   (i + 1 < n && date_cmp(out->date, all[i + 1].date) >= 0)) {
		char before[64] = "", after[64] = "";
		if (i > 0)
			date_format_long(all[i - 1].date, before, sizeof(before));
		if (i + 1 < n)
			date_format_long(all[i + 1].date, after, sizeof(after));
		form_error(errs, "date",
			   i == 0 ? arena_printf(a, "Choose a date before session 2, %s", after)
			   : i + 1 == n
			       ? arena_printf(a, "Choose a date after session %d, %s", i, before)
			       : arena_printf(a, "Choose a date after session %d, %s, and before "
						 "session %d, %s",
					      i, before, i + 2, after));
	} else if (date_cmp(out->date, date_today()) > 0 &&
		   date_cmp(all[i].date, out->date) != 0 && has_attendance(req->db, c, i + 1) != 0) {
		form_error(errs, "date", "Attendance is recorded for this session, so it cannot "
					 "move to a day that has not come yet");
	}
	if (time_parse(kv_str(f, "start_time"), &out->start_time) < 0)
		form_error(errs, "start_time", "Enter the start time, like 18:00 or 6:00 PM");
	if (time_parse(kv_str(f, "end_time"), &out->end_time) < 0)
		form_error(errs, "end_time", "Enter the end time, like 20:00 or 8:00 PM");
	else if (!form_error_for(errs, "start_time") && out->end_time <= out->start_time)
		form_error(errs, "end_time", "Enter an end time after the start time");
	int rc = text_clean(a, kv_str(f, "location"), LEN_OTHER, &out->location);
	if (rc < 0)
		form_error(errs, "location",
			   rc == -2 ? "The place must be 200 characters or fewer"
				    : "Remove the special characters from the place");
	rc = text_clean(a, kv_str(f, "topic"), LEN_OTHER, &out->topic);
	if (rc < 0)
		form_error(errs, "topic",
			   rc == -2 ? "The topic must be 200 characters or fewer"
				    : "Remove the special characters from the topic");
	out->notify = kv_has(f, "notify", "yes");
	return (int)errs->n;
}

/* Whether a change moves the session in time or space (what participants must hear of). */
static bool moved(const struct cohort *c, const struct cohort_session *s,
		  const struct session_change *ch)
{
	const char *place = ch->location[0] ? ch->location : cohort_location(c);
	return date_cmp(s->date, ch->date) != 0 || s->start_time != ch->start_time ||
	       s->end_time != ch->end_time || strcmp(s->location, place) != 0;
}

/* Stores the change, growing the calendar's SEQUENCE; the first session also moves the start. */
static int store_change(struct db *db, const struct cohort *c, int number,
			const struct session_change *ch)
{
	char iso[16], from[8], to[8];
	date_format_iso(ch->date, iso, sizeof(iso));
	time_format_hhmm(ch->start_time, from, sizeof(from));
	time_format_hhmm(ch->end_time, to, sizeof(to));
	sqlite3_stmt *st = db_stmt(db, "UPDATE cohort_sessions SET date = ?, start_time = ?,"
				       " end_time = ?, location = ?, topic = ?,"
				       " sequence = sequence + 1 WHERE cohort_id = ? AND number = ?");
	db_bind_text(st, 1, iso);
	db_bind_text(st, 2, from);
	db_bind_text(st, 3, to);
	if (ch->location[0])
		db_bind_text(st, 4, ch->location);
	db_bind_text(st, 5, ch->topic);
	db_bind_int(st, 6, c->id);
	db_bind_int(st, 7, number);
	if (db_exec_stmt(db, st) < 0)
		return -1;
	if (number != 1)
		return 0;
	st = db_stmt(db, "UPDATE cohorts SET start_date = ? WHERE id = ?");
	db_bind_text(st, 1, iso);
	db_bind_int(st, 2, c->id);
	return db_exec_stmt(db, st);
}

/* Sets the words and dates of a session-change message in language lang; its subject
 * into subject. */
static void change_in(json_t *data, int lang, const struct cohort *c,
		      const struct cohort_session *before, const struct cohort_session *after,
		      int number, char *subject, size_t size)
{
	char title[48];
	cohort_title_in(c, lang, title, sizeof(title));
	enum lang l = i18n_format_lang(lang);
	json_t *was = cohort_schedule_json(l, before, 1);
	json_t *is = cohort_schedule_json(l, after, 1);
	json_object_set(data, "was", json_array_get(was, 0));
	json_object_set(data, "is", json_array_get(is, 0));
	json_decref(was);
	json_decref(is);
	json_object_set_new(data, "cohort", json_string(title));
	json_object_set_new(data, "contact", json_string(view_contact_text(lang)));
	/* TRANSLATORS: the program's name (kept in English), the class or semester
	 * ("Class 45"), the session's number. */
	snprintf(subject, size, _(lang, "Changed: %s %s, session %d"),
		 json_string_value(json_object_get(data, "program")), title, number);
}

/*
 * Tells every accepted participant of c (PIP: the applicant; TAP: the guardian
 * and the student's own address) what changed, inside the caller's write
 * transaction.  Returns how many messages were queued, or -1.
 */
static int tell_participants(struct request *req, const struct cohort *c,
			     const struct cohort_session *before, int number)
{
	struct db *db = req->db;
	struct cohort now;
	struct cohort_session *all;
	if (cohort_get(db, c->id, &now) != 1)
		return -1;
	int n = cohort_sessions(db, req->arena, &now, &all);
	if (n < number)
		return -1;
	char subject[300];
	bool tap = strcmp(c->program, "tap") == 0;
	const char *program = tap ? "Teens and Policing" : "Partners In Policing";
	json_t *data = json_pack("{s:s, s:b, s:i, s:s}", "program", program, "tap", tap, "number",
				 number, "status_url",
				 arena_printf(req->arena, "%s/status", app_config.base_url));
	if (data == NULL)
		die_oom();
	struct mail m = {.subject = subject};
	m.calendar = calendar_for_cohort(db, req->arena, &now);
	m.calendar_name = calendar_file_name(req->arena, &now);
	sqlite3_stmt *st = db_stmt(db, "SELECT first_name, COALESCE(email, ''),"
				       " COALESCE(guardian_email, ''), COALESCE(guardian_name, ''), id,"
				       " language FROM applications"
				       " WHERE cohort_id = ? AND status = 'accepted'"
				       " AND erased_at IS NULL ORDER BY id");
	db_bind_int(st, 1, c->id);
	int queued = 0, rc;
	while ((rc = db_step(st)) == SQLITE_ROW && queued >= 0) {
		/* A TAP student's address and the guardian's are sealed (seal.c). */
		bool bad = false;
		const char *to[2] = {seal_open_or_fail(req->arena, db_col_text(st, 1), &bad),
				     tap ? seal_open_or_fail(req->arena, db_col_text(st, 2), &bad)
					 : ""};
		const char *guardian_name = seal_open_or_fail(req->arena, db_col_text(st, 3), &bad);
		if (bad) {
			fputs("portal: a sealed address of a participant does not open\n", stderr);
			queued = -1;
			break;
		}
		json_object_set_new(data, "first_name", json_string(db_col_text(st, 0)));
		int lang = lang_parse(db_col_text(st, 5));
		change_in(data, lang < 0 ? LANG_EN : lang, &now, before, &all[number - 1], number,
			  subject, sizeof(subject));
		/* Each reads it as who they are: the participant, or the student's guardian
		 * greeted by name. */
		for (int k = 0; k < 2 && queued >= 0; k++) {
			if (to[k][0] == '\0' || (k == 1 && strcasecmp(to[0], to[1]) == 0))
				continue;
			bool guardian = k == 1;
			json_object_set_new(data, "greet",
					    json_string(guardian && guardian_name[0]
							    ? guardian_name
							    : db_col_text(st, 0)));
			json_object_set_new(data, "to_guardian", json_boolean(guardian));
			char *body = view_render_string("mail_session_changed", lang < 0 ? LANG_EN : lang,
							data);
			if (body == NULL) {
				queued = -1;
				break;
			}
			m.to = to[k];
			m.body = body;
			m.application_id = sqlite3_column_int64(st, 4);
			queued = mail_queue_mail(db, &m) < 0 ? -1 : queued + 1;
			free(body);
		}
	}
	sqlite3_reset(st);
	json_decref(data);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? queued : -1;
}

void admin_session_save(struct request *req, struct response *res)
{
	struct cohort c;
	struct cohort_session *all;
	int n, i;
	if (!load_session(req, res, &c, &all, &n, &i))
		return;
	struct session_change ch;
	struct form_errors errs;
	if (check_change(req, &c, all, n, i, &ch, &errs) > 0) {
		show_form(req, res, &c, all, i, &req->form, &errs);
		return;
	}
	struct db *db = req->db;
	bool tell = ch.notify && moved(&c, &all[i], &ch);
	int told = 0;
	if (db_begin_write(db) < 0)
		goto fail;
	if (store_change(db, &c, i + 1, &ch) < 0 ||
	    (tell && (told = tell_participants(req, &c, &all[i], i + 1)) < 0) ||
	    db_commit(db) < 0) {
		db_rollback(db);
		goto fail;
	}
	response_redirect(res, arena_printf(req->arena, "%s?session=%d&told=%d#schedule",
					    cohort_base(req->arena, &c), i + 1, told));
	return;
fail:
	view_error(req, res, 500, "Sorry, there is a problem", "Nothing was changed. Try again.");
}
