/* users.h: accounts of staff, administrators and counselors. */
#ifndef PORTAL_USERS_H
#define PORTAL_USERS_H

#include <stdint.h>

#include "db.h"

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

#endif
