/* status.c: the status names and the table of allowed moves. */
#include "status.h"

#include "i18n.h"

#include <string.h>

const char *const status_names[ST_MAX] = {"submitted", "waitlisted", "accepted",
					  "declined",  "withdrawn",  "completed"};

const char *const status_labels[ST_MAX] = {N_("Received"), N_("On the waiting list"),
					   N_("Accepted"),  N_("Declined"),
					   N_("Withdrawn"), N_("Completed")};

const char *status_label(int lang, int status)
{
	return status >= 0 && status < ST_MAX ? _(lang, status_labels[status]) : "";
}

/* allowed[from][to], exactly as SPEC.md lists the moves. */
static const bool allowed[ST_MAX][ST_MAX] = {
	[ST_SUBMITTED] = {[ST_ACCEPTED] = true, [ST_WAITLISTED] = true, [ST_DECLINED] = true,
			  [ST_WITHDRAWN] = true},
	[ST_WAITLISTED] = {[ST_SUBMITTED] = true, [ST_ACCEPTED] = true, [ST_DECLINED] = true,
			   [ST_WITHDRAWN] = true},
	[ST_ACCEPTED] = {[ST_DECLINED] = true, [ST_WITHDRAWN] = true, [ST_COMPLETED] = true},
};

int status_parse(const char *s)
{
	for (int i = 0; s && i < ST_MAX; i++)
		if (strcmp(status_names[i], s) == 0)
			return i;
	return -1;
}

bool status_move_allowed(enum status from, enum status to)
{
	if ((unsigned)from >= ST_MAX || (unsigned)to >= ST_MAX)
		return false;
	return allowed[from][to];
}

bool status_active(enum status s)
{
	return s == ST_SUBMITTED || s == ST_ACCEPTED;
}

bool status_final(enum status s)
{
	return s == ST_DECLINED || s == ST_WITHDRAWN || s == ST_COMPLETED;
}
