/* db.c: SQLite connections, the per-connection statement cache, write locking and migrations. */
#include "db.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "file.h"
#include "group.h"
#include "http.h"

enum { CACHE_SLOTS = 256 }; /* a power of two, above the number of statements */

struct db {
	sqlite3 *conn;
	struct {
		const char *sql;
		sqlite3_stmt *st;
	} cache[CACHE_SLOTS];
	int writing; /* holds the writer lock */
};

/* One server process, many threads: writers queue here instead of in
 * SQLite's busy handler, whose sleeps make tail latency poor.  A flag under a
 * mutex rather than the mutex itself: the group writer (group.c) takes it in
 * the thread that opens a group's transaction and gives it back in the
 * thread that commits it, which a mutex does not allow. */
static struct {
	pthread_mutex_t m;
	pthread_cond_t given;
	bool held;
} writer = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false};

static void writer_take(void)
{
	pthread_mutex_lock(&writer.m);
	while (writer.held)
		pthread_cond_wait(&writer.given, &writer.m);
	writer.held = true;
	pthread_mutex_unlock(&writer.m);
}

static void writer_give(void)
{
	pthread_mutex_lock(&writer.m);
	writer.held = false;
	pthread_cond_signal(&writer.given);
	pthread_mutex_unlock(&writer.m);
}

static void text_reset(void);
static void text_free(void);

void db_log_error(struct db *db, const char *what)
{
	fprintf(stderr, "portal: database: %s: %s\n", what, sqlite3_errmsg(db->conn));
}

struct db *db_open(const char *path)
{
	struct db *db = calloc(1, sizeof(*db));
	if (db == NULL)
		return NULL;
	int rc = sqlite3_open_v2(path, &db->conn,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
				 NULL);
	if (rc != SQLITE_OK) {
		fprintf(stderr, "portal: cannot open database %s: %s\n", path,
			db->conn ? sqlite3_errmsg(db->conn) : sqlite3_errstr(rc));
		sqlite3_close(db->conn);
		free(db);
		return NULL;
	}
	sqlite3_busy_timeout(db->conn, 10000);
	static const char pragmas[] = "PRAGMA journal_mode=WAL;"
				      "PRAGMA synchronous=FULL;"
				      "PRAGMA foreign_keys=ON;"
				      "PRAGMA trusted_schema=OFF;"
				      /* Erased data and sent links' tokens are overwritten, not
				       * left in free space for a copy of the file to carry. */
				      "PRAGMA secure_delete=ON;";
	char *err = NULL;
	if (sqlite3_exec(db->conn, pragmas, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "portal: database %s: %s\n", path, err ? err : "pragma failed");
		sqlite3_free(err);
		db_close(db);
		return NULL;
	}
	return db;
}

void db_close(struct db *db)
{
	if (db == NULL)
		return;
	for (size_t i = 0; i < CACHE_SLOTS; i++)
		sqlite3_finalize(db->cache[i].st);
	sqlite3_close(db->conn);
	free(db);
	/* Each thread closes its own connection as it ends. */
	text_free();
}

sqlite3 *db_conn(struct db *db)
{
	return db->conn;
}

sqlite3_stmt *db_stmt(struct db *db, const char *sql)
{
	size_t h = ((uintptr_t)sql >> 3) * 0x9E3779B97F4A7C15ull;
	for (size_t n = 0; n < CACHE_SLOTS; n++) {
		size_t i = (h + n) & (CACHE_SLOTS - 1);
		if (db->cache[i].sql == sql) {
			sqlite3_stmt *st = db->cache[i].st;
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return st;
		}
		if (db->cache[i].sql == NULL) {
			int rc = sqlite3_prepare_v3(db->conn, sql, -1,
						    SQLITE_PREPARE_PERSISTENT, &db->cache[i].st,
						    NULL);
			if (rc == SQLITE_NOMEM)
				die_oom();
			if (rc != SQLITE_OK) {
				fprintf(stderr, "portal: bad SQL: %s\n%s\n", sqlite3_errmsg(db->conn),
					sql);
				abort();
			}
			db->cache[i].sql = sql;
			return db->cache[i].st;
		}
	}
	fputs("portal: statement cache full\n", stderr);
	abort();
}

/* Runs sql; 0, or -1 after a message.  Running out of memory is a failure
 * like another here: ROLLBACK goes through this, also while recovering. */
int db_exec(struct db *db, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(db->conn, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "portal: database: %s: %s\n", sql, err ? err : "failed");
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

static bool out_of_memory(sqlite3 *conn, int rc);

/* BEGIN or COMMIT: as db_exec, but running out of memory ends the request
 * (die_oom), which rolls back, instead of passing for a busy database. */
static int exec_or_die(struct db *db, const char *sql)
{
	int rc = sqlite3_exec(db->conn, sql, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		return 0;
	if (out_of_memory(db->conn, rc))
		die_oom();
	db_log_error(db, sql);
	return -1;
}

int db_begin_write(struct db *db)
{
	writer_take();
	db->writing = 1;
	if (exec_or_die(db, "BEGIN IMMEDIATE") < 0) {
		db->writing = 0;
		writer_give();
		return -1;
	}
	return 0;
}

static void release_writer(struct db *db)
{
	if (db->writing) {
		db->writing = 0;
		writer_give();
	}
}

uint64_t db_data_version(struct db *db)
{
	unsigned int v = 0;
	if (sqlite3_file_control(db->conn, "main", SQLITE_FCNTL_DATA_VERSION, &v) != SQLITE_OK)
		return 0; /* 0 is never cached against: see its users */
	return (uint64_t)v + 1;
}

int db_commit(struct db *db)
{
	int rc = exec_or_die(db, "COMMIT");
	if (rc < 0)
		db_exec(db, "ROLLBACK");
	release_writer(db);
	return rc;
}

void db_rollback(struct db *db)
{
	if (!sqlite3_get_autocommit(db->conn))
		db_exec(db, "ROLLBACK");
	release_writer(db);
}

int db_begin_read(struct db *db)
{
	return exec_or_die(db, "BEGIN");
}

void db_end_read(struct db *db)
{
	/* A read transaction left open would keep this connection on an old
	 * snapshot for good. */
	if (!sqlite3_get_autocommit(db->conn) && db_exec(db, "COMMIT") < 0)
		db_exec(db, "ROLLBACK");
}

/* True when the connection's last error was running out of memory. */
static bool out_of_memory(sqlite3 *conn, int rc)
{
	return rc == SQLITE_NOMEM || sqlite3_extended_errcode(conn) == SQLITE_IOERR_NOMEM ||
	       sqlite3_errcode(conn) == SQLITE_NOMEM;
}

int db_step(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE && out_of_memory(sqlite3_db_handle(st), rc)) {
		sqlite3_reset(st);
		die_oom();
	}
	return rc;
}

/* Whether st is one of the connection's kept statements. */
static bool cached(const struct db *db, const sqlite3_stmt *st)
{
	for (size_t i = 0; i < CACHE_SLOTS; i++)
		if (db->cache[i].st == st)
			return true;
	return false;
}

void db_reset_statements(struct db *db)
{
	sqlite3_stmt *st = sqlite3_next_stmt(db->conn, NULL);
	while (st != NULL) {
		sqlite3_stmt *next = sqlite3_next_stmt(db->conn, st);
		if (cached(db, st)) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
		} else {
			sqlite3_finalize(st);
		}
		st = next;
	}
}

void db_recover(struct db *db)
{
	db_reset_statements(db);
	/* The group writer's connection first, when this thread died in its turn there. */
	group_recover();
	/* ROLLBACK needs little memory; a second try covers a failure of the first. */
	for (int i = 0; i < 2 && !sqlite3_get_autocommit(db->conn); i++)
		db_exec(db, "ROLLBACK");
	release_writer(db);
	text_reset();
}

void db_request_end(struct db *db)
{
	if (!sqlite3_get_autocommit(db->conn)) {
		fputs("portal: database: a transaction was left open; rolling it back\n", stderr);
		for (int i = 0; i < 2 && !sqlite3_get_autocommit(db->conn); i++)
			db_exec(db, "ROLLBACK");
	}
	if (db->writing) {
		fputs("portal: database: the writer lock was left held; releasing it\n", stderr);
		release_writer(db);
	}
	text_reset();
}

int db_exec_stmt(struct db *db, sqlite3_stmt *st)
{
	int rc = db_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		db_log_error(db, sqlite3_sql(st));
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	return 0;
}

int64_t db_int(struct db *db, sqlite3_stmt *st, int64_t dflt)
{
	int rc = db_step(st);
	int64_t v = dflt;
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		db_log_error(db, sqlite3_sql(st));
	sqlite3_reset(st);
	return v;
}

void db_bind_text(sqlite3_stmt *st, int idx, const char *s)
{
	/* A copy that cannot be made would leave the parameter NULL: a write of the
	 * wrong value, so it ends the request instead. */
	if (s == NULL)
		sqlite3_bind_null(st, idx);
	else if (sqlite3_bind_text(st, idx, s, -1, SQLITE_TRANSIENT) == SQLITE_NOMEM)
		die_oom();
}

void db_bind_blob(sqlite3_stmt *st, int idx, const void *p, size_t len)
{
	if (sqlite3_bind_blob64(st, idx, p, len, SQLITE_TRANSIENT) == SQLITE_NOMEM)
		die_oom();
}

void db_bind_int(sqlite3_stmt *st, int idx, int64_t v)
{
	sqlite3_bind_int64(st, idx, v);
}

/*
 * Copies of stored text that was not valid UTF-8, repaired; they live until
 * text_reset (the end of the request, or of a job's run), past the statement
 * they came from.  Per thread, as each thread has its own connection.
 */
static _Thread_local struct arena repaired;
static _Thread_local bool repaired_used;

static void text_reset(void)
{
	if (repaired_used)
		arena_reset(&repaired);
}

static void text_free(void)
{
	if (repaired_used)
		arena_free(&repaired);
	repaired_used = false;
}

/* s (len bytes, not valid UTF-8) with each invalid sequence as U+FFFD, in the arena. */
static const char *repair(const unsigned char *s, size_t len)
{
	if (!repaired_used) {
		arena_init(&repaired);
		repaired_used = true;
	}
	struct buf b;
	buf_init(&b, &repaired);
	size_t i = 0;
	while (i < len) {
		size_t n = s[i] < 0x80 ? 1 : s[i] >= 0xC2 && s[i] <= 0xDF ? 2
					     : s[i] >= 0xE0 && s[i] <= 0xEF ? 3
					     : s[i] >= 0xF0 && s[i] <= 0xF4 ? 4
									    : 0;
		if (n > 0 && i + n <= len && utf8_valid((const char *)s + i, n)) {
			buf_add(&b, (const char *)s + i, n);
			i += n;
		} else {
			buf_add(&b, "\xEF\xBF\xBD", 3);
			i++;
		}
	}
	return buf_str(&b);
}

const char *db_col_text(sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);
	if (s == NULL) {
		/* NULL also stands for a conversion that ran out of memory. */
		if (sqlite3_errcode(sqlite3_db_handle(st)) == SQLITE_NOMEM)
			die_oom();
		return "";
	}
	size_t len = (size_t)sqlite3_column_bytes(st, col);
	/* Text written by an older version or by hand may not be UTF-8; JSON and
	 * pages need it to be, so it is repaired on the way out. */
	if (utf8_valid((const char *)s, len))
		return (const char *)s;
	return repair(s, len);
}

/* The number a migration file's name starts with ("003_x.sql" is 3), or -1. */
static long migration_number(const char *name)
{
	size_t len = strlen(name);
	if (len < 9 || strcmp(name + len - 4, ".sql") != 0)
		return -1;
	for (int i = 0; i < 3; i++)
		if (name[i] < '0' || name[i] > '9')
			return -1;
	if (name[3] != '_')
		return -1;
	return (name[0] - '0') * 100 + (name[1] - '0') * 10 + (name[2] - '0');
}

/* Applies migration number n from path if user_version is still below n. */
static int apply_migration(struct db *db, const char *path, long n)
{
	char *sql = file_read(path, NULL);
	if (sql == NULL) {
		fprintf(stderr, "portal: cannot read %s: %s\n", path, strerror(errno));
		return -1;
	}
	int rc = -1;
	if (db_begin_write(db) < 0)
		goto out;
	/* Read the version inside the write transaction: another process may
	 * have migrated since this one looked. */
	sqlite3_stmt *st;
	int version = 0;
	if (sqlite3_prepare_v2(db->conn, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			version = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	if (version >= n) {
		db_rollback(db);
		rc = 0;
		goto out;
	}
	char pragma[64];
	snprintf(pragma, sizeof(pragma), "PRAGMA user_version=%ld", n);
	if (db_exec(db, sql) < 0 || db_exec(db, pragma) < 0) {
		fprintf(stderr, "portal: migration %s failed; the database is unchanged\n", path);
		db_rollback(db);
		goto out;
	}
	rc = db_commit(db);
out:
	free(sql);
	return rc;
}

int db_migrate(struct db *db, const char *sqldir)
{
	DIR *d = opendir(sqldir);
	if (d == NULL) {
		fprintf(stderr, "portal: cannot open migrations folder %s: %s\n", sqldir,
			strerror(errno));
		return -1;
	}
	/* Numbers are below 1000, so a table indexed by number keeps them in order. */
	char *names[1000] = {0};
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d)) != NULL) {
		long n = migration_number(e->d_name);
		if (n <= 0)
			continue;
		if (names[n] != NULL) {
			fprintf(stderr, "portal: two migrations numbered %ld in %s\n", n, sqldir);
			rc = -1;
			break;
		}
		names[n] = strdup(e->d_name);
		if (names[n] == NULL) {
			rc = -1;
			break;
		}
	}
	closedir(d);
	for (long n = 1; n < 1000; n++) {
		if (names[n] == NULL)
			continue;
		if (rc == 0) {
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s", sqldir, names[n]);
			rc = apply_migration(db, path, n);
		}
		free(names[n]);
	}
	return rc;
}

int db_backup(struct db *db, const char *path)
{
	/* Made 0600 before SQLite opens it, whatever the umask: a backup holds
	 * everyone's details.  SQLite gives its journal the same mode. */
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || fchmod(fd, 0600) < 0) {
		fprintf(stderr, "portal: cannot create %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	sqlite3 *dest;
	if (sqlite3_open(path, &dest) != SQLITE_OK) {
		fprintf(stderr, "portal: cannot create %s: %s\n", path, sqlite3_errmsg(dest));
		sqlite3_close(dest);
		return -1;
	}
	sqlite3_backup *b = sqlite3_backup_init(dest, "main", db->conn, "main");
	int rc = -1;
	if (b != NULL) {
		int step;
		/* Copy in steps so that writers are not held off for the whole copy. */
		while ((step = sqlite3_backup_step(b, 256)) == SQLITE_OK || step == SQLITE_BUSY ||
		       step == SQLITE_LOCKED)
			sqlite3_sleep(step == SQLITE_OK ? 0 : 20);
		sqlite3_backup_finish(b);
		rc = step == SQLITE_DONE ? 0 : -1;
	}
	/* The copy inherits WAL mode; a rollback-journal file stands alone, so it
	 * can be copied by itself and opened from read-only media. */
	if (rc == 0 &&
	    sqlite3_exec(dest, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK)
		rc = -1;
	if (rc < 0)
		fprintf(stderr, "portal: backup to %s failed: %s\n", path, sqlite3_errmsg(dest));
	if (sqlite3_close(dest) != SQLITE_OK)
		rc = -1;
	return rc;
}

int db_latest_migration(const char *sqldir)
{
	DIR *d = opendir(sqldir);
	if (d == NULL) {
		fprintf(stderr, "portal: cannot open migrations folder %s: %s\n", sqldir,
			strerror(errno));
		return -1;
	}
	long latest = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		long n = migration_number(e->d_name);
		if (n > latest)
			latest = n;
	}
	closedir(d);
	if (latest == 0) {
		fprintf(stderr, "portal: no migrations in %s\n", sqldir);
		return -1;
	}
	return (int)latest;
}

/*
 * Checks that the open copy src (named from) is sound and holds a portal
 * schema this program can migrate; sets *version.  0 or -1 after a message.
 */
static int check_copy(sqlite3 *src, const char *from, int max_version, int *version)
{
	sqlite3_stmt *st;
	/* A file that is not a database fails here, with SQLITE_NOTADB. */
	if (sqlite3_prepare_v2(src, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "portal: %s is not a readable SQLite database: %s\n", from,
			sqlite3_errmsg(src));
		return -1;
	}
	int rows = 0, ok = 0, step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *s = sqlite3_column_text(st, 0);
		rows++;
		if (rows == 1 && s && strcmp((const char *)s, "ok") == 0)
			ok = 1;
		else if (rows <= 5)
			fprintf(stderr, "portal: %s: %s\n", from, s ? (const char *)s : "?");
	}
	if (step != SQLITE_DONE) {
		fprintf(stderr, "portal: %s is not a readable SQLite database: %s\n", from,
			sqlite3_errmsg(src));
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	if (!ok || rows != 1) {
		fprintf(stderr, "portal: %s fails SQLite's integrity check; not restoring it\n",
			from);
		return -1;
	}
	if (sqlite3_prepare_v2(src, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		fprintf(stderr, "portal: %s: %s\n", from, sqlite3_errmsg(src));
		sqlite3_finalize(st);
		return -1;
	}
	*version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (*version < 1) {
		fprintf(stderr,
			"portal: %s has no portal schema (user_version 0); not restoring it\n",
			from);
		return -1;
	}
	if (*version > max_version) {
		fprintf(stderr,
			"portal: %s is at schema version %d but this portal knows only up to %d;"
			" restore it with the newer portal that made it\n",
			from, *version, max_version);
		return -1;
	}
	return 0;
}

int db_restore(const char *path, const char *from, int max_version, int *version)
{
	sqlite3 *src = NULL;
	int rc = sqlite3_open_v2(from, &src, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		fprintf(stderr, "portal: cannot open %s: %s\n", from,
			src ? sqlite3_errmsg(src) : sqlite3_errstr(rc));
		sqlite3_close(src);
		return -1;
	}
	if (check_copy(src, from, max_version, version) < 0) {
		sqlite3_close(src);
		return -1;
	}
	struct db *dest = db_open(path);
	if (dest == NULL) {
		sqlite3_close(src);
		return -1;
	}
	/* One step copies every page in one write transaction of the destination:
	 * readers of the live file see the old or the new database, never a mix,
	 * and a failure leaves the old one. */
	sqlite3_backup *b = sqlite3_backup_init(dest->conn, "main", src, "main");
	rc = -1;
	if (b != NULL) {
		int step = sqlite3_backup_step(b, -1);
		if (sqlite3_backup_finish(b) == SQLITE_OK && step == SQLITE_DONE)
			rc = 0;
	}
	if (rc < 0)
		fprintf(stderr, "portal: restoring %s into %s failed: %s\n", from, path,
			sqlite3_errmsg(dest->conn));
	db_close(dest);
	sqlite3_close(src);
	return rc;
}
