/* page_pip.c: applying for Partners In Policing, and the interest list when no class is open. */
#include <string.h>

#include "app.h"
#include "applications.h"
#include "cohort.h"
#include "eligibility.h"
#include "pages.h"
#include "i18n.h"
#include "view.h"

/* The application form's inputs, in the order of the page. */
static const char *const apply_fields[] = {
	"first_name",	  "last_name",	  "dob",	     "email",	      "phone",
	"street",	  "city",	  "zip",	     "affiliation",   "work_detail",
	"school_detail",  "faith_detail", "civic_detail",    "other_detail",  "emergency_name",
	"emergency_phone", "accommodations", "referral",    "ack_background", NULL,
};

static const char *const interest_fields[] = {"email", "name", NULL};

/* The class as the public pages show it: title, schedule, places, registration. */
static json_t *class_json(struct request *req, const struct cohort *c)
{
	json_t *j = cohort_view(req->db, req->arena, c, req->lang);
	return j ? j : json_object();
}

/* Which affiliation boxes the form had ticked, for re-showing it as typed. */
static json_t *ticked_json(const struct kvmap *form)
{
	json_t *t = json_object();
	for (int k = 0; k < AFF_MAX; k++)
		json_object_set_new(t, affiliation_names[k],
				    json_boolean(form && kv_has(form, "affiliation",
								affiliation_names[k])));
	json_object_set_new(t, "ack", json_boolean(form && kv_has(form, "ack_background", "yes")));
	return t;
}

/* Renders the application form, empty or as typed with its errors (status 200 or 422). */
static void show_form(struct request *req, struct response *res, const struct cohort *c,
		      const struct kvmap *form, const struct form_errors *errs)
{
	json_t *data = json_object();
	json_object_set_new(data, "class", class_json(req, c));
	json_object_set_new(data, "ticked", ticked_json(form));
	if (form == NULL && errs == NULL)
		view_form_blank(data, apply_fields); /* the GET: the same every time */
	else
		view_form(data, form, apply_fields, errs);
	if (errs && errs->n) {
		res->status = 422;
		res->no_store = true; /* the page holds what the applicant typed */
	}
	view_render(req, res, "pip_apply", data);
}

/*
 * The page shown when no class takes applications, with the interest-list
 * form: the coming class whose registration has not opened, or the one whose
 * registration closed and the class after it, when there is one.
 */
static void show_stay_tuned(struct request *req, struct response *res, const struct kvmap *form,
			    const struct form_errors *errs)
{
	json_t *data = json_object();
	struct cohort c, after;
	if (cohort_next(req->db, "pip", &c) == 1) {
		enum cohort_state state = cohort_state(&c);
		if (state == REG_CLOSED && date_cmp(c.last, date_today()) >= 0) {
			json_object_set_new(data, "closed", class_json(req, &c));
			if (cohort_after(req->db, &c, &after) == 1)
				json_object_set_new(data, "next", class_json(req, &after));
		} else if (date_cmp(c.start, date_today()) > 0) {
			json_object_set_new(data, "next", class_json(req, &c));
		}
	}
	json_object_set_new(data, "joined",
			    json_boolean(strcmp(kv_str(&req->query, "interest"), "joined") == 0));
	view_form(data, form, interest_fields, errs);
	if (errs && errs->n) {
		res->status = 422;
		res->no_store = true;
	}
	view_render(req, res, "pip_stay_tuned", data);
}

void pip_apply_form(struct request *req, struct response *res)
{
	struct cohort c;
	int found = cohort_open_now(req->db, "pip", &c);
	if (found < 0) {
		view_error(req, res, 500, N_("Sorry, there is a problem"), N_("Try again in a few minutes."));
		return;
	}
	if (found == 0) {
		show_stay_tuned(req, res, NULL, NULL);
		return;
	}
	show_form(req, res, &c, NULL, NULL);
}

static void refuse_closed(struct request *req, struct response *res)
{
	view_error(req, res, 409, N_("Registration for this class is closed"),
		   N_("This class no longer takes applications. Nothing was saved. See what is open "
		   "now on the Partners In Policing application page, /pip/apply."));
}

void pip_apply(struct request *req, struct response *res)
{
	long id;
	struct cohort c;
	if (parse_int(kv_str(&req->form, "class"), 1, 1L << 40, &id) < 0 ||
	    cohort_get(req->db, id, &c) != 1 || strcmp(c.program, "pip") != 0 || !c.open) {
		refuse_closed(req, res);
		return;
	}
	struct pip_application app;
	struct form_errors errs;
	if (pip_validate(req->arena, req->lang, &req->form, c.start, &app, &errs) > 0) {
		show_form(req, res, &c, &req->form, &errs);
		return;
	}
	app.language = lang_codes[i18n_format_lang(req->lang)];
	struct placed placed;
	switch (application_place_pip(req->db, c.id, &app, &placed)) {
	case PLACE_OK:
		response_redirect(res, arena_printf(req->arena, "/confirmation/%s", placed.ref));
		return;
	case PLACE_CLOSED:
		refuse_closed(req, res);
		return;
	case PLACE_DUPLICATE:
		res->no_store = true;
		view_render(req, res, "pip_duplicate", json_pack("{s:o}", "class", class_json(req, &c)));
		res->status = 409;
		return;
	case PLACE_ERROR:
		break;
	}
	view_error(req, res, 500, N_("Sorry, there is a problem"),
		   N_("Your application was not saved. Go back and send it again in a few minutes."));
}

void pip_interest(struct request *req, struct response *res)
{
	struct interest in;
	struct form_errors errs;
	if (interest_validate(req->arena, req->lang, &req->form, &in, &errs) > 0) {
		show_stay_tuned(req, res, &req->form, &errs);
		return;
	}
	struct db *db = req->db;
	if (db_begin_write(db) < 0)
		goto fail;
	/* Joining twice is not an error: the list already has the address. */
	sqlite3_stmt *st = db_stmt(db, "INSERT INTO interest (email, name, created_at, language)"
				       " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING");
	db_bind_text(st, 1, in.email);
	db_bind_text(st, 2, in.name);
	db_bind_int(st, 3, app_now());
	db_bind_text(st, 4, lang_codes[i18n_format_lang(req->lang)]);
	if (db_exec_stmt(db, st) < 0 || db_commit(db) < 0) {
		db_rollback(db);
		goto fail;
	}
	response_redirect(res, "/pip/apply?interest=joined");
	return;
fail:
	view_error(req, res, 500, N_("Sorry, there is a problem"),
		   N_("Your address was not saved. Try again in a few minutes."));
}
