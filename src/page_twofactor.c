/* page_twofactor.c: the second step of signing in (/login/two-factor) and setting up a second
 * factor (/account/two-factor). */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "auth.h"
#include "db.h"
#include "passkey.h"
#include "pages.h"
#include "seal.h"
#include "twofactor.h"
#include "users.h"
#include "validate.h"
#include "view.h"

/* Answers 503 when the database fails: nothing was changed that the user can see. */
static void unavailable(struct request *req, struct response *res)
{
	view_error(req, res, 503, "Sorry, there is a problem with the service",
		   "Nothing was changed. Try again in a few minutes.");
}

/* The code as typed, spaces around it dropped (apps show "123 456"; that space goes too). */
static const char *typed_code(struct request *req)
{
	const char *raw = kv_str(&req->form, "code");
	struct buf b;
	buf_init(&b, req->arena);
	for (const char *p = raw; *p && b.len < 64; p++)
		if (*p != ' ' && *p != '\t')
			buf_putc(&b, *p);
	return buf_str(&b);
}

/* The passkey fields of a form, or false when it sent none (a code, then). */
static bool read_passkey(struct request *req, struct passkey_answer *p)
{
	p->credential_id = kv_str(&req->form, "credential_id");
	p->authenticator_data = kv_str(&req->form, "authenticator_data");
	p->client_data = kv_str(&req->form, "client_data");
	p->signature = kv_str(&req->form, "signature");
	return p->authenticator_data[0] != '\0';
}

/* A comma-separated list of ids (NULL-ended), in a. */
static const char *joined(struct arena *a, const char **ids)
{
	struct buf b;
	buf_init(&b, a);
	for (size_t i = 0; ids && ids[i]; i++)
		buf_printf(&b, "%s%s", i ? "," : "", ids[i]);
	return buf_str(&b);
}

/* The second step's passkey button: the challenge and the account's credentials, when it
 * has passkeys and the site's address can be a relying party. */
static void add_passkey_step(struct request *req, json_t *data, int64_t user_id,
			     const char *challenge)
{
	const char *rp_id, *origin;
	const char **ids = twofactor_passkey_ids(req->db, req->arena, user_id);
	if (ids == NULL || challenge[0] == '\0' ||
	    !passkey_relying_party(req->arena, &rp_id, &origin))
		return;
	json_object_set_new(data, "passkey",
			    json_pack("{s:s, s:s, s:s}", "challenge", challenge, "rp_id", rp_id,
				      "ids", joined(req->arena, ids)));
}

/*
 * Renders the second step with status: the form with errs (may be NULL), or,
 * when ended is given, the notice that this sign-in is over.
 */
static void render_step(struct request *req, struct response *res, int status,
			const struct challenge *c, const struct form_errors *errs, const char *ended)
{
	int64_t user_id = c ? c->user_id : 0;
	static const char *const fields[] = {"code", NULL};
	json_t *data = json_pack("{s:i}", "minutes", AUTH_CHALLENGE_SECONDS / 60);
	if (data == NULL)
		die_oom();
	view_form(data, NULL, fields, errs);
	if (ended) {
		json_object_set_new(data, "ended", json_string(ended));
		auth_challenge_clear_cookie(req, res);
	} else {
		int left = twofactor_recovery_left(req->db, user_id);
		json_object_set_new(data, "recovery_left", json_integer(left > 0 ? left : 0));
		json_object_set_new(data, "one_left", json_boolean(left == 1));
		add_passkey_step(req, data, user_id, c->webauthn);
	}
	res->status = status;
	res->no_store = true;
	view_render(req, res, "login_two_factor", data);
}

static const char ENDED[] = "It was not finished within 5 minutes, or too many wrong codes were "
			    "typed, or the account's password changed meanwhile.";

/* GET /login/two-factor: the code form while a half-finished sign-in works, else /login. */
void login_two_factor_form(struct request *req, struct response *res)
{
	struct challenge c;
	int found = auth_challenge_find(req, &c);
	if (found < 0)
		unavailable(req, res);
	else if (found == 0)
		response_redirect(res, "/login");
	else
		render_step(req, res, 200, &c, NULL, NULL);
}

/*
 * The second step's write, in one transaction: the half-finished sign-in
 * found again under the writer lock (two tabs may send codes at once), the
 * code checked and spent, and then either the session made (still only
 * while the credentials are those the password was checked against), the
 * attempt forgiven and the answer (cookies, 303 to home_role's home or the
 * page first asked for) made before the commit, so that nothing can fail
 * after it; or the wrong code counted.  Returns TWOFACTOR_*, *left the wrong
 * codes still allowed; -2 when there is no sign-in to finish; -1.
 */
static int finish_sign_in(struct request *req, struct response *res, const char *code,
			  const struct passkey_answer *pk, int64_t attempt, const char *home_role,
			  struct challenge *c, int *left)
{
	struct db *db = req->db;
	if (db_begin_write(db) < 0)
		return -1;
	int found = auth_challenge_find(req, c);
	if (found <= 0) {
		db_rollback(db);
		return found == 0 ? -2 : -1;
	}
	int verdict = pk ? twofactor_verify_passkey(db, req->arena, c->user_id, c->webauthn, pk)
			 : twofactor_verify(db, req->arena, c->user_id, code);
	if (verdict < 0)
		goto fail;
	if (verdict == TWOFACTOR_RIGHT) {
		const char *token = NULL;
		int made = auth_challenge_delete(db, c) < 0 || auth_login_forgive_in(db, attempt) < 0
			       ? -1
			       : auth_session_create(req, c->user_id, c->credential_version, &token);
		if (made <= 0) {
			db_rollback(db);
			return made == 0 ? -2 : -1;
		}
		/* A commit that then fails leaves these cookies naming nothing. */
		auth_session_cookie(req, res, token);
		auth_challenge_clear_cookie(req, res);
		response_redirect(res, c->next ? c->next : login_home(home_role));
	} else if (auth_challenge_failed(db, c, left) < 0) {
		goto fail;
	}
	return db_commit(db) < 0 ? -1 : verdict;
fail:
	db_rollback(db);
	return -1;
}

/*
 * POST /login/two-factor: `code`, counted by the sign-in throttle of the
 * account's e-mail like a password; right: the session and 303 home (or to
 * the page first asked for); wrong: 401, and the fifth ends the sign-in.
 */
void login_two_factor_submit(struct request *req, struct response *res)
{
	struct challenge c;
	int found = auth_challenge_find(req, &c);
	struct user u;
	if (found > 0 && user_find_id(req->db, req->arena, c.user_id, &u) != 1)
		found = -1;
	if (found <= 0) {
		if (found < 0)
			unavailable(req, res);
		else
			render_step(req, res, 401, NULL, NULL, ENDED);
		return;
	}
	struct passkey_answer answer;
	const struct passkey_answer *pk = read_passkey(req, &answer) ? &answer : NULL;
	const char *code = typed_code(req);
	struct form_errors errs = {0};
	if (code[0] == '\0' && pk == NULL) {
		form_error(&errs, "code", "Enter the code from your app, or a recovery code");
		render_step(req, res, 422, &c, &errs, NULL);
		return;
	}
	long long wait;
	int64_t attempt = auth_login_attempt(req->db, u.email, req->remote_addr, &wait);
	if (attempt < 0) {
		unavailable(req, res);
		return;
	}
	if (attempt == 0) {
		login_render_locked(req, res, wait);
		return;
	}
	int left = 0;
	int verdict = finish_sign_in(req, res, code, pk, attempt, u.role, &c, &left);
	if (verdict == -2) {
		render_step(req, res, 401, NULL, NULL, ENDED);
	} else if (verdict < 0) {
		unavailable(req, res);
	} else if (verdict == TWOFACTOR_RIGHT) {
		return; /* finish_sign_in made the answer */
	} else if (left == 0) {
		render_step(req, res, 401, NULL, NULL,
			    "Too many wrong codes were typed. For your safety, start again.");
	} else {
		form_error(&errs, "code",
			   pk ? "The passkey was not accepted: try again, or type a code"
			   : verdict == TWOFACTOR_REPLAY
			       ? "This code has been used already: wait for the next one"
			       : "The code is not right: check the app and type the code it shows "
				 "now");
		render_step(req, res, 401, &c, &errs, NULL);
	}
}

/* The signed-in account's factor state, read for the set-up page. */
static int load_self(struct request *req, struct user *u)
{
	return user_find_id(req->db, req->arena, req->session->user_id, u);
}

/*
 * The set-up page's passkeys: the list, and the button's challenge and
 * account when the site's address can be a relying party.  0 or -1.
 */
static int add_passkey_setup(struct request *req, json_t *data, const struct user *u)
{
	json_t *list = twofactor_passkeys_json(req->db, u->id);
	json_object_set_new(data, "has_passkeys", json_boolean(json_array_size(list) > 0));
	json_object_set_new(data, "passkeys", list);
	const char *rp_id, *origin;
	if (!passkey_relying_party(req->arena, &rp_id, &origin))
		return 0;
	const char *challenge = twofactor_passkey_challenge(req->db, req->arena, u->id);
	if (challenge == NULL)
		return -1;
	/* WebAuthn's user handle: the account's id, never its e-mail. */
	char handle[24];
	snprintf(handle, sizeof(handle), "%lld", (long long)u->id);
	json_t *p = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "challenge", challenge,
			      "rp_id", rp_id, "rp_name", app_config.site_name, "user_id",
			      auth_base64url(req->arena, handle, strlen(handle)), "user_name",
			      u->email, "display_name", u->name, "exclude",
			      joined(req->arena, twofactor_passkey_ids(req->db, req->arena, u->id)));
	if (p == NULL)
		die_oom();
	json_object_set_new(data, "passkey", p);
	json_object_set_new(data, "passkey_added",
			    json_boolean(strcmp(kv_str(&req->query, "passkey"), "added") == 0));
	return 0;
}

/*
 * Renders the set-up page for u with status: the recovery codes just made
 * (codes, a NULL-ended list, or NULL); else its state when it has a factor;
 * else the pending secret, its QR code and the form with errs (may be NULL).
 */
static void render_setup(struct request *req, struct response *res, int status,
			 const struct user *u, const char **codes, const struct form_errors *errs)
{
	static const char *const fields[] = {"code", "passkey", NULL};
	json_t *data = json_pack("{s:s, s:s, s:b, s:b}", "email", u->email, "home",
				 login_home(u->role), "enabled", u->has_totp, "required",
				 app_config.require_two_factor);
	if (data == NULL)
		die_oom();
	view_form(data, NULL, fields, errs);
	if (codes) {
		json_t *list = json_array();
		for (size_t i = 0; codes[i]; i++)
			json_array_append_new(list, json_string(codes[i]));
		json_object_set_new(data, "codes", json_pack("{s:o}", "list", list));
	} else if (u->has_totp) {
		int left = twofactor_recovery_left(req->db, u->id);
		json_object_set_new(data, "recovery_left", json_integer(left > 0 ? left : 0));
		json_object_set_new(data, "one_left", json_boolean(left == 1));
		if (add_passkey_setup(req, data, u) < 0) {
			json_decref(data);
			unavailable(req, res);
			return;
		}
	} else {
		char secret[TOTP_BASE32_SIZE];
		int size = 0;
		char *path = NULL;
		if (twofactor_pending(req->db, req->arena, u->id, secret) == 0) {
			char *uri = totp_uri(req->arena, app_config.site_name, u->email, secret);
			path = totp_qr_path(req->arena, uri, &size);
		}
		if (path == NULL) {
			json_decref(data);
			unavailable(req, res);
			return;
		}
		json_object_set_new(data, "secret", json_string(secret));
		json_object_set_new(data, "qr_path", json_string(path));
		json_object_set_new(data, "qr_size", json_integer(size));
	}
	res->status = status;
	res->no_store = true;
	view_render(req, res, "account_two_factor", data);
}

/* Secrets are sealed: without a key file there is nowhere safe to keep one. */
static bool need_key(struct request *req, struct response *res)
{
	if (seal_ready())
		return true;
	view_error(req, res, 503, "Two-step sign-in is not available",
		   "The portal has no key file to keep the secrets in (the key_file setting).");
	return false;
}

/* What both set-up routes start with: a key file to seal secrets with, and the signed-in
 * account read; false after answering. */
static bool setup_prologue(struct request *req, struct response *res, struct user *u)
{
	if (!need_key(req, res))
		return false;
	if (load_self(req, u) != 1) {
		unavailable(req, res);
		return false;
	}
	return true;
}

/* GET /account/two-factor: the recovery codes once after set-up, the state, or the set-up. */
void account_two_factor_form(struct request *req, struct response *res)
{
	struct user u;
	if (!setup_prologue(req, res, &u))
		return;
	int failed = 0;
	const char **codes = twofactor_take_unseen(req->db, req->arena, u.id, &failed);
	if (failed)
		unavailable(req, res);
	else
		render_setup(req, res, 200, &u, codes, NULL);
}

/* POST /account/two-factor with a create()'s answer: a passkey beside TOTP (which comes
 * first: its recovery codes are the way back should the passkey be lost); 303 back. */
static void add_passkey(struct request *req, struct response *res, const struct user *u,
			const struct passkey_answer *answer)
{
	if (!u->has_totp) {
		view_error(req, res, 409, "Set up the app first",
			   "A passkey comes beside the authenticator app's codes. Nothing was "
			   "changed.");
		return;
	}
	int added = twofactor_passkey_add(req->db, req->arena, u->id, answer);
	if (added < 0) {
		unavailable(req, res);
	} else if (added == 0) {
		struct form_errors errs = {0};
		form_error(&errs, "passkey", "The passkey could not be added: try again");
		render_setup(req, res, 422, u, NULL, &errs);
	} else {
		response_redirect(res, "/account/two-factor?passkey=added");
	}
}

/* POST /account/two-factor: `code` confirms the secret shown; 303 to the page that shows
 * the recovery codes, or 422 with the same secret to try again. */
void account_two_factor_submit(struct request *req, struct response *res)
{
	struct user u;
	if (!setup_prologue(req, res, &u))
		return;
	struct passkey_answer answer;
	if (read_passkey(req, &answer)) {
		add_passkey(req, res, &u, &answer);
		return;
	}
	if (u.has_totp) {
		view_error(req, res, 409, "Two-step sign-in is already on",
			   "Nothing was changed. To start again, ask an administrator to reset it.");
		return;
	}
	const char *code = typed_code(req);
	struct form_errors errs = {0};
	int done = 0;
	if (code[0] == '\0')
		form_error(&errs, "code", "Enter the 6-digit code your app shows");
	else if (!totp_code_shaped(code))
		form_error(&errs, "code", "The code is 6 digits, like 123456");
	else if ((done = twofactor_confirm(req->db, req->arena, u.id, code)) == 0)
		form_error(&errs, "code",
			   "The code is not right: check the key in the app and the phone's clock, "
			   "then type the code it shows now");
	if (done < 0) {
		unavailable(req, res);
		return;
	}
	if (errs.n) {
		render_setup(req, res, 422, &u, NULL, &errs);
		return;
	}
	response_redirect(res, "/account/two-factor");
}
