/* sealed.c: sealing the personal columns of stored applications: at start-up, and under a new key.
 */
#include "sealed.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "seal.h"

/*
 * The columns read and written here, in this order: the eight sealed in every
 * row, then email and phone, sealed in TAP rows only (a PIP applicant's
 * address finds their application and their duplicate, and stays plain).
 */
enum { COL_DOB, COL_STUDENT_ID, N_ALWAYS = 8, COL_EMAIL = 8, COL_PHONE, N_COLS };

/* Rows read per batch: updating the rows a statement is still stepping over
 * is undefined in SQLite, so each batch is read whole, then written. */
enum { BATCH = 256 };

/* A plain value's SQL test of "not sealed yet": neither NULL, '' nor sealed. */
#define PLAIN(c) "(" c " <> '' AND substr(" c ", 1, 3) <> 's1:')"

static const char
    select_rows[] =
        "SELECT id, ref, dob, student_id, guardian_name, guardian_phone, guardian_email,"
        " emergency_name, emergency_phone, accommodations, email, phone FROM applications"
        " WHERE id > ?1 AND (?2 OR " PLAIN("dob") " OR " PLAIN("student_id") " OR " PLAIN("guardian"
                                                                                          "_name") " OR " PLAIN("guardian_phone") " OR " PLAIN("guardian_email") " OR " PLAIN(
            "emergency_name") " OR " PLAIN("emergency_phone") " OR " PLAIN("accommodations") " OR "
                                                                                             "(subs"
                                                                                             "tr("
                                                                                             "ref, "
                                                                                             "1, "
                                                                                             "1) = "
                                                                                             "'T' "
                                                                                             "AND "
                                                                                             "(" PLAIN("email") " OR " PLAIN("phone") "))"
                                                                                                                                      " OR (dob <> '' AND dob_hash IS NULL) OR (student_id <> '' AND student_id_hash IS NULL))"
                                                                                                                                      " ORDER BY id LIMIT ?3";

/* One row as read, then as it is to be written; strings live in the arena. */
struct row {
	int64_t id;
	bool tap;
	const char *ref;
	const char *v[N_COLS];
};

/* Reads up to BATCH rows after id `after` into rows: how many, or -1. */
static int read_batch(struct db *db, struct arena *a, int64_t after, bool all, struct row *rows)
{
	sqlite3_stmt *st = db_stmt(db, select_rows);
	db_bind_int(st, 1, after);
	db_bind_int(st, 2, all);
	db_bind_int(st, 3, BATCH);
	int n = 0, rc;
	while ((rc = db_step(st)) == SQLITE_ROW) {
		struct row *r = &rows[n++];
		r->id = sqlite3_column_int64(st, 0);
		r->ref = arena_strdup(a, db_col_text(st, 1));
		r->tap = r->ref[0] == 'T';
		for (int i = 0; i < N_COLS; i++) {
			const unsigned char *t = sqlite3_column_text(st, 2 + i);
			r->v[i] = t ? arena_strdup(a, (const char *)t) : NULL;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		db_log_error(db, "reading applications to seal");
		return -1;
	}
	return n;
}

/* Opens and re-seals row r's values under the current key and writes them
 * back with their hashes; 0, or -1 after a message. */
static int reseal(struct db *db, struct arena *a, const struct row *r)
{
	const char *out[N_COLS], *plain[N_COLS];
	for (int i = 0; i < N_COLS; i++) {
		plain[i] = r->v[i];
		out[i] = r->v[i];
		if (r->v[i] == NULL || (i >= N_ALWAYS && !r->tap && !seal_is_sealed(r->v[i])))
			continue;
		plain[i] = seal_open(a, r->v[i]);
		if (plain[i] == NULL) {
			fprintf(stderr,
			        "portal: a sealed value of application %s does not open with this"
			        " key; nothing was changed\n",
			        r->ref);
			return -1;
		}
		out[i] = i >= N_ALWAYS && !r->tap ? plain[i] : seal_text(a, plain[i]);
	}
	char dob_hash[65], sid_hash[65];
	bool has_dob = plain[COL_DOB] && plain[COL_DOB][0];
	bool has_sid = plain[COL_STUDENT_ID] && plain[COL_STUDENT_ID][0];
	if (has_dob)
		seal_hash(plain[COL_DOB], dob_hash);
	if (has_sid)
		seal_hash(plain[COL_STUDENT_ID], sid_hash);
	sqlite3_stmt *st = db_stmt(
	    db, "UPDATE applications SET dob = ?, student_id = ?, guardian_name = ?,"
	        " guardian_phone = ?, guardian_email = ?, emergency_name = ?, emergency_phone = ?,"
	        " accommodations = ?, email = ?, phone = ?, dob_hash = ?, student_id_hash = ?"
	        " WHERE id = ?");
	for (int i = 0; i < N_COLS; i++)
		db_bind_text(st, 1 + i, out[i]);
	db_bind_text(st, N_COLS + 1, has_dob ? dob_hash : NULL);
	db_bind_text(st, N_COLS + 2, has_sid ? sid_hash : NULL);
	db_bind_int(st, N_COLS + 3, r->id);
	return db_exec_stmt(db, st);
}

/* The work of sealed_migrate (all false) and sealed_rekey (all true). */
static int run(struct db *db, bool all)
{
	if (!seal_ready()) {
		fputs("portal: sealing needs the key file (key_file or --key-file)\n", stderr);
		return -1;
	}
	if (db_begin_write(db) < 0)
		return -1;
	struct arena a;
	arena_init(&a);
	static struct row rows[BATCH];
	int64_t after = 0;
	int done = 0, n;
	while ((n = read_batch(db, &a, after, all, rows)) > 0) {
		for (int i = 0; i < n; i++) {
			if (reseal(db, &a, &rows[i]) < 0) {
				n = -1;
				break;
			}
		}
		if (n < 0)
			break;
		done += n;
		after = rows[n - 1].id;
		arena_reset(&a);
	}
	arena_free(&a);
	if (n < 0) {
		db_rollback(db);
		return -1;
	}
	return db_commit(db) == 0 ? done : -1;
}

int sealed_migrate(struct db *db)
{
	return run(db, false);
}

int sealed_rekey(struct db *db)
{
	return run(db, true);
}

int sealed_any(struct db *db)
{
	/* dob: every application has one until it is erased. */
	sqlite3_stmt *st = db_stmt(db, "SELECT EXISTS (SELECT 1 FROM applications"
	                               " WHERE substr(dob, 1, 3) = 's1:')");
	return (int)db_int(db, st, -1);
}

int sealed_check_key(struct db *db)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT ref, dob FROM applications"
	                               " WHERE substr(dob, 1, 3) = 's1:' LIMIT 1");
	int rc = db_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		return 0;
	}
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		db_log_error(db, "reading a sealed value");
		return -1;
	}
	struct arena a;
	arena_init(&a);
	bool ok = seal_open(&a, db_col_text(st, 1)) != NULL;
	if (!ok)
		fprintf(stderr,
		        "portal: the key file does not open the sealed values of this database"
		        " (application %s): give the key it was sealed with\n",
		        db_col_text(st, 0));
	sqlite3_reset(st);
	arena_free(&a);
	return ok ? 0 : -1;
}
