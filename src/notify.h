/* notify.h: the e-mails that tell people what happened to an application. */
#ifndef PORTAL_NOTIFY_H
#define PORTAL_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "db.h"
#include "status.h"

/*
 * Queue, inside the caller's write transaction, the message for a received
 * application (to the applicant; for TAP to the guardian or the adult student
 * and to the counselor) or for a status change.  0 or -1.
 */
int notify_received(struct db *db, int64_t id);
int notify_status(struct db *db, int64_t id, enum status from, enum status to,
		  bool by_counselor);

/*
 * Queues, inside the caller's write transaction, the notice that the details
 * of application id were corrected (fields: their names, comma separated),
 * to whom its status e-mails go and, when the address changed, to the old
 * one (old_email, NULL otherwise).  0 or -1.
 */
int notify_details(struct db *db, int64_t id, const char *fields, const char *old_email,
		   bool by_counselor);

struct app_ref;
/* Queues, inside the caller's write transaction, one e-mail to email listing refs. */
int notify_references(struct db *db, const char *email, const struct app_ref *refs, int n);

#endif
