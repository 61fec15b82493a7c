/* routes.c: the site map: every (method, path, handler, access) of the portal in one table. */
#include "routes.h"

#include <string.h>

#include "app.h"
#include "auth.h"
#include "pages.h"
#include "view.h"
#include "i18n.h"

struct route {
	const char *method;
	const char *pattern; /* '*' matches one path segment, handed to the handler */
	handler_fn *handler;
	enum access access;
};

static const struct route routes[] = {
	/* The public site. */
	{"GET", "/", public_home, ANYONE},
	{"GET", "/pip", public_program_page, ANYONE},
	{"GET", "/tap", public_program_page, ANYONE},
	{"GET", "/healthz", public_healthz, ANYONE},
	{"GET", "/styleguide", public_styleguide, ANYONE},

	/* Partners In Policing: applying, or joining the interest list. */
	{"GET", "/pip/apply", pip_apply_form, ANYONE},
	{"POST", "/pip/apply", pip_apply, ANYONE},
	{"POST", "/pip/interest", pip_interest, ANYONE},

	/* An applicant's own application, by reference and e-mail. */
	{"GET", "/confirmation/*", public_confirmation, ANYONE},
	{"GET", "/status", public_status_form, ANYONE},
	{"POST", "/status", public_status_show, ANYONE},
	{"GET", "/status/result", public_status_result, ANYONE},
	{"POST", "/status/withdraw", public_withdraw, ANYONE},
	{"GET", "/status/resend", public_resend_form, ANYONE},
	{"POST", "/status/resend", public_resend, ANYONE},
	{"GET", "/status/update", public_update_form, ANYONE},
	{"POST", "/status/update", public_update, ANYONE},

	/* The sessions of a class or semester as iCalendar files, ".../ID.ics" (page_calendar.c:
	 * the handler takes only the .ics segment). */
	{"GET", "/pip/classes/*", public_class_calendar, ANYONE},
	{"GET", "/tap/semesters/*", public_semester_calendar, ANYONE},

	/* Signing in and out, and setting a password (page_auth.c). */
	{"GET", "/login", login_form, ANYONE},
	{"POST", "/login", login_submit, ANYONE},
	{"POST", "/logout", logout_submit, ANYONE},
	{"GET", "/account/password", password_form, ANYONE},
	{"POST", "/account/password", password_submit, ANYONE},
	{"GET", "/login/two-factor", login_two_factor_form, ANYONE},
	{"POST", "/login/two-factor", login_two_factor_submit, ANYONE},
	{"GET", "/account/two-factor", account_two_factor_form, SIGNED_IN},
	{"POST", "/account/two-factor", account_two_factor_submit, SIGNED_IN},
	{"GET", "/forgot", forgot_form, ANYONE},
	{"POST", "/forgot", forgot_submit, ANYONE},

	/* Teens and Policing for counselors: the school's nominations, nominating, letters
	 * (page_counselor.c, page_tap.c).  Staff may open a nomination and its letter too. */
	{"GET", "/counselor", counselor_home, COUNSELOR},
	{"GET", "/counselor/nominations/*", counselor_nomination, COUNSELOR_STAFF},
	{"GET", "/counselor/nominations/*/letter", counselor_letter, COUNSELOR_STAFF},
	{"POST", "/counselor/nominations/*", counselor_correct, COUNSELOR},
	{"GET", "/counselor/nominations/*/edit", counselor_edit_form, COUNSELOR},
	{"POST", "/counselor/nominations/*/withdraw", counselor_withdraw, COUNSELOR},
	{"GET", "/tap/nominate", tap_nominate_form, COUNSELOR},
	{"POST", "/tap/nominate", tap_nominate, COUNSELOR},

	/* The staff desk: classes, semesters and their applicant lists. */
	{"GET", "/admin", admin_dashboard, STAFF},
	{"GET", "/admin/pip/classes", admin_cohorts, STAFF},
	{"POST", "/admin/pip/classes", admin_cohort_create, STAFF},
	{"GET", "/admin/pip/classes/*", admin_cohort_page, STAFF},
	{"POST", "/admin/pip/classes/*/registration", admin_cohort_registration, STAFF},
	{"POST", "/admin/pip/classes/*/decide", admin_cohort_decide, STAFF},
	{"GET", "/admin/tap/semesters", admin_cohorts, STAFF},
	{"POST", "/admin/tap/semesters", admin_cohort_create, STAFF},
	{"GET", "/admin/tap/semesters/*", admin_cohort_page, STAFF},
	{"POST", "/admin/tap/semesters/*/registration", admin_cohort_registration, STAFF},
	{"POST", "/admin/tap/semesters/*/decide", admin_cohort_decide, STAFF},
	{"GET", "/admin/pip/classes/*/sessions/*", admin_session_form, STAFF},
	{"POST", "/admin/pip/classes/*/sessions/*", admin_session_save, STAFF},
	{"GET", "/admin/tap/semesters/*/sessions/*", admin_session_form, STAFF},
	{"POST", "/admin/tap/semesters/*/sessions/*", admin_session_save, STAFF},
	{"GET", "/admin/applications/*", admin_application, STAFF},
	{"POST", "/admin/applications/*/status", admin_application_status, STAFF},
	{"POST", "/admin/applications/*/background", admin_application_background, STAFF},
	{"GET", "/admin/applications/*/edit", admin_application_edit, STAFF},
	{"POST", "/admin/applications/*", admin_application_save, STAFF},

	/* Attendance at the door, completing who qualifies, the printable roster and sign-in
	 * sheets, and the figures of every class and semester (page_attendance.c,
	 * page_roster.c, page_report.c). */
	{"GET", "/admin/pip/classes/*/attendance", admin_attendance, STAFF},
	{"POST", "/admin/pip/classes/*/attendance", admin_attendance_save, STAFF},
	{"POST", "/admin/pip/classes/*/complete", admin_attendance_complete, STAFF},
	{"GET", "/admin/pip/classes/*/roster", admin_roster, STAFF},
	{"GET", "/admin/tap/semesters/*/attendance", admin_attendance, STAFF},
	{"POST", "/admin/tap/semesters/*/attendance", admin_attendance_save, STAFF},
	{"POST", "/admin/tap/semesters/*/complete", admin_attendance_complete, STAFF},
	{"GET", "/admin/tap/semesters/*/roster", admin_roster, STAFF},
	{"GET", "/admin/report", admin_report, STAFF},

	/* Messages to the participants of a class or semester (page_message.c). */
	{"GET", "/admin/pip/classes/*/message", admin_message_form, STAFF},
	{"POST", "/admin/pip/classes/*/message", admin_message_send, STAFF},
	{"GET", "/admin/tap/semesters/*/message", admin_message_form, STAFF},
	{"POST", "/admin/tap/semesters/*/message", admin_message_send, STAFF},

	/* Accounts, for administrators (page_users.c). */
	{"GET", "/admin/users", accounts_list, ADMIN},
	{"POST", "/admin/users", accounts_create, ADMIN},
	{"POST", "/admin/users/*/disable", accounts_disable, ADMIN},
	{"POST", "/admin/users/*/enable", accounts_enable, ADMIN},
	{"POST", "/admin/users/*/invite", accounts_invite, ADMIN},
	{"GET", "/admin/access-log", admin_access_log, ADMIN},
	{"POST", "/admin/users/*/reset-two-factor", accounts_reset_two_factor, ADMIN},
	{"POST", "/admin/users/*", accounts_change, ADMIN},

	/* Staff's CSV downloads of the lists (page_export.c). */
	{"GET", "/admin/pip/classes/*/applicants.csv", export_class_applicants, STAFF},
	{"GET", "/admin/tap/semesters/*/nominations.csv", export_semester_nominations, STAFF},
	{"GET", "/admin/interest.csv", export_interest, STAFF},

	/* The program pages' text, for administrators (page_pages.c). */
	{"GET", "/admin/pages/*", admin_page_edit, ADMIN},
	{"POST", "/admin/pages/*", admin_page_save, ADMIN},
};

/* Matches path against pattern, capturing '*' segments into req->params. */
static bool match(const char *pattern, const char *path, struct request *req)
{
	size_t n = 0;
	const char *p = pattern, *s = path;
	while (*p && *s) {
		if (*p == '*') {
			const char *end = strchr(s, '/');
			size_t len = end ? (size_t)(end - s) : strlen(s);
			if (len == 0 || n == HTTP_MAX_PARAMS)
				return false;
			req->params[n++] = arena_strndup(req->arena, s, len);
			p++;
			s += len;
		} else if (*p++ != *s++) {
			return false;
		}
	}
	req->nparams = n;
	return *p == '\0' && *s == '\0';
}

static bool allowed(enum access access, const struct session *s)
{
	if (access == ANYONE)
		return true;
	if (s == NULL)
		return false;
	bool admin = strcmp(s->role, "admin") == 0;
	bool staff = admin || strcmp(s->role, "staff") == 0;
	bool counselor = strcmp(s->role, "counselor") == 0;
	switch (access) {
	case COUNSELOR: return counselor;
	case STAFF: return staff;
	case ADMIN: return admin;
	case COUNSELOR_STAFF: return counselor || staff;
	case SIGNED_IN: return true;
	default: return false;
	}
}

/* Lists the methods a path answers to, for 405's Allow header. */
static const char *allow_list(struct request *req)
{
	struct buf b;
	buf_init(&b, req->arena);
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (!match(routes[i].pattern, req->path, req))
			continue;
		if (b.len)
			buf_puts(&b, ", ");
		buf_puts(&b, routes[i].method);
		if (strcmp(routes[i].method, "GET") == 0)
			buf_puts(&b, ", HEAD");
	}
	return b.len ? buf_str(&b) : NULL;
}

bool routes_page_allowed(struct arena *a, const char *path, const char *role)
{
	/* A scratch request: matching writes captures we do not want to keep. */
	struct request scratch = {.arena = a};
	struct session s = {.role = role};
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (strcmp(routes[i].method, "GET") == 0 && match(routes[i].pattern, path, &scratch))
			return allowed(routes[i].access, &s);
	return false;
}

void routes_dispatch(struct request *req, struct response *res)
{
	const char *method = strcmp(req->method, "HEAD") == 0 ? "GET" : req->method;
	const struct route *r = NULL;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]) && r == NULL; i++)
		if (strcmp(routes[i].method, method) == 0 && match(routes[i].pattern, req->path, req))
			r = &routes[i];
	if (r == NULL) {
		const char *allow = allow_list(req);
		if (allow == NULL) {
			view_error(req, res, 404, N_("Page not found"),
				   N_("If you typed the web address, check it is correct."));
			return;
		}
		response_header(res, "Allow", allow);
		view_error(req, res, 405, N_("This page cannot do that"),
			   N_("The page exists, but not for this kind of request."));
		return;
	}
	/* Matching again fills req->params for the route chosen. */
	match(r->pattern, req->path, req);
	bool post = strcmp(method, "POST") == 0;
	if (!allowed(r->access, req->session)) {
		if (post) {
			view_error(req, res, 403, N_("You cannot do that"),
				   N_("Sign in with an account that may do this, then try again."));
		} else {
			char *next = url_encode(req->arena, req->path);
			response_redirect(res, arena_printf(req->arena, "/login?next=%s", next));
		}
		return;
	}
	/* A password printed at set-up must be replaced before any desk page opens. */
	if (req->session && req->session->must_change_password && r->access != ANYONE) {
		response_redirect(res, "/account/password");
		return;
	}
	/* With require_two_factor, an account without a second factor sets one up first. */
	if (req->session && app_config.require_two_factor && !req->session->has_second_factor &&
	    r->access != ANYONE && r->handler != account_two_factor_form &&
	    r->handler != account_two_factor_submit) {
		if (post)
			view_error(req, res, 403, "Set up a second factor first",
				   "Your account needs a second factor before anything else. "
				   "Nothing was changed.");
		else
			response_redirect(res, "/account/two-factor");
		return;
	}
	if (post && !auth_csrf_ok(req)) {
		view_error(req, res, 403, N_("Your form has expired"),
			   N_("Go back, reload the page and send the form again. Nothing was "
			   "saved."));
		return;
	}
	r->handler(req, res);
}
