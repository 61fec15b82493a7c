/* db.h: the SQLite connection of one thread, its prepared statements, write transactions and migrations. */
#ifndef PORTAL_DB_H
#define PORTAL_DB_H

#include <sqlite3.h>
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

/* Runs a statement without results (bindings already made); 0 or -1. */
int db_exec_stmt(struct db *db, sqlite3_stmt *st);
/* Single integer of a statement's first row (bindings made); dflt when no row. */
int64_t db_int(struct db *db, sqlite3_stmt *st, int64_t dflt);
/* Logs the connection's last error with some context. */
void db_log_error(struct db *db, const char *what);

/* Binding shortcuts: text is copied (SQLITE_TRANSIENT); NULL binds NULL. */
void db_bind_text(sqlite3_stmt *st, int idx, const char *s);
void db_bind_int(sqlite3_stmt *st, int idx, int64_t v);
/* Column text as a string owned by the statement ("" for NULL). */
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
