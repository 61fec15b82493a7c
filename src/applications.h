/* applications.h: placing applications and nominations on a cohort, and moving their status. */
#ifndef PORTAL_APPLICATIONS_H
#define PORTAL_APPLICATIONS_H

#include <stdint.h>

#include "cohort.h"
#include "db.h"
#include "eligibility.h"
#include "status.h"

/* Results of placing or moving; a handler turns them into an HTTP status. */
enum place_result {
	PLACE_OK,
	PLACE_CLOSED,    /* the cohort does not take registrations (409) */
	PLACE_DUPLICATE, /* already applied or nominated (409) */
	PLACE_ERROR,     /* the database failed (500) */
};

/* Where a new application landed. */
struct placed {
	int64_t id;
	char ref[12];
	enum status status;
	int position; /* waitlist position, 0 when not waitlisted */
};

/*
 * Places a validated PIP application on cohort_id in one BEGIN IMMEDIATE
 * transaction: checks the class is open and the applicant new, decides
 * submitted or waitlisted (and the position) from the counts it reads inside
 * the transaction, inserts the row, its affiliations, the audit row and the
 * acknowledgment e-mail.  Concurrent calls never overfill the class or share a
 * waitlist position.
 */
enum place_result application_place_pip(struct db *db, int64_t cohort_id,
					const struct pip_application *app, struct placed *out);

/* The same for a TAP nomination by a counselor of school (a slug). */
enum place_result application_place_tap(struct db *db, int64_t cohort_id, const char *school,
					int64_t counselor_id, const char *counselor_name,
					const struct tap_nomination *nom, struct placed *out);

/* Who makes a status change, for the audit log. */
struct actor {
	int64_t user_id; /* 0 when not a signed-in user */
	const char *name; /* "applicant", "system" or the user's name */
};

enum move_result {
	MOVE_OK,
	MOVE_NOT_FOUND,
	MOVE_NOT_ALLOWED, /* SPEC.md does not allow it (409) */
	MOVE_NOT_QUALIFIED, /* completed, without the required attendance (409) */
	MOVE_TOO_EARLY,     /* completed before the last session's date (409) */
	MOVE_ERROR,
};

/*
 * Moves application id to status `to` in one write transaction with its audit
 * row and status e-mail; keeps waitlist positions gapless; when an active one
 * becomes declined or withdrawn, promotes the earliest waitlisted one (audited
 * as the system).  *promoted_ref (12 bytes) receives the promoted one's
 * reference, or "" when nobody moved up; it may be NULL.
 */
enum move_result application_move(struct db *db, int64_t id, enum status to,
				  const struct actor *who, const char *note, char *promoted_ref);

/* Same as application_move, inside a write transaction the caller holds. */
enum move_result application_move_locked(struct db *db, int64_t id, enum status to,
					 const struct actor *who, const char *note,
					 char *promoted_ref);

#endif
