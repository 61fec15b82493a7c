/* mail.c: queueing messages into the outbox. */
#include "mail.h"

#include <stdio.h>

#include "app.h"

int mail_queue(struct db *db, const char *to, const char *subject, const char *body)
{
	sqlite3_stmt *st = db_stmt(db, "INSERT INTO outbox (created_at, recipient, subject, body,"
				       " next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?1)");
	long long now = app_now();
	db_bind_int(st, 1, now);
	db_bind_text(st, 2, to);
	db_bind_text(st, 3, subject);
	db_bind_text(st, 4, body);
	if (db_exec_stmt(db, st) < 0)
		return -1;
	/* The log names the message, not the person: no address, no body. */
	fprintf(stderr, "portal: mail queued: \"%s\" (outbox %lld)\n", subject,
		(long long)sqlite3_last_insert_rowid(db_conn(db)));
	return 0;
}
