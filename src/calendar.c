/* calendar.c: iCalendar files (RFC 5545) of a class's or semester's sessions. */
#include "calendar.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "clock.h"

/* Octets of a content line before it is folded (RFC 5545 3.1), CRLF not counted. */
enum { LINE_OCTETS = 75 };
/* The VTIMEZONE covers the sessions and this much either side: clients need the
 * observance in force before the first session, and a year reaches the last change
 * of offset in any zone that has them. */
enum { ZONE_MARGIN = 366 * 86400 };
/* More changes of offset than any zone has in the window: a bound, not a limit. */
enum { MAX_TRANSITIONS = 64 };

static const char PRODID[] = "-//Torrance Police Department//Community Programs Portal//EN";

char *calendar_escape(struct arena *a, const char *text)
{
	struct buf b;
	buf_init(&b, a);
	for (const char *p = text; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch == '\\' || ch == ';' || ch == ',') {
			buf_putc(&b, '\\');
			buf_putc(&b, *p);
		} else if (ch == '\n') {
			buf_puts(&b, "\\n");
		} else if (ch == '\r') {
			/* A CRLF is one line break, a lone CR one too. */
			if (p[1] != '\n')
				buf_puts(&b, "\\n");
		} else if (ch < 0x20 && ch != '\t') {
			continue; /* TEXT may hold no other control character */
		} else if (ch == 0x7F) {
			continue;
		} else {
			buf_putc(&b, *p);
		}
	}
	return buf_str(&b);
}

/* Appends line to b, folded and CRLF-ended (see calendar_fold). */
static void put_line(struct buf *b, const char *line)
{
	const char *p = line;
	size_t len = strlen(line), room = LINE_OCTETS;
	while (len > room) {
		/* Back off to the start of a character: a fold never splits one. */
		size_t cut = room;
		while (cut > 0 && ((unsigned char)p[cut] & 0xC0) == 0x80)
			cut--;
		buf_add(b, p, cut);
		buf_puts(b, "\r\n ");
		p += cut;
		len -= cut;
		room = LINE_OCTETS - 1; /* the leading space counts */
	}
	buf_add(b, p, len);
	buf_puts(b, "\r\n");
}

char *calendar_fold(struct arena *a, const char *line)
{
	struct buf b;
	buf_init(&b, a);
	put_line(&b, line);
	return buf_str(&b);
}

/* Formats one content line and appends it folded. */
static void prop(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void prop(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *line = arena_vprintf(b->arena, fmt, ap);
	va_end(ap);
	put_line(b, line);
}

/* The host of base_url ("programs.example.org"), lower case, for UIDs; "localhost"
 * when it names none. */
static const char *uid_host(struct arena *a)
{
	const char *p = strstr(app_config.base_url, "://");
	p = p ? p + 3 : app_config.base_url;
	const char *at = strchr(p, '@');
	if (at && at < p + strcspn(p, "/?#"))
		p = at + 1; /* credentials in a URL are no part of its host */
	size_t n = *p == '[' ? strcspn(p, "]") + 1 : strcspn(p, ":/?#");
	if (n == 0 || p[n - 1] == '\0')
		return "localhost";
	char *host = arena_strndup(a, p, n);
	for (char *h = host; *h; h++)
		*h = (char)tolower((unsigned char)*h);
	return host;
}

/* "20270114T180000": a local date and minute of the day, as DTSTART;TZID= takes it. */
static char *local_stamp(struct arena *a, struct date d, int minute)
{
	return arena_printf(a, "%04d%02d%02dT%02d%02d00", d.y, d.m, d.d, minute / 60, minute % 60);
}

/* Unix time t shifted by offset seconds, written as a floating "YYYYMMDDTHHMMSS". */
static char *shifted_stamp(struct arena *a, long long t, int offset)
{
	time_t s = (time_t)(t + offset);
	struct tm tm;
	if (gmtime_r(&s, &tm) == NULL)
		return arena_strdup(a, "19700101T000000");
	return arena_printf(a, "%04d%02d%02dT%02d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1,
	                    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* "-0800", or "+053000" when the offset has seconds (RFC 5545's UTC-OFFSET). */
static char *utc_offset(struct arena *a, int offset)
{
	char sign = offset < 0 ? '-' : '+';
	int v = offset < 0 ? -offset : offset;
	if (v % 60)
		return arena_printf(a, "%c%02d%02d%02d", sign, v / 3600, v / 60 % 60, v % 60);
	return arena_printf(a, "%c%02d%02d", sign, v / 3600, v / 60 % 60);
}

/* One STANDARD or DAYLIGHT observance starting at local time start. */
static void observance(struct buf *b, bool daylight, const char *start, int from, int to)
{
	const char *kind = daylight ? "DAYLIGHT" : "STANDARD";
	prop(b, "BEGIN:%s", kind);
	prop(b, "DTSTART:%s", start);
	prop(b, "TZOFFSETFROM:%s", utc_offset(b->arena, from));
	prop(b, "TZOFFSETTO:%s", utc_offset(b->arena, to));
	prop(b, "END:%s", kind);
}

/*
 * The VTIMEZONE of the portal's zone from ICU's own rules: one explicit
 * observance per change of offset between from and to (Unix times), no RRULE
 * that a client could read differently.  A change to a larger offset is taken
 * as daylight saving: ICU tells the offsets, not which is standard.  When no
 * change comes before first (the first session's start), an observance of the
 * offset in force then opens the list, so that every session has one.
 */
static void write_timezone(struct buf *b, long long from, long long first, long long to)
{
	struct arena *a = b->arena;
	prop(b, "BEGIN:VTIMEZONE");
	prop(b, "TZID:%s", calendar_escape(a, clock_zone()));
	long long t = from, when;
	int before, after, count = 0;
	bool covered = false;
	struct buf changes;
	buf_init(&changes, a);
	while (count < MAX_TRANSITIONS && clock_next_transition(t, &when, &before, &after) == 1 &&
	       when <= to) {
		t = when;
		count++;
		if (before == after)
			continue; /* a change of rule that leaves the clocks alone */
		covered |= when <= first;
		observance(&changes, after > before, shifted_stamp(a, when, before), before, after);
	}
	if (!covered) {
		struct local_time lt;
		int offset = clock_local(first, &lt) == 0 ? lt.offset : 0;
		observance(b, false, "19700101T000000", offset, offset);
	}
	if (changes.len) /* an empty buf has no data to copy */
		buf_add(b, changes.data, changes.len);
	prop(b, "END:VTIMEZONE");
}

char *calendar_title(struct arena *a, const struct cohort *c)
{
	char title[32];
	cohort_title(c, title, sizeof(title));
	bool tap = strcmp(c->program, "tap") == 0;
	return arena_printf(a, "%s %s", tap ? "Teens and Policing" : "Partners In Policing", title);
}

char *calendar_file_name(struct arena *a, const struct cohort *c)
{
	if (strcmp(c->program, "tap") == 0)
		return arena_printf(a, "teens-and-policing-%s-%d.ics",
		                    strcmp(c->term, "fall") == 0 ? "fall" : "spring", c->year);
	return arena_printf(a, "class-%d.ics", c->number);
}

/* The end of session s: its end time, on the next day when it ends at or before its start
 * (an evening that runs past midnight). */
static void session_end(const struct cohort_session *s, struct date *day, int *minute)
{
	*day = s->end_time > s->start_time ? s->date : date_add_days(s->date, 1);
	*minute = s->end_time;
}

/* One VEVENT. */
static void write_event(struct buf *b, const char *title, const char *host, int64_t cohort,
                        const struct cohort_session *s, const char *stamp)
{
	struct arena *a = b->arena;
	const char *tz = clock_zone();
	struct date end;
	int end_minute;
	session_end(s, &end, &end_minute);
	prop(b, "BEGIN:VEVENT");
	/* The cohort and the session's number: the same event in every download and
	 * e-mail, so that a calendar updates it rather than adding another. */
	prop(b, "UID:session-%lld-%d@%s", (long long)cohort, s->number, host);
	prop(b, "DTSTAMP:%s", stamp);
	prop(b, "DTSTART;TZID=%s:%s", tz, local_stamp(a, s->date, s->start_time));
	prop(b, "DTEND;TZID=%s:%s", tz, local_stamp(a, end, end_minute));
	const char *summary = arena_printf(a, "%s, session %d", title, s->number);
	if (s->topic && s->topic[0])
		summary = arena_printf(a, "%s: %s", summary, s->topic);
	prop(b, "SUMMARY:%s", calendar_escape(a, summary));
	if (s->location && s->location[0])
		prop(b, "LOCATION:%s", calendar_escape(a, s->location));
	prop(b, "SEQUENCE:%d", s->sequence < 0 ? 0 : s->sequence);
	prop(b, "END:VEVENT");
}

char *calendar_write(struct arena *a, const struct cohort *c, const struct cohort_session *s, int n,
                     long long now)
{
	struct buf b;
	buf_init(&b, a);
	const char *title = calendar_title(a, c);
	prop(&b, "BEGIN:VCALENDAR");
	prop(&b, "VERSION:2.0");
	prop(&b, "PRODID:%s", PRODID);
	prop(&b, "CALSCALE:GREGORIAN");
	prop(&b, "METHOD:PUBLISH");
	prop(&b, "X-WR-CALNAME:%s", calendar_escape(a, title));
	prop(&b, "X-WR-TIMEZONE:%s", calendar_escape(a, clock_zone()));

	/* The span of the sessions; a cohort without any still gets its zone, around its
	 * start, since a calendar must hold at least one component. */
	long long first = clock_utc(c->start, c->start_time), last = first;
	for (int i = 0; i < n; i++) {
		struct date end;
		int end_minute;
		session_end(&s[i], &end, &end_minute);
		long long from = clock_utc(s[i].date, s[i].start_time),
		          to = clock_utc(end, end_minute);
		if (i == 0 || from < first)
			first = from;
		if (i == 0 || to > last)
			last = to;
	}
	write_timezone(&b, first - ZONE_MARGIN, first, last + ZONE_MARGIN);

	const char *host = uid_host(a);
	const char *stamp = shifted_stamp(a, now, 0);
	stamp = arena_printf(a, "%sZ", stamp);
	for (int i = 0; i < n; i++)
		write_event(&b, title, host, c->id, &s[i], stamp);
	prop(&b, "END:VCALENDAR");
	return buf_str(&b);
}

char *calendar_for_cohort(struct db *db, struct arena *a, const struct cohort *c)
{
	struct cohort_session *s;
	int n = cohort_sessions(db, a, c, &s);
	if (n < 0)
		return NULL;
	return calendar_write(a, c, s, n, app_now());
}
