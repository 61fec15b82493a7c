/* retention.c: the erasure of personal data after the retention period. */
#include "retention.h"

#include <stdbool.h>
#include <stdio.h>

#include "app.h"

/* The applications due for erasure, ?1 being the cutoff: closed (declined or
 * withdrawn) at or before it, and not erased yet. */
#define ERASABLE                                                                           \
	" erased_at IS NULL AND status IN ('declined', 'withdrawn') AND status_at <= ?1"
#define ERASABLE_IDS " (SELECT id FROM applications WHERE" ERASABLE ")"

long long retention_due(long long status_at)
{
	return status_at + (long long)app_config.retention_days * 86400;
}

/*
 * Runs sql, a string literal (db_stmt keeps statements by its address), with
 * ?1 = a and, when it has one, ?2 = b: the rows changed, or -1.
 */
static int run(struct db *db, const char *sql, long long a, long long b)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	db_bind_int(st, 1, a);
	if (sqlite3_bind_parameter_count(st) >= 2)
		db_bind_int(st, 2, b);
	if (db_exec_stmt(db, st) < 0)
		return -1;
	return sqlite3_changes(db_conn(db));
}

int retention_run(struct db *db, long long now)
{
	long long cutoff = now - (long long)app_config.retention_days * 86400;
	if (db_begin_write(db) < 0)
		return -1;
	int apps = 0, entries = 0;
	/* Every copy goes with the application: its affiliations, staff notes in its
	 * audit rows (who, when and which status stay, as the record of what was
	 * decided) and the messages about it, sent or not, which hold its names and
	 * addresses.  A sent message of anyone else holds a name and an address too.
	 * The lookups' result pages and the self-service counts name addresses too:
	 * each is kept no longer than it serves (half an hour, a day). */
	bool ok =
	    run(db, "DELETE FROM affiliations WHERE application_id IN" ERASABLE_IDS, cutoff, 0) >= 0 &&
	    run(db, "UPDATE audit SET note = '' WHERE note <> '' AND application_id IN" ERASABLE_IDS,
		cutoff, 0) >= 0 &&
	    run(db, "DELETE FROM outbox WHERE application_id IN" ERASABLE_IDS, cutoff, 0) >= 0 &&
	    (apps = run(db,
			"UPDATE applications SET first_name = NULL, last_name = NULL, dob = NULL,"
			" email = NULL, phone = NULL, street = NULL, city = NULL, zip = NULL,"
			" emergency_name = NULL, emergency_phone = NULL, accommodations = NULL,"
			" referral = NULL, student_id = NULL, guardian_name = NULL,"
			" guardian_phone = NULL, guardian_email = NULL, counselor_note = NULL,"
			" dob_hash = NULL, student_id_hash = NULL, erased_at = ?2 WHERE" ERASABLE,
			cutoff, now)) >= 0 &&
	    (entries = run(db,
			   "UPDATE interest SET email = NULL, name = NULL, erased_at = ?2"
			   " WHERE erased_at IS NULL AND notified_at <= ?1",
			   cutoff, now)) >= 0 &&
	    run(db,
		"DELETE FROM outbox WHERE (sent_at IS NOT NULL AND sent_at <= ?1) OR"
		" (failed_at IS NOT NULL AND failed_at <= ?1)",
		cutoff, 0) >= 0 &&
	    run(db, "DELETE FROM status_views WHERE expires_at <= ?1", now, 0) >= 0 &&
	    run(db, "DELETE FROM self_service_requests WHERE at <= ?1", now - 86400, 0) >= 0 &&
	    run(db, "DELETE FROM forgot_requests WHERE at <= ?1", now - 86400, 0) >= 0 &&
	    /* The access log is kept access_log_days (SPEC.md), its own period. */
	    run(db, "DELETE FROM access_log WHERE at <= ?1",
		now - (long long)app_config.access_log_days * 86400, 0) >= 0;
	if (!ok) {
		db_rollback(db);
		return -1;
	}
	if (db_commit(db) < 0)
		return -1;
	if (apps || entries)
		fprintf(stderr, "portal: retention: erased %d applications and %d interest entries\n",
			apps, entries);
	return apps + entries;
}
