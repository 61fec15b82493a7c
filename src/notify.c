/* notify.c: composing application e-mails from templates/mail_*.mustache and queueing them. */
#include "notify.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "arena.h"
#include "cohort.h"
#include "mail.h"
#include "users.h"
#include "validate.h"
#include "view.h"

/* What a message about application id needs, and who should get it. */
struct about {
	json_t *data;
	char to[3][256]; /* up to three recipients: applicant or guardian, student, counselor */
	int nto;
};

static void add_recipient(struct about *a, const char *email)
{
	if (email == NULL || email[0] == '\0')
		return;
	for (int i = 0; i < a->nto; i++)
		if (strcasecmp(a->to[i], email) == 0)
			return;
	if (a->nto < 3)
		snprintf(a->to[a->nto++], sizeof(a->to[0]), "%s", email);
}

/* Reads the application and builds the template data: 1, 0 when its details are
 * erased (nobody is left to tell), -1 when the database failed. */
static int load(struct db *db, int64_t id, struct about *a)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT a.ref, a.cohort_id, a.status,"
				       " COALESCE(a.waitlist_position, 0), a.first_name,"
				       " COALESCE(a.email, ''), COALESCE(a.guardian_email, ''),"
				       " COALESCE(a.school, ''), COALESCE(u.email, ''),"
				       " COALESCE(u.name, ''), COALESCE(a.last_name, '')"
				       " FROM applications a LEFT JOIN users u ON u.id = a.counselor_id"
				       " WHERE a.id = ? AND a.erased_at IS NULL");
	db_bind_int(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? 0 : -1;
	}
	struct cohort c;
	int64_t cohort_id = sqlite3_column_int64(st, 1);
	int position = sqlite3_column_int(st, 3);
	memset(a, 0, sizeof(*a));
	a->data = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ref", db_col_text(st, 0),
			    "status", db_col_text(st, 2), "first_name", db_col_text(st, 4),
			    "last_name", db_col_text(st, 10), "school",
			    school_name(db_col_text(st, 7)) ? school_name(db_col_text(st, 7)) : "",
			    "counselor", db_col_text(st, 9), "contact",
			    app_config.department_contact);
	if (a->data == NULL)
		die_oom();
	bool tap = db_col_text(st, 0)[0] == 'T';
	if (tap) {
		/* The guardian when there is one, else the adult student; and the counselor. */
		const char *guardian = db_col_text(st, 6);
		add_recipient(a, guardian[0] ? guardian : db_col_text(st, 5));
		add_recipient(a, db_col_text(st, 8));
	} else {
		add_recipient(a, db_col_text(st, 5));
	}
	sqlite3_reset(st);
	if (cohort_get(db, cohort_id, &c) != 1) {
		json_decref(a->data);
		return -1;
	}
	char title[32], start[48];
	cohort_title(&c, title, sizeof(title));
	date_format_long(c.start, start, sizeof(start));
	json_object_set_new(a->data, "tap", json_boolean(tap));
	json_object_set_new(a->data, "cohort", json_string(title));
	json_object_set_new(a->data, "start", json_string(start));
	json_object_set_new(a->data, "program",
			    json_string(tap ? "Teens and Policing" : "Partners In Policing"));
	if (position > 0)
		json_object_set_new(a->data, "position", json_integer(position));
	json_object_set_new(a->data, "status_url",
			    json_sprintf("%s/status", app_config.base_url));
	return 1;
}

/* Renders template name with the data and queues it to every recipient. */
static int send_all(struct db *db, struct about *a, const char *name, const char *subject)
{
	char *body = view_render_string(name, a->data);
	int rc = body ? 0 : -1;
	for (int i = 0; rc == 0 && i < a->nto; i++)
		rc = mail_queue(db, a->to[i], subject, body);
	free(body);
	json_decref(a->data);
	return rc;
}

int notify_received(struct db *db, int64_t id)
{
	struct about a;
	if (load(db, id, &a) <= 0)
		return -1; /* a new application always has its details */
	char subject[160];
	const char *ref = json_string_value(json_object_get(a.data, "ref"));
	bool tap = json_is_true(json_object_get(a.data, "tap"));
	/* The en dash makes the subject non-ASCII: it is sent RFC 2047-encoded. */
	snprintf(subject, sizeof(subject), "%s received \u2013 %s",
		 tap ? "Teens and Policing nomination" : "Partners In Policing application", ref);
	return send_all(db, &a, "mail_received", subject);
}

int notify_status(struct db *db, int64_t id, enum status from, enum status to)
{
	struct about a;
	int found = load(db, id, &a);
	if (found <= 0)
		return found; /* erased (0): nobody is left to tell */
	json_object_set_new(a.data, "from", json_string(status_labels[from]));
	json_object_set_new(a.data, "to_label", json_string(status_labels[to]));
	json_object_set_new(a.data, status_names[to], json_true());
	json_object_set_new(a.data, "promoted",
			    json_boolean(from == ST_WAITLISTED && to == ST_SUBMITTED));
	char subject[160];
	snprintf(subject, sizeof(subject), "Your %s %s \u2013 %s",
		 json_is_true(json_object_get(a.data, "tap")) ? "nomination" : "application",
		 json_string_value(json_object_get(a.data, "ref")), status_labels[to]);
	return send_all(db, &a, "mail_status", subject);
}
