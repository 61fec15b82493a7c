/* cli.c: account creation and first-run set-up from the command line. */
#include "cli.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "applications.h"
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

/*
 * The first admin, when the database has no account; prints its password
 * once.  The password went through a terminal, so it must be replaced at the
 * first sign-in.  name and email default to "Administrator" and admin@example.org.
 */
static int first_admin(struct db *db, const struct cli_user *admin)
{
	const char *name = admin && admin->name ? admin->name : "Administrator";
	const char *email = admin && admin->email ? admin->email : "admin@example.org";
	const char *err = user_check(email, name, "admin", NULL);
	if (err) {
		fprintf(stderr, "portal: %s\n", err);
		return -1;
	}
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
	int64_t id = user_insert(db, email, name, "admin", NULL, hash);
	st = db_stmt(db, "UPDATE users SET must_change_password = 1 WHERE id = ?");
	db_bind_int(st, 1, id);
	if (id <= 0 || db_exec_stmt(db, st) < 0) {
		db_rollback(db);
		return -1;
	}
	if (db_commit(db) < 0)
		return -1;
	printf("\n  An administrator account was created for %s. Sign in at /login with:\n"
	       "    email:    %s\n"
	       "    password: %s\n"
	       "  This password is shown once; you will be asked to choose your own\n"
	       "  at the first sign-in.\n\n",
	       name, email, password);
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

/* People of the demo class under way; the addresses are example.org's. */
static const char *const demo_people[][2] = {
	{"Maria", "Hernandez"}, {"James", "Kim"},     {"Aiko", "Tanaka"},
	{"Robert", "Johnson"},  {"Linda", "Nguyen"}, {"David", "Park"},
};

/* A class of demo_topics' sessions, weekly from start, on Thursday evenings. */
static struct cohort demo_class(int number, struct date start, bool open,
				struct cohort_session *sessions, int *n)
{
	struct cohort c = {.program = "pip", .number = number, .capacity = 30, .open = open,
			   .start = start, .start_time = 18 * 60 + 30, .end_time = 21 * 60 + 30,
			   .reminders = true};
	*n = (int)(sizeof(demo_topics) / sizeof(demo_topics[0]));
	for (int i = 0; i < *n; i++)
		sessions[i] = (struct cohort_session){.date = date_add_days(start, 7 * i),
						      .topic = demo_topics[i],
						      .start_time = -1};
	/* The range day is a Saturday morning elsewhere, as it is in a real class. */
	sessions[8].date = date_add_days(sessions[8].date, 2);
	sessions[8].start_time = 9 * 60;
	sessions[8].end_time = 12 * 60;
	sessions[8].location = "Torrance Police Department Firing Range, 3300 Civic Center Drive";
	return c;
}

/*
 * Accepted participants of the class under way, with attendance at the sessions
 * already held (one of them missed by every third person), so that attendance,
 * rosters and the lists can be tried at once.  Each placement is its own
 * transaction, as a real application is.
 */
static int demo_participants(struct db *db, const struct cohort *c, int held)
{
	struct actor who = {0, "system", false};
	for (int i = 0; i < (int)(sizeof(demo_people) / sizeof(demo_people[0])); i++) {
		char email[64];
		snprintf(email, sizeof(email), "demo%d@example.org", i + 1);
		struct pip_application app = {
		    .first_name = demo_people[i][0], .last_name = demo_people[i][1],
		    .dob = {1970 + 3 * i, 1 + i, 10 + i}, .email = email, .street = "3031 Torrance Blvd",
		    .city = "Torrance", .zip = "90503", .affiliations = 1u << AFF_RESIDENT,
		    .emergency_name = "A. Relative", .accommodations = "", .referral = "Demo data"};
		for (int k = 0; k < AFF_MAX; k++)
			app.detail[k] = "";
		/* Two digits that the compiler can see fit the 10-digit number (a plain int
		 * makes -O1 builds fail on a possible truncation). */
		unsigned two = (unsigned)i % 100u;
		snprintf(app.phone, sizeof(app.phone), "31055501%02u", two);
		snprintf(app.emergency_phone, sizeof(app.emergency_phone), "31055502%02u", two);
		struct placed placed;
		if (application_place_pip(db, c->id, &app, &placed) != PLACE_OK ||
		    application_move(db, placed.id, ST_ACCEPTED, &who, "Demo data", NULL) != MOVE_OK)
			return -1;
		if (db_begin_write(db) < 0)
			return -1;
		for (int s = 1; s <= held; s++) {
			if (i % 3 == 0 && s == 2)
				continue;
			sqlite3_stmt *st = db_stmt(db, "INSERT INTO attendance (application_id,"
						       " session_number, recorded_at) VALUES (?, ?, ?)");
			db_bind_int(st, 1, placed.id);
			db_bind_int(st, 2, s);
			db_bind_int(st, 3, app_now());
			if (db_exec_stmt(db, st) < 0) {
				db_rollback(db);
				return -1;
			}
		}
		if (db_commit(db) < 0)
			return -1;
	}
	return 0;
}

/*
 * When there is no class yet: PIP class 45 under way (three sessions held,
 * registration closed, six participants), class 46 open for registration, and
 * the next TAP semester open for nominations.
 */
static int demo_cohorts(struct db *db)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT count(*) FROM cohorts");
	if (db_int(db, st, -1) != 0)
		return 0;
	struct date today = date_today();
	enum { N = sizeof(demo_topics) / sizeof(demo_topics[0]) };
	struct cohort_session s45[N], s46[N];
	int n45, n46;
	/* Three Thursdays held, the fourth one coming. */
	struct date start45 = date_add_days(next_weekday(date_add_days(today, -20), 4), 0);
	struct cohort c45 = demo_class(45, start45, true, s45, &n45);
	struct cohort c46 = demo_class(46, next_weekday(date_add_days(today, 12 * 7), 4), false,
				       s46, &n46);
	/* The next semester: spring starts in late January, fall in mid September. */
	struct cohort tap = {.program = "tap", .capacity = 25, .open = true,
			     .start_time = 18 * 60, .end_time = 20 * 60, .reminders = true};
	bool spring = today.m >= 7;
	tap.year = spring ? today.y + 1 : today.y;
	snprintf(tap.term, sizeof(tap.term), "%s", spring ? "spring" : "fall");
	tap.start = next_weekday((struct date){tap.year, spring ? 1 : 9, spring ? 20 : 10}, 3);
	if (db_begin_write(db) < 0)
		return -1;
	if (cohort_insert(db, &c45, s45, n45) < 0 || cohort_insert(db, &c46, s46, n46) < 0 ||
	    cohort_insert(db, &tap, NULL, 0) < 0 || db_commit(db) < 0) {
		db_rollback(db);
		return -1;
	}
	int held = 0;
	while (held < n45 && date_cmp(s45[held].date, today) <= 0)
		held++;
	if (demo_participants(db, &c45, held) < 0 || db_begin_write(db) < 0)
		return -1;
	/* Class 45's registration closed when it began; class 46 takes applications. */
	st = db_stmt(db, "UPDATE cohorts SET registration_open = (id = ?2),"
			 " registration_closed_at = CASE WHEN id = ?1 THEN ?3 END"
			 " WHERE id IN (?1, ?2)");
	db_bind_int(st, 1, c45.id);
	db_bind_int(st, 2, c46.id);
	db_bind_int(st, 3, app_now());
	if (db_exec_stmt(db, st) < 0 || db_commit(db) < 0) {
		db_rollback(db);
		return -1;
	}
	char a[64], b[64], t[64];
	date_format_long(c45.start, a, sizeof(a));
	date_format_long(c46.start, b, sizeof(b));
	date_format_long(tap.start, t, sizeof(t));
	printf("  Demo data: PIP class 45 began %s (%d sessions held, six participants);\n"
	       "  class 46 (starts %s) and the TAP %s %d semester (starts %s)\n"
	       "  are open for registration.\n",
	       a, held, b, tap.term, tap.year, t);
	return 0;
}

int cli_bootstrap(struct db *db, int demo, const struct cli_user *admin)
{
	if (first_admin(db, admin) < 0 || (demo && demo_cohorts(db) < 0)) {
		fputs("portal: first-run set-up failed\n", stderr);
		return 1;
	}
	return 0;
}
