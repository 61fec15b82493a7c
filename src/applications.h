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
 * Places a validated PIP application on cohort_id in its own savepoint of
 * a group commit (group.h), returning once it is on disk: checks the class is open and the applicant new, decides
 * submitted or waitlisted (and the position) from the counts it reads inside
 * the transaction, inserts the row, its affiliations, the audit row and the
 * acknowledgment e-mail.  Concurrent calls never overfill the class or share a
 * waitlist position: a group's work runs one placement after another.
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
	bool counselor;   /* the school's counselor: the family's e-mail says so */
};

enum move_result {
	MOVE_OK,
	MOVE_NOT_FOUND,
	MOVE_NOT_ALLOWED, /* SPEC.md does not allow it (409) */
	MOVE_NOT_QUALIFIED, /* completed, without the required attendance (409) */
	MOVE_TOO_EARLY,     /* completed before the last session's date (409) */
	MOVE_NOT_CLEARED,   /* accepted into a require_clearance class, check not cleared (409) */
	MOVE_ERROR,
};

/*
 * Moves application id to status `to` in one write transaction (a member of a
 * group commit, group.h) with its audit
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

/* One application of a bulk decision and what became of it. */
struct bulk_outcome {
	int64_t id;
	const char *name;        /* "First Last", in the arena; "" when not found */
	enum move_result result; /* MOVE_NOT_FOUND also when it is of another cohort */
};

/*
 * Moves each of ids[0..n) (distinct, of cohort_id) to `to` in ONE member of a
 * group commit (group.h), each through application_move_locked (audited and e-mailed as if
 * moved one by one, promotions included).  All or nothing: when any is refused,
 * everything is rolled back.  out[0..n) receives each one's outcome.  Returns
 * MOVE_OK when all moved and the transaction committed, else the first refusal
 * (or MOVE_ERROR).
 */
enum move_result application_move_many(struct db *db, struct arena *arena, int64_t cohort_id,
				       const int64_t *ids, int n, enum status to,
				       const struct actor *who, const char *note,
				       struct bulk_outcome *out);

/* A PIP applicant's background check. */
enum background { BG_NOT_STARTED, BG_IN_PROGRESS, BG_CLEARED, BG_NOT_CLEARED, BG_MAX };
extern const char *const background_names[BG_MAX];  /* as stored and in forms */
extern const char *const background_labels[BG_MAX]; /* as pages show them */
/* The state named s, or -1. */
int background_parse(const char *s);
/*
 * Sets application id's background check to state, with the time and who->name,
 * and an audit row, in one write transaction: 1, 0 when there is no such PIP
 * application, -1 on failure.
 */
int application_set_background(struct db *db, int64_t id, enum background state,
			       const struct actor *who);

/* ---- the personal details: the one reader and the one writer ---- */

/*
 * The personal details of an application or nomination, as stored (phones as
 * 10 digits or "", dob as YYYY-MM-DD).  For a change, a NULL string (or a
 * negative number) means "keep what is stored"; set_affiliations says whether
 * affiliations and detail[] are to replace the stored ones.
 */
struct app_details {
	const char *first_name, *last_name, *dob, *email, *phone;
	const char *street, *city, *zip; /* PIP */
	int verify_residence;            /* PIP: -1 keep */
	const char *emergency_name, *emergency_phone, *accommodations, *referral;
	bool set_affiliations;
	unsigned affiliations; /* bit (1u << enum affiliation) per kind */
	const char *detail[AFF_MAX];
	const char *student_id; /* TAP, like the members below */
	int grade;              /* -1 keep */
	const char *guardian_name, *guardian_phone, *guardian_email;
	int guardian_consent; /* -1 keep */
	const char *counselor_note;
};

/*
 * The personal details of a validated PIP form, as a correction's wish (strings
 * are app's, the ISO date of birth is in a).  Affiliations are carried but only
 * count once the caller sets set_affiliations; a caller that does not change a
 * field sets it back to NULL.
 */
void app_details_from_pip(struct arena *a, const struct pip_application *app,
			  struct app_details *out);

/*
 * The student's and guardian's details of a validated nomination form, as a
 * correction's wish (strings are nom's or in a; the PIP members NULL: kept).
 */
void app_details_from_tap(struct arena *a, const struct tap_nomination *nom,
			  struct app_details *out);

/* An application with what identifies it, read by application_read. */
struct app_record {
	int64_t id, cohort_id, counselor_id;
	char ref[12];
	enum status status;
	int position;
	bool tap, erased;
	const char *school; /* "" for PIP */
	struct app_details d; /* every member set ("" when empty) */
};

/* Reads application id with its details into *r (strings in arena): 1, 0 not found, -1. */
int application_read(struct db *db, struct arena *arena, int64_t id, struct app_record *r);

/*
 * Who a status or withdrawal form's (reference, e-mail) pair proves to be:
 * the applicant (PIP), the student or the guardian (TAP), or a counselor of
 * the nomination's school.  ref is already normalised.  Returns the
 * application's id (> 0) with *who set, 0 when the pair matches nothing
 * (whichever half was wrong), -1 on failure.
 */
enum proof { PROOF_APPLICANT, PROOF_STUDENT, PROOF_GUARDIAN, PROOF_COUNSELOR };
int64_t application_find_pair(struct db *db, const char *ref, const char *email,
			      enum proof *who);

/* One line of the references e-mail. */
struct app_ref {
	char ref[12];
	int64_t cohort_id;
	enum status status;
	int position;
	const char *first_name; /* the student's, for a nomination; in the arena */
	int lang; /* its language (a counselor reading the school's: English) */
};
/*
 * The applications and nominations that e-mail address can look up at
 * /status (its own, a guardian's, a counselor's school's), newest first, at
 * most max; *out in arena.  Returns how many, or -1.
 */
int application_list_for_email(struct db *db, struct arena *arena, const char *email,
			       struct app_ref **out, int max);

enum update_result {
	UPDATE_OK,
	UPDATE_UNCHANGED,   /* the details were already those: nothing written */
	UPDATE_NOT_FOUND,
	UPDATE_NOT_ALLOWED, /* its status no longer allows a correction (409) */
	UPDATE_DUPLICATE,   /* the new e-mail or student ID is already in the cohort (409) */
	UPDATE_ERROR,
};

/* Statuses a correction may be made in, as bits (1u << enum status). */
#define UPDATE_PUBLIC ((1u << ST_SUBMITTED) | (1u << ST_WAITLISTED) | (1u << ST_ACCEPTED))
#define UPDATE_COUNSELOR ((1u << ST_SUBMITTED) | (1u << ST_WAITLISTED))

/*
 * Corrects the personal details of application id to `want` (NULL members
 * kept) in one BEGIN IMMEDIATE transaction: checks there that its status is
 * one of `statuses` (so that a decision or a withdrawal committed first wins
 * and this gets UPDATE_NOT_ALLOWED), that a new e-mail (PIP) or student ID
 * (TAP) is not already in the cohort, writes the changed columns, an audit
 * row naming the fields changed (never their values), and the notices: to
 * the applicant or the family, and to the old address as well when the
 * e-mail changed.  *changed (may be NULL) receives the fields' names, comma
 * separated, in arena.
 */
enum update_result application_update_details(struct db *db, struct arena *arena, int64_t id,
					      const struct app_details *want, unsigned statuses,
					      const struct actor *who, const char **changed);

/*
 * What withdrawing application id would do, without doing it: the move is
 * made and rolled back.  *promoted (12 bytes) receives the reference of who
 * would move up from the waiting list ("" when nobody).  MOVE_OK or why not.
 */
enum move_result application_withdraw_preview(struct db *db, int64_t id, char *promoted);

#endif
