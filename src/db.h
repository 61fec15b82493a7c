/* db.h: the SQLite connection of one thread, its prepared statements, write transactions and migrations. */
#ifndef PORTAL_DB_H
#define PORTAL_DB_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Convention: functions returning int give 0 on success and -1 on failure,
 * after logging the SQLite error to standard error.
 */
struct db;

/* Opens (creating) the database at path with WAL, synchronous=FULL, foreign
 * keys and a busy timeout.  NULL on failure, after a message on stderr. */
struct db *db_open(const char *path);
void db_close(struct db *db);
sqlite3 *db_conn(struct db *db);

/* Applies the numbered files NNN_*.sql of sqldir above PRAGMA user_version,
 * each in its own transaction.  Safe to run from several processes at once. */
int db_migrate(struct db *db, const char *sqldir);

/*
 * The statement for sql, prepared on first use on this connection and kept;
 * sql must be a string literal (its address is the cache key).  It comes back
 * reset with its bindings cleared.  Exits on a statement that does not
 * prepare: that is a programming error, not a runtime condition.
 */
sqlite3_stmt *db_stmt(struct db *db, const char *sql);

/*
 * A write transaction: takes the process-wide writer lock, then BEGIN
 * IMMEDIATE.  Every db_begin_write that succeeds is ended by exactly one
 * db_commit or db_rollback, which releases the lock.
 */
int db_begin_write(struct db *db);
int db_commit(struct db *db);
void db_rollback(struct db *db);

/* A read transaction, so that several queries of one page see one snapshot. */
int db_begin_read(struct db *db);
void db_end_read(struct db *db);

/*
 * A number that changes whenever the database's content changes, by this
 * connection or any other (SQLite's data version): what was built from the
 * database stays valid while it stays the same.  Read after a query, it
 * speaks for the state that query saw.
 */
uint64_t db_data_version(struct db *db);

/*
 * sqlite3_step, except that running out of memory calls die_oom (after
 * resetting st): a statement that failed for want of memory may have ended
 * the transaction, so nothing more of the request may run.  Every step of
 * the program goes through here.
 */
int db_step(sqlite3_stmt *st);

/*
 * After die_oom left a request or a job part-way: resets every statement
 * still running on this connection (finalizing any not kept), rolls back
 * whatever transaction is open, releases the writer lock if this connection
 * held it, gives back the group writer's connection when this thread died
 * during its work there (group_recover), and drops the repaired texts
 * (db_col_text).  Needs no memory of its own.
 */
void db_recover(struct db *db);
/* At the end of each request that ended normally: rolls back (with a message)
 * a transaction a handler left open, so the next request starts clean, and
 * drops the texts db_col_text repaired. */
void db_request_end(struct db *db);

/*
 * Runs sql (statements without results) and never calls die_oom: 0, or -1
 * after a message, also when memory ran out.  For what must end in an
 * answer rather than a jump: ROLLBACK while recovering, and the group
 * writer's SAVEPOINT, RELEASE and COMMIT (group.c).
 */
int db_exec(struct db *db, const char *sql);
/* Resets every statement still running on the connection, finalizing any not
 * kept; needs no memory.  Part of db_recover. */
void db_reset_statements(struct db *db);

/* Runs a statement without results (bindings already made); 0 or -1. */
int db_exec_stmt(struct db *db, sqlite3_stmt *st);
/* Single integer of a statement's first row (bindings made); dflt when no row. */
int64_t db_int(struct db *db, sqlite3_stmt *st, int64_t dflt);
/* Logs the connection's last error with some context. */
void db_log_error(struct db *db, const char *what);

/* Binding shortcuts: text and blobs are copied (SQLITE_TRANSIENT); NULL binds
 * NULL.  A copy that cannot be made calls die_oom. */
void db_bind_text(sqlite3_stmt *st, int idx, const char *s);
void db_bind_blob(sqlite3_stmt *st, int idx, const void *p, size_t len);
void db_bind_int(sqlite3_stmt *st, int idx, int64_t v);
/*
 * Column text as valid UTF-8 ("" for NULL): the statement's own string, or,
 * when what is stored is not valid UTF-8 (written by hand or by an old
 * version), a copy with each invalid sequence replaced by U+FFFD that lives
 * until the end of the request (db_text_reset).  So text read back can
 * always go into JSON and pages.
 */
const char *db_col_text(sqlite3_stmt *st, int col);

/* SQLite's online backup of the live database into path, a file of mode
 * 0600 whatever the umask; 0 or -1. */
int db_backup(struct db *db, const char *path);

/* The highest number among the migrations NNN_*.sql of sqldir (the schema
 * version this program makes); -1 after a message when there is none. */
int db_latest_migration(const char *sqldir);

/*
 * Replaces the database at path with the SQLite file from, after checking
 * that from passes PRAGMA integrity_check and holds a portal schema
 * (user_version from 1 to max_version, which it stores in *version).  The
 * backup API copies it into the live file in one transaction, so the WAL and
 * shared memory stay consistent and a failure changes nothing.  The caller
 * keeps servers away and migrates afterwards.  0 or -1 after a message.
 */
int db_restore(const char *path, const char *from, int max_version, int *version);

#endif
