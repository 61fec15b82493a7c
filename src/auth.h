/* auth.h: passwords, sessions, CSRF tokens and random references (the only user of libsodium). */
#ifndef PORTAL_AUTH_H
#define PORTAL_AUTH_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "http.h"

#define AUTH_IDLE_SECONDS (30 * 60)
#define AUTH_ABSOLUTE_SECONDS (12 * 60 * 60)
#define AUTH_MIN_PASSWORD 12

/* A signed-in user, as the session cookie proved. */
struct session {
	int64_t user_id;
	const char *email, *name, *role, *school; /* school "" unless counselor */
	unsigned char token_hash[32];
	bool must_change_password; /* a printed first password: desk pages wait for a new one */
};

/* Starts libsodium and loads (or makes) the CSRF key kept in the database. 0 or -1. */
int auth_init(struct db *db);

/*
 * Runs before every handler: finds the session from the cookie (refreshing its
 * idle time), makes sure the browser has a CSRF cookie, and sets req->session
 * and req->csrf.
 */
void auth_prepare(struct request *req, struct response *res);
/* True when the POST's `csrf` field matches the token of this browser. */
bool auth_csrf_ok(const struct request *req);
/* The layout's `user` object, or NULL when signed out.  New reference. */
json_t *auth_user_json(const struct request *req);

/* The size of a buffer for an Argon2id hash string (crypto_pwhash_STRBYTES). */
#define AUTH_HASH_SIZE 128

/* Hashes a password with Argon2id into out (an AUTH_HASH_SIZE buffer); 0 or -1. */
int auth_password_hash(const char *password, char *out, size_t size);
/* Verifies a password against a stored hash; hash may be NULL (a dummy is
 * verified then, so that an unknown account costs the same time). */
bool auth_password_verify(const char *hash, const char *password);

/*
 * Starts a session for user_id: a new random token, its hash stored, the
 * cookie set.  A session the request already had is ended in the same
 * transaction (a sign-in always rotates the token).  0 or -1.
 */
int auth_session_start(struct request *req, struct response *res, int64_t user_id);
/* Ends this request's session and clears the cookie. */
void auth_session_end(struct request *req, struct response *res);
/*
 * Deletes every session of user_id but the one whose hash is keep (NULL to
 * keep none), inside the caller's write transaction.  0 or -1.
 */
int auth_sessions_delete(struct db *db, int64_t user_id, const unsigned char *keep);

/* Sign-in throttling (SPEC.md): so many failures within the window lock for a window. */
#define AUTH_THROTTLE_SECONDS (15 * 60)
#define AUTH_THROTTLE_EMAIL 5
#define AUTH_THROTTLE_ADDRESS 50

/*
 * Counts a sign-in attempt before its password is checked.  In one write
 * transaction it forgets failures too old to matter and, unless the email or
 * the address is locked, records the attempt as a failure, so that parallel
 * guesses cannot outrun the count; auth_login_forgive takes it back when the
 * password was right.  Returns the attempt's id (> 0); 0 when locked, with
 * *retry_after the seconds until the lock ends; -1 on a database failure.
 */
int64_t auth_login_attempt(struct db *db, const char *email, const char *address,
			   long long *retry_after);
/* Deletes the failure auth_login_attempt recorded for attempt.  0 or -1. */
int auth_login_forgive(struct db *db, int64_t attempt);
/*
 * Forgets the failed sign-ins for email, inside the caller's write
 * transaction: a new password ends the pause for its account.  0 or -1.
 */
int auth_login_failures_clear(struct db *db, const char *email);

/*
 * The public's self-service limits, of the sign-in throttle's kind (README.md):
 * per e-mail address, at most AUTH_RESEND_PER_DAY requests for the references
 * e-mail a day (the others send nothing) and AUTH_THROTTLE_EMAIL corrections
 * with a wrong reference within the window (then 429); per client address,
 * AUTH_THROTTLE_ADDRESS self-service requests counted within the window (then 429).
 */
#define AUTH_RESEND_PER_DAY 3
#define AUTH_RESEND_WINDOW (24 * 60 * 60)

/*
 * Counts, inside the caller's transaction, the requests of kind ("resend" or
 * "update") naming email within window seconds (*by_email) and every counted
 * request from address within AUTH_THROTTLE_SECONDS (*by_address).  0 or -1.
 */
int auth_self_service_counts(struct db *db, const char *kind, const char *email,
			     const char *address, long long window, int64_t *by_email,
			     int64_t *by_address);
/* Records one such request inside the caller's write transaction, forgetting those
 * older than a day.  0 or -1. */
int auth_self_service_record(struct db *db, const char *kind, const char *email,
			     const char *address);

/* How long an e-mailed link to set a password works. */
#define AUTH_INVITE_SECONDS (72 * 60 * 60)
#define AUTH_RESET_SECONDS (60 * 60)
/* Live links one account may have at once: bounds reset e-mails to a mailbox. */
#define AUTH_MAX_LIVE_TOKENS 3

/*
 * Makes a one-time link token for user_id that works for ttl seconds, inside
 * the caller's write transaction; only its hash is stored.  Returns the token
 * (allocated in a) or NULL on a database failure.
 */
char *auth_password_token_new(struct db *db, struct arena *a, int64_t user_id, long long ttl);
/*
 * The account a link token is for while the token is unused, unexpired and
 * the account enabled: its id; 0 when the token does not work; -1 on failure.
 */
int64_t auth_password_token_user(struct db *db, const char *token);
/* Unused, unexpired tokens of user_id; -1 on failure. */
int auth_password_tokens_live(struct db *db, int64_t user_id);
/*
 * Ends the links of user_id inside the caller's write transaction: marks the
 * unused ones used (after a password is set) or, when erase, deletes them all
 * (a disabled account).  0 or -1.
 */
int auth_password_tokens_end(struct db *db, int64_t user_id, bool erase);

/* 32 random bytes as 43 base64url characters (allocated in a); its hash in hash32. */
char *auth_new_token(struct arena *a, unsigned char hash32[32]);
/* The hash of a token given by a user (for looking it up). */
void auth_token_hash(const char *token, unsigned char hash32[32]);
/* A reference "P-XXXX-XXXX": prefix and 8 random Crockford base-32 letters. */
void auth_new_reference(char prefix, char out[12]);
/* Constant-time equality of two NUL-terminated strings. */
bool auth_equal(const char *a, const char *b);

#endif
