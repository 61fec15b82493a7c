/* status.h: the statuses of an application and the moves allowed between them. */
#ifndef PORTAL_STATUS_H
#define PORTAL_STATUS_H

#include <stdbool.h>

enum status {
	ST_SUBMITTED,
	ST_WAITLISTED,
	ST_ACCEPTED,
	ST_DECLINED,
	ST_WITHDRAWN,
	ST_COMPLETED,
	ST_MAX
};

extern const char *const status_names[ST_MAX];
/* "Received", "On the waiting list", ...: for the applicant. */
extern const char *const status_labels[ST_MAX];
/* The label of a status in language lang (i18n.h): what the public reads. */
const char *status_label(int lang, int status);

/* The status named s, or -1. */
int status_parse(const char *s);
/* True when SPEC.md allows moving from `from` to `to`. */
bool status_move_allowed(enum status from, enum status to);
/* Active: counts against capacity (submitted or accepted). */
bool status_active(enum status s);
/* Final: no move leaves it. */
bool status_final(enum status s);

#endif
