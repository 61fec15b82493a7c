/* cli.c: account creation and first-run set-up from the command line. */
#include "cli.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "cohort.h"
#include "users.h"

int cli_user_add(struct db *db, const struct cli_user *u)
{
	const char *err = user_check(u->email, u->name, u->role, u->school);
	if (err == NULL)
		err = user_check_password(u->password);
	if (err) {
		fprintf(stderr, "portal: %s\n", err);
		return 2;
	}
	char hash[crypto_pwhash_STRBYTES];
	if (auth_password_hash(u->password, hash, sizeof(hash)) < 0) {
		fputs("portal: could not hash the password\n", stderr);
		return 1;
	}
	if (db_begin_write(db) < 0)
		return 1;
	int64_t id = user_insert(db, u->email, u->name, u->role, u->school, hash);
	if (id <= 0) {
		db_rollback(db);
		fprintf(stderr, "portal: %s\n",
			id == 0 ? "an account with that email exists already" : "could not save");
		return 1;
	}
	if (db_commit(db) < 0)
		return 1;
	printf("created %s account %s\n", u->role, u->email);
	return 0;
}

/* The first admin, when the database has no account; prints its password once. */
static int first_admin(struct db *db)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT count(*) FROM users");
	if (db_int(db, st, -1) != 0)
		return 0;
	unsigned char raw[12];
	char password[32];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(password, sizeof(password), raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char hash[crypto_pwhash_STRBYTES];
	if (auth_password_hash(password, hash, sizeof(hash)) < 0 || db_begin_write(db) < 0)
		return -1;
	if (user_insert(db, "admin@example.org", "Administrator", "admin", NULL, hash) <= 0) {
		db_rollback(db);
		return -1;
	}
	if (db_commit(db) < 0)
		return -1;
	printf("\n  An administrator account was created. Sign in at /login with:\n"
	       "    email:    admin@example.org\n"
	       "    password: %s\n"
	       "  This password is shown once; change it at /account/password.\n\n",
	       password);
	return 0;
}

static const char *const demo_topics[] = {
	"Welcome, history of the department and the oath",
	"Patrol operations and a ride-along briefing",
	"Communications and 9-1-1 dispatch",
	"Traffic safety and collision investigation",
	"Detectives: how a case is worked",
	"Crime scene and forensics",
	"K-9 unit demonstration",
	"Special Weapons and Tactics (SWAT)",
	"Use of force and the firearms training simulator",
	"Jail operations and the courts",
	"Graduation",
};

/* The first weekday wd (0 = Sunday) on or after d. */
static struct date next_weekday(struct date d, int wd)
{
	while (date_weekday(d) != wd)
		d = date_add_days(d, 1);
	return d;
}

/* An open PIP class and TAP semester starting in a few weeks, when there are none. */
static int demo_cohorts(struct db *db)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT count(*) FROM cohorts");
	if (db_int(db, st, -1) != 0)
		return 0;
	struct date today = date_today();
	struct cohort pip = {.program = "pip", .number = 45, .capacity = 30, .open = true};
	pip.start = next_weekday(date_add_days(today, 42), 4); /* a Thursday */
	int n = (int)(sizeof(demo_topics) / sizeof(demo_topics[0]));
	struct cohort_session sessions[sizeof(demo_topics) / sizeof(demo_topics[0])];
	for (int i = 0; i < n; i++)
		sessions[i] = (struct cohort_session){date_add_days(pip.start, 7 * i), demo_topics[i]};
	/* The next semester: spring starts in late January, fall in mid September. */
	struct cohort tap = {.program = "tap", .capacity = 25, .open = true};
	bool spring = today.m >= 7;
	tap.year = spring ? today.y + 1 : today.y;
	snprintf(tap.term, sizeof(tap.term), "%s", spring ? "spring" : "fall");
	tap.start = next_weekday((struct date){tap.year, spring ? 1 : 9, spring ? 20 : 10}, 3);
	if (db_begin_write(db) < 0)
		return -1;
	if (cohort_insert(db, &pip, sessions, n) < 0 || cohort_insert(db, &tap, NULL, 0) < 0) {
		db_rollback(db);
		return -1;
	}
	if (db_commit(db) < 0)
		return -1;
	char a[48], b[48];
	date_format_long(pip.start, a, sizeof(a));
	date_format_long(tap.start, b, sizeof(b));
	printf("  Demo data: PIP class 45 (starts %s) and the TAP %s %d semester\n"
	       "  (starts %s) are open for registration.\n",
	       a, tap.term, tap.year, b);
	return 0;
}

int cli_bootstrap(struct db *db, int demo)
{
	if (first_admin(db) < 0 || (demo && demo_cohorts(db) < 0)) {
		fputs("portal: first-run set-up failed\n", stderr);
		return 1;
	}
	return 0;
}
