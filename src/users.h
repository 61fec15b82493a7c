/* users.h: accounts of staff, administrators and counselors. */
#ifndef PORTAL_USERS_H
#define PORTAL_USERS_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "db.h"
#include "validate.h"

/* The six TUSD high schools a counselor can belong to. */
struct school {
	const char *slug, *name;
};
extern const struct school schools[6];
/* The school's name for a slug, or NULL when it is not one of the six. */
const char *school_name(const char *slug);

/* Checks an account's fields; NULL when fine, else a message saying what to fix. */
const char *user_check(const char *email, const char *name, const char *role, const char *school);
/* Checks a new password's length; NULL when fine, else a message. */
const char *user_check_password(const char *password);

/*
 * Inserts an account (inside the caller's write transaction).  password_hash
 * may be NULL for an account that will set its password from an e-mailed
 * link.  Returns the new id, 0 when the e-mail is taken, -1 on failure.
 */
int64_t user_insert(struct db *db, const char *email, const char *name, const char *role,
		    const char *school, const char *password_hash);

/*
 * The account form's checks, one message per field in error added to errs
 * under the field's name (email, name, role, school).  school is only read
 * for a counselor.
 */
void user_check_form(const char *email, const char *name, const char *role, const char *school,
		     struct form_errors *errs);

/* An account as read from the table; strings live in the arena given to the reader. */
struct user {
	int64_t id;
	const char *email, *name, *role, *school; /* school "" unless counselor */
	const char *password_hash;                /* NULL until the user sets one */
	bool disabled;
	int64_t credential_version; /* grows with each change of credentials */
	bool has_totp;              /* a confirmed TOTP second factor */
};

/* Reads the account with this email (any case) or id: 1 found, 0 not, -1 failure. */
int user_find_email(struct db *db, struct arena *a, const char *email, struct user *out);
int user_find_id(struct db *db, struct arena *a, int64_t id, struct user *out);
/* The address of path on this site for e-mailed links: base_url + path (allocated in a). */
char *user_site_url(struct arena *a, const char *path);
/* Sets the Argon2id hash of an account, inside the caller's write transaction.  0 or -1. */
int user_set_password(struct db *db, int64_t id, const char *password_hash);
/*
 * Records that the credentials of an account changed (a password, its second
 * factors, a disable), inside the caller's write transaction: its credential
 * version grows and its half-finished sign-ins end, so that no sign-in that
 * checked the old credentials can start a session after this commits.  The
 * caller ends the sessions (auth_sessions_delete).  0 or -1.
 */
int user_credentials_changed(struct db *db, int64_t id);
/* Marks an account disabled (unless it is already), inside the caller's transaction.  0 or -1. */
int user_disable(struct db *db, int64_t id);

#endif
