/* group.h: group commit: durable writes that arrive together share one transaction and one fsync. */
#ifndef PORTAL_GROUP_H
#define PORTAL_GROUP_H

#include "db.h"

/*
 * What a request writes: it runs on the group writer's connection w, inside
 * a SAVEPOINT of the group's transaction, after the work of the requests
 * taken before it in the same group (so counts, positions and duplicate
 * checks it reads are exact).  It returns 0 to keep its changes, or any
 * positive number (a refusal or a failure of the caller's own) to roll back
 * its own changes and nobody else's.  It may call die_oom: the worker's
 * catch rolls back its savepoint (group_recover, through db_recover).
 */
typedef int group_work(struct db *w, void *ctx);

/* What group_write returns when the group's transaction could not be begun
 * or committed: nothing of the work stayed. */
enum { GROUP_FAILED = -1 };

/*
 * Runs work(w, ctx) in the next group and returns once that group is
 * committed with one fsync (WAL, synchronous=FULL), which makes the change
 * durable: work's result, or GROUP_FAILED when the group did not commit.
 * A refusal also waits for the commit, since what it read may have been
 * written by a neighbour whose commit could still fail.  own is the
 * caller's connection: the writer opens the same file on first use.
 */
int group_write(struct db *own, group_work *work, void *ctx);

/*
 * After die_oom left work part-way in this thread (called by db_recover):
 * rolls back that work's savepoint, and passes the turn on, or commits the
 * neighbours already in the group when nobody else is waiting.  Does
 * nothing in a thread that was not running work.
 */
void group_recover(void);

/* Requests waiting for their turn on the writer, and groups and writes
 * committed so far: for tests and the log line at stop. */
struct group_stats {
	int queued;
	unsigned long groups, writes;
};
struct group_stats group_stats(void);

/* Closes the writer's connection, once no thread can call group_write. */
void group_close(void);

#endif
