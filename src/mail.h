/* mail.h: the durable outbox: messages queued in the transaction of the change they report. */
#ifndef PORTAL_MAIL_H
#define PORTAL_MAIL_H

#include "db.h"

/*
 * Queues a plain-text message to one recipient, inside the caller's write
 * transaction, so that it is sent exactly when the change commits.  body is
 * UTF-8 text with \n line ends; it is wrapped for mail readers when sent.
 * 0 or -1.
 */
int mail_queue(struct db *db, const char *to, const char *subject, const char *body);

#endif
