/* notify.h: the e-mails that tell people what happened to an application. */
#ifndef PORTAL_NOTIFY_H
#define PORTAL_NOTIFY_H

#include <stdint.h>

#include "db.h"
#include "status.h"

/*
 * Queue, inside the caller's write transaction, the message for a received
 * application (to the applicant; for TAP to the guardian or the adult student
 * and to the counselor) or for a status change.  0 or -1.
 */
int notify_received(struct db *db, int64_t id);
int notify_status(struct db *db, int64_t id, enum status from, enum status to);

#endif
