/* twofactor.h: an account's second factors as stored: the TOTP secret (sealed) and recovery codes. */
#ifndef PORTAL_TWOFACTOR_H
#define PORTAL_TWOFACTOR_H

#include <stdint.h>

#include "arena.h"
#include "db.h"
#include "totp.h"

/*
 * Convention: 0 or positive is an answer, -1 a failure (database, or a
 * sealed value that does not open) after a message on stderr.
 */

/* What twofactor_verify answers. */
enum {
	TWOFACTOR_WRONG = 0,
	TWOFACTOR_RIGHT = 1,
	TWOFACTOR_REPLAY = 2, /* a right code already used */
};

/*
 * Checks a code typed at the second step for user_id, inside the caller's
 * write transaction: six digits are a TOTP code (accepted once, one step of
 * drift), ten letters a recovery code (spent when right).  TWOFACTOR_* or -1.
 */
int twofactor_verify(struct db *db, struct arena *a, int64_t user_id, const char *code);

/* Unused recovery codes of user_id; -1 on failure. */
int twofactor_recovery_left(struct db *db, int64_t user_id);

/*
 * The secret being set up for user_id, as base32 into out: the one already
 * shown when there is one (a reload must not change what was scanned), else
 * a new one, stored sealed.  Own transaction.  0 or -1.
 */
int twofactor_pending(struct db *db, struct arena *a, int64_t user_id,
		      char out[TOTP_BASE32_SIZE]);

/*
 * Confirms the pending secret of user_id with a code: it becomes the
 * account's factor, and 10 new recovery codes replace any old ones (their
 * keyed hashes stored; a sealed copy kept for the page that shows them
 * once).  Own transaction.  1 done, 0 the code is wrong (or nothing is
 * pending), -1 failure.
 */
int twofactor_confirm(struct db *db, struct arena *a, int64_t user_id, const char *code);

/*
 * The recovery codes just made for user_id, for showing once: a NULL-ended
 * list in a, or NULL when there are none to show.  They are forgotten here
 * (own transaction).  -1 through *failed on failure.
 */
const char **twofactor_take_unseen(struct db *db, struct arena *a, int64_t user_id, int *failed);

/* Removes every second factor of user_id inside the caller's write transaction.  0 or -1. */
int twofactor_remove(struct db *db, int64_t user_id);

#endif
