/* reminders.h: the e-mails that remind accepted participants of their sessions (SPEC.md,
 * Time, place and calendars). */
#ifndef PORTAL_REMINDERS_H
#define PORTAL_REMINDERS_H

#include "db.h"

/* Days ahead of today whose sessions a run looks at: the week-before reminder's reach and one. */
#define REMINDERS_HORIZON_DAYS 8

/*
 * Queues the reminders that are due at now (Unix time) and were never queued
 * before, for every class and semester with reminders on, to each accepted
 * participant (PIP: the applicant; TAP: the guardian and the student when
 * each has an e-mail):
 *   - "week": for session 1, on any day from 7 days before its date up to,
 *     not including, the day before it;
 *   - "day": for every session, from the start of the day before its date
 *     until the session starts.
 * Days are the portal's time zone's; nothing is sent once a session has
 * started.  Each reminder carries the outbox key
 * "reminder:APPLICATION:KIND:SESSION:YYYY-MM-DD:ROLE" (ROLE applicant,
 * guardian or student), so it goes once whatever restarts happen, and a
 * session moved to another date has a reminder of its own.  Each cohort's
 * reminders are queued in one write transaction.  Cheap enough to run every
 * minute: only sessions within REMINDERS_HORIZON_DAYS are looked at, and a
 * message is rendered only when its key is new.  Returns the number queued,
 * or -1 when any cohort failed (the others are still done).
 */
int reminders_run(struct db *db, long long now);

#endif
