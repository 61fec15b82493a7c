/* cohort.h: PIP classes and TAP semesters, their sessions and their counts. */
#ifndef PORTAL_COHORT_H
#define PORTAL_COHORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

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
};

struct cohort_session {
	struct date date;
	const char *topic;
};

int cohort_get(struct db *db, int64_t id, struct cohort *out);
/* The cohort of program ("pip" or "tap") taking registrations now. */
int cohort_open_now(struct db *db, const char *program, struct cohort *out);
/* The next cohort of program to start, open or not (for the home page). */
int cohort_next(struct db *db, const char *program, struct cohort *out);

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

/* Applications counted by status: index by enum status of status.h. */
int cohort_counts(struct db *db, int64_t id, int counts[6]);

/*
 * A class or semester as pages show it: id, title, start, url (its staff list),
 * tap, open, capacity, the counts by status, active, free, full, sessions and
 * school_cap.  A new reference.
 */
json_t *cohort_json(struct db *db, const struct cohort *c);

#endif
