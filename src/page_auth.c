/* page_auth.c: signing in and out, setting a password from an e-mailed link or a session. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "auth.h"
#include "db.h"
#include "mail.h"
#include "pages.h"
#include "routes.h"
#include "users.h"
#include "validate.h"
#include "i18n.h"
#include "view.h"

/* The one message for every failed sign-in: it must not tell which half was wrong. */
static const char LOGIN_FAILED[] = "The email address or password is not right";

const char *login_home(const char *role)
{
	return strcmp(role, "counselor") == 0 ? "/counselor" : "/admin";
}

/* "1 hour", "72 hours": how long a link works, for pages and e-mail. */
static const char *hours_text(struct arena *a, int seconds)
{
	int h = seconds / 3600;
	return arena_printf(a, "%d hour%s", h, h == 1 ? "" : "s");
}

/* Answers 503 when the database fails: nothing was changed that the user can see. */
static void unavailable(struct request *req, struct response *res)
{
	view_error(req, res, 503, "Sorry, there is a problem with the service",
		   "Nothing was changed. Try again in a few minutes.");
}

/*
 * The `next` value worth keeping: a path of this site.  "//host" and "/\host"
 * are refused because browsers read them as another site; only printable
 * ASCII passes, so the value can go into a Location header as it is.
 */
static const char *local_next(const char *next)
{
	if (next == NULL || next[0] != '/' || next[1] == '/' || next[1] == '\\' ||
	    strlen(next) > 1000)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)next; *p; p++)
		if (*p <= ' ' || *p > '~' || *p == '\\')
			return NULL;
	return next;
}

/* Whether a user of role may open next (a value local_next accepted). */
static bool next_allowed(struct arena *a, const char *next, const char *role)
{
	char *path = arena_strndup(a, next, strcspn(next, "?#"));
	return strcmp(path, "/login") != 0 && routes_page_allowed(a, path, role);
}

/*
 * Renders the sign-in form with status: the email as typed (never the
 * password), `next` carried on, errs (may be NULL) on the form.
 */
static void render_login(struct request *req, struct response *res, int status, const char *email,
			 const char *next, const struct form_errors *errs)
{
	static const char *const fields[] = {"email", "password", NULL};
	struct kvmap values = {0};
	kv_add(&values, req->arena, "email", email);
	json_t *data = json_object();
	view_form(data, &values, fields, errs);
	if (local_next(next))
		json_object_set_new(data, "next", json_string(next));
	res->status = status;
	res->no_store = true;
	view_render(req, res, "login", data);
}

/* GET /login: the form, with a notice after a new password or for a signed-in user. */
void login_form(struct request *req, struct response *res)
{
	const char *next = kv_get(&req->query, "next");
	static const char *const fields[] = {"email", "password", NULL};
	json_t *data = json_object();
	view_form(data, NULL, fields, NULL);
	if (local_next(next))
		json_object_set_new(data, "next", json_string(next));
	json_object_set_new(data, "done_password",
			    json_boolean(strcmp(kv_str(&req->query, "done"), "password") == 0));
	/* Sent here from a page their role cannot open: say so, or the loop puzzles. */
	if (req->session) {
		const char *role = req->session->role;
		bool blocked = local_next(next) && !next_allowed(req->arena, next, role);
		json_t *who = json_pack("{s:s, s:b, s:s}", "name", req->session->name, "blocked",
					blocked, "home", login_home(role));
		if (who == NULL)
			die_oom();
		json_object_set_new(data, "signed_in", who);
	}
	res->no_store = true;
	view_render(req, res, "login", data);
}

void page_busy(struct request *req, struct response *res)
{
	response_header(res, "Retry-After", "1");
	view_error(req, res, 503, "Sorry, many people are signing in right now",
		   "Nothing was changed. Wait a moment, then send the form again.");
}

void login_render_locked(struct request *req, struct response *res, long long wait)
{
	long long minutes = (wait + 59) / 60;
	int window = AUTH_THROTTLE_SECONDS / 60;
	json_t *data = json_pack("{s:I, s:b, s:b, s:i}", "minutes", (json_int_t)minutes,
				 "one_minute", minutes == 1, "sooner", minutes < window, "window",
				 window);
	if (data == NULL)
		die_oom();
	response_header(res, "Retry-After", arena_printf(req->arena, "%lld", wait));
	res->status = 429;
	res->no_store = true;
	view_render(req, res, "login_locked", data);
}

/*
 * POST /login without the gate: throttle, then one Argon2id verification
 * whatever the cause of failure; on success a new session (or, with a second
 * factor, a half-finished sign-in) and 303 to `next` or the role's home.
 */
static void sign_in(struct request *req, struct response *res)
{
	const char *password = kv_str(&req->form, "password");
	const char *next = kv_get(&req->form, "next");
	const char *email;
	/* An address no account can have still counts against the client's address. */
	bool usable = text_clean(req->arena, kv_str(&req->form, "email"), LEN_EMAIL, &email) == 0;
	struct form_errors errs = {0};
	if (email[0] == '\0')
		form_error(&errs, "email", "Enter your email address");
	if (password[0] == '\0')
		form_error(&errs, "password", "Enter your password");
	if (errs.n) {
		render_login(req, res, 422, email, next, &errs);
		return;
	}
	long long wait;
	int64_t attempt = auth_login_attempt(req->db, usable ? email : "", req->remote_addr, &wait);
	if (attempt < 0) {
		unavailable(req, res);
		return;
	}
	if (attempt == 0) {
		login_render_locked(req, res, wait);
		return;
	}
	struct user u = {0};
	int found = usable ? user_find_email(req->db, req->arena, email, &u) : 0;
	if (found < 0) {
		unavailable(req, res);
		return;
	}
	/* Every cause of failure costs one Argon2id verification, so timing tells nothing. */
	int right = auth_password_verify(found ? u.password_hash : NULL, password);
	if (!right || !found || u.disabled) {
		form_error(&errs, "email", LOGIN_FAILED);
		render_login(req, res, 401, email, next, &errs);
		return;
	}
	if (auth_login_forgive(req->db, attempt) < 0) {
		unavailable(req, res);
		return;
	}
	const char *to = local_next(next) && next_allowed(req->arena, next, u.role) ? next : NULL;
	/* With a second factor, the password only opens its step: no session yet. */
	int started = u.has_totp ? auth_challenge_start(req, res, u.id, u.credential_version, to)
				 : auth_session_start(req, res, u.id, u.credential_version);
	if (started < 0) {
		unavailable(req, res);
		return;
	}
	/* The password changed (or the account was disabled) while it was being checked. */
	if (started == 0) {
		form_error(&errs, "email", LOGIN_FAILED);
		render_login(req, res, 401, email, next, &errs);
		return;
	}
	if (u.has_totp)
		response_redirect(res, "/login/two-factor");
	else if (app_config.require_two_factor)
		response_redirect(res, "/account/two-factor");
	else
		response_redirect(res, to ? to : login_home(u.role));
}

/* POST /login: sign_in inside the hashing gate, or 503 at once when it is full. */
void login_submit(struct request *req, struct response *res)
{
	if (!auth_hash_gate_enter()) {
		page_busy(req, res);
		return;
	}
	/* Should die_oom jump out of sign_in, the server's catch gives the place back. */
	sign_in(req, res);
	auth_hash_gate_leave();
}

/* POST /logout: the session's row goes, so its cookie is worth nothing even if kept. */
void logout_submit(struct request *req, struct response *res)
{
	auth_session_end(req, res);
	response_redirect(res, "/");
}

/* The page for a link that does not work (used, expired, unknown, or a disabled account). */
static void link_expired(struct request *req, struct response *res)
{
	json_t *data = json_pack("{s:s, s:s}", "invite_time",
				 hours_text(req->arena, AUTH_INVITE_SECONDS), "reset_time",
				 hours_text(req->arena, AUTH_RESET_SECONDS));
	if (data == NULL)
		die_oom();
	res->status = 404;
	res->no_store = true;
	view_render(req, res, "password_link", data);
}

/*
 * Renders the password form for u with status: token (NULL when signed in)
 * carried in a hidden field, errs (may be NULL).  Passwords are never echoed.
 */
static void render_password(struct request *req, struct response *res, int status,
			    const struct user *u, const char *token, const struct form_errors *errs)
{
	static const char *const fields[] = {"password", "password_confirm", NULL};
	json_t *data = json_pack("{s:s, s:b, s:i}", "email", u->email, "invited",
				 u->password_hash == NULL, "min", AUTH_MIN_PASSWORD);
	if (data == NULL)
		die_oom();
	view_form(data, NULL, fields, errs);
	if (token)
		json_object_set_new(data, "token", json_string(token));
	if (req->session && token == NULL)
		json_object_set_new(data, "home", json_string(login_home(req->session->role)));
	bool done = token == NULL && strcmp(kv_str(&req->query, "done"), "1") == 0;
	json_object_set_new(data, "done", json_boolean(done));
	res->status = status;
	res->no_store = true;
	view_render(req, res, "password", data);
}

/*
 * Finds whom the password form is for: the account of a working link token,
 * else the signed-in user.  1 found (u filled), 0 the token does not work,
 * -1 failure, 2 neither a token nor a session.
 */
static int password_owner(struct request *req, const char *token, struct user *u)
{
	int64_t id;
	if (token) {
		id = auth_password_token_user(req->db, token);
		if (id <= 0)
			return (int)id;
	} else if (req->session) {
		id = req->session->user_id;
	} else {
		return 2;
	}
	int found = user_find_id(req->db, req->arena, id, u);
	return found < 0 ? -1 : found;
}

/* GET /account/password: from a link (?token=) or for the signed-in user. */
void password_form(struct request *req, struct response *res)
{
	const char *token = kv_get(&req->query, "token");
	struct user u;
	switch (password_owner(req, token, &u)) {
	case 1: render_password(req, res, 200, &u, token, NULL); break;
	case 0: link_expired(req, res); break;
	case 2: response_redirect(res, "/login?next=%2Faccount%2Fpassword"); break;
	default: unavailable(req, res);
	}
}

/* The checks of a new password and its confirmation. */
static void check_passwords(const char *password, const char *confirm, struct form_errors *errs)
{
	const char *err = password[0] ? user_check_password(password) : "Enter a password";
	if (err)
		form_error(errs, "password", err);
	if (confirm[0] == '\0')
		form_error(errs, "password_confirm", "Enter the password again, to confirm it");
	else if (err == NULL && strcmp(password, confirm) != 0)
		form_error(errs, "password_confirm",
			   "The passwords do not match: type the same password in both boxes");
}

/*
 * Stores hash as u's password in one transaction: the token (if any) must
 * still work and is spent with every other link of the account, the
 * account's other sessions end (all of them after a link; all but this one
 * when signed in), and so does a sign-in pause of its email, since whoever
 * holds the link or the session owns the account anyway.  1 done, 0 the
 * token stopped working meanwhile, -1 failure.
 */
static int store_password(struct request *req, const struct user *u, const char *token,
			  const char *hash)
{
	struct db *db = req->db;
	if (db_begin_write(db) < 0)
		return -1;
	/* Checked again under the writer lock: two tabs may send one link at once. */
	if (token && auth_password_token_user(db, token) != u->id) {
		db_rollback(db);
		return 0;
	}
	const unsigned char *keep = token ? NULL : req->session->token_hash;
	if (user_set_password(db, u->id, hash) < 0 || user_credentials_changed(db, u->id) < 0 ||
	    auth_password_tokens_end(db, u->id, false) < 0 ||
	    auth_sessions_delete(db, u->id, keep) < 0 ||
	    auth_login_failures_clear(db, u->email) < 0) {
		db_rollback(db);
		return -1;
	}
	return db_commit(db) < 0 ? -1 : 1;
}

/*
 * POST /account/password: checks, hashes outside the transaction (it is slow),
 * stores, then 303 to the sign-in page (after a link) or back with a notice.
 */
void password_submit(struct request *req, struct response *res)
{
	const char *token = kv_get(&req->form, "token");
	struct user u;
	int owner = password_owner(req, token, &u);
	if (owner != 1) {
		if (owner == 0)
			link_expired(req, res);
		else if (owner == 2)
			view_error(req, res, 403, "Sign in first",
				   "To change your password, sign in, or use the link in the "
				   "email we sent you. Nothing was changed.");
		else
			unavailable(req, res);
		return;
	}
	const char *password = kv_str(&req->form, "password");
	struct form_errors errs = {0};
	check_passwords(password, kv_str(&req->form, "password_confirm"), &errs);
	if (errs.n) {
		render_password(req, res, 422, &u, token, &errs);
		return;
	}
	char hash[AUTH_HASH_SIZE];
	if (!auth_hash_gate_enter()) {
		page_busy(req, res);
		return;
	}
	int hashed = auth_password_hash(password, hash, sizeof(hash));
	auth_hash_gate_leave();
	int stored = hashed < 0 ? -1 : store_password(req, &u, token, hash);
	if (stored == 0)
		link_expired(req, res);
	else if (stored < 0)
		unavailable(req, res);
	else
		response_redirect(res, token ? "/login?done=password" : "/account/password?done=1");
}

/* Renders the forgotten-password page: the form, or the sent notice (same for every address). */
static void render_forgot(struct request *req, struct response *res, int status,
			  const char *email, const struct form_errors *errs)
{
	static const char *const fields[] = {"email", NULL};
	struct kvmap values = {0};
	kv_add(&values, req->arena, "email", email);
	json_t *data = json_pack("{s:s}", "reset_time", hours_text(req->arena, AUTH_RESET_SECONDS));
	if (data == NULL)
		die_oom();
	view_form(data, &values, fields, errs);
	bool sent = status == 200 && strcmp(kv_str(&req->query, "sent"), "1") == 0;
	json_object_set_new(data, "sent", json_boolean(sent));
	res->status = status;
	res->no_store = true;
	view_render(req, res, "forgot", data);
}

/* GET /forgot: the form, or with ?sent=1 the notice every address gets. */
void forgot_form(struct request *req, struct response *res)
{
	render_forgot(req, res, 200, "", NULL);
}

/* The reset message for u with link: plain text from templates/forgot_mail.mustache,
 * malloc'd (the caller frees), or NULL. */
static char *reset_body(struct arena *a, const struct user *u, const char *link)
{
	json_t *data = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "name", u->name, "link", link,
				 "forgot", user_site_url(a, "/forgot"), "site_name",
				 app_config.site_name, "contact", view_contact_text(LANG_EN),
				 "time", hours_text(a, AUTH_RESET_SECONDS));
	if (data == NULL)
		die_oom();
	char *body = view_render_string("forgot_mail", LANG_EN, data);
	json_decref(data);
	return body;
}

/* Records one /forgot request inside the caller's write transaction, forgetting those
 * older than a day: both answers write and commit the same way.  0 or -1. */
static int record_forgot(struct db *db)
{
	long long now = app_now();
	sqlite3_stmt *st = db_stmt(db, "DELETE FROM forgot_requests WHERE at <= ?");
	db_bind_int(st, 1, now - 86400);
	if (db_exec_stmt(db, st) < 0)
		return -1;
	st = db_stmt(db, "INSERT INTO forgot_requests (at) VALUES (?)");
	db_bind_int(st, 1, now);
	return db_exec_stmt(db, st);
}

/*
 * Queues a reset link to the account using email when there is one that may
 * sign in and it has not already AUTH_MAX_LIVE_TOKENS working links (so that
 * no one can flood a mailbox); the token and the message in one transaction.
 * Whether or not there is such an account, the transaction records the
 * request and commits, so that both cost a commit (an fsync).  0 or -1.
 */
static int send_reset(struct request *req, const char *email)
{
	struct db *db = req->db;
	if (db_begin_write(db) < 0)
		return -1;
	struct user u;
	int found = user_find_email(db, req->arena, email, &u);
	int live = found == 1 && !u.disabled ? auth_password_tokens_live(db, u.id) : 0;
	if (found < 0 || live < 0 || record_forgot(db) < 0) {
		db_rollback(db);
		return -1;
	}
	if (found == 0 || u.disabled || live >= AUTH_MAX_LIVE_TOKENS)
		return db_commit(db);
	char *token = auth_password_token_new(db, req->arena, u.id, AUTH_RESET_SECONDS);
	/* The body holds a marker for the token, which the outbox keeps only until sent. */
	char *body = token ? reset_body(req->arena, &u,
					user_site_url(req->arena,
						      "/account/password?token=" MAIL_SECRET))
			   : NULL;
	struct mail m = {.to = u.email, .subject = "Reset your password", .body = body,
			 .secret = token};
	int rc = body ? mail_queue_mail(db, &m) : -1;
	free(body);
	if (rc < 0) {
		db_rollback(db);
		return -1;
	}
	return db_commit(db);
}

/* Every answer of POST /forgot takes at least this long: the work differs by a few
 * inserts between an address with an account and one without, and the wait hides it. */
#define FORGOT_FLOOR_NS (40L * 1000 * 1000)

/* Sleeps until FORGOT_FLOOR_NS after start (CLOCK_MONOTONIC). */
static void pad_to_floor(const struct timespec *start)
{
	struct timespec until = *start;
	until.tv_nsec += FORGOT_FLOOR_NS;
	until.tv_sec += until.tv_nsec / 1000000000L;
	until.tv_nsec %= 1000000000L;
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR)
		;
}

/* POST /forgot: a reset link when the account exists; the same 303 either way. */
void forgot_submit(struct request *req, struct response *res)
{
	const char *email;
	struct form_errors errs = {0};
	if (text_clean(req->arena, kv_str(&req->form, "email"), LEN_EMAIL, &email) < 0 ||
	    !email_valid(email))
		form_error(&errs, "email",
			   email[0] ? "Enter an email address in the correct format, like "
				      "name@example.com"
				    : "Enter your email address");
	if (errs.n) {
		render_forgot(req, res, 422, email, &errs);
		return;
	}
	struct timespec started;
	clock_gettime(CLOCK_MONOTONIC, &started);
	int sent = send_reset(req, email);
	pad_to_floor(&started);
	if (sent < 0) {
		unavailable(req, res);
		return;
	}
	/* The same answer whether or not an account uses the address. */
	response_redirect(res, "/forgot?sent=1");
}
