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

/* Each check of an account's fields: NULL when fine, else what to fix. */
static const char *check_email(const char *email)
{
	if (email == NULL || email[0] == '\0')
		return "Enter the email address the person signs in with";
	if (!email_valid(email))
		return "Enter an email address in the correct format, like name@example.com";
	return NULL;
}

static const char *check_name(const char *name)
{
	if (name == NULL || name[0] == '\0')
		return "Enter the person's name";
	if (utf8_length(name) > LEN_NAME)
		return "Name must be 60 characters or fewer";
	return NULL;
}

static const char *check_role(const char *role)
{
	if (role == NULL ||
	    (strcmp(role, "admin") && strcmp(role, "staff") && strcmp(role, "counselor")))
		return "Choose a role: admin, staff or counselor";
	return NULL;
}

static const char *check_school(const char *school)
{
	if (school_name(school) == NULL)
		return "Choose the counselor's school: torrance, north, south, west, shery or "
		       "drevno";
	return NULL;
}

const char *user_check(const char *email, const char *name, const char *role, const char *school)
{
	const char *err = check_email(email);
	if (err == NULL)
		err = check_name(name);
	if (err == NULL)
		err = check_role(role);
	if (err)
		return err;
	bool counselor = strcmp(role, "counselor") == 0;
	if (counselor)
		return check_school(school);
	if (school && school[0])
		return "Only counselors belong to a school";
	return NULL;
}

void user_check_form(const char *email, const char *name, const char *role, const char *school,
		     struct form_errors *errs)
{
	/* In the order of the form, which the error summary follows. */
	const char *err;
	if ((err = check_name(name)) != NULL)
		form_error(errs, "name", err);
	if ((err = check_email(email)) != NULL)
		form_error(errs, "email", err);
	if (role == NULL || role[0] == '\0')
		form_error(errs, "role",
			   "Choose what the person does: administrator, staff or counselor");
	else if (check_role(role) != NULL)
		form_error(errs, "role", "Choose one of the roles listed");
	else if (strcmp(role, "counselor") == 0 && school_name(school) == NULL)
		form_error(errs, "school", "Choose the counselor's school");
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

/* Fills out from a row of (id, email, name, role, school, password_hash, disabled_at). */
static void read_user(sqlite3_stmt *st, struct arena *a, struct user *out)
{
	out->id = sqlite3_column_int64(st, 0);
	out->email = arena_strdup(a, db_col_text(st, 1));
	out->name = arena_strdup(a, db_col_text(st, 2));
	out->role = arena_strdup(a, db_col_text(st, 3));
	out->school = arena_strdup(a, db_col_text(st, 4));
	out->password_hash = sqlite3_column_type(st, 5) == SQLITE_NULL
				 ? NULL
				 : arena_strdup(a, db_col_text(st, 5));
	out->disabled = sqlite3_column_type(st, 6) != SQLITE_NULL;
	out->credential_version = sqlite3_column_int64(st, 7);
	out->has_totp = sqlite3_column_int(st, 8) != 0;
}

/* Steps a bound SELECT of one account: 1 found (out filled), 0 not, -1 failure. */
static int find_one(struct db *db, sqlite3_stmt *st, struct arena *a, struct user *out)
{
	int rc = db_step(st);
	int found = 0;
	if (rc == SQLITE_ROW) {
		read_user(st, a, out);
		found = 1;
	} else if (rc != SQLITE_DONE) {
		db_log_error(db, "reading an account");
		found = -1;
	}
	sqlite3_reset(st);
	return found;
}

int user_find_email(struct db *db, struct arena *a, const char *email, struct user *out)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT id, email, name, role, COALESCE(school, ''),"
				       " password_hash, disabled_at, credential_version,"
				       " totp_secret IS NOT NULL FROM users WHERE email = ?");
	db_bind_text(st, 1, email);
	return find_one(db, st, a, out);
}

int user_find_id(struct db *db, struct arena *a, int64_t id, struct user *out)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT id, email, name, role, COALESCE(school, ''),"
				       " password_hash, disabled_at, credential_version,"
				       " totp_secret IS NOT NULL FROM users WHERE id = ?");
	db_bind_int(st, 1, id);
	return find_one(db, st, a, out);
}

int user_set_password(struct db *db, int64_t id, const char *password_hash)
{
	sqlite3_stmt *st = db_stmt(db, "UPDATE users SET password_hash = ?,"
				       " must_change_password = 0 WHERE id = ?");
	db_bind_text(st, 1, password_hash);
	db_bind_int(st, 2, id);
	return db_exec_stmt(db, st);
}

int user_credentials_changed(struct db *db, int64_t id)
{
	sqlite3_stmt *st = db_stmt(db, "UPDATE users SET credential_version ="
				       " credential_version + 1 WHERE id = ?");
	db_bind_int(st, 1, id);
	if (db_exec_stmt(db, st) < 0)
		return -1;
	st = db_stmt(db, "DELETE FROM login_challenges WHERE user_id = ?");
	db_bind_int(st, 1, id);
	return db_exec_stmt(db, st);
}

int user_disable(struct db *db, int64_t id)
{
	sqlite3_stmt *st = db_stmt(db, "UPDATE users SET disabled_at = ?"
				       " WHERE id = ? AND disabled_at IS NULL");
	db_bind_int(st, 1, app_now());
	db_bind_int(st, 2, id);
	return db_exec_stmt(db, st);
}

char *user_site_url(struct arena *a, const char *path)
{
	const char *base = app_config.base_url;
	size_t n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	return arena_printf(a, "%.*s%s", (int)n, base, path);
}
