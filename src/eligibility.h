/* eligibility.h: the whole-form rules of a PIP application, a TAP nomination and the interest list. */
#ifndef PORTAL_ELIGIBILITY_H
#define PORTAL_ELIGIBILITY_H

#include "kv.h"
#include "validate.h"

enum affiliation { AFF_RESIDENT, AFF_WORK, AFF_SCHOOL, AFF_FAITH, AFF_CIVIC, AFF_OTHER, AFF_MAX };

/* "resident", "work", ... (the form's values); index by enum affiliation. */
extern const char *const affiliation_names[AFF_MAX];
/* "Lives in Torrance", "Works in Torrance", ...: labels for people. */
extern const char *const affiliation_labels[AFF_MAX];

/* A PIP application after validation: every string trimmed and allocated in the arena. */
struct pip_application {
	const char *first_name, *last_name;
	struct date dob;
	const char *email;
	char phone[11]; /* 10 digits */
	const char *street, *city, *zip;
	unsigned affiliations; /* bit (1u << enum affiliation) per box ticked */
	const char *detail[AFF_MAX]; /* "" for resident and for unticked boxes */
	const char *emergency_name;
	char emergency_phone[11];
	const char *accommodations, *referral; /* may be "" */
	bool verify_residence; /* a resident claim with a border ZIP */
	const char *language;  /* the code of the language it was made in ("en" when NULL) */
};

/*
 * Checks every field of the PIP form, with messages in language lang (i18n.h), (field names of SPEC.md) against the
 * field rules and the eligibility rules for a class whose first session is
 * first_session.  Fills out with typed values and errs with one message per
 * field in error (field = the name of the input to link to; for the
 * affiliation group "affiliation", for a detail "work_detail" etc.).
 * Returns the number of errors (0 = eligible).  Does not look at `class` or `csrf`.
 */
int pip_validate(struct arena *a, int lang, const struct kvmap *form, struct date first_session,
		 struct pip_application *out, struct form_errors *errs);

/* A TAP nomination after validation. */
struct tap_nomination {
	const char *student_first_name, *student_last_name, *student_id;
	int grade; /* 11 or 12 */
	struct date dob;
	const char *student_email; /* may be "" */
	char student_phone[11]; /* "" when not given */
	const char *guardian_name, *guardian_email; /* "" when not given */
	char guardian_phone[11];
	bool guardian_consent;
	const char *counselor_note;
	bool adult; /* 18 or more on the first session date */
	const char *language; /* the family's language, a code of SPEC.md ("en" when NULL) */
};

/* Same conventions as pip_validate, for the nomination form. */
int tap_validate(struct arena *a, const struct kvmap *form, struct date first_session,
		 struct tap_nomination *out, struct form_errors *errs);

/* The interest list: `email` required, `name` optional. */
struct interest {
	const char *email, *name;
};
int interest_validate(struct arena *a, int lang, const struct kvmap *form, struct interest *out,
		      struct form_errors *errs);

#endif
