/* page_status.c: the confirmation page, the status lookup and withdrawal by the applicant. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "applications.h"
#include "cohort.h"
#include "pages.h"
#include "seal.h"
#include "status.h"
#include "view.h"

/* An application as the public may see it: never personal details beyond the first name. */
struct public_view {
	int64_t id;
	char ref[12];
	enum status status;
	int position;
	struct cohort cohort;
	char first_name[256];
};

/* A reference as typed: upper-cased, Crockford's look-alikes (O, I, L) mapped, dashes kept. */
static void normalise_ref(const char *in, char out[16])
{
	size_t j = 0;
	for (; *in && j < 15; in++) {
		char c = (char)toupper((unsigned char)*in);
		if (c == ' ')
			continue;
		if (c == 'O')
			c = '0';
		else if (c == 'I' || c == 'L')
			c = '1';
		out[j++] = c;
	}
	out[j] = '\0';
}

/*
 * Finds the application by reference and, when email is not NULL, checks
 * it is the applicant's (for TAP: the student's or the guardian's).
 * 1 found, 0 not (whichever half was wrong), -1 failure.
 */
static int find(struct db *db, const char *ref, const char *email, struct public_view *v)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT id, ref, status, COALESCE(waitlist_position, 0),"
				       " cohort_id, COALESCE(first_name, ''), COALESCE(email, ''),"
				       " COALESCE(guardian_email, '') FROM applications WHERE ref = ?1");
	db_bind_text(st, 1, ref);
	int rc = db_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? 0 : -1;
	}
	if (email != NULL) {
		/* A TAP student's address and the guardian's are sealed: compared opened,
		 * as SQLite's NOCASE would (ASCII letters only). */
		struct arena a;
		arena_init(&a);
		bool bad = false;
		const char *mine = seal_open_or_fail(&a, db_col_text(st, 6), &bad);
		const char *guardian = seal_open_or_fail(&a, db_col_text(st, 7), &bad);
		bool match = email[0] && (strcasecmp(mine, email) == 0 ||
					  strcasecmp(guardian, email) == 0);
		arena_free(&a);
		if (bad || !match) {
			sqlite3_reset(st);
			return bad ? -1 : 0;
		}
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
	char title[32], start[64];
	cohort_title(&v->cohort, title, sizeof(title));
	date_format_long(v->cohort.start, start, sizeof(start));
	bool tap = v->ref[0] == 'T';
	json_t *d = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b}", "ref", v->ref, "program",
			      tap ? "Teens and Policing" : "Partners In Policing", "cohort", title,
			      "start", start, "status", status_names[v->status], "status_label",
			      status_labels[v->status], "tap", tap, "can_withdraw",
			      !status_final(v->status));
	if (d == NULL)
		die_oom();
	json_object_set_new(d, status_names[v->status], json_true());
	if (v->position > 0)
		json_object_set_new(d, "position", json_integer(v->position));
	if (with_name && v->first_name[0])
		json_object_set_new(d, "first_name", json_string(v->first_name));
	if (!status_final(v->status)) {
		json_t *c = cohort_view(req->db, req->arena, &v->cohort, LANG_EN);
		if (c)
			json_object_set_new(d, "class", c);
	}
	return d;
}

void public_confirmation(struct request *req, struct response *res)
{
	char ref[16];
	normalise_ref(req->params[0], ref);
	struct public_view v;
	int found = find(req->db, ref, NULL, &v);
	if (found <= 0) {
		view_error(req, res, found < 0 ? 500 : 404, "We cannot find that reference",
			   "Check the reference in your email. It looks like P-7K3Q-9XMD.");
		return;
	}
	json_t *data = json_object();
	json_object_set_new(data, "app", view_json(req, &v, false));
	/* ?done=withdrawn is only a hint from the withdrawal's redirect: anyone can
	 * type it, so the page says "withdrawn" only when the application is. */
	bool withdrawn_now = v.status == ST_WITHDRAWN &&
			     strcmp(kv_str(&req->query, "done"), "withdrawn") == 0;
	json_object_set_new(data, "withdrawn_now", json_boolean(withdrawn_now));
	view_render(req, res, "confirmation", data);
}

static const char *const status_fields[] = {"ref", "email", NULL};

/* The lookup form, empty or with a refusal (status set by the caller). */
static void status_form(struct request *req, struct response *res, const struct kvmap *values,
			const struct form_errors *errs, bool not_found)
{
	json_t *data = json_object();
	view_form(data, values, status_fields, errs);
	json_object_set_new(data, "not_found", json_boolean(not_found));
	res->no_store = values != NULL;
	view_render(req, res, "status", data);
}

/*
 * Checks the pair (ref, email) of a status or withdrawal form.  Answers the
 * request itself (422 for an empty field, 404 for a wrong pair) and returns
 * 0, or returns 1 with *v filled.
 */
static int lookup(struct request *req, struct response *res, const struct kvmap *in,
		  struct public_view *v)
{
	struct form_errors errs = {0};
	char ref[16];
	normalise_ref(kv_str(in, "ref"), ref);
	const char *email = kv_str(in, "email");
	while (*email == ' ')
		email++;
	if (ref[0] == '\0')
		form_error(&errs, "ref", "Enter your reference, for example P-7K3Q-9XMD");
	if (email[0] == '\0')
		form_error(&errs, "email", "Enter the email address you applied with");
	if (errs.n) {
		res->status = 422;
		status_form(req, res, in, &errs, false);
		return 0;
	}
	char *trimmed = arena_strdup(req->arena, email);
	size_t n = strlen(trimmed);
	while (n > 0 && trimmed[n - 1] == ' ')
		trimmed[--n] = '\0';
	int found = find(req->db, ref, trimmed, v);
	if (found < 0) {
		view_error(req, res, 500, "Sorry, there is a problem", "Try again in a few minutes.");
		return 0;
	}
	if (found == 0) {
		/* One answer for every wrong pair: never say which half was wrong. */
		res->status = 404;
		status_form(req, res, in, NULL, true);
		return 0;
	}
	return 1;
}

/* Always the empty form: a reference and an e-mail address in a URL would end up
 * in logs, history and Referer headers. */
void public_status_form(struct request *req, struct response *res)
{
	status_form(req, res, NULL, NULL, false);
}

void public_status_show(struct request *req, struct response *res)
{
	const struct kvmap *in = &req->form;
	struct public_view v;
	if (!lookup(req, res, in, &v))
		return;
	json_t *data = json_object();
	json_object_set_new(data, "app", view_json(req, &v, true));
	json_object_set_new(data, "email", json_string(kv_str(in, "email")));
	res->no_store = true;
	view_render(req, res, "status_result", data);
}

void public_withdraw(struct request *req, struct response *res)
{
	struct public_view v;
	if (!lookup(req, res, &req->form, &v))
		return;
	static const struct actor applicant = {0, "applicant"};
	switch (application_move(req->db, v.id, ST_WITHDRAWN, &applicant,
				 "Withdrawn by the applicant", NULL)) {
	case MOVE_OK:
		response_redirect(res,
				  arena_printf(req->arena, "/confirmation/%s?done=withdrawn", v.ref));
		return;
	case MOVE_NOT_ALLOWED:
		view_error(req, res, 409, "This application cannot be withdrawn",
			   "It is already closed: declined, withdrawn or completed. Nothing was "
			   "changed.");
		return;
	default:
		view_error(req, res, 500, "Sorry, there is a problem",
			   "Nothing was changed. Try again in a few minutes.");
	}
}
