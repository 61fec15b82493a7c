/* test_calendar.c: the iCalendar writer: escaping, folding, the VTIMEZONE from ICU's
 * transitions, the events' local times, stable UIDs, file names. */
#include <stdbool.h>
#include <stdlib.h>

#include "app.h"
#include "calendar.h"
#include "clock.h"
#include "config.h"
#include "test.h"

/* The logical lines of a calendar: folds undone (CRLF + space removed). */
static char *unfold(struct arena *a, const char *ics)
{
	struct buf b;
	buf_init(&b, a);
	for (const char *p = ics; *p; p++) {
		if (p[0] == '\r' && p[1] == '\n' && p[2] == ' ') {
			p += 2; /* the loop steps over the space */
			continue;
		}
		buf_putc(&b, *p);
	}
	return buf_str(&b);
}

/* True when the unfolded calendar has exactly this content line. */
static bool has_line(struct arena *a, const char *ics, const char *line)
{
	const char *u = unfold(a, ics);
	const char *want = arena_printf(a, "\r\n%s\r\n", line);
	return strstr(u, want) != NULL || strncmp(u, want + 2, strlen(want) - 2) == 0;
}

static int count(const char *s, const char *needle)
{
	int n = 0;
	for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* Each physical line: CRLF-ended, at most 75 octets, valid UTF-8 on its own (no
 * character split by a fold); continuation lines start with one space. */
static bool lines_ok(const char *s)
{
	if (*s == '\0' || strcmp(s + strlen(s) - 2, "\r\n") != 0)
		return false;
	for (const char *p = s; *p;) {
		const char *nl = strstr(p, "\r\n");
		if (nl == NULL || nl - p > 75)
			return false;
		for (const char *q = p; q < nl; q++)
			if (*q == '\r' || *q == '\n')
				return false;
		/* A line may not start with a continuation byte nor end inside a character. */
		if (p < nl && ((unsigned char)*p & 0xC0) == 0x80)
			return false;
		const unsigned char *q = (const unsigned char *)nl;
		int back = 0;
		while (back < 4 && (const char *)q > p && (q[-1] & 0xC0) == 0x80)
			q--, back++;
		if ((const char *)q > p && q[-1] >= 0xC0) {
			unsigned lead = q[-1];
			int need = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : 1;
			if (need != back)
				return false;
		}
		p = nl + 2;
	}
	return true;
}

static void test_escape(struct arena *a)
{
	CHECK_STR(calendar_escape(a, "Plain text"), "Plain text");
	CHECK_STR(calendar_escape(a, "a\\b;c,d"), "a\\\\b\\;c\\,d");
	CHECK_STR(calendar_escape(a, "line one\nline two\r\nthree\rfour"),
	          "line one\\nline two\\nthree\\nfour");
	/* Other control characters have no place in TEXT; a tab has. */
	CHECK_STR(calendar_escape(a, "bell\a, tab\there\x7F"), "bell\\, tab\there");
	CHECK_STR(calendar_escape(a, "Se\xC3\xB1"
	                             "ales: \xE6\x97\xA5\xE6\x9C\xAC"),
	          "Se\xC3\xB1"
	          "ales: \xE6\x97\xA5\xE6\x9C\xAC");
	CHECK_STR(calendar_escape(a, ""), "");
}

static void test_fold(struct arena *a)
{
	CHECK_STR(calendar_fold(a, "VERSION:2.0"), "VERSION:2.0\r\n");
	char line[200];
	memset(line, 'x', 75);
	line[75] = '\0';
	CHECK_STR(calendar_fold(a, line), arena_printf(a, "%s\r\n", line));
	memset(line, 'x', 76);
	line[76] = '\0';
	CHECK_STR(calendar_fold(a, line), arena_printf(a, "%.75s\r\n x\r\n", line));

	/* Long lines of 1- to 4-byte characters at every alignment: each physical
	 * line at most 75 octets, no character split, and unfolding gives it back. */
	const char *pieces[] = {"a", "\xC3\xA9",    "\xE2\x80\x93", "\xF0\x9F\x91\xAE",
	                        ",", "\xE6\x97\xA5"};
	for (int shift = 0; shift < 8; shift++) {
		struct buf b;
		buf_init(&b, a);
		buf_puts(&b, "SUMMARY:");
		for (int i = 0; i < shift; i++)
			buf_putc(&b, 'x');
		for (int i = 0; i < 150; i++)
			buf_puts(&b, pieces[(i * 5 + shift) % 6]);
		const char *s = buf_str(&b);
		const char *f = calendar_fold(a, s);
		CHECK(lines_ok(f));
		CHECK(count(f, "\r\n ") >= 4);
		CHECK_STR(unfold(a, f), arena_printf(a, "%s\r\n", s));
	}
}

/* Class 45: ten Thursdays from January 14, 2027, 6 to 8 PM, one on a Saturday
 * morning after the change to daylight time, one running past midnight. */
static int class_45(struct arena *a, struct cohort *c, struct cohort_session **out)
{
	memset(c, 0, sizeof(*c));
	c->id = 7;
	snprintf(c->program, sizeof(c->program), "pip");
	c->number = 45;
	c->start = (struct date){2027, 1, 14};
	c->start_time = 18 * 60;
	c->end_time = 20 * 60;
	c->reminders = true;
	int n = 10;
	struct cohort_session *s = arena_alloc(a, sizeof(*s) * (size_t)n);
	for (int i = 0; i < n; i++) {
		s[i].number = i + 1;
		s[i].date = date_add_days(c->start, 7 * i);
		s[i].start_time = 18 * 60;
		s[i].end_time = 20 * 60;
		s[i].location =
		    "Torrance Police Department, Community Room, 3300 Civic Center Drive, "
		    "Torrance, CA 90503";
		s[i].topic = "";
	}
	s[0].topic = "Welcome; the department's history";
	s[2].topic = "Traffic, DUI and collisions";
	s[9].date = (struct date){2027, 3, 20};
	s[9].start_time = 9 * 60;
	s[9].end_time = 12 * 60;
	s[9].location = "Range\nWest Annex";
	s[9].sequence = 2;
	s[8].start_time = 22 * 60;
	s[8].end_time = 30; /* 00:30 the next day */
	*out = s;
	return n;
}

static void test_class(struct arena *a)
{
	struct cohort c;
	struct cohort_session *s;
	int n = class_45(a, &c, &s);
	const char *ics = calendar_write(a, &c, s, n, 1700000000);
	CHECK(lines_ok(ics));
	const char *head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:";
	CHECK(strncmp(ics, head, strlen(head)) == 0);
	CHECK(strcmp(ics + strlen(ics) - 15, "END:VCALENDAR\r\n") == 0);
	CHECK(has_line(a, ics, "CALSCALE:GREGORIAN"));
	CHECK(has_line(a, ics, "METHOD:PUBLISH"));
	CHECK(has_line(a, ics, "X-WR-CALNAME:Partners In Policing Class 45"));
	CHECK(count(ics, "BEGIN:VEVENT\r\n") == n);
	CHECK(count(ics, "END:VEVENT\r\n") == n);
	CHECK(count(ics, "BEGIN:VTIMEZONE\r\n") == 1);
	CHECK(has_line(a, ics, "TZID:America/Los_Angeles"));

	/* The zone's changes of 2027 as ICU knows them, with the local time of onset. */
	const char *u = unfold(a, ics);
	CHECK(strstr(u, "BEGIN:DAYLIGHT\r\nDTSTART:20270314T020000\r\nTZOFFSETFROM:-0800\r\n"
	                "TZOFFSETTO:-0700\r\nEND:DAYLIGHT\r\n") != NULL);
	CHECK(strstr(u, "BEGIN:STANDARD\r\nDTSTART:20271107T020000\r\nTZOFFSETFROM:-0700\r\n"
	                "TZOFFSETTO:-0800\r\nEND:STANDARD\r\n") != NULL);
	/* The one before the first session (November 1, 2026) is there: it covers January. */
	CHECK(strstr(u, "DTSTART:20261101T020000\r\n") != NULL);
	/* Nothing more than a year either side of the sessions. */
	CHECK(strstr(u, "DTSTART:20250") == NULL);
	CHECK(strstr(u, "DTSTART:2028110") == NULL);
	CHECK(strstr(u, "DTSTART:19700101") == NULL);

	/* Local wall-clock times with the zone's TZID, whatever the offset that day. */
	CHECK(has_line(a, ics, "DTSTART;TZID=America/Los_Angeles:20270114T180000"));
	CHECK(has_line(a, ics, "DTEND;TZID=America/Los_Angeles:20270114T200000"));
	CHECK(has_line(a, ics, "DTSTART;TZID=America/Los_Angeles:20270320T090000"));
	CHECK(has_line(a, ics, "DTEND;TZID=America/Los_Angeles:20270320T120000"));
	/* Session 9 runs past midnight: it ends the next day. */
	CHECK(has_line(a, ics, "DTSTART;TZID=America/Los_Angeles:20270311T220000"));
	CHECK(has_line(a, ics, "DTEND;TZID=America/Los_Angeles:20270312T003000"));

	/* Summaries and places, escaped. */
	CHECK(has_line(a, ics,
	               "SUMMARY:Partners In Policing Class 45\\, session 1: Welcome\\; "
	               "the department's history"));
	CHECK(has_line(a, ics,
	               "SUMMARY:Partners In Policing Class 45\\, session 3: Traffic\\, "
	               "DUI and collisions"));
	CHECK(has_line(a, ics, "SUMMARY:Partners In Policing Class 45\\, session 2"));
	CHECK(has_line(a, ics,
	               "LOCATION:Torrance Police Department\\, Community Room\\, 3300 "
	               "Civic Center Drive\\, Torrance\\, CA 90503"));
	CHECK(has_line(a, ics, "LOCATION:Range\\nWest Annex"));
	CHECK(count(ics, "SEQUENCE:0\r\n") == n - 1);
	CHECK(count(ics, "SEQUENCE:2\r\n") == 1);

	/* UIDs: the cohort, the session and the site's host; the same in every copy. */
	CHECK(has_line(a, ics, "UID:session-7-1@programs.example.org"));
	CHECK(has_line(a, ics, "UID:session-7-10@programs.example.org"));
	CHECK(has_line(a, ics, "DTSTAMP:20231114T221320Z"));
	const char *later = calendar_write(a, &c, s, n, 1800000000);
	CHECK(has_line(a, later, "DTSTAMP:20270115T080000Z"));
	CHECK(count(later, "UID:") == n);
	for (int i = 1; i <= n; i++) {
		const char *uid = arena_printf(a, "UID:session-7-%d@programs.example.org", i);
		CHECK(has_line(a, ics, uid) && has_line(a, later, uid));
	}
	/* Apart from the stamp, the same file. */
	char *x = arena_strdup(a, ics), *y = arena_strdup(a, later);
	for (char *p = strstr(x, "DTSTAMP:"); p; p = strstr(p + 1, "DTSTAMP:"))
		memset(p, '-', 24);
	for (char *p = strstr(y, "DTSTAMP:"); p; p = strstr(p + 1, "DTSTAMP:"))
		memset(p, '-', 24);
	CHECK_STR(x, y);

	CHECK_STR(calendar_file_name(a, &c), "class-45.ics");
	CHECK_STR(calendar_title(a, &c), "Partners In Policing Class 45");
}

static void test_semester(struct arena *a)
{
	struct cohort c = {.id = 12,
	                   .program = "tap",
	                   .term = "spring",
	                   .year = 2027,
	                   .start = {2027, 1, 19},
	                   .start_time = 18 * 60,
	                   .end_time = 20 * 60};
	struct cohort_session s = {.number = 3,
	                           .date = {2027, 2, 2},
	                           .topic = "",
	                           .start_time = 18 * 60,
	                           .end_time = 20 * 60,
	                           .location = "Torrance Police Department"};
	const char *ics = calendar_write(a, &c, &s, 1, 0);
	CHECK(lines_ok(ics));
	CHECK(has_line(a, ics, "X-WR-CALNAME:Teens and Policing Spring 2027"));
	CHECK(has_line(a, ics, "SUMMARY:Teens and Policing Spring 2027\\, session 3"));
	CHECK(has_line(a, ics, "UID:session-12-3@programs.example.org"));
	CHECK(has_line(a, ics, "DTSTAMP:19700101T000000Z"));
	CHECK_STR(calendar_file_name(a, &c), "teens-and-policing-spring-2027.ics");
	snprintf(c.term, sizeof(c.term), "fall");
	c.year = 2031;
	CHECK_STR(calendar_file_name(a, &c), "teens-and-policing-fall-2031.ics");

	/* Without sessions: still a calendar with one component, its zone. */
	const char *none = calendar_write(a, &c, NULL, 0, 0);
	CHECK(lines_ok(none));
	CHECK(count(none, "BEGIN:VEVENT") == 0);
	CHECK(count(none, "BEGIN:VTIMEZONE") == 1);
}

static void test_other_zones(struct arena *a)
{
	struct cohort c;
	struct cohort_session *s;
	int n = class_45(a, &c, &s);
	/* No change of offset since 1951: one STANDARD observance. */
	CHECK(clock_set_zone("Asia/Tokyo") == 0);
	const char *ics = calendar_write(a, &c, s, n, 0);
	const char *u = unfold(a, ics);
	CHECK(strstr(u, "BEGIN:VTIMEZONE\r\nTZID:Asia/Tokyo\r\nBEGIN:STANDARD\r\n"
	                "DTSTART:19700101T000000\r\nTZOFFSETFROM:+0900\r\nTZOFFSETTO:+0900\r\n"
	                "END:STANDARD\r\nEND:VTIMEZONE\r\n") != NULL);
	CHECK(count(ics, "BEGIN:DAYLIGHT") == 0);
	CHECK(has_line(a, ics, "DTSTART;TZID=Asia/Tokyo:20270114T180000"));
	/* A half-hour offset. */
	CHECK(clock_set_zone("Asia/Kolkata") == 0);
	ics = calendar_write(a, &c, s, n, 0);
	CHECK(has_line(a, ics, "TZOFFSETTO:+0530"));
	/* The southern hemisphere: daylight time in January. */
	CHECK(clock_set_zone("Australia/Sydney") == 0);
	u = unfold(a, calendar_write(a, &c, s, n, 0));
	CHECK(strstr(u, "BEGIN:DAYLIGHT\r\nDTSTART:20261004T020000\r\nTZOFFSETFROM:+1000\r\n"
	                "TZOFFSETTO:+1100\r\n") != NULL);
	CHECK(strstr(u, "BEGIN:STANDARD\r\nDTSTART:20270404T030000\r\nTZOFFSETFROM:+1100\r\n"
	                "TZOFFSETTO:+1000\r\n") != NULL);
	CHECK(clock_set_zone("America/Los_Angeles") == 0);
}

int main(void)
{
	config_defaults(&app_config);
	app_config.base_url = "https://Programs.Example.org:8443/portal";
	struct arena a;
	arena_init(&a);
	test_escape(&a);
	test_fold(&a);
	test_class(&a);
	test_semester(&a);
	test_other_zones(&a);
	arena_free(&a);
	clock_release();
	return TEST_DONE("calendar");
}
