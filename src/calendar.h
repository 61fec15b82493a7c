/* calendar.h: a class's or semester's sessions as an iCalendar file (RFC 5545), for the
 * public .ics addresses and the acceptance e-mail's attachment. */
#ifndef PORTAL_CALENDAR_H
#define PORTAL_CALENDAR_H

#include "arena.h"
#include "cohort.h"
#include "db.h"

/*
 * The calendar of cohort c with its n sessions s (resolved, in order, as
 * cohort_sessions gives them), stamped (DTSTAMP) at Unix time now: a
 * VTIMEZONE of the portal's zone covering the sessions with a year's margin
 * each side, then one VEVENT per session.  Only public facts: names, dates,
 * times, places, topics.  CRLF line ends, lines folded at 75 octets.  The
 * text lives in the arena.
 */
char *calendar_write(struct arena *a, const struct cohort *c, const struct cohort_session *s, int n,
                     long long now);

/*
 * Reads c's sessions and writes its calendar, stamped now (app_now): the text
 * in the arena, or NULL when the database failed.  For the .ics pages and for
 * the e-mails that carry the calendar.
 */
char *calendar_for_cohort(struct db *db, struct arena *a, const struct cohort *c);

/* The file's name: "class-45.ics", "teens-and-policing-spring-2027.ics" (ASCII). */
char *calendar_file_name(struct arena *a, const struct cohort *c);

/* "Partners In Policing Class 45", "Teens and Policing Spring 2027": the calendar's name. */
char *calendar_title(struct arena *a, const struct cohort *c);

/* The pieces, exposed for the unit tests. */
/* A TEXT value escaped per RFC 5545 3.3.11: \\ \; \, and \n for a line break; other
 * control characters dropped. */
char *calendar_escape(struct arena *a, const char *text);
/* One content line folded into lines of at most 75 octets (never inside a UTF-8
 * character), each continuation starting with a space, ending with CRLF. */
char *calendar_fold(struct arena *a, const char *line);

#endif
