/* test_group.c: group commit (src/group.c): one group, one commit, and a member's
 * failure (a refusal, a constraint, running out of memory) undoes its own work only;
 * under concurrency, positions read and written by the work never skip nor repeat. */
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "arena.h"
#include "db.h"
#include "group.h"
#include "test.h"

static char path[64];
static atomic_int inside; /* set by the first member once its work runs */

/* Inserts one row named name; 0 or -1 (a UNIQUE clash is -1). */
static int insert(struct db *w, const char *name)
{
	sqlite3_stmt *st = db_stmt(w, "INSERT INTO t (name) VALUES (?)");
	db_bind_text(st, 1, name);
	return db_exec_stmt(w, st);
}

/* Waits (in the first member's work) until n more requests queue behind it. */
static void hold_until_queued(int n)
{
	atomic_store(&inside, 1);
	while (group_stats().queued < n)
		usleep(1000);
}

static int work_a(struct db *w, void *ctx)
{
	(void)ctx;
	int rc = insert(w, "a");
	hold_until_queued(2);
	return rc == 0 ? 0 : 99;
}

static int work_b(struct db *w, void *ctx)
{
	(void)ctx;
	return insert(w, "b") == 0 ? 0 : 99;
}

/* A duplicate: its own first row is written, then its second clashes with a's. */
static int work_c(struct db *w, void *ctx)
{
	(void)ctx;
	if (insert(w, "c") < 0)
		return 99;
	return insert(w, "a") < 0 ? 7 : 0;
}

static int work_e(struct db *w, void *ctx)
{
	(void)ctx;
	int rc = insert(w, "e");
	hold_until_queued(1);
	return rc == 0 ? 0 : 99;
}

/* Runs out of memory half-way, after writing. */
static int work_d(struct db *w, void *ctx)
{
	(void)ctx;
	insert(w, "d");
	die_oom();
}

struct call {
	group_work *work;
	int rc;
	bool oom; /* die_oom ended it and db_recover cleaned up */
};

static void *caller(void *arg)
{
	struct call *c = arg;
	struct db *own = db_open(path);
	if (own == NULL)
		abort();
	jmp_buf catch;
	if (setjmp(catch) == 0) {
		oom_catch(&catch);
		c->rc = group_write(own, c->work, NULL);
		oom_catch(NULL);
	} else {
		db_recover(own);
		c->oom = true;
	}
	db_close(own);
	return NULL;
}

static pthread_t spawn(struct call *c)
{
	pthread_t t;
	if (pthread_create(&t, NULL, caller, c) != 0)
		abort();
	return t;
}

static int64_t count(struct db *db, const char *where_name)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT count(*) FROM t WHERE name = ?");
	db_bind_text(st, 1, where_name);
	return db_int(db, st, -1);
}

/* A, B and C in one group; C's failure undoes c and nothing of A's or B's. */
static void one_group(struct db *db)
{
	struct call a = {work_a, -2, false}, b = {work_b, -2, false}, c = {work_c, -2, false};
	atomic_store(&inside, 0);
	pthread_t ta = spawn(&a);
	while (!atomic_load(&inside))
		usleep(1000);
	pthread_t tb = spawn(&b), tc = spawn(&c);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	pthread_join(tc, NULL);
	CHECK(a.rc == 0 && b.rc == 0 && c.rc == 7);
	CHECK(count(db, "a") == 1 && count(db, "b") == 1 && count(db, "c") == 0);
	struct group_stats s = group_stats();
	CHECK(s.groups == 1 && s.writes == 3 && s.queued == 0);
}

/* D runs out of memory in E's group: E's row is committed, D's is not. */
static void oom_in_group(struct db *db)
{
	struct call e = {work_e, -2, false}, d = {work_d, -2, false};
	atomic_store(&inside, 0);
	pthread_t te = spawn(&e);
	while (!atomic_load(&inside))
		usleep(1000);
	pthread_t td = spawn(&d);
	pthread_join(te, NULL);
	pthread_join(td, NULL);
	CHECK(e.rc == 0 && d.oom);
	CHECK(count(db, "e") == 1 && count(db, "d") == 0);
	struct group_stats s = group_stats();
	CHECK(s.groups == 2 && s.writes == 4 && s.queued == 0);
}

/* Each takes the next position; every third refuses after writing. */
static int take_position(struct db *w, void *ctx)
{
	int serial = *(int *)ctx;
	sqlite3_stmt *st = db_stmt(w, "SELECT COALESCE(max(pos), 0) + 1 FROM q");
	int64_t next = db_int(w, st, -1);
	st = db_stmt(w, "INSERT INTO q (pos, serial) VALUES (?, ?)");
	db_bind_int(st, 1, next);
	db_bind_int(st, 2, serial);
	if (next < 1 || db_exec_stmt(w, st) < 0)
		return 99;
	return serial % 3 == 0 ? 1 : 0;
}

enum { RACERS = 8, EACH = 40 };
static atomic_int kept, refused, other;

static void *racer(void *arg)
{
	int base = *(int *)arg;
	struct db *own = db_open(path);
	if (own == NULL)
		abort();
	for (int i = 0; i < EACH; i++) {
		int serial = base * EACH + i + 1;
		int rc = group_write(own, take_position, &serial);
		atomic_fetch_add(rc == 0 ? &kept : rc == 1 ? &refused : &other, 1);
	}
	db_close(own);
	return NULL;
}

static void no_gap(struct db *db)
{
	pthread_t t[RACERS];
	int base[RACERS];
	for (int i = 0; i < RACERS; i++) {
		base[i] = i;
		if (pthread_create(&t[i], NULL, racer, &base[i]) != 0)
			abort();
	}
	for (int i = 0; i < RACERS; i++)
		pthread_join(t[i], NULL);
	int n = RACERS * EACH;
	CHECK(atomic_load(&kept) + atomic_load(&refused) == n && atomic_load(&other) == 0);
	sqlite3_stmt *st = db_stmt(db, "SELECT count(*) = max(pos) AND min(pos) = 1 AND"
				       " count(DISTINCT pos) = count(*) AND sum(serial % 3 = 0) = 0"
				       " AND count(*) = ? FROM q");
	db_bind_int(st, 1, atomic_load(&kept));
	CHECK(db_int(db, st, 0) == 1);
	struct group_stats s = group_stats();
	printf("group: %d writes from %d threads in %lu group commits\n", n, RACERS,
	       s.groups - 2);
	CHECK(s.writes == 4 + (unsigned long)n && s.groups - 2 <= (unsigned long)n);
}

int main(void)
{
	char dir[] = "/tmp/test_group.XXXXXX";
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/t.db", dir);
	struct db *db = db_open(path);
	CHECK(db != NULL);
	if (db == NULL)
		return TEST_DONE("group");
	CHECK(db_exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE);"
			  "CREATE TABLE q (pos INTEGER UNIQUE NOT NULL, serial INTEGER)") == 0);
	one_group(db);
	oom_in_group(db);
	no_gap(db);
	db_close(db);
	group_close();
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return TEST_DONE("group");
}
