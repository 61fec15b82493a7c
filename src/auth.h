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

/* Hashes a password with Argon2id into out (a crypto_pwhash_STRBYTES buffer); 0 or -1. */
int auth_password_hash(const char *password, char *out, size_t size);
/* Verifies a password against a stored hash; hash may be NULL (a dummy is
 * verified then, so that an unknown account costs the same time). */
bool auth_password_verify(const char *hash, const char *password);

/* Starts a session for user_id: a new random token, its hash stored, the cookie set. 0 or -1. */
int auth_session_start(struct request *req, struct response *res, int64_t user_id);
/* Ends this request's session and clears the cookie. */
void auth_session_end(struct request *req, struct response *res);

/* 32 random bytes as 43 base64url characters (allocated in a); its hash in hash32. */
char *auth_new_token(struct arena *a, unsigned char hash32[32]);
/* The hash of a token given by a user (for looking it up). */
void auth_token_hash(const char *token, unsigned char hash32[32]);
/* A reference "P-XXXX-XXXX": prefix and 8 random Crockford base-32 letters. */
void auth_new_reference(char prefix, char out[12]);
/* Constant-time equality of two NUL-terminated strings. */
bool auth_equal(const char *a, const char *b);

#endif
