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
	bool has_second_factor;    /* require_two_factor lets no desk page open without one */
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

/*
 * The gate of the handlers that compute a password hash: at most one worker
 * fewer than there are may be inside (computing, or waiting for one of the
 * few hashing slots), so that a burst of sign-ins never holds every worker
 * while the rest of the site waits.  auth_hash_gate_enter takes a place
 * without waiting: false means the gate is full, and the handler answers 503
 * with Retry-After at once, before any other work.  Each true is followed by
 * one auth_hash_gate_leave.
 */
bool auth_hash_gate_enter(void);
void auth_hash_gate_leave(void);
/*
 * The server's password hasher: a thread of lower priority that computes the
 * Argon2id hashes of the workers (who wait for it), so that sign-ins take
 * the CPU the pages leave.  Without it (the command line), hashes are
 * computed in place.  Start before the workers, stop after them; 0 or -1.
 */
int auth_hasher_start(void);
void auth_hasher_stop(void);
/* After die_oom ended a request part-way: gives back the gate's place this thread held. */
void auth_recover(void);

/* Hashes a password with Argon2id into out (an AUTH_HASH_SIZE buffer); 0 or -1.
 * A request's handler holds the gate. */
int auth_password_hash(const char *password, char *out, size_t size);
/* Verifies a password against a stored hash; hash may be NULL (a dummy is
 * verified then, so that an unknown account costs the same time).  1 right,
 * 0 wrong.  A request's handler holds the gate. */
int auth_password_verify(const char *hash, const char *password);
/* size random bytes from the system's generator into buf. */
void auth_random(void *buf, size_t size);
/* The SHA-256 of data into out. */
void auth_sha256(const void *data, size_t len, unsigned char out[32]);
/* data as base64url without padding (WebAuthn's encoding), in a. */
char *auth_base64url(struct arena *a, const void *data, size_t len);
/* The bytes of a base64url text (no padding) in a, *len their number; NULL when it is not one. */
unsigned char *auth_base64url_decode(struct arena *a, const char *text, size_t *len);

/*
 * Inside the caller's write transaction, creates a session for user_id when
 * the account is enabled and its credential version is still version (read
 * with the password that was checked): a change of credentials committed
 * meanwhile refuses it.  A session the request already had is ended (a
 * sign-in always rotates the token).  1 made (*token, in the arena, goes in
 * the cookie with auth_session_cookie after the commit), 0 refused, -1 failure.
 */
int auth_session_create(struct request *req, int64_t user_id, int64_t version,
			const char **token);
/* Sets the session cookie of a session auth_session_create made and committed. */
void auth_session_cookie(struct request *req, struct response *res, const char *token);
/* auth_session_create in a transaction of its own, then the cookie: 1, 0 or -1 as it. */
int auth_session_start(struct request *req, struct response *res, int64_t user_id,
		       int64_t version);

/* How long a half-finished sign-in waits for its second step, and how many wrong codes end it. */
#define AUTH_CHALLENGE_SECONDS (5 * 60)
#define AUTH_CHALLENGE_TRIES 5

/* A half-finished sign-in (the password was right; the second factor is awaited). */
struct challenge {
	unsigned char token_hash[32];
	int64_t user_id, credential_version;
	int failures;     /* wrong codes so far */
	const char *next; /* the page asked for, or NULL */
	long long created_at;
	const char *webauthn; /* the challenge a passkey signs (base64url) */
};
/*
 * Starts a half-finished sign-in for user_id whose password (of credential
 * version) was right, and sets its cookie.  1, 0 when the credentials changed
 * meanwhile, -1 failure.
 */
int auth_challenge_start(struct request *req, struct response *res, int64_t user_id,
			 int64_t version, const char *next);
/* The request's half-finished sign-in while it works: 1 found (out filled), 0 none, -1. */
int auth_challenge_find(struct request *req, struct challenge *out);
/* Counts a wrong code inside the caller's write transaction; the last allowed one
 * ends the sign-in.  *left: wrong codes still allowed.  0 or -1. */
int auth_challenge_failed(struct db *db, const struct challenge *c, int *left);
/* Ends a half-finished sign-in inside the caller's write transaction.  0 or -1. */
int auth_challenge_delete(struct db *db, const struct challenge *c);
/* Clears the half-finished sign-in's cookie. */
void auth_challenge_clear_cookie(struct request *req, struct response *res);
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
/* The same inside the caller's write transaction.  0 or -1. */
int auth_login_forgive_in(struct db *db, int64_t attempt);
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
