/* twofactor.h: an account's second factors as stored: the TOTP secret (sealed) and recovery codes. */
#ifndef PORTAL_TWOFACTOR_H
#define PORTAL_TWOFACTOR_H

#include <jansson.h>
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

/* A passkey answer of the second step, as the form sent it (base64url texts). */
struct passkey_answer {
	const char *credential_id, *authenticator_data, *client_data, *signature;
};

/*
 * Checks a passkey's answer to challenge (base64url) for user_id inside the
 * caller's write transaction: one of the account's passkeys, the client data
 * of a get() by this site with this challenge, the signature verified by
 * libfido2, and a signature counter that grew (or stays 0 for authenticators
 * that keep none); the counter is stored.  TWOFACTOR_RIGHT, TWOFACTOR_WRONG
 * (TWOFACTOR_REPLAY for a counter that did not grow) or -1.
 */
int twofactor_verify_passkey(struct db *db, struct arena *a, int64_t user_id,
			     const char *challenge, const struct passkey_answer *p);

/* The base64url credential ids of user_id's passkeys: a NULL-ended list in a, or NULL. */
const char **twofactor_passkey_ids(struct db *db, struct arena *a, int64_t user_id);
/* user_id's passkeys for the set-up page (added, last used).  New reference. */
json_t *twofactor_passkeys_json(struct db *db, int64_t user_id);

/* A new challenge for adding a passkey to user_id (own transaction), base64url in a; NULL. */
const char *twofactor_passkey_challenge(struct db *db, struct arena *a, int64_t user_id);

/*
 * Adds the passkey a create() made, in one transaction that spends the
 * account's registration challenge (10 minutes, once): the client data
 * checked against it and this site's origin, the credential read from its
 * authenticator data.  1 added, 0 refused, -1 failure.
 */
int twofactor_passkey_add(struct db *db, struct arena *a, int64_t user_id,
			  const struct passkey_answer *p);

/* Removes every second factor of user_id inside the caller's write transaction.  0 or -1. */
int twofactor_remove(struct db *db, int64_t user_id);

#endif
