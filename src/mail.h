/* mail.h: the durable outbox: messages queued in the transaction of the change they report,
 * then delivered by piping them to the sendmail command. */
#ifndef PORTAL_MAIL_H
#define PORTAL_MAIL_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "db.h"

/* Attempts before a message is given up and shown to staff as failed. */
#define MAIL_MAX_ATTEMPTS 8
/* Messages one sender claims at a time. */
#define MAIL_BATCH 16

/*
 * Queues a plain-text message to one recipient, inside the caller's write
 * transaction, so that it is sent exactly when the change commits.  body is
 * UTF-8 text with \n line ends; it is wrapped for mail readers when sent.
 * 0 or -1.
 */
int mail_queue(struct db *db, const char *to, const char *subject, const char *body);

/*
 * Where a body holds a link's secret token: the token itself is queued apart
 * (struct mail's secret), put in at this marker only when the message is
 * composed for sendmail, and forgotten once the message is sent or given up.
 */
#define MAIL_SECRET "{link-token}"

/* A message with what a plain one lacks; NULL members are absent. */
struct mail {
	const char *to, *subject, *body;
	const char *secret;        /* a token the body holds as MAIL_SECRET, kept until sent */
	int64_t application_id;    /* the application it is about, or 0: erased with it */
	const char *key;           /* sent once only: a second message with this key is dropped */
	const char *calendar;      /* an iCalendar file attached after the text */
	const char *calendar_name; /* its file name, "class-45.ics" */
};
/*
 * As mail_queue, for a struct mail.  Returns 1 queued, 0 when a message with
 * the same key was queued before (whenever, whatever restarts since), -1 on
 * failure.
 */
int mail_queue_mail(struct db *db, const struct mail *m);

/*
 * Delivers the messages that are due: claims up to a batch in a short write
 * transaction (so that two senders never take the same one), pipes each to
 * the sendmail command, and marks it sent, or schedules a retry with a
 * growing delay, or gives it up after MAIL_MAX_ATTEMPTS.  Returns the number
 * of messages handled, or -1 on a database failure.
 */
int mail_deliver_due(struct db *db);

/*
 * Frees the claims a killed server left behind, so its messages go at once
 * rather than when the claims expire.  Only for a server starting up: it is
 * then the only sender of this database (the server holds a lock on it).
 */
int mail_release_claims(struct db *db);

/* The pieces of a message, exposed for the unit tests. */
/* Encodes a header value per RFC 2047 (base64 words) when it is not plain ASCII. */
char *mail_encode_header(struct arena *a, const char *value);
/* Wraps text to lines of at most width characters where spaces allow; \n line ends. */
char *mail_wrap(struct arena *a, const char *text, size_t width);
/*
 * The whole message of outbox row id, queued at when: headers and the wrapped
 * body, CRLF line ends; with a calendar, multipart/mixed: the text, then the
 * calendar as a base64 attachment.  m->key is not used.
 */
char *mail_compose(struct arena *a, long long id, const struct mail *m, long long when);

#endif
