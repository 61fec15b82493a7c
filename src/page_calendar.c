/* page_calendar.c: the public calendars of a class or semester, /pip/classes/ID.ics and
 * /tap/semesters/ID.ics. */
#include <stdbool.h>
#include <string.h>

#include "calendar.h"
#include "cohort.h"
#include "db.h"
#include "pages.h"
#include "validate.h"
#include "view.h"
#include "i18n.h"

/* The cohort id of a path segment "45.ics": 0 and *id, or -1 when it is anything else
 * (the route's pattern takes every segment; only the .ics one is a calendar). */
static int ics_id(const char *segment, long *id)
{
	size_t n = strlen(segment);
	if (n <= 4 || strcmp(segment + n - 4, ".ics") != 0)
		return -1;
	char digits[24];
	if (n - 4 >= sizeof(digits))
		return -1;
	memcpy(digits, segment, n - 4);
	digits[n - 4] = '\0';
	return parse_int(digits, 1, 1L << 40, id);
}

static void not_found(struct request *req, struct response *res)
{
	view_error(req, res, 404, N_("Page not found"),
	           N_("There is no such calendar. The program pages link to the current ones."));
}

/* Answers the calendar of the cohort of program named by the URL, or 404 / 500.
 * One read snapshot, so that the cohort and its sessions agree. */
static void send_calendar(struct request *req, struct response *res, const char *program)
{
	long id;
	if (req->nparams != 1 || ics_id(req->params[0], &id) < 0) {
		not_found(req, res);
		return;
	}
	struct cohort c;
	if (db_begin_read(req->db) < 0) {
		view_error(req, res, 500, N_("Sorry, there is a problem"),
		           N_("Try again in a few minutes."));
		return;
	}
	int found = cohort_get(req->db, id, &c);
	bool ours = found == 1 && strcmp(c.program, program) == 0;
	char *ics = ours ? calendar_for_cohort(req->db, req->arena, &c) : NULL;
	db_end_read(req->db);
	if (found < 0 || (ours && ics == NULL)) {
		view_error(req, res, 500, N_("Sorry, there is a problem"),
		           N_("Try again in a few minutes."));
		return;
	}
	if (!ours) {
		not_found(req, res); /* no such cohort, or one of the other program */
		return;
	}
	res->status = 200;
	res->content_type = "text/calendar; charset=utf-8";
	response_header(res, "Content-Disposition",
	                arena_printf(req->arena, "attachment; filename=\"%s\"",
	                             calendar_file_name(req->arena, &c)));
	res->body.len = 0;
	buf_puts(&res->body, ics);
}

void public_class_calendar(struct request *req, struct response *res)
{
	send_calendar(req, res, "pip");
}

void public_semester_calendar(struct request *req, struct response *res)
{
	send_calendar(req, res, "tap");
}
