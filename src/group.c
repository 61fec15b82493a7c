/*
 * group.c: group commit for the durable writes that come in bursts
 * (applications, nominations, status moves): requests that arrive while a
 * commit is in flight share the next transaction and its one fsync.
 *
 * One owner: this file owns one SQLite connection, the writer (g.w), and the
 * state below under one mutex (g.m).  The connection is used by one thread at
 * a time, the one holding the turn (g.busy): a request running its work, or
 * the request committing a group.  The cycle of a request:
 *
 *   1. It queues for the turn (g.queued) while another request's work or a
 *      commit uses the writer.
 *   2. With the turn, it begins the group's transaction when none is open
 *      (taking the process's writer lock, db_begin_write), runs its work in
 *      SAVEPOINT member, releases the savepoint or rolls back to it, and
 *      joins the group (g.members).
 *   3. Leaving the turn, it hands the turn to the next queued request and
 *      waits for its group's commit; when nobody is queued (or the group is
 *      full) it commits the group itself, without the mutex, and wakes every
 *      member with the outcome.
 *
 * Requests queue in step 1 while a COMMIT waits for its fsync, so the slower
 * the disk, the larger the groups; a request alone commits at once, as before.
 * The work of a group runs one request after another on one connection, so
 * what each reads (capacity, waitlist positions, duplicates) includes its
 * neighbours' work: serialised exactly as with one transaction per request.
 */
#include "group.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

/* Members of one group at most: bounds the wait of its first member. */
enum { GROUP_MAX = 64 };

struct member {
	int rc;    /* the work's result; GROUP_FAILED when the group did not commit */
	bool done; /* set by the committer, under g.m */
	struct member *next;
};

static struct {
	pthread_mutex_t m;
	pthread_cond_t turn;      /* the writer became free */
	pthread_cond_t committed; /* a group's commit ended */
	struct db *w;             /* opened by the first turn; used only with the turn */
	bool busy;                /* the turn is taken */
	int queued;               /* threads waiting for the turn */
	struct member *members;   /* of the open group, their work done */
	int size;
	bool poisoned; /* the open transaction lost work already done: roll it all back */
	unsigned long groups, writes;
} g = {.m = PTHREAD_MUTEX_INITIALIZER,
       .turn = PTHREAD_COND_INITIALIZER,
       .committed = PTHREAD_COND_INITIALIZER};

/* This thread's place in its group (a thread is in one group at a time); the
 * committer writes it under g.m. */
static _Thread_local struct member self;
/* Where this thread is while it holds the turn, for group_recover. */
static _Thread_local enum { OUTSIDE, BEGINNING, IN_SAVEPOINT } stage;

/* Waits for the turn, opening the writer on the first one: 0, or -1 when it
 * cannot be opened (the turn is then given back). */
static int take_turn(struct db *own)
{
	pthread_mutex_lock(&g.m);
	g.queued++;
	while (g.busy)
		pthread_cond_wait(&g.turn, &g.m);
	g.queued--;
	g.busy = true;
	if (g.w == NULL) {
		const char *path = sqlite3_db_filename(db_conn(own), "main");
		g.w = path && path[0] ? db_open(path) : NULL;
		if (g.w == NULL) {
			g.busy = false;
			pthread_cond_signal(&g.turn);
			pthread_mutex_unlock(&g.m);
			return -1;
		}
	}
	pthread_mutex_unlock(&g.m);
	return 0;
}

/* Rolls back the work of this member's savepoint only.  False when the group's
 * transaction is no longer whole: SQLite rolled all of it back (as it may
 * after an I/O error or running out of memory), or the savepoint would not
 * undo; the group must then fail as one. */
static bool undo_member(void)
{
	if (sqlite3_get_autocommit(db_conn(g.w)))
		return false;
	return db_exec(g.w, "ROLLBACK TO member") == 0 && db_exec(g.w, "RELEASE member") == 0;
}

/* Runs work in its savepoint of the group's transaction (begun here when this
 * is the group's first work).  Sets *whole false when the transaction lost
 * its neighbours' work. */
static int run_work(group_work *work, void *ctx, bool *whole)
{
	*whole = true;
	if (sqlite3_get_autocommit(db_conn(g.w))) {
		stage = BEGINNING;
		int begun = db_begin_write(g.w);
		stage = OUTSIDE;
		if (begun < 0)
			return GROUP_FAILED;
	}
	if (db_exec(g.w, "SAVEPOINT member") < 0)
		return GROUP_FAILED;
	stage = IN_SAVEPOINT;
	int rc = work(g.w, ctx);
	stage = OUTSIDE;
	if (rc == 0 && db_exec(g.w, "RELEASE member") == 0)
		return 0;
	*whole = undo_member();
	return rc == 0 ? GROUP_FAILED : rc;
}

/* COMMIT (or ROLLBACK, for a group that is not whole), then gives the writer
 * lock back: 0 when the group is on disk. */
static int end_transaction(bool poisoned)
{
	bool open = !sqlite3_get_autocommit(db_conn(g.w));
	int rc = open && !poisoned && db_exec(g.w, "COMMIT") == 0 ? 0 : -1;
	/* Rolls back whatever is still open (a failed COMMIT, a poisoned group) and
	 * releases the writer lock that db_begin_write took. */
	db_rollback(g.w);
	return rc;
}

/*
 * Commits the open group.  Called with g.m held by a thread that has just
 * left the turn and found nobody queued (or the group full): it takes the
 * turn back for the COMMIT, which runs without the mutex so that requests can
 * queue for the next group meanwhile, then tells every member.
 */
static void commit_group(void)
{
	struct member *list = g.members;
	bool poisoned = g.poisoned;
	g.members = NULL;
	g.size = 0;
	g.poisoned = false;
	g.busy = true;
	pthread_mutex_unlock(&g.m);
	int rc = end_transaction(poisoned);
	pthread_mutex_lock(&g.m);
	unsigned long n = 0;
	for (struct member *m = list; m != NULL; n++) {
		struct member *next = m->next; /* m may be reused once done */
		if (rc < 0)
			m->rc = GROUP_FAILED;
		m->done = true;
		m = next;
	}
	if (rc == 0 && n > 0) {
		g.groups++;
		g.writes += n;
	}
	g.busy = false;
	pthread_cond_broadcast(&g.committed);
	if (g.queued > 0)
		pthread_cond_signal(&g.turn);
}

/* Leaves the turn (g.m held): to the next queued request, or, when none is
 * queued or the group is full, by committing the group. */
static void leave_turn(void)
{
	g.busy = false;
	if (g.queued > 0 && g.size < GROUP_MAX)
		pthread_cond_signal(&g.turn);
	else
		commit_group();
}

int group_write(struct db *own, group_work *work, void *ctx)
{
	if (take_turn(own) < 0)
		return GROUP_FAILED;
	bool whole;
	int rc = run_work(work, ctx, &whole);
	pthread_mutex_lock(&g.m);
	g.poisoned |= !whole;
	self = (struct member){.rc = rc, .done = false, .next = g.members};
	g.members = &self;
	g.size++;
	leave_turn();
	while (!self.done)
		pthread_cond_wait(&g.committed, &g.m);
	rc = self.rc;
	pthread_mutex_unlock(&g.m);
	return rc;
}

void group_recover(void)
{
	if (stage == OUTSIDE)
		return;
	/* The work's frames are gone: its statements may be part-way. */
	db_reset_statements(g.w);
	bool whole = true;
	if (stage == IN_SAVEPOINT)
		whole = undo_member();
	else if (sqlite3_get_autocommit(db_conn(g.w)))
		db_rollback(g.w); /* BEGIN failed after the writer lock was taken */
	stage = OUTSIDE;
	/* This request is no member (its frame is gone and it answers 500), but its
	 * neighbours already in the group still need their commit. */
	pthread_mutex_lock(&g.m);
	g.poisoned |= !whole;
	leave_turn();
	pthread_mutex_unlock(&g.m);
}

struct group_stats group_stats(void)
{
	pthread_mutex_lock(&g.m);
	struct group_stats s = {g.queued, g.groups, g.writes};
	pthread_mutex_unlock(&g.m);
	return s;
}

void group_close(void)
{
	pthread_mutex_lock(&g.m);
	db_close(g.w);
	g.w = NULL;
	pthread_mutex_unlock(&g.m);
}
