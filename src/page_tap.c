/* page_tap.c: a counselor nominates a student of their own school for Teens and Policing. */
#include <string.h>

#include "applications.h"
#include "auth.h"
#include "cohort.h"
#include "eligibility.h"
#include "pages.h"
#include "users.h"
#include "view.h"

/* The nomination form's inputs, in the order of the page (SPEC.md's names). */
static const char *const nominate_fields[] = {
	"student_first_name", "student_last_name", "student_id", "grade", "dob",
	"student_email", "student_phone", "guardian_name", "guardian_phone", "guardian_email",
	"guardian_consent", "counselor_note", "language", NULL,
};

/* The semester as the form shows it: title, first session, schedule. */
static json_t *semester_json(struct request *req, const struct cohort *c)
{
	json_t *j = cohort_view(req->db, req->arena, c, LANG_EN);
	return j ? j : json_object();
}

/* Which radio and box the form had chosen, for showing it again as typed. */
static json_t *chosen_json(const struct kvmap *form)
{
	const char *grade = form ? kv_str(form, "grade") : "";
	json_t *j = json_pack("{s:b, s:b, s:b}", "grade11", strcmp(grade, "11") == 0, "grade12",
			      strcmp(grade, "12") == 0, "consent",
			      form && kv_has(form, "guardian_consent", "yes"));
	if (j == NULL)
		die_oom();
	return j;
}

/*
 * The nomination form's data for semester c: the semester, the grade and
 * consent chosen, each field's value and error.  The form, the counselor's
 * correction and the staff's show the same fields (tap_nomination_fields).
 */
void tap_form_data(struct request *req, json_t *data, const struct cohort *c,
		   const struct kvmap *values, const struct form_errors *errs)
{
	json_object_set_new(data, "semester", semester_json(req, c));
	json_object_set_new(data, "chosen", chosen_json(values));
	json_object_set_new(data, "language_choices",
			    view_language_choices(values ? kv_str(values, "language") : ""));
	view_form(data, values, nominate_fields, errs);
}

/* A nomination's stored details as the form's values, the phones written as people type them. */
void tap_form_values(struct arena *a, const struct app_details *d, struct kvmap *m)
{
	char shown[13];
	kv_add(m, a, "student_first_name", d->first_name);
	kv_add(m, a, "student_last_name", d->last_name);
	kv_add(m, a, "student_id", d->student_id);
	kv_add(m, a, "grade", d->grade == 11 ? "11" : d->grade == 12 ? "12" : "");
	kv_add(m, a, "dob", d->dob);
	kv_add(m, a, "student_email", d->email);
	kv_add(m, a, "student_phone",
	       d->phone[0] ? arena_strdup(a, phone_display(d->phone, shown)) : "");
	kv_add(m, a, "guardian_name", d->guardian_name);
	kv_add(m, a, "guardian_phone",
	       d->guardian_phone[0] ? arena_strdup(a, phone_display(d->guardian_phone, shown))
				    : "");
	kv_add(m, a, "guardian_email", d->guardian_email);
	if (d->guardian_consent > 0)
		kv_add(m, a, "guardian_consent", "yes");
	kv_add(m, a, "counselor_note", d->counselor_note);
}

/*
 * The posted form read by the nominate form's rules for semester c: 0 with
 * *want set as a correction's wish (app_details_from_tap), or the number of
 * errors, each in *errs.
 */
int tap_form_read(struct request *req, const struct cohort *c, struct app_details *want,
		  struct form_errors *errs)
{
	struct tap_nomination nom;
	int n = tap_validate(req->arena, &req->form, c->start, &nom, errs);
	if (n > 0)
		return n;
	app_details_from_tap(req->arena, &nom, want);
	return 0;
}

/* The 409 of a correction giving a student ID another nomination of the semester has. */
void tap_student_id_taken(struct request *req, struct response *res)
{
	view_error(req, res, 409, "This student ID is already nominated",
		   "Another nomination this semester has that student ID. Check the ID. "
		   "Nothing was changed.");
}

/* The school of the signed-in counselor, by name; NULL when the account has none. */
static const char *counselor_school(const struct request *req)
{
	return req->session ? school_name(req->session->school) : NULL;
}

/*
 * Renders the nomination form for semester c, empty (200) or as typed with
 * its errors (422).  The school comes from the account, never from the form.
 */
static void show_form(struct request *req, struct response *res, const struct cohort *c,
		      const struct kvmap *form, const struct form_errors *errs)
{
	json_t *data = json_object();
	json_object_set_new(data, "school", json_string(counselor_school(req)));
	tap_form_data(req, data, c, form, errs);
	if (errs && errs->n)
		res->status = 422;
	view_render(req, res, "tap_nominate", data);
}

/* The page saying no semester takes nominations: 200 for a visit, 409 for a refused POST. */
static void show_closed(struct request *req, struct response *res, int status)
{
	json_t *data = json_pack("{s:b}", "refused", status != 200);
	if (data == NULL)
		die_oom();
	res->status = status;
	view_render(req, res, "tap_closed", data);
}

/* GET /tap/nominate: the form for the open semester, or the page saying none is open. */
void tap_nominate_form(struct request *req, struct response *res)
{
	res->no_store = true;
	if (counselor_school(req) == NULL) {
		view_error(req, res, 403, "Your account has no school",
			   "Ask an administrator to set your school, then sign in again.");
		return;
	}
	struct cohort c;
	int found = cohort_open_now(req->db, "tap", &c);
	if (found < 0) {
		view_error(req, res, 500, "Sorry, there is a problem",
			   "Try again in a few minutes.");
		return;
	}
	if (found == 0) {
		show_closed(req, res, 200);
		return;
	}
	show_form(req, res, &c, NULL, NULL);
}

/* 409 for a student ID already nominated this semester: says nothing of who nominated them. */
static void show_duplicate(struct request *req, struct response *res, const struct cohort *c,
			   const char *student_id)
{
	json_t *data = json_object();
	json_object_set_new(data, "semester", semester_json(req, c));
	json_object_set_new(data, "student_id", json_string(student_id));
	res->status = 409;
	view_render(req, res, "tap_duplicate", data);
}

/*
 * POST /tap/nominate: checks the semester is the open one and the nomination
 * eligible, then places it for the counselor's own school (the form's `school`,
 * if any, is never read) and redirects to the school's list.
 */
void tap_nominate(struct request *req, struct response *res)
{
	res->no_store = true;
	const struct session *s = req->session;
	if (counselor_school(req) == NULL) {
		view_error(req, res, 403, "Your account has no school",
			   "Ask an administrator to set your school, then sign in again. Nothing "
			   "was saved.");
		return;
	}
	long id;
	struct cohort c;
	if (parse_int(kv_str(&req->form, "semester"), 1, 1L << 40, &id) < 0 ||
	    cohort_get(req->db, id, &c) != 1 || strcmp(c.program, "tap") != 0 || !c.open) {
		show_closed(req, res, 409);
		return;
	}
	struct tap_nomination nom;
	struct form_errors errs;
	if (tap_validate(req->arena, &req->form, c.start, &nom, &errs) > 0) {
		show_form(req, res, &c, &req->form, &errs);
		return;
	}
	struct placed placed;
	enum place_result r =
	    application_place_tap(req->db, c.id, s->school, s->user_id, s->name, &nom, &placed);
	switch (r) {
	case PLACE_OK:
		response_redirect(res,
				  arena_printf(req->arena, "/counselor?nominated=%s", placed.ref));
		return;
	case PLACE_CLOSED: show_closed(req, res, 409); return;
	case PLACE_DUPLICATE: show_duplicate(req, res, &c, nom.student_id); return;
	case PLACE_ERROR: break;
	}
	view_error(req, res, 500, "Sorry, there is a problem",
		   "The nomination was not saved. Go back and send it again in a few minutes.");
}
