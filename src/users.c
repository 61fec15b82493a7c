/* users.c: account rules and the users table. */
#include "users.h"

#include <string.h>

#include "app.h"
#include "auth.h"
#include "validate.h"

const struct school schools[6] = {
	{"torrance", "Torrance High School"},
	{"north", "North High School"},
	{"south", "South High School"},
	{"west", "West High School"},
	{"shery", "Kurt T. Shery High School"},
	{"drevno", "Gene Drevno Community Day School"},
};

const char *school_name(const char *slug)
{
	for (size_t i = 0; i < sizeof(schools) / sizeof(schools[0]); i++)
		if (slug && strcmp(schools[i].slug, slug) == 0)
			return schools[i].name;
	return NULL;
}

/* Code points in a UTF-8 string. */
static size_t utf8_length(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

const char *user_check(const char *email, const char *name, const char *role, const char *school)
{
	if (email == NULL || !email_valid(email))
		return "Enter an email address in the correct format, like name@example.com";
	if (name == NULL || name[0] == '\0')
		return "Enter the person's name";
	if (utf8_length(name) > LEN_NAME)
		return "Name must be 60 characters or fewer";
	if (role == NULL ||
	    (strcmp(role, "admin") && strcmp(role, "staff") && strcmp(role, "counselor")))
		return "Choose a role: admin, staff or counselor";
	bool counselor = strcmp(role, "counselor") == 0;
	if (counselor && school_name(school) == NULL)
		return "Choose the counselor's school: torrance, north, south, west, shery or drevno";
	if (!counselor && school && school[0])
		return "Only counselors belong to a school";
	return NULL;
}

const char *user_check_password(const char *password)
{
	if (utf8_length(password) < AUTH_MIN_PASSWORD)
		return "Password must be at least 12 characters";
	if (strlen(password) > 1000)
		return "Password must be 1,000 characters or fewer";
	return NULL;
}

int64_t user_insert(struct db *db, const char *email, const char *name, const char *role,
		    const char *school, const char *password_hash)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT 1 FROM users WHERE email = ?");
	db_bind_text(st, 1, email);
	if (db_int(db, st, 0))
		return 0;
	st = db_stmt(db, "INSERT INTO users (email, name, role, school, password_hash, created_at)"
			 " VALUES (?, ?, ?, ?, ?, ?)");
	db_bind_text(st, 1, email);
	db_bind_text(st, 2, name);
	db_bind_text(st, 3, role);
	db_bind_text(st, 4, strcmp(role, "counselor") == 0 ? school : NULL);
	db_bind_text(st, 5, password_hash);
	db_bind_int(st, 6, app_now());
	if (db_exec_stmt(db, st) < 0)
		return -1;
	return sqlite3_last_insert_rowid(db_conn(db));
}
