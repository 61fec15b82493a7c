/* pages.h: the page handlers the route table names, one group per area of the site. */
#ifndef PORTAL_PAGES_H
#define PORTAL_PAGES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "http.h"

typedef void handler_fn(struct request *req, struct response *res);

/* page_public.c */
handler_fn public_home, public_program_page, public_healthz, public_styleguide;

/* page_pip.c */
handler_fn pip_apply_form, pip_apply, pip_interest;

/* page_status.c */
handler_fn public_confirmation, public_status_form, public_status_show, public_withdraw;
handler_fn public_status_result, public_resend_form, public_resend, public_update_form,
    public_update;

/* page_calendar.c: a class's or semester's sessions as an iCalendar file */
handler_fn public_class_calendar, public_semester_calendar;

/* page_counselor.c: a school's nominations, one nomination, its completion letter */
handler_fn counselor_home, counselor_nomination, counselor_letter;
/* ... and the counselor's corrections and withdrawal of a nomination of the school */
handler_fn counselor_edit_form, counselor_correct, counselor_withdraw;

/* page_tap.c: a counselor nominates a student */
handler_fn tap_nominate_form, tap_nominate;
/* ... and the nomination form's fields, shared with the corrections (page_counselor.c,
 * page_review.c) */
struct app_details;
struct cohort;
struct form_errors;
struct kvmap;
struct arena;
void tap_form_data(struct request *req, json_t *data, const struct cohort *c,
		   const struct kvmap *values, const struct form_errors *errs);
void tap_form_values(struct arena *a, const struct app_details *d, struct kvmap *m);
int tap_form_read(struct request *req, const struct cohort *c, struct app_details *want,
		  struct form_errors *errs);
void tap_student_id_taken(struct request *req, struct response *res);

/* page_admin.c */
handler_fn admin_dashboard, admin_cohorts, admin_cohort_create, admin_cohort_registration;
struct cohort;
struct db;
/* Loads the class or semester named by the URL's id; false after answering 404. */
bool admin_load_cohort(struct request *req, struct response *res, struct cohort *c);
/* One session of a class or semester: its change form, and saving it (page_sessions.c). */
handler_fn admin_session_form, admin_session_save;

/* page_review.c */
handler_fn admin_cohort_page, admin_application, admin_application_status;
handler_fn admin_cohort_decide, admin_application_background;
handler_fn admin_application_edit, admin_application_save;
/* The status history of an application from the audit log, oldest first; new reference. */
json_t *admin_history_json(struct db *db, int64_t id);

/* page_attendance.c, page_roster.c, page_report.c: attendance and completion, the printable
 * roster and sign-in sheets, and the staff's figures */
handler_fn admin_attendance, admin_attendance_save, admin_attendance_complete;
handler_fn admin_roster, admin_report;

/* page_auth.c */
handler_fn login_form, login_submit, logout_submit;
handler_fn password_form, password_submit, forgot_form, forgot_submit;
/* The page each role starts on ("/admin" or "/counselor"). */
const char *login_home(const char *role);
/* The 429 page of a paused sign-in: wait seconds (Retry-After), and the way out. */
void login_render_locked(struct request *req, struct response *res, long long wait);
/* The 503 page when every worker but one is computing a password hash (auth_hash_gate_enter). */
void page_busy(struct request *req, struct response *res);

/* page_twofactor.c: the second step of signing in, and setting up a second factor */
handler_fn login_two_factor_form, login_two_factor_submit;
handler_fn account_two_factor_form, account_two_factor_submit;

/* page_message.c: e-mail the participants of a class or semester */
handler_fn admin_message_form, admin_message_send;

/* page_users.c */
handler_fn accounts_list, accounts_create, accounts_disable;
handler_fn accounts_enable, accounts_invite, accounts_change, accounts_reset_two_factor;

/* page_access_log.c: who opened or exported which personal records */
handler_fn admin_access_log;

/* page_export.c */
handler_fn export_class_applicants, export_semester_nominations, export_interest;

/* page_pages.c */
handler_fn admin_page_edit, admin_page_save;

#endif
