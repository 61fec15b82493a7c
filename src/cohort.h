/* cohort.h: PIP classes and TAP semesters, their sessions and their counts. */
#ifndef PORTAL_COHORT_H
#define PORTAL_COHORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "clock.h"
#include "db.h"
#include "validate.h"

/* Convention: lookups return 1 found, 0 not found, -1 failure. */
struct cohort {
	int64_t id;
	char program[4]; /* "pip" or "tap" */
	int number;      /* PIP */
	char term[8];    /* TAP: "fall" or "spring" */
	int year;        /* TAP */
	struct date start;
	int capacity;
	int school_cap; /* TAP; 0 = none */
	int required_sessions; /* 0 = all but two */
	int nsessions;
	bool open;
	bool closed;         /* staff closed registration (and it is not open again) */
	int start_time;      /* the usual evening, in minutes of the day (18:00 = 1080) */
	int end_time;
	char location[800];  /* the usual place; "" = the default_location setting */
	bool reminders;      /* e-mail reminders to accepted participants */
	struct date last;    /* the last session's date (the start when it has none) */
	bool require_clearance; /* PIP: accepting needs a cleared background check */
};

/* One session.  A time of -1 or a NULL location (as the create form gives them)
 * means the cohort's; sessions read back with cohort_sessions are resolved. */
struct cohort_session {
	struct date date;
	const char *topic;
	int start_time, end_time;
	const char *location;
	int number;   /* from 1 */
	int sequence; /* the calendar's SEQUENCE: changes so far */
};

/* Where registration stands, as the public is told. */
enum cohort_state { REG_NOT_OPEN, REG_OPEN, REG_CLOSED };
enum cohort_state cohort_state(const struct cohort *c);
/* The cohort's usual place: its own, or the default_location setting. */
const char *cohort_location(const struct cohort *c);
/*
 * The sessions of c in order, times and places resolved, in *out (an array in
 * the arena, NULL when there are none): how many, or -1 on a database failure.
 */
int cohort_sessions(struct db *db, struct arena *a, const struct cohort *c,
		    struct cohort_session **out);
/*
 * The schedule as pages and e-mails show it, in language l: an array of
 * {number, date, time, location, topic, past}, with same_place set on the array's
 * owner by the caller's choice.  A new reference.
 */
json_t *cohort_schedule_json(enum lang l, const struct cohort_session *s, int n);

int cohort_get(struct db *db, int64_t id, struct cohort *out);
/* The cohort of program ("pip" or "tap") taking registrations now. */
int cohort_open_now(struct db *db, const char *program, struct cohort *out);
/* The next cohort of program to start, open or not (for the home page). */
int cohort_next(struct db *db, const char *program, struct cohort *out);
/* The first cohort of program starting after c (the one to point to once c is closed). */
int cohort_after(struct db *db, const struct cohort *c, struct cohort *out);

/*
 * Inserts a cohort with its sessions (inside the caller's write transaction);
 * c->id is set.  Given no sessions, a semester gets 12 weekly ones from its
 * start date and a class 10.  0 or -1.
 */
int cohort_insert(struct db *db, struct cohort *c, const struct cohort_session *sessions,
		  int nsessions);
/* Sessions that complete the cohort: the required number, or all but two. */
int cohort_required(const struct cohort *c);
/* "Class 45" or "Spring 2027" into buf. */
void cohort_title(const struct cohort *c, char *buf, size_t size);
/* The same in language lang (i18n.h): "Clase 45". */
void cohort_title_in(const struct cohort *c, int lang, char *buf, size_t size);

/* Applications counted by status: index by enum status of status.h. */
int cohort_counts(struct db *db, int64_t id, int counts[6]);

/*
 * A class or semester as pages show it: id, title, start, url (its staff list),
 * tap, open, capacity, the counts by status, active, free, full, sessions,
 * school_cap; the registration state (state_open, state_closed, state_not_open),
 * the places left in words' pieces (free_one, waiting, waiting_one), the usual
 * time and place, and ics (its calendar's address).  A new reference.
 */
json_t *cohort_json(struct db *db, const struct cohort *c);

/*
 * cohort_json with what the public pages show of it, in language l: the
 * schedule (cohort_schedule_json, each session with own_time and own_place when
 * it differs from the usual), same_time, same_place, first (the first
 * session's date, time and place), upcoming (the first session not yet past,
 * with is_first) and reminders.  Allocations for the sessions
 * come from a; NULL when the database failed.  A new reference.
 */
json_t *cohort_view_json(struct db *db, struct arena *a, const struct cohort *c, int lang);
/*
 * cohort_view_json as this thread last built it for the same database version
 * and day, or built anew: shared, so the caller must not change it (add to a
 * json_copy instead).  A new reference; NULL when the database failed.
 */
json_t *cohort_view(struct db *db, struct arena *a, const struct cohort *c, int lang);
/* Frees this thread's kept views (threads that end do it themselves). */
void cohort_views_release(void);

#endif
