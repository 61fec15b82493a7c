/* retention.h: erasing personal data once it is no longer needed (SPEC.md, Security and data). */
#ifndef PORTAL_RETENTION_H
#define PORTAL_RETENTION_H

#include "db.h"

/*
 * Erases, in one write transaction, the personal details of declined and
 * withdrawn applications whose status is older than the retention period,
 * and of interest-list entries notified that long ago, keeping references,
 * statuses and dates; also sent e-mail older than the period.  Returns the
 * number of applications and entries erased, or -1.
 */
int retention_run(struct db *db, long long now);

/* When an application closed at status_at will be erased. */
long long retention_due(long long status_at);

#endif
