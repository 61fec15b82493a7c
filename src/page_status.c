/* page_status.c: the confirmation page and the public's self-service: the status lookup and
 * its result, withdrawal with a confirmation step, the references e-mail, detail corrections. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "applications.h"
#include "auth.h"
#include "cohort.h"
#include "eligibility.h"
#include "notify.h"
#include "pages.h"
#include "seal.h"
#include "status.h"
#include "view.h"
#include "i18n.h"

/* How long a status lookup's result page can be opened again (with Back, say). */
enum { VIEW_SECONDS = 30 * 60, RESEND_MAX_ITEMS = 50 };

/* An application as the public may see it: never personal details beyond the first name. */
struct public_view {
	int64_t id;
	char ref[12];
	enum status status;
	int position;
	struct cohort cohort;
	char first_name[256];
};

/* Reads what the public may see of an application, by id (ref NULL) or by reference.
 * 1 found, 0 not, -1 failure. */
static int read_view(struct db *db, int64_t id, const char *ref, struct public_view *v)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT id, ref, status, COALESCE(waitlist_position, 0),"
				       " cohort_id, COALESCE(first_name, '') FROM applications"
				       " WHERE (?1 IS NOT NULL AND ref = ?1) OR (?1 IS NULL AND id = ?2)");
	db_bind_text(st, 1, ref);
	db_bind_int(st, 2, id);
	int rc = db_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? 0 : -1;
	}
	v->id = sqlite3_column_int64(st, 0);
	snprintf(v->ref, sizeof(v->ref), "%s", db_col_text(st, 1));
	int s = status_parse(db_col_text(st, 2));
	v->status = s < 0 ? ST_SUBMITTED : (enum status)s;
	v->position = sqlite3_column_int(st, 3);
	int64_t cohort_id = sqlite3_column_int64(st, 4);
	snprintf(v->first_name, sizeof(v->first_name), "%s", db_col_text(st, 5));
	sqlite3_reset(st);
	return cohort_get(db, cohort_id, &v->cohort) == 1 ? 1 : -1;
}

/*
 * The page data for an application: what it is, where it stands, what comes
 * next, and (while it is not closed) its class's or semester's schedule.
 */
static json_t *view_json(struct request *req, const struct public_view *v, bool with_name)
{
	char title[48], start[64];
	cohort_title_in(&v->cohort, req->lang, title, sizeof(title));
	fmt_date_long(i18n_format_lang(req->lang), v->cohort.start, start, sizeof(start));
	bool tap = v->ref[0] == 'T';
	json_t *d = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b}", "ref", v->ref, "program",
			      tap ? "Teens and Policing" : "Partners In Policing", "cohort", title,
			      "start", start, "status", status_names[v->status], "status_label",
			      status_label(req->lang, (int)v->status), "tap", tap, "can_withdraw",
			      !status_final(v->status));
	if (d == NULL)
		die_oom();
	json_object_set_new(d, status_names[v->status], json_true());
	json_object_set_new(d, "can_update",
			    json_boolean(!tap && (UPDATE_PUBLIC & (1u << v->status))));
	if (v->position > 0)
		json_object_set_new(d, "position", json_integer(v->position));
	if (with_name && v->first_name[0])
		json_object_set_new(d, "first_name", json_string(v->first_name));
	if (!status_final(v->status)) {
		json_t *c = cohort_view(req->db, req->arena, &v->cohort, req->lang);
		if (c)
			json_object_set_new(d, "class", c);
	}
	return d;
}

static void fail_500(struct request *req, struct response *res)
{
	view_error(req, res, 500, N_("Sorry, there is a problem"),
		   N_("Nothing was changed. Try again in a few minutes."));
}

void public_confirmation(struct request *req, struct response *res)
{
	char ref[16];
	reference_normalise(req->params[0], ref);
	struct public_view v;
	int found = read_view(req->db, 0, ref, &v);
	if (found <= 0) {
		view_error(req, res, found < 0 ? 500 : 404, N_("We cannot find that reference"),
			   N_("Check the reference in your email. It looks like P-7K3Q-9XMD."));
		return;
	}
	json_t *data = json_object();
	json_object_set_new(data, "app", view_json(req, &v, false));
	/* ?done=withdrawn is only a hint from the withdrawal's redirect: anyone can
	 * type it, so the page says "withdrawn" only when the application is. */
	bool withdrawn_now = v.status == ST_WITHDRAWN &&
			     strcmp(kv_str(&req->query, "done"), "withdrawn") == 0;
	json_object_set_new(data, "withdrawn_now", json_boolean(withdrawn_now));
	json_object_set_new(data, "updated_now",
			    json_boolean(strcmp(kv_str(&req->query, "done"), "updated") == 0));
	view_render(req, res, "confirmation", data);
}

static const char *const status_fields[] = {"ref", "email", NULL};

/* The lookup form, empty or with a refusal (status set by the caller). */
static void status_form(struct request *req, struct response *res, const struct kvmap *values,
			const struct form_errors *errs, bool not_found, bool expired)
{
	json_t *data = json_object();
	view_form(data, values, status_fields, errs);
	json_object_set_new(data, "not_found", json_boolean(not_found));
	json_object_set_new(data, "expired", json_boolean(expired));
	res->no_store = true;
	view_render(req, res, "status", data);
}

/* A form's (ref, email) as typed: the reference normalised, the address trimmed. */
struct pair {
	char ref[16];
	const char *email;
};

static void read_pair(struct request *req, const struct kvmap *in, struct pair *p)
{
	reference_normalise(kv_str(in, "ref"), p->ref);
	const char *email;
	if (text_clean(req->arena, kv_str(in, "email"), LEN_EMAIL, &email) < 0)
		email = "";
	p->email = email;
}

/* The errors of an empty reference or address; how many. */
static size_t pair_errors(int lang, const struct pair *p, struct form_errors *errs)
{
	if (p->ref[0] == '\0')
		form_error(errs, "ref", _(lang, "Enter your reference, for example P-7K3Q-9XMD"));
	if (p->email[0] == '\0')
		form_error(errs, "email", _(lang, "Enter the email address you applied with"));
	return errs->n;
}

/* The audit's name for whoever proved a pair. */
static struct actor proof_actor(enum proof who)
{
	switch (who) {
	case PROOF_STUDENT: return (struct actor){0, "student", false};
	case PROOF_GUARDIAN: return (struct actor){0, "guardian", false};
	case PROOF_COUNSELOR: return (struct actor){0, "counselor (by email)", true};
	default: return (struct actor){0, "applicant", false};
	}
}

/*
 * Checks the pair (ref, email) of a status or withdrawal form.  Answers the
 * request itself (422 for an empty field, 404 for a wrong pair) and returns
 * 0, or returns 1 with *v and *who filled.
 */
static int lookup(struct request *req, struct response *res, const struct kvmap *in,
		  struct public_view *v, struct pair *p, enum proof *who)
{
	struct form_errors errs = {0};
	read_pair(req, in, p);
	if (pair_errors(req->lang, p, &errs)) {
		res->status = 422;
		status_form(req, res, in, &errs, false, false);
		return 0;
	}
	int64_t id = application_find_pair(req->db, p->ref, p->email, who);
	int found = id > 0 ? read_view(req->db, id, NULL, v) : (int)id;
	if (found < 0) {
		fail_500(req, res);
		return 0;
	}
	if (found == 0) {
		/* One answer for every wrong pair: never say which half was wrong. */
		res->status = 404;
		status_form(req, res, in, NULL, true, false);
		return 0;
	}
	return 1;
}

/* GET /status: the empty form, or with ?ref= (a link in our e-mail) the reference filled
 * in.  Never the address: an e-mail address in a URL ends up in logs and history. */
void public_status_form(struct request *req, struct response *res)
{
	const char *ref = kv_get(&req->query, "ref");
	if (ref == NULL) {
		status_form(req, res, NULL, NULL, false, false);
		return;
	}
	char norm[16];
	reference_normalise(ref, norm);
	struct kvmap values = {0};
	kv_add(&values, req->arena, "ref", norm);
	status_form(req, res, &values, NULL, false, false);
}

/* Stores a result page for application id as proved by email; its token (in the arena),
 * or NULL on failure. */
static const char *new_view(struct request *req, int64_t id, const char *email)
{
	unsigned char hash[32];
	char *token = auth_new_token(req->arena, hash);
	struct db *db = req->db;
	if (db_begin_write(db) < 0)
		return NULL;
	long long now = app_now();
	sqlite3_stmt *st = db_stmt(db, "DELETE FROM status_views WHERE expires_at <= ?");
	db_bind_int(st, 1, now);
	if (db_exec_stmt(db, st) < 0)
		goto fail;
	st = db_stmt(db, "INSERT INTO status_views (token_hash, application_id, email, expires_at)"
			 " VALUES (?, ?, ?, ?)");
	sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_TRANSIENT);
	db_bind_int(st, 2, id);
	db_bind_text(st, 3, email);
	db_bind_int(st, 4, now + VIEW_SECONDS);
	if (db_exec_stmt(db, st) < 0)
		goto fail;
	return db_commit(db) == 0 ? token : NULL;
fail:
	db_rollback(db);
	return NULL;
}

/* The result page a token names while it lives: 1 with *id and *email (arena), 0 gone, -1. */
static int read_view_token(struct request *req, const char *token, int64_t *id,
			   const char **email)
{
	if (token == NULL || token[0] == '\0' || strlen(token) > 100)
		return 0;
	unsigned char hash[32];
	auth_token_hash(token, hash);
	sqlite3_stmt *st = db_stmt(req->db, "SELECT application_id, email FROM status_views"
					    " WHERE token_hash = ? AND expires_at > ?");
	sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_TRANSIENT);
	db_bind_int(st, 2, app_now());
	int rc = db_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		*email = arena_strdup(req->arena, db_col_text(st, 1));
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* POST /status: checks the pair, then 303 to the result page (post, redirect, get: Back
 * returns to the result, or to the form, and never asks to send the form again). */
void public_status_show(struct request *req, struct response *res)
{
	struct public_view v;
	struct pair p;
	enum proof who;
	if (!lookup(req, res, &req->form, &v, &p, &who))
		return;
	const char *token = new_view(req, v.id, p.email);
	if (token == NULL) {
		fail_500(req, res);
		return;
	}
	response_redirect(res, arena_printf(req->arena, "/status/result?view=%s", token));
}

/* GET /status/result?view=TOKEN: the status, for half an hour after the lookup. */
void public_status_result(struct request *req, struct response *res)
{
	int64_t id;
	const char *email;
	const char *token = kv_get(&req->query, "view");
	int found = read_view_token(req, token, &id, &email);
	struct public_view v;
	if (found > 0)
		found = read_view(req->db, id, NULL, &v);
	if (found < 0) {
		fail_500(req, res);
		return;
	}
	if (found == 0) {
		/* Expired or unknown: the form again, saying why, with nothing to resend. */
		status_form(req, res, NULL, NULL, false, true);
		return;
	}
	json_t *data = json_object();
	json_object_set_new(data, "app", view_json(req, &v, true));
	json_object_set_new(data, "email", json_string(email));
	json_object_set_new(data, "view", json_string(token));
	res->no_store = true;
	view_render(req, res, "status_result", data);
}

/* POST /status/withdraw: without confirm=yes, what withdrawing would do (nothing changes);
 * with it, the withdrawal, then 303 to the confirmation page. */
void public_withdraw(struct request *req, struct response *res)
{
	struct public_view v;
	struct pair p;
	enum proof who;
	if (!lookup(req, res, &req->form, &v, &p, &who))
		return;
	res->no_store = true;
	if (status_final(v.status)) {
		view_error(req, res, 409, N_("This application cannot be withdrawn"),
			   N_("It is already closed: declined, withdrawn or completed. Nothing was "
			   "changed."));
		return;
	}
	if (!kv_has(&req->form, "confirm", "yes")) {
		char promoted[12];
		enum move_result r = application_withdraw_preview(req->db, v.id, promoted);
		if (r != MOVE_OK) {
			fail_500(req, res);
			return;
		}
		json_t *data = json_object();
		json_object_set_new(data, "app", view_json(req, &v, true));
		json_object_set_new(data, "email", json_string(p.email));
		json_object_set_new(data, "promotes", json_boolean(promoted[0] != '\0'));
		json_object_set_new(data, "was_waitlisted", json_boolean(v.status == ST_WAITLISTED));
		json_object_set_new(data, "by_counselor", json_boolean(who == PROOF_COUNSELOR));
		view_render(req, res, "status_withdraw", data);
		return;
	}
	struct actor actor = proof_actor(who);
	const char *note = who == PROOF_APPLICANT ? "Withdrawn by the applicant"
			   : who == PROOF_STUDENT  ? "Withdrawn by the student"
			   : who == PROOF_GUARDIAN ? "Withdrawn by the parent or guardian"
						   : "Withdrawn by the school's counselor";
	switch (application_move(req->db, v.id, ST_WITHDRAWN, &actor, note, NULL)) {
	case MOVE_OK:
		response_redirect(res,
				  arena_printf(req->arena, "/confirmation/%s?done=withdrawn", v.ref));
		return;
	case MOVE_NOT_ALLOWED:
		view_error(req, res, 409, N_("This application cannot be withdrawn"),
			   N_("It is already closed: declined, withdrawn or completed. Nothing was "
			   "changed."));
		return;
	default: fail_500(req, res);
	}
}

/* The 429 page of the self-service limits. */
static void too_many(struct request *req, struct response *res)
{
	response_header(res, "Retry-After", arena_printf(req->arena, "%d", AUTH_THROTTLE_SECONDS));
	res->no_store = true;
	view_error(req, res, 429, N_("Too many attempts"),
		   N_("For your security, wait 15 minutes before you try again. Nothing was "
		   "changed."));
}

/* ---- the references e-mail ---- */

static void resend_form(struct request *req, struct response *res, int status,
			const struct kvmap *values, const struct form_errors *errs)
{
	static const char *const fields[] = {"email", NULL};
	json_t *data = json_object();
	view_form(data, values, fields, errs);
	json_object_set_new(data, "sent", json_boolean(status == 200 && strcmp(kv_str(&req->query,
								       "sent"), "1") == 0));
	json_object_set_new(data, "per_day", json_integer(AUTH_RESEND_PER_DAY));
	res->status = status;
	res->no_store = true;
	view_render(req, res, "status_resend", data);
}

/* GET /status/resend: the form, or with ?sent=1 the notice every address gets. */
void public_resend_form(struct request *req, struct response *res)
{
	resend_form(req, res, 200, NULL, NULL);
}

/*
 * Counts the request and, while the address has had fewer than
 * AUTH_RESEND_PER_DAY today, queues one e-mail listing what it can look up
 * (nothing when there is nothing).  1 done, 0 the client is over its limit,
 * -1 failure.
 */
static int send_references(struct request *req, const char *email)
{
	struct db *db = req->db;
	if (db_begin_write(db) < 0)
		return -1;
	int64_t by_email, by_address;
	if (auth_self_service_counts(db, "resend", email, req->remote_addr, AUTH_RESEND_WINDOW,
				     &by_email, &by_address) < 0)
		goto fail;
	if (by_address >= AUTH_THROTTLE_ADDRESS) {
		db_rollback(db);
		return 0;
	}
	if (auth_self_service_record(db, "resend", email, req->remote_addr) < 0)
		goto fail;
	if (by_email < AUTH_RESEND_PER_DAY) {
		struct app_ref *refs;
		int n = application_list_for_email(db, req->arena, email, &refs, RESEND_MAX_ITEMS);
		if (n < 0 || (n > 0 && notify_references(db, email, refs, n) < 0))
			goto fail;
	}
	return db_commit(db) == 0 ? 1 : -1;
fail:
	db_rollback(db);
	return -1;
}

/* POST /status/resend: the same 303 whether or not the address has anything. */
void public_resend(struct request *req, struct response *res)
{
	const char *email;
	struct form_errors errs = {0};
	if (text_clean(req->arena, kv_str(&req->form, "email"), LEN_EMAIL, &email) < 0 ||
	    !email_valid(email))
		form_error(&errs, "email",
			   email[0] ? _(req->lang, "Enter an email address in the correct format, like "
						   "name@example.com")
				    : _(req->lang, "Enter the email address you applied with"));
	if (errs.n) {
		resend_form(req, res, 422, &req->form, &errs);
		return;
	}
	int rc = send_references(req, email);
	if (rc < 0)
		fail_500(req, res);
	else if (rc == 0)
		too_many(req, res);
	else
		response_redirect(res, "/status/resend?sent=1");
}

/* ---- correcting one's details ---- */

/* The correction form's inputs, in the order of the page. */
static const char *const update_fields[] = {
	"ref", "email", "new_email", "phone", "street", "city", "zip", "affiliation",
	"work_detail", "school_detail", "faith_detail", "civic_detail", "other_detail",
	"emergency_name", "emergency_phone", "accommodations", NULL,
};

/* The form, empty or as typed with its errors or the not-found box; status set by caller. */
static void update_form(struct request *req, struct response *res, const struct kvmap *values,
			const struct form_errors *errs, bool not_found)
{
	json_t *data = json_object();
	view_form(data, values, update_fields, errs);
	json_object_set_new(data, "not_found", json_boolean(not_found));
	json_t *ticked = json_object();
	for (int k = 0; k < AFF_MAX; k++)
		json_object_set_new(ticked, affiliation_names[k],
				    json_boolean(values && kv_has(values, "affiliation",
								  affiliation_names[k])));
	json_object_set_new(data, "ticked", ticked);
	res->no_store = true;
	view_render(req, res, "status_update", data);
}

/* GET /status/update: the form; from a result page (?view=TOKEN) with the reference and
 * address already filled in. */
void public_update_form(struct request *req, struct response *res)
{
	struct kvmap values = {0};
	int64_t id;
	const char *email;
	struct public_view v;
	const char *ref = kv_get(&req->query, "ref");
	if (read_view_token(req, kv_get(&req->query, "view"), &id, &email) == 1 &&
	    read_view(req->db, id, NULL, &v) == 1) {
		kv_add(&values, req->arena, "ref", v.ref);
		kv_add(&values, req->arena, "email", email);
	} else if (ref) {
		char norm[16];
		reference_normalise(ref, norm);
		kv_add(&values, req->arena, "ref", arena_strdup(req->arena, norm));
	}
	update_form(req, res, &values, NULL, false);
}

/* The form's value of name when given, else the stored one. */
static const char *given_or(const struct kvmap *form, const char *name, const char *stored)
{
	const char *v = kv_str(form, name);
	for (const char *p = v; *p; p++)
		if (!isspace((unsigned char)*p))
			return v;
	return stored;
}

/*
 * The application form as it would be with the correction: the stored
 * details, then what the correction form gives in their place.  The
 * affiliations are replaced only when some box is ticked.
 */
static void merged_form(struct request *req, const struct app_record *r, struct kvmap *m)
{
	struct arena *a = req->arena;
	const struct kvmap *f = &req->form;
	const struct app_details *d = &r->d;
	kv_add(m, a, "first_name", d->first_name);
	kv_add(m, a, "last_name", d->last_name);
	kv_add(m, a, "dob", d->dob);
	kv_add(m, a, "email", given_or(f, "new_email", d->email));
	kv_add(m, a, "phone", given_or(f, "phone", d->phone));
	kv_add(m, a, "street", given_or(f, "street", d->street));
	kv_add(m, a, "city", given_or(f, "city", d->city));
	kv_add(m, a, "zip", given_or(f, "zip", d->zip));
	bool boxes = kv_count(f, "affiliation") > 0;
	for (int k = 0; k < AFF_MAX; k++) {
		if (boxes) {
			if (kv_has(f, "affiliation", affiliation_names[k]))
				kv_add(m, a, "affiliation", affiliation_names[k]);
		} else if (d->affiliations & (1u << k)) {
			kv_add(m, a, "affiliation", affiliation_names[k]);
		}
		if (k != AFF_RESIDENT) {
			const char *name = arena_printf(a, "%s_detail", affiliation_names[k]);
			kv_add(m, a, name, boxes ? kv_str(f, name) : d->detail[k]);
		}
	}
	kv_add(m, a, "emergency_name", given_or(f, "emergency_name", d->emergency_name));
	kv_add(m, a, "emergency_phone", given_or(f, "emergency_phone", d->emergency_phone));
	kv_add(m, a, "accommodations", given_or(f, "accommodations", d->accommodations));
	kv_add(m, a, "referral", d->referral);
	kv_add(m, a, "ack_background", "yes");
}

/* The application form's errors, under the correction form's names. */
static void rename_errors(struct form_errors *errs)
{
	for (size_t i = 0; i < errs->n; i++)
		if (strcmp(errs->e[i].field, "email") == 0)
			errs->e[i].field = "new_email";
}

/* Counts a correction whose pair was wrong (the per-address limits); 0 or -1. */
static int count_failure(struct request *req, const char *email)
{
	if (db_begin_write(req->db) < 0)
		return -1;
	if (auth_self_service_record(req->db, "update", email, req->remote_addr) < 0) {
		db_rollback(req->db);
		return -1;
	}
	return db_commit(req->db);
}

/*
 * POST /status/update: the pair proves who asks; the form's rules and the
 * eligibility rules apply to the application as corrected; then the change,
 * its audit row and its notices in one transaction, and 303 to the
 * confirmation page.
 */
void public_update(struct request *req, struct response *res)
{
	res->no_store = true;
	struct pair p;
	struct form_errors errs = {0};
	read_pair(req, &req->form, &p);
	if (pair_errors(req->lang, &p, &errs)) {
		res->status = 422;
		update_form(req, res, &req->form, &errs, false);
		return;
	}
	int64_t by_email, by_address;
	if (auth_self_service_counts(req->db, "update", p.email, req->remote_addr,
				     AUTH_THROTTLE_SECONDS, &by_email, &by_address) < 0) {
		fail_500(req, res);
		return;
	}
	if (by_email >= AUTH_THROTTLE_EMAIL || by_address >= AUTH_THROTTLE_ADDRESS) {
		too_many(req, res);
		return;
	}
	enum proof who;
	int64_t id = application_find_pair(req->db, p.ref, p.email, &who);
	struct app_record r;
	int found = id > 0 ? application_read(req->db, req->arena, id, &r) : (int)id;
	if (found < 0) {
		fail_500(req, res);
		return;
	}
	if (found == 0) {
		if (count_failure(req, p.email) < 0) {
			fail_500(req, res);
			return;
		}
		res->status = 404;
		update_form(req, res, &req->form, NULL, true);
		return;
	}
	if (r.tap) {
		view_error(req, res, 409, N_("Ask the school counselor"),
			   N_("The details of a Teens and Policing nomination are corrected by the "
			   "counselor who made it. Nothing was changed."));
		return;
	}
	if (r.erased || !(UPDATE_PUBLIC & (1u << r.status))) {
		view_error(req, res, 409, N_("This application can no longer be corrected"),
			   N_("It is closed: declined, withdrawn or completed. Nothing was changed."));
		return;
	}
	struct cohort c;
	if (cohort_get(req->db, r.cohort_id, &c) != 1) {
		fail_500(req, res);
		return;
	}
	struct kvmap merged = {0};
	merged_form(req, &r, &merged);
	struct pip_application app;
	if (pip_validate(req->arena, req->lang, &merged, c.start, &app, &errs) > 0) {
		rename_errors(&errs);
		res->status = 422;
		update_form(req, res, &req->form, &errs, false);
		return;
	}
	/* An applicant corrects contacts, address, needs and affiliations, never the
	 * name, the date of birth or how they heard of the program. */
	struct app_details want;
	app_details_from_pip(req->arena, &app, &want);
	want.first_name = want.last_name = want.dob = want.referral = NULL;
	want.set_affiliations = kv_count(&req->form, "affiliation") > 0;
	struct actor actor = proof_actor(who);
	switch (application_update_details(req->db, req->arena, id, &want, UPDATE_PUBLIC, &actor,
					   NULL)) {
	case UPDATE_OK:
	case UPDATE_UNCHANGED:
		response_redirect(res, arena_printf(req->arena, "/confirmation/%s?done=updated", r.ref));
		return;
	case UPDATE_NOT_FOUND:
	case UPDATE_NOT_ALLOWED:
		/* A decision or a withdrawal committed first: it wins. */
		view_error(req, res, 409, N_("This application can no longer be corrected"),
			   N_("Its status changed a moment ago. Nothing was changed: check its status "
			   "again."));
		return;
	case UPDATE_DUPLICATE:
		view_error(req, res, 409, N_("That email address is already used"),
			   N_("Another application for this class uses that email address. Nothing "
			   "was changed."));
		return;
	default: fail_500(req, res);
	}
}
