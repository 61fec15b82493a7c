/* sealed.h: sealing the personal columns of stored applications: at start-up, and under a new key.
 */
#ifndef PORTAL_SEALED_H
#define PORTAL_SEALED_H

#include "db.h"

/*
 * Convention: 0 or a count on success, -1 after a message on standard error,
 * with the database unchanged.
 */

/*
 * Seals, in one write transaction, every personal value still in plain text
 * (a database from before 006_sealed.sql, or rows written by other means)
 * and fills the missing lookup hashes.  Idempotent; a key must be loaded.
 * How many rows it changed, or -1.
 */
int sealed_migrate(struct db *db);

/*
 * Re-seals every sealed value and recomputes every lookup hash under the key
 * seal_rekey_begin made current, in one write transaction.  How many rows, or -1.
 */
int sealed_rekey(struct db *db);

/*
 * Checks that the loaded key opens the database's sealed values (one of
 * them, read back): 0 when it does or there is none, -1 after a message.
 */
int sealed_check_key(struct db *db);

/* Whether the database holds sealed values: 1, 0, or -1 when it failed. */
int sealed_any(struct db *db);

#endif
