/* page_users.c: the administrators' accounts page: list, create with an invitation, disable,
 * enable, invite again, change role and school; each action audited. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "auth.h"
#include "clock.h"
#include "db.h"
#include "mail.h"
#include "twofactor.h"
#include "pages.h"
#include "users.h"
#include "validate.h"
#include "i18n.h"
#include "view.h"

/* The roles as the form offers them; the first radio carries the field's id, for the error link. */
static const struct {
	const char *value, *id, *label, *hint;
} roles[] = {
	{"admin", "role", "Administrator",
	 "Everything staff do, plus accounts and the program pages."},
	{"staff", "role-staff", "Staff", "Classes, semesters, applicants, attendance and exports."},
	{"counselor", "role-counselor", "Counselor",
	 "Nominates students of their own school for Teens and Policing."},
};

/* The label of a role value ("Staff"); the value itself when unknown. */
static const char *role_label(const char *role)
{
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (strcmp(roles[i].value, role) == 0)
			return roles[i].label;
	return role;
}

/* Answers 503 when the database fails: nothing was changed. */
static void answer_unavailable(struct request *req, struct response *res)
{
	view_error(req, res, 503, "Sorry, there is a problem with the service",
		   "Nothing was changed. Try again in a few minutes.");
}

/*
 * Records an administrator's action on account id, inside the caller's write
 * transaction: who, when, what (action), and detail without secrets.  0 or -1.
 */
static int audit_account(struct request *req, int64_t id, const char *action, const char *detail)
{
	sqlite3_stmt *st = db_stmt(req->db, "INSERT INTO account_audit (account_id, user_id, actor,"
					    " at, action, detail) VALUES (?, ?, ?, ?, ?, ?)");
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, req->session->user_id);
	db_bind_text(st, 3, req->session->name);
	db_bind_int(st, 4, app_now());
	db_bind_text(st, 5, action);
	db_bind_text(st, 6, detail);
	return db_exec_stmt(req->db, st);
}

/* The latest account actions, newest first.  New reference. */
static json_t *audit_json(struct db *db)
{
	json_t *list = json_array();
	sqlite3_stmt *st = db_stmt(db, "SELECT a.at, a.actor, a.action, a.detail, u.name"
				       " FROM account_audit a JOIN users u ON u.id = a.account_id"
				       " ORDER BY a.at DESC, a.id DESC LIMIT 50");
	int rc;
	while ((rc = db_step(st)) == SQLITE_ROW) {
		char when[64];
		time_format(sqlite3_column_int64(st, 0), when, sizeof(when));
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:s}", "when", when,
						      "actor", db_col_text(st, 1), "action",
						      db_col_text(st, 2), "detail",
						      db_col_text(st, 3), "account",
						      db_col_text(st, 4)));
	}
	if (rc != SQLITE_DONE)
		db_log_error(db, "listing account actions");
	sqlite3_reset(st);
	return list;
}

/* One row of the accounts table, from (id, name, email, role, school, invited, disabled,
 * has a second factor). */
static json_t *account_json(sqlite3_stmt *st, int64_t self)
{
	int64_t id = sqlite3_column_int64(st, 0);
	bool invited = sqlite3_column_int(st, 5), disabled = sqlite3_column_int(st, 6);
	const char *school = school_name(db_col_text(st, 4));
	const char *status = disabled ? "Disabled" : invited ? "Invited" : "Active";
	const char *tag = disabled  ? "tag--withdrawn"
			  : invited ? "tag--waitlisted"
				    : "tag--accepted";
	json_t *row = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:b, s:b}", "id",
				(json_int_t)id, "name", db_col_text(st, 1), "email",
				db_col_text(st, 2), "role", role_label(db_col_text(st, 3)),
				"school", school ? school : "", "status", status, "tag", tag,
				"self", id == self, "can_disable", !disabled && id != self,
				"can_enable", disabled, "can_invite", !disabled);
	if (row == NULL)
		die_oom();
	json_object_set_new(row, "has_totp", json_boolean(sqlite3_column_int(st, 7)));
	/* The change form's choices, marked as the account has them. */
	json_t *r = json_array(), *s = json_array();
	const char *role = db_col_text(st, 3), *slug = db_col_text(st, 4);
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		json_array_append_new(r, json_pack("{s:s, s:s, s:b}", "value", roles[i].value,
						   "label", roles[i].label, "selected",
						   strcmp(role, roles[i].value) == 0));
	for (size_t i = 0; i < sizeof(schools) / sizeof(schools[0]); i++)
		json_array_append_new(s, json_pack("{s:s, s:s, s:b}", "slug", schools[i].slug,
						   "name", schools[i].name, "selected",
						   strcmp(slug, schools[i].slug) == 0));
	json_object_set_new(row, "role_options", r);
	json_object_set_new(row, "school_options", s);
	return row;
}

/* Every account, enabled ones first, by name.  New reference. */
static json_t *accounts_json(struct db *db, int64_t self)
{
	json_t *list = json_array();
	sqlite3_stmt *st = db_stmt(db, "SELECT id, name, email, role, COALESCE(school, ''),"
				       " password_hash IS NULL, disabled_at IS NOT NULL,"
				       " totp_secret IS NOT NULL FROM users ORDER BY disabled_at IS NOT NULL,"
				       " name COLLATE NOCASE, id");
	int rc;
	while ((rc = db_step(st)) == SQLITE_ROW)
		json_array_append_new(list, account_json(st, self));
	if (rc != SQLITE_DONE)
		db_log_error(db, "listing accounts");
	sqlite3_reset(st);
	return list;
}

/* The banner after a change: kind "created" or "disabled", for the account in the query. */
static json_t *banner_json(struct request *req, const char *kind)
{
	long id;
	struct user u;
	if (parse_int(kv_get(&req->query, kind), 1, LONG_MAX, &id) < 0 ||
	    user_find_id(req->db, req->arena, id, &u) != 1)
		return NULL;
	json_t *b = json_pack("{s:s, s:s}", "name", u.name, "email", u.email);
	if (b == NULL)
		die_oom();
	return b;
}

/* The role radios and the school options, marked as chosen in values. */
static void add_choices(json_t *data, const struct kvmap *values)
{
	const char *role = values ? kv_str(values, "role") : "";
	const char *school = values ? kv_str(values, "school") : "";
	json_t *r = json_array(), *s = json_array();
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		json_array_append_new(r, json_pack("{s:s, s:s, s:s, s:s, s:b}", "id", roles[i].id,
						   "value", roles[i].value, "label", roles[i].label,
						   "hint", roles[i].hint, "checked",
						   strcmp(role, roles[i].value) == 0));
	}
	for (size_t i = 0; i < sizeof(schools) / sizeof(schools[0]); i++)
		json_array_append_new(s, json_pack("{s:s, s:s, s:b}", "slug", schools[i].slug,
						   "name", schools[i].name, "selected",
						   strcmp(school, schools[i].slug) == 0));
	json_object_set_new(data, "roles", r);
	json_object_set_new(data, "schools", s);
}

/*
 * Renders the accounts page with status: the list, the banners the query
 * asks for, and the create form with values as typed (NULL when empty).
 */
static void render_accounts(struct request *req, struct response *res, int status,
			    const struct kvmap *values, const struct form_errors *errs)
{
	static const char *const fields[] = {"email", "name", "role", "school", NULL};
	struct db *db = req->db;
	json_t *data = json_object();
	/* One snapshot for the list and the banners; should BEGIN fail, each query still runs. */
	db_begin_read(db);
	json_object_set_new(data, "accounts", accounts_json(db, req->session->user_id));
	json_object_set_new(data, "audit", audit_json(db));
	if (status == 200) {
		static const char *const kinds[] = {"created", "disabled", "enabled", "invited",
						    "changed", "reset"};
		for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
			json_t *b = banner_json(req, kinds[i]);
			if (b)
				json_object_set_new(data, kinds[i], b);
		}
	}
	db_end_read(db);
	view_form(data, values, fields, errs);
	add_choices(data, values);
	json_object_set_new(data, "invite_hours", json_integer(AUTH_INVITE_SECONDS / 3600));
	json_t *reset = json_object_get(data, "reset");
	if (reset)
		json_object_set_new(reset, "required", json_boolean(app_config.require_two_factor));
	res->status = status;
	res->no_store = true;
	view_render(req, res, "users", data);
}

/* GET /admin/users: the accounts and the create form, with a banner after a change. */
void accounts_list(struct request *req, struct response *res)
{
	render_accounts(req, res, 200, NULL, NULL);
}

/* The cleaned fields of the create form (school NULL unless a counselor). */
struct account_form {
	const char *email, *name, *role, *school;
};

/* Reads and checks the create form into f; errors are added to errs. */
static void read_form(struct request *req, struct account_form *f, struct form_errors *errs)
{
	/* Errors go in the order of the form, which the error summary follows. */
	if (text_clean(req->arena, kv_str(&req->form, "name"), LEN_NAME, &f->name) == -1)
		form_error(errs, "name", "Name must not contain control characters such as tabs");
	if (text_clean(req->arena, kv_str(&req->form, "email"), LEN_EMAIL, &f->email) == -2)
		form_error(errs, "email", "Email address must be 254 characters or fewer");
	f->role = kv_str(&req->form, "role");
	/* A school chosen before switching the role away from counselor is dropped. */
	f->school = strcmp(f->role, "counselor") == 0 ? kv_str(&req->form, "school") : NULL;
	user_check_form(f->email, f->name, f->role, f->school, errs);
}

/*
 * The invitation to f's new account, MAIL_SECRET where its link's token goes: plain text from
 * templates/users_invite_mail.mustache, malloc'd (the caller frees), or NULL.
 */
static char *invite_body(struct request *req, const struct account_form *f)
{
	struct arena *a = req->arena;
	json_t *data = json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i}", "name", f->name, "role",
	    role_label(f->role), "inviter", req->session->name, "link",
	    user_site_url(a, "/account/password?token=" MAIL_SECRET), "forgot",
	    user_site_url(a, "/forgot"), "site_name", app_config.site_name, "contact",
	    view_contact_text(LANG_EN), "hours", AUTH_INVITE_SECONDS / 3600);
	if (data == NULL)
		die_oom();
	if (f->school)
		json_object_set_new(data, "school", json_string(school_name(f->school)));
	char *body = view_render_string("users_invite_mail", LANG_EN, data);
	json_decref(data);
	return body;
}

/*
 * Creates the account, its 72-hour link and the invitation in one
 * transaction.  Returns the new id, 0 when the email is taken, -1 on failure.
 */
static int64_t create_account(struct request *req, const struct account_form *f)
{
	struct db *db = req->db;
	if (db_begin_write(db) < 0)
		return -1;
	int64_t id = user_insert(db, f->email, f->name, f->role, f->school, NULL);
	if (id <= 0) {
		db_rollback(db);
		return id;
	}
	char *token = auth_password_token_new(db, req->arena, id, AUTH_INVITE_SECONDS);
	/* The token goes apart from the body: the outbox forgets it once sent. */
	char *body = token ? invite_body(req, f) : NULL;
	struct mail m = {.to = f->email,
			 .subject = "Your account for the police community programs",
			 .body = body,
			 .secret = token};
	int rc = body ? mail_queue_mail(db, &m) : -1;
	free(body);
	if (rc < 0 || audit_account(req, id, "created", role_label(f->role)) < 0) {
		db_rollback(db);
		return -1;
	}
	return db_commit(db) < 0 ? -1 : id;
}

/* POST /admin/users: 422 with the form as typed, or 303 to the list with a banner. */
void accounts_create(struct request *req, struct response *res)
{
	struct account_form f;
	struct form_errors errs = {0};
	read_form(req, &f, &errs);
	int64_t id = errs.n ? 0 : create_account(req, &f);
	if (id == 0 && errs.n == 0)
		form_error(&errs, "email", "An account with this email address exists already");
	if (errs.n) {
		render_accounts(req, res, 422, &req->form, &errs);
		return;
	}
	if (id < 0) {
		answer_unavailable(req, res);
		return;
	}
	response_redirect(res,
			  arena_printf(req->arena, "/admin/users?created=%lld", (long long)id));
}

/*
 * Disables account id in one transaction: the flag, its sessions and its
 * links all go, so it is signed out at once.  1 done, 0 no such account, -1 failure.
 */
static int disable_account(struct request *req, int64_t id)
{
	struct db *db = req->db;
	struct arena *a = req->arena;
	if (db_begin_write(db) < 0)
		return -1;
	struct user u;
	int found = user_find_id(db, a, id, &u);
	if (found != 1) {
		db_rollback(db);
		return found;
	}
	if (user_disable(db, id) < 0 || user_credentials_changed(db, id) < 0 ||
	    auth_sessions_delete(db, id, NULL) < 0 ||
	    auth_password_tokens_end(db, id, true) < 0 ||
	    audit_account(req, id, "disabled", "") < 0) {
		db_rollback(db);
		return -1;
	}
	return db_commit(db) < 0 ? -1 : 1;
}

/* POST /admin/users/ID/disable: 303 back with a banner; 409 for one's own account. */
void accounts_disable(struct request *req, struct response *res)
{
	long id;
	if (parse_int(req->params[0], 1, LONG_MAX, &id) < 0) {
		view_error(req, res, 404, "Page not found", "There is no such account.");
		return;
	}
	/* Signing oneself out for good would leave no one to undo it. */
	if (id == req->session->user_id) {
		view_error(req, res, 409, "You cannot disable your own account",
			   "Ask another administrator to disable it. Nothing was changed.");
		return;
	}
	/* A slip of the mouse must not lock someone out: the first post asks. */
	if (!kv_has(&req->form, "confirm", "yes")) {
		struct user u;
		int found = user_find_id(req->db, req->arena, id, &u);
		if (found <= 0) {
			if (found == 0)
				view_error(req, res, 404, "Page not found", "There is no such account.");
			else
				answer_unavailable(req, res);
			return;
		}
		json_t *data = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "name", u.name,
					 "email", u.email);
		if (data == NULL)
			die_oom();
		res->no_store = true;
		view_render(req, res, "users_disable", data);
		return;
	}
	int done = disable_account(req, id);
	if (done == 0)
		view_error(req, res, 404, "Page not found", "There is no such account.");
	else if (done < 0)
		answer_unavailable(req, res);
	else
		response_redirect(res, arena_printf(req->arena, "/admin/users?disabled=%ld", id));
}

/* The account the URL names, read into u; false after answering 404 or 503. */
static bool load_account(struct request *req, struct response *res, struct user *u)
{
	long id;
	int found = parse_int(req->params[0], 1, LONG_MAX, &id) < 0
			? 0
			: user_find_id(req->db, req->arena, id, u);
	if (found == 0)
		view_error(req, res, 404, "Page not found", "There is no such account.");
	else if (found < 0)
		answer_unavailable(req, res);
	return found == 1;
}

/* 303 to the accounts page with the banner of kind for account id. */
static void back_to_list(struct request *req, struct response *res, const char *kind, int64_t id)
{
	response_redirect(res, arena_printf(req->arena, "/admin/users?%s=%lld", kind,
					    (long long)id));
}

/* Opens the write transaction of an account action; false after answering 503. */
static bool begin_action(struct request *req, struct response *res)
{
	if (db_begin_write(req->db) == 0)
		return true;
	answer_unavailable(req, res);
	return false;
}

/*
 * The end of an account action, its change written (ok) in the transaction
 * begin_action opened: the audit row (kind, detail), the commit, and 303 to
 * the list with kind's banner; on any failure nothing is kept, and 503.
 */
static void finish_action(struct request *req, struct response *res, bool ok, int64_t id,
			  const char *kind, const char *detail)
{
	if (ok && audit_account(req, id, kind, detail) == 0 && db_commit(req->db) == 0) {
		back_to_list(req, res, kind, id);
		return;
	}
	db_rollback(req->db);
	answer_unavailable(req, res);
}

/* POST /admin/users/ID/enable: the account may sign in again (with its old password). */
void accounts_enable(struct request *req, struct response *res)
{
	struct user u;
	if (!load_account(req, res, &u))
		return;
	struct db *db = req->db;
	if (!u.disabled) {
		back_to_list(req, res, "enabled", u.id);
		return;
	}
	if (!begin_action(req, res))
		return;
	sqlite3_stmt *st = db_stmt(db, "UPDATE users SET disabled_at = NULL WHERE id = ?");
	db_bind_int(st, 1, u.id);
	finish_action(req, res, db_exec_stmt(db, st) == 0, u.id, "enabled", "");
}

/*
 * POST /admin/users/ID/invite: a new 72-hour link to choose a password,
 * e-mailed as the first invitation was; the account's older unused links stop
 * working.  409 for a disabled account (enable it first).
 */
void accounts_invite(struct request *req, struct response *res)
{
	struct user u;
	if (!load_account(req, res, &u))
		return;
	if (u.disabled) {
		view_error(req, res, 409, "This account is disabled",
			   "Enable it first, then send a new link. Nothing was sent.");
		return;
	}
	struct db *db = req->db;
	struct account_form f = {.email = u.email, .name = u.name, .role = u.role,
				 .school = u.school[0] ? u.school : NULL};
	if (!begin_action(req, res))
		return;
	char *token = auth_password_tokens_end(db, u.id, false) < 0
			  ? NULL
			  : auth_password_token_new(db, req->arena, u.id, AUTH_INVITE_SECONDS);
	char *body = token ? invite_body(req, &f) : NULL;
	struct mail m = {.to = u.email,
			 .subject = "Your account for the police community programs",
			 .body = body,
			 .secret = token};
	int rc = body ? mail_queue_mail(db, &m) : -1;
	free(body);
	finish_action(req, res, rc >= 0, u.id, "invited", "");
}

/*
 * POST /admin/users/ID: a new role and school (counselors need one, others
 * none).  422 with the page for a bad choice; 409 for an administrator
 * taking away their own role (no one might be left to give it back).
 */
void accounts_change(struct request *req, struct response *res)
{
	struct user u;
	if (!load_account(req, res, &u))
		return;
	const char *role = kv_str(&req->form, "role");
	const char *school = strcmp(role, "counselor") == 0 ? kv_str(&req->form, "school") : NULL;
	struct form_errors errs = {0};
	user_check_form(u.email, u.name, role, school, &errs);
	if (errs.n) {
		render_accounts(req, res, 422, NULL, &errs);
		return;
	}
	if (u.id == req->session->user_id && strcmp(role, "admin") != 0) {
		view_error(req, res, 409, "You cannot remove your own administrator role",
			   "Ask another administrator to change it. Nothing was changed.");
		return;
	}
	struct db *db = req->db;
	const char *was = u.school[0] ? arena_printf(req->arena, "%s (%s)", role_label(u.role),
						     school_name(u.school))
				      : role_label(u.role);
	const char *now = school ? arena_printf(req->arena, "%s (%s)", role_label(role),
						school_name(school))
				 : role_label(role);
	if (strcmp(was, now) == 0) {
		back_to_list(req, res, "changed", u.id);
		return;
	}
	if (!begin_action(req, res))
		return;
	sqlite3_stmt *st = db_stmt(db, "UPDATE users SET role = ?, school = ? WHERE id = ?");
	db_bind_text(st, 1, role);
	db_bind_text(st, 2, school);
	db_bind_int(st, 3, u.id);
	finish_action(req, res, db_exec_stmt(db, st) == 0, u.id, "changed",
		      arena_printf(req->arena, "%s to %s", was, now));
}

/*
 * POST /admin/users/ID/reset-two-factor: the account's second factors go, and
 * with them its sessions and half-finished sign-ins (its credentials
 * changed), in one transaction with the audit row; 303 back with a banner.
 */
void accounts_reset_two_factor(struct request *req, struct response *res)
{
	struct user u;
	if (!load_account(req, res, &u))
		return;
	struct db *db = req->db;
	if (db_begin_write(db) < 0)
		goto fail;
	if (twofactor_remove(db, u.id) < 0 || user_credentials_changed(db, u.id) < 0 ||
	    auth_sessions_delete(db, u.id, NULL) < 0 ||
	    audit_account(req, u.id, "two-factor reset", "") < 0 || db_commit(db) < 0) {
		db_rollback(db);
		goto fail;
	}
	back_to_list(req, res, "reset", u.id);
	return;
fail:
	answer_unavailable(req, res);
}
