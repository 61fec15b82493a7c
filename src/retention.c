/* retention.c: the erasure of personal data after the retention period. */
#include "retention.h"

#include <stdio.h>

#include "app.h"

long long retention_due(long long status_at)
{
	return status_at + (long long)app_config.retention_days * 86400;
}

int retention_run(struct db *db, long long now)
{
	long long cutoff = now - (long long)app_config.retention_days * 86400;
	if (db_begin_write(db) < 0)
		return -1;
	sqlite3_stmt *st = db_stmt(db, "DELETE FROM affiliations WHERE application_id IN"
				       " (SELECT id FROM applications WHERE erased_at IS NULL AND"
				       " status IN ('declined', 'withdrawn') AND status_at <= ?)");
	db_bind_int(st, 1, cutoff);
	if (db_exec_stmt(db, st) < 0)
		goto fail;
	/* Every copy goes with the application: staff notes in its audit rows (who,
	 * when and which status stay, as the record of what was decided) and the
	 * messages about it, sent or not, which hold its names and addresses. */
	st = db_stmt(db, "UPDATE audit SET note = '' WHERE note <> '' AND application_id IN"
			 " (SELECT id FROM applications WHERE erased_at IS NULL AND"
			 " status IN ('declined', 'withdrawn') AND status_at <= ?)");
	db_bind_int(st, 1, cutoff);
	if (db_exec_stmt(db, st) < 0)
		goto fail;
	st = db_stmt(db, "DELETE FROM outbox WHERE application_id IN"
			 " (SELECT id FROM applications WHERE erased_at IS NULL AND"
			 " status IN ('declined', 'withdrawn') AND status_at <= ?)");
	db_bind_int(st, 1, cutoff);
	if (db_exec_stmt(db, st) < 0)
		goto fail;
	st = db_stmt(db, "UPDATE applications SET first_name = NULL, last_name = NULL, dob = NULL,"
			 " email = NULL, phone = NULL, street = NULL, city = NULL, zip = NULL,"
			 " emergency_name = NULL, emergency_phone = NULL, accommodations = NULL,"
			 " referral = NULL, student_id = NULL, guardian_name = NULL,"
			 " guardian_phone = NULL, guardian_email = NULL, counselor_note = NULL,"
			 " dob_hash = NULL, student_id_hash = NULL, erased_at = ?1 WHERE erased_at IS NULL AND"
			 " status IN ('declined', 'withdrawn') AND status_at <= ?2");
	db_bind_int(st, 1, now);
	db_bind_int(st, 2, cutoff);
	if (db_exec_stmt(db, st) < 0)
		goto fail;
	int apps = sqlite3_changes(db_conn(db));
	st = db_stmt(db, "UPDATE interest SET email = NULL, name = NULL, erased_at = ?1"
			 " WHERE erased_at IS NULL AND notified_at <= ?2");
	db_bind_int(st, 1, now);
	db_bind_int(st, 2, cutoff);
	if (db_exec_stmt(db, st) < 0)
		goto fail;
	int entries = sqlite3_changes(db_conn(db));
	/* A sent message holds a name and an address too. */
	st = db_stmt(db, "DELETE FROM outbox WHERE (sent_at IS NOT NULL AND sent_at <= ?1) OR"
			 " (failed_at IS NOT NULL AND failed_at <= ?1)");
	db_bind_int(st, 1, cutoff);
	if (db_exec_stmt(db, st) < 0)
		goto fail;
	/* The lookups' result pages and the self-service counts name addresses too: each
	 * is kept no longer than it serves (half an hour, a day). */
	st = db_stmt(db, "DELETE FROM status_views WHERE expires_at <= ?");
	db_bind_int(st, 1, now);
	if (db_exec_stmt(db, st) < 0)
		goto fail;
	st = db_stmt(db, "DELETE FROM self_service_requests WHERE at <= ?");
	db_bind_int(st, 1, now - 86400);
	if (db_exec_stmt(db, st) < 0)
		goto fail;
	st = db_stmt(db, "DELETE FROM forgot_requests WHERE at <= ?");
	db_bind_int(st, 1, now - 86400);
	if (db_exec_stmt(db, st) < 0)
		goto fail;
	/* The access log is kept access_log_days (SPEC.md), its own period, not retention_days. */
	st = db_stmt(db, "DELETE FROM access_log WHERE at <= ?");
	db_bind_int(st, 1, now - (long long)app_config.access_log_days * 86400);
	if (db_exec_stmt(db, st) < 0)
		goto fail;
	if (db_commit(db) < 0)
		return -1;
	if (apps || entries)
		fprintf(stderr, "portal: retention: erased %d applications and %d interest entries\n",
			apps, entries);
	return apps + entries;
fail:
	db_rollback(db);
	return -1;
}
