/* page_message.c: staff e-mail the participants of a class or semester: preview, send once, record. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "auth.h"
#include "cohort.h"
#include "mail.h"
#include "pages.h"
#include "seal.h"
#include "validate.h"
#include "i18n.h"
#include "view.h"

/* Longest subject and body a message may have, in characters. */
#define MESSAGE_SUBJECT_MAX 200
#define MESSAGE_BODY_MAX 5000

/* The recipients' query of each audience, whole: db_stmt keeps statements by the
 * address of their text, so each must be a literal of its own. */
#define RECIPIENTS(where)                                                                  \
	"SELECT first_name, COALESCE(email, ''), COALESCE(guardian_email, ''),"            \
	" COALESCE(guardian_name, ''), id, language FROM applications WHERE cohort_id = ? AND " where \
	" AND erased_at IS NULL ORDER BY id"

/* Who a message can go to, and the query that finds them. */
static const struct {
	const char *value, *id, *label, *sql;
} audiences[] = {
	{"accepted", "audience", "Accepted participants", RECIPIENTS("status = 'accepted'")},
	{"waitlisted", "audience-waitlisted", "The waitlist", RECIPIENTS("status = 'waitlisted'")},
	{"active", "audience-active", "Everyone still in: received and accepted",
	 RECIPIENTS("status IN ('submitted', 'accepted')")},
	{"completed", "audience-completed", "Those who completed",
	 RECIPIENTS("status = 'completed'")},
};
enum { NAUDIENCES = sizeof(audiences) / sizeof(audiences[0]) };

static const char *const message_fields[] = {"audience", "subject", "body", NULL};

/* One e-mail to send: the address, who it greets, and the application it is about. */
struct recipient {
	const char *to, *greet, *first_name;
	bool guardian;
	int64_t application_id;
	int lang; /* the application's language: the words around the staff's text */
};

/* A checked form. */
struct message_form {
	int audience; /* index into audiences */
	const char *subject, *body;
};

/* The staff address of a class or semester. */
static const char *cohort_url(struct arena *a, const struct cohort *c)
{
	return arena_printf(a, "%s/%lld",
			    strcmp(c->program, "tap") == 0 ? "/admin/tap/semesters"
							   : "/admin/pip/classes",
			    (long long)c->id);
}

static const char *program_name(const struct cohort *c)
{
	return strcmp(c->program, "tap") == 0 ? "Teens and Policing" : "Partners In Policing";
}

/* The index of an audience value, or -1. */
static int audience_index(const char *value)
{
	for (int i = 0; i < NAUDIENCES; i++)
		if (strcmp(audiences[i].value, value) == 0)
			return i;
	return -1;
}

/* Reads and checks the form into f; errors are added to errs in the form's order. */
static void read_form(struct request *req, struct message_form *f, struct form_errors *errs)
{
	f->audience = audience_index(kv_str(&req->form, "audience"));
	if (f->audience < 0)
		form_error(errs, "audience", "Choose who the message goes to");
	int rc = text_clean(req->arena, kv_str(&req->form, "subject"), MESSAGE_SUBJECT_MAX,
			    &f->subject);
	if (rc == -2)
		form_error(errs, "subject", "The subject must be 200 characters or fewer");
	else if (rc < 0)
		form_error(errs, "subject", "Remove the special characters from the subject");
	else if (f->subject[0] == '\0')
		form_error(errs, "subject", "Enter the subject");
	rc = text_clean_multiline(req->arena, kv_str(&req->form, "body"), MESSAGE_BODY_MAX,
				  &f->body);
	if (rc == -2)
		form_error(errs, "body", "The message must be 5,000 characters or fewer");
	else if (rc < 0)
		form_error(errs, "body", "Remove the special characters, such as tabs, from the message");
	else if (f->body[0] == '\0')
		form_error(errs, "body", "Enter the message");
}

/*
 * The recipients of audience in c, in the order of the applications: a PIP
 * applicant; a TAP student's guardian, and the student when their own address
 * is given and differs.  Sealed addresses are opened here.  Returns how many
 * (the array in *out lives in the arena), or -1 on failure.
 */
static int recipients(struct request *req, const struct cohort *c, int audience,
		      struct recipient **out)
{
	struct db *db = req->db;
	bool tap = strcmp(c->program, "tap") == 0;
	/* The query comes from the table above, never from the request. */
	sqlite3_stmt *st = db_stmt(db, audiences[audience].sql);
	db_bind_int(st, 1, c->id);
	size_t cap = 16, n = 0;
	struct recipient *list = arena_alloc(req->arena, cap * sizeof(*list));
	int rc;
	while ((rc = db_step(st)) == SQLITE_ROW) {
		bool bad = false;
		const char *first = arena_strdup(req->arena, db_col_text(st, 0));
		const char *own = seal_open_or_fail(req->arena, db_col_text(st, 1), &bad);
		const char *guardian = tap ? seal_open_or_fail(req->arena, db_col_text(st, 2), &bad)
					   : "";
		const char *guardian_name = seal_open_or_fail(req->arena, db_col_text(st, 3), &bad);
		if (bad) {
			fputs("portal: a sealed address of a participant does not open\n", stderr);
			sqlite3_reset(st);
			return -1;
		}
		int64_t id = sqlite3_column_int64(st, 4);
		int lang = lang_parse(db_col_text(st, 5));
		/* The guardian first: for a student, the guardian is who the program writes to. */
		const char *to[2] = {guardian, own};
		for (int k = 0; k < 2; k++) {
			if (to[k][0] == '\0' || (k == 1 && strcasecmp(to[0], to[1]) == 0))
				continue;
			if (n == cap) {
				struct recipient *more =
				    arena_alloc(req->arena, 2 * cap * sizeof(*more));
				memcpy(more, list, n * sizeof(*list));
				list = more;
				cap *= 2;
			}
			bool is_guardian = k == 0;
			list[n++] = (struct recipient){
			    .to = to[k],
			    .greet = is_guardian && guardian_name[0] ? guardian_name : first,
			    .first_name = first,
			    .guardian = is_guardian,
			    .application_id = id,
			    .lang = lang < 0 ? LANG_EN : lang};
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return -1;
	*out = list;
	return (int)n;
}

/* The body of r's e-mail, malloc'd (the caller frees), or NULL. */
static char *message_body(struct request *req, const struct cohort *c,
			  const struct message_form *f, const struct recipient *r)
{
	char title[48];
	cohort_title_in(c, r->lang, title, sizeof(title));
	json_t *data = json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:s}", "greet", r->greet,
				 "first_name", r->first_name, "body", f->body, "program",
				 program_name(c), "to_guardian", r->guardian, "cohort", title,
				 "sender", req->session->name, "contact",
				 view_contact_text(r->lang));
	if (data == NULL)
		die_oom();
	char *body = view_render_string("mail_message", r->lang, data);
	json_decref(data);
	return body;
}

/* The messages sent to c, newest first.  New reference. */
static json_t *sent_json(struct request *req, const struct cohort *c)
{
	json_t *list = json_array();
	sqlite3_stmt *st = db_stmt(req->db, "SELECT id, actor, at, audience, subject, recipients"
					    " FROM messages WHERE cohort_id = ? ORDER BY at DESC, id DESC");
	db_bind_int(st, 1, c->id);
	int rc;
	while ((rc = db_step(st)) == SQLITE_ROW) {
		char when[64];
		time_format(sqlite3_column_int64(st, 2), when, sizeof(when));
		int a = audience_index(db_col_text(st, 3));
		json_array_append_new(
		    list, json_pack("{s:I, s:s, s:s, s:s, s:s, s:I}", "id",
				    (json_int_t)sqlite3_column_int64(st, 0), "actor",
				    db_col_text(st, 1), "when", when, "audience",
				    a >= 0 ? audiences[a].label : db_col_text(st, 3), "subject",
				    db_col_text(st, 4), "count",
				    (json_int_t)sqlite3_column_int64(st, 5)));
	}
	if (rc != SQLITE_DONE)
		db_log_error(req->db, "listing messages");
	sqlite3_reset(st);
	return list;
}

/*
 * Renders the message page with status: the form (as typed in values, with
 * errs), the messages sent so far, and, when preview is set, the preview.
 * data is the page's data so far (taken).
 */
static void render(struct request *req, struct response *res, const struct cohort *c, int status,
		   json_t *data, const struct kvmap *values, const struct form_errors *errs)
{
	char title[32];
	cohort_title(c, title, sizeof(title));
	json_object_set_new(data, "title", json_string(title));
	json_object_set_new(data, "program", json_string(program_name(c)));
	json_object_set_new(data, "tap", json_boolean(strcmp(c->program, "tap") == 0));
	json_object_set_new(data, "url", json_string(cohort_url(req->arena, c)));
	json_t *sent = sent_json(req, c);
	json_object_set_new(data, "has_sent", json_boolean(json_array_size(sent) > 0));
	json_object_set_new(data, "sent_list", sent);
	view_form(data, values, message_fields, errs);
	const char *chosen = values ? kv_str(values, "audience") : "accepted";
	json_t *a = json_array();
	for (int i = 0; i < NAUDIENCES; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:b}", "id", audiences[i].id,
						   "value", audiences[i].value, "label",
						   audiences[i].label, "checked",
						   strcmp(chosen, audiences[i].value) == 0));
	json_object_set_new(data, "audiences", a);
	res->status = status;
	res->no_store = true;
	view_render(req, res, "admin_message", data);
}

/* GET .../message: the form, the messages sent, and a banner after sending (?sent=ID). */
void admin_message_form(struct request *req, struct response *res)
{
	struct cohort c;
	if (!admin_load_cohort(req, res, &c))
		return;
	json_t *data = json_object();
	long id;
	if (parse_int(kv_get(&req->query, "sent"), 1, LONG_MAX, &id) == 0) {
		sqlite3_stmt *st = db_stmt(req->db, "SELECT subject, recipients FROM messages"
						    " WHERE id = ? AND cohort_id = ?");
		db_bind_int(st, 1, id);
		db_bind_int(st, 2, c.id);
		if (db_step(st) == SQLITE_ROW)
			json_object_set_new(data, "sent",
					    json_pack("{s:s, s:I, s:b}", "subject", db_col_text(st, 0),
						      "count",
						      (json_int_t)sqlite3_column_int64(st, 1),
						      "one", sqlite3_column_int64(st, 1) == 1));
		sqlite3_reset(st);
	}
	render(req, res, &c, 200, data, NULL, NULL);
}

/* Whether s looks like a send id this page made (auth_new_token's 43 characters). */
static bool send_id_shaped(const char *s)
{
	size_t n = strlen(s);
	if (n != 43)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return false;
	}
	return true;
}

/* The record of the message sent with send_id: its id, 0 when none, -1 on failure. */
static int64_t sent_with(struct db *db, const char *send_id)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT id FROM messages WHERE send_id = ?");
	db_bind_text(st, 1, send_id);
	int rc = db_step(st);
	int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : rc == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(st);
	return id;
}

/*
 * Queues one e-mail per recipient and records the sending, in one write
 * transaction.  Returns the record's id (> 0); 0 when there is no one to send
 * to; -1 on failure.  A send_id sent before returns that record's id and
 * queues nothing.
 */
static int64_t send(struct request *req, const struct cohort *c, const struct message_form *f,
		    const char *send_id)
{
	struct db *db = req->db;
	if (db_begin_write(db) < 0)
		return -1;
	int64_t done = sent_with(db, send_id);
	if (done != 0) {
		db_rollback(db);
		return done;
	}
	struct recipient *list;
	int n = recipients(req, c, f->audience, &list);
	if (n <= 0) {
		db_rollback(db);
		return n;
	}
	for (int i = 0; i < n; i++) {
		char *body = message_body(req, c, f, &list[i]);
		struct mail m = {.to = list[i].to,
				 .subject = f->subject,
				 .body = body,
				 .application_id = list[i].application_id};
		int rc = body ? mail_queue_mail(db, &m) : -1;
		free(body);
		if (rc < 0) {
			db_rollback(db);
			return -1;
		}
	}
	sqlite3_stmt *st = db_stmt(db, "INSERT INTO messages (cohort_id, user_id, actor, at,"
				       " audience, subject, recipients, send_id)"
				       " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
	db_bind_int(st, 1, c->id);
	db_bind_int(st, 2, req->session->user_id);
	db_bind_text(st, 3, req->session->name);
	db_bind_int(st, 4, app_now());
	db_bind_text(st, 5, audiences[f->audience].value);
	db_bind_text(st, 6, f->subject);
	db_bind_int(st, 7, n);
	db_bind_text(st, 8, send_id);
	int64_t id = db_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_reset(st);
	if (id < 0 || db_commit(db) < 0) {
		db_rollback(db);
		return -1;
	}
	return id;
}

/*
 * POST .../message: 422 with the form for a bad one; without confirm=yes, 200
 * with a preview and the form to confirm it; with it, 303 to the page with the
 * message sent (once, whatever the repeats of the same confirmed form).
 */
void admin_message_send(struct request *req, struct response *res)
{
	struct cohort c;
	if (!admin_load_cohort(req, res, &c))
		return;
	struct message_form f;
	struct form_errors errs = {0};
	read_form(req, &f, &errs);
	if (errs.n) {
		render(req, res, &c, 422, json_object(), &req->form, &errs);
		return;
	}
	const char *send_id = kv_str(&req->form, "send_id");
	if (kv_has(&req->form, "confirm", "yes") && send_id_shaped(send_id)) {
		int64_t id = send(req, &c, &f, send_id);
		if (id < 0) {
			view_error(req, res, 500, "Sorry, there is a problem",
				   "No message was sent. Try again.");
		} else if (id == 0) {
			view_error(req, res, 409, "There is no one to send this message to",
				   "No one is in this audience now. No message was sent.");
		} else {
			response_redirect(res, arena_printf(req->arena, "%s/message?sent=%lld",
							    cohort_url(req->arena, &c),
							    (long long)id));
		}
		return;
	}
	/* The preview: who would get it, and the first of them's message as it goes. */
	struct recipient *list;
	int n = recipients(req, &c, f.audience, &list);
	if (n < 0) {
		view_error(req, res, 500, "Sorry, there is a problem", "Try again in a minute.");
		return;
	}
	json_t *preview = json_pack("{s:i, s:b, s:s, s:s, s:s}", "count", n, "one", n == 1,
				    "audience", audiences[f.audience].label, "subject", f.subject,
				    "send_id", auth_new_token(req->arena, NULL));
	if (preview == NULL)
		die_oom();
	if (n > 0) {
		char *body = message_body(req, &c, &f, &list[0]);
		if (body == NULL)
			die_oom();
		json_object_set_new(preview, "to", json_string(list[0].to));
		json_object_set_new(preview, "body", json_string(body));
		free(body);
	}
	json_t *data = json_object();
	json_object_set_new(data, "preview", preview);
	render(req, res, &c, 200, data, &req->form, NULL);
}
