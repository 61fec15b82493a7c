/* cli.h: the commands that change the database from the command line. */
#ifndef PORTAL_CLI_H
#define PORTAL_CLI_H

#include "db.h"

struct cli_user {
	const char *role, *email, *name, *school, *password;
};

/* `portal user add`: checks and creates the account; returns the exit status. */
int cli_user_add(struct db *db, const struct cli_user *u);
/* `portal bootstrap`: an admin when there is no account (named by admin's
 * name and email when given; its password printed once, to be changed at the
 * first sign-in) and, with demo, an open class and semester when there is none. */
int cli_bootstrap(struct db *db, int demo, const struct cli_user *admin);

#endif
