/* reminders.c: which session reminders are due, to whom, and queueing each of them once. */
#include "reminders.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "arena.h"
#include "clock.h"
#include "cohort.h"
#include "mail.h"
#include "seal.h"
#include "validate.h"
#include "i18n.h"
#include "view.h"

/* The two reminders of SPEC.md; the names are part of the outbox key. */
enum reminder_kind { REMIND_WEEK, REMIND_DAY, REMIND_KIND_MAX };
static const char *const kind_names[REMIND_KIND_MAX] = {"week", "day"};

/* A reminder due now for one session of a cohort. */
struct due {
	const struct cohort_session *session;
	enum reminder_kind kind;
	char date[64]; /* "Thursday, January 14, 2027" */
	char time[64]; /* "6:00 to 8:00 PM" */
	char iso[16];  /* the session's date in the key */
};

/* An accepted participant, as read from the database (strings owned by the statement). */
struct participant {
	int64_t id;
	const char *ref, *first_name, *last_name, *email, *guardian_name, *guardian_email;
	int lang; /* the application's language (i18n.h) */
};

/* One address a participant's reminder goes to. */
struct recipient {
	const char *role; /* "applicant", "guardian" or "student": the key's last part */
	const char *email;
	const char *name; /* whom to greet; "" for nobody by name */
	bool guardian;	  /* written about the student rather than to them */
};

/*
 * Whether reminder kind of session s is due at now, today being now's local date.
 * The week-before one stops when the day-before one starts, so that nobody gets
 * both on one day; neither goes once the session has begun.
 */
static bool is_due(const struct cohort_session *s, enum reminder_kind kind, struct date today,
		   long long now)
{
	if (now >= clock_utc(s->date, s->start_time))
		return false;
	struct date day_before = date_add_days(s->date, -1);
	if (kind == REMIND_DAY)
		return date_cmp(today, day_before) >= 0;
	return s->number == 1 && date_cmp(today, date_add_days(s->date, -7)) >= 0 &&
	       date_cmp(today, day_before) < 0;
}

/*
 * The reminders of the n sessions s that are due, into out (room for 2 * n), with
 * their dates and times in American English: how many, or -1 when ICU could not
 * write a date (a reminder without its date is worse than none).
 */
static int find_due(const struct cohort_session *s, int n, struct date today, long long now,
		    struct due *out)
{
	int k = 0;
	for (int i = 0; i < n; i++) {
		for (int kind = 0; kind < REMIND_KIND_MAX; kind++) {
			if (!is_due(&s[i], (enum reminder_kind)kind, today, now))
				continue;
			struct due *d = &out[k++];
			d->session = &s[i];
			d->kind = (enum reminder_kind)kind;
			fmt_date_long(LANG_EN, s[i].date, d->date, sizeof(d->date));
			fmt_time_range(LANG_EN, s[i].start_time, s[i].end_time, d->time,
				       sizeof(d->time));
			date_format_iso(s[i].date, d->iso, sizeof(d->iso));
			if (d->date[0] == '\0' || d->time[0] == '\0')
				return -1;
		}
	}
	return k;
}

/*
 * Who gets a participant's reminders, into to (room for 2): the PIP applicant; for
 * TAP the guardian and the student, each when an address is given, once when both
 * give the same one.  How many.
 */
static int recipients(bool tap, const struct participant *p, struct recipient *to)
{
	int n = 0;
	if (!tap) {
		if (p->email[0])
			to[n++] = (struct recipient){"applicant", p->email, p->first_name, false};
		return n;
	}
	if (p->guardian_email[0])
		to[n++] = (struct recipient){"guardian", p->guardian_email, p->guardian_name, true};
	if (p->email[0] && (n == 0 || strcasecmp(p->email, p->guardian_email) != 0))
		to[n++] = (struct recipient){"student", p->email, p->first_name, false};
	return n;
}

/* 1 when a message with this key is in the outbox, 0 when not, -1 on failure. */
static int key_seen(struct db *db, const char *key)
{
	/* dedup_key = ? lets SQLite use the partial unique index on the key. */
	sqlite3_stmt *st = db_stmt(db, "SELECT count(*) FROM outbox WHERE dedup_key = ?");
	db_bind_text(st, 1, key);
	int64_t n = db_int(db, st, -1);
	return n < 0 ? -1 : n > 0;
}

/* The template data of one reminder.  A new reference. */
static json_t *message_data(const struct cohort *c, const struct participant *p,
			    const struct due *d, const struct recipient *to)
{
	bool tap = strcmp(c->program, "tap") == 0;
	char title[48], date[64], time[64];
	cohort_title_in(c, p->lang, title, sizeof(title));
	enum lang l = i18n_format_lang(p->lang);
	fmt_date_long(l, d->session->date, date, sizeof(date));
	fmt_time_range(l, d->session->start_time, d->session->end_time, time, sizeof(time));
	json_t *data =
	    json_pack("{s:s, s:b, s:b, s:s, s:s, s:s, s:b, s:b, s:i, s:i, s:s, s:s, s:s, s:s, s:s}",
		      "name", to->name, "guardian", to->guardian, "tap", tap, "program",
		      tap ? "Teens and Policing" : "Partners In Policing", "cohort", title, "ref",
		      p->ref, "week", d->kind == REMIND_WEEK, "day", d->kind == REMIND_DAY,
		      "number", d->session->number, "sessions", c->nsessions, "date", date,
		      "time", time, "location", d->session->location, "topic", d->session->topic,
		      "contact", view_contact_text(p->lang));
	json_t *student = json_sprintf("%s %s", p->first_name, p->last_name);
	json_t *status_url = json_sprintf("%s/status?ref=%s", app_config.base_url, p->ref);
	if (data == NULL || student == NULL || status_url == NULL ||
	    json_object_set_new(data, "student", student) < 0 ||
	    json_object_set_new(data, "status_url", status_url) < 0)
		die_oom();
	return data;
}

/* "Reminder: Partners In Policing Class 45, session 3 on Thursday, January 14, 2027". */
static void message_subject(const struct cohort *c, int lang, const struct due *d, char *buf,
			    size_t size)
{
	char title[48], date[64];
	cohort_title_in(c, lang, title, sizeof(title));
	fmt_date_long(i18n_format_lang(lang), d->session->date, date, sizeof(date));
	const char *program =
	    strcmp(c->program, "tap") == 0 ? "Teens and Policing" : "Partners In Policing";
	if (d->kind == REMIND_WEEK)
		/* TRANSLATORS: the program's name (kept in English), the class or
		 * semester ("Class 45"), the date of the first session. */
		snprintf(buf, size, _(lang, "Reminder: %s %s begins on %s"), program, title, date);
	else
		/* TRANSLATORS: the program's name (kept in English), the class or semester
		 * ("Class 45"), the session's number and date. */
		snprintf(buf, size, _(lang, "Reminder: %s %s, session %d on %s"), program, title,
			 d->session->number, date);
}

/* Queues one reminder unless its key was queued before: 1 queued, 0 not needed, -1 failure. */
static int remind_one(struct db *db, const struct cohort *c, const struct participant *p,
		      const struct due *d, const struct recipient *to)
{
	char key[128];
	snprintf(key, sizeof(key), "reminder:%lld:%s:%d:%s:%s", (long long)p->id,
		 kind_names[d->kind], d->session->number, d->iso, to->role);
	int seen = key_seen(db, key);
	if (seen != 0)
		return seen < 0 ? -1 : 0;
	json_t *data = message_data(c, p, d, to);
	char *body = view_render_string("mail_reminder", p->lang, data);
	json_decref(data);
	if (body == NULL)
		return -1;
	char subject[300];
	message_subject(c, p->lang, d, subject, sizeof(subject));
	struct mail m = {.to = to->email, .subject = subject, .body = body, .key = key,
			 .application_id = p->id};
	int rc = mail_queue_mail(db, &m);
	free(body);
	return rc;
}

/*
 * Queues the due reminders d (nd of them) to every accepted participant of c whose
 * details are not erased, inside the caller's write transaction: how many, or -1.
 */
static int remind_participants(struct db *db, struct arena *a, const struct cohort *c,
			       const struct due *d, int nd)
{
	sqlite3_stmt *st =
	    db_stmt(db, "SELECT id, ref, COALESCE(first_name, ''), COALESCE(last_name, ''),"
			" COALESCE(email, ''), COALESCE(guardian_name, ''),"
			" COALESCE(guardian_email, ''), language FROM applications"
			" WHERE cohort_id = ? AND status = 'accepted' AND erased_at IS NULL"
			" ORDER BY id");
	db_bind_int(st, 1, c->id);
	bool tap = strcmp(c->program, "tap") == 0;
	int queued = 0, rc;
	while ((rc = db_step(st)) == SQLITE_ROW) {
		/* A TAP student's address and the guardian's details are sealed (seal.c). */
		bool bad = false;
		struct participant p = {.id = sqlite3_column_int64(st, 0),
					.ref = db_col_text(st, 1),
					.first_name = db_col_text(st, 2),
					.last_name = db_col_text(st, 3),
					.email = seal_open_or_fail(a, db_col_text(st, 4), &bad),
					.guardian_name = seal_open_or_fail(a, db_col_text(st, 5), &bad),
					.guardian_email = seal_open_or_fail(a, db_col_text(st, 6), &bad)};
		p.lang = lang_parse(db_col_text(st, 7));
		if (p.lang < 0)
			p.lang = LANG_EN;
		if (bad) {
			fprintf(stderr, "portal: a sealed address of application %s does not open\n",
				p.ref);
			sqlite3_reset(st);
			return -1;
		}
		struct recipient to[2];
		int nto = recipients(tap, &p, to);
		for (int i = 0; i < nd; i++) {
			for (int j = 0; j < nto; j++) {
				int one = remind_one(db, c, &p, &d[i], &to[j]);
				if (one < 0) {
					sqlite3_reset(st);
					return -1;
				}
				queued += one;
			}
		}
	}
	if (rc != SQLITE_DONE)
		db_log_error(db, "reading participants to remind");
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? queued : -1;
}

/*
 * The reminders of cohort id due at now, in one write transaction: the cohort and
 * its sessions are read inside it, so that what is queued matches what was
 * committed (reminders just turned off, a session just moved).  How many, or -1.
 */
static int remind_cohort(struct db *db, int64_t id, struct date today, long long now)
{
	struct arena a;
	arena_init(&a);
	int queued = -1;
	if (db_begin_write(db) < 0)
		goto out;
	struct cohort c;
	struct cohort_session *s = NULL;
	int found = cohort_get(db, id, &c);
	int n = found == 1 ? cohort_sessions(db, &a, &c, &s) : found;
	if (n > 0 && c.reminders) {
		struct due *due = arena_alloc(&a, sizeof(*due) * 2 * (size_t)n);
		int nd = find_due(s, n, today, now, due);
		queued = nd > 0 ? remind_participants(db, &a, &c, due, nd) : nd;
	} else {
		queued = n < 0 ? -1 : 0; /* gone, no sessions or reminders off: nothing to do */
	}
	if (queued < 0) {
		db_rollback(db);
		fprintf(stderr, "portal: reminders: cohort %lld failed\n", (long long)id);
	} else if (db_commit(db) < 0) {
		queued = -1;
	}
out:
	arena_free(&a);
	return queued;
}

/*
 * The first cohort after id `after` with reminders on, someone accepted and a
 * session dated from `from` to `to` (ISO dates): 1 with *id, 0 when none, -1.
 */
static int next_cohort(struct db *db, int64_t after, const char *from, const char *to, int64_t *id)
{
	sqlite3_stmt *st =
	    db_stmt(db, "SELECT c.id FROM cohorts c WHERE c.id > ?1 AND c.reminders = 1"
			" AND EXISTS (SELECT 1 FROM cohort_sessions s WHERE s.cohort_id = c.id"
			" AND s.date BETWEEN ?2 AND ?3)"
			" AND EXISTS (SELECT 1 FROM applications a WHERE a.cohort_id = c.id"
			" AND a.status = 'accepted') ORDER BY c.id LIMIT 1");
	db_bind_int(st, 1, after);
	db_bind_text(st, 2, from);
	db_bind_text(st, 3, to);
	int rc = db_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		db_log_error(db, "finding classes and semesters to remind");
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int reminders_run(struct db *db, long long now)
{
	struct date today = clock_date(now);
	char from[16], to[16];
	date_format_iso(today, from, sizeof(from));
	date_format_iso(date_add_days(today, REMINDERS_HORIZON_DAYS), to, sizeof(to));
	int total = 0, rc;
	bool failed = false;
	int64_t id = 0;
	/* One cohort at a time, each in its own transaction: one that fails
	 * (rolled back, tried again next run) does not hold back the others. */
	while ((rc = next_cohort(db, id, from, to, &id)) == 1) {
		int n = remind_cohort(db, id, today, now);
		if (n < 0)
			failed = true;
		else
			total += n;
	}
	if (total > 0)
		fprintf(stderr, "portal: reminders: %d queued\n", total);
	return rc < 0 || failed ? -1 : total;
}
