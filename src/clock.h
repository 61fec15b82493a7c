/* clock.h: the portal's one clock: its time zone (ICU's own zone database, never the
 * process's TZ), local dates and times, and the date and time formats people read, per
 * language (CLDR data through ICU). */
#ifndef PORTAL_CLOCK_H
#define PORTAL_CLOCK_H

#include <stddef.h>

#include "validate.h"

/* The languages the portal can write dates in. */
enum lang { LANG_EN, LANG_ES, LANG_JA, LANG_KO, LANG_ZH_HANT, LANG_MAX };
/* "en", "es", "ja", "ko", "zh-Hant": the codes of SPEC.md, indexed by enum lang. */
extern const char *const lang_codes[LANG_MAX];
/* The language of a code, or -1. */
int lang_parse(const char *code);

/*
 * Sets the portal's time zone by its IANA name ("America/Los_Angeles"): 0, or -1
 * when ICU does not know the name.  Called while settings are read, before any
 * thread starts; the default is America/Los_Angeles.
 */
int clock_set_zone(const char *name);
const char *clock_zone(void);

/* A moment as the portal's time zone shows it. */
struct local_time {
	struct date date;
	int minute; /* of the day, 0 to 1439 */
	int second;
	int offset; /* seconds east of UTC, daylight saving included */
};
/* The local date and time of Unix time t: 0, or -1 when ICU failed. */
int clock_local(long long t, struct local_time *out);
/* The Unix time of the wall-clock minute of the day on date d (a time that a
 * spring-forward gap skips counts as the time after the gap). */
long long clock_utc(struct date d, int minute);
/* The local date of Unix time t. */
struct date clock_date(long long t);
/* Today in the portal's time zone, on the portal's clock (app_now). */
struct date date_today(void);
/*
 * The next change of UTC offset after Unix time t (DST starting or ending): 1 with
 * *when and the offsets before and after (seconds east of UTC), 0 when the zone has
 * none, -1 when ICU failed.  For writing a calendar's VTIMEZONE.
 */
int clock_next_transition(long long t, long long *when, int *before, int *after);

/*
 * The formats people read.  Each writes UTF-8 into buf (its size in bytes; 64 is
 * always enough), returns buf, and writes "" when ICU fails.  Spaces that CLDR
 * writes as narrow or thin no-break spaces come out as plain spaces, so that
 * text mail and searches see "6:00 PM".
 */
/* "Thursday, January 14, 2027" (en), "jueves, 14 de enero de 2027" (es) ... */
char *fmt_date_long(enum lang l, struct date d, char *buf, size_t size);
/* "Jan 14, 2027" */
char *fmt_date_medium(enum lang l, struct date d, char *buf, size_t size);
/* "6:00 PM", for a minute of the day */
char *fmt_time(enum lang l, int minute, char *buf, size_t size);
/* "6:00 to 8:00 PM", "11:00 AM to 1:00 PM" */
char *fmt_time_range(enum lang l, int from, int to, char *buf, size_t size);
/* "Dec 1, 2026, 11:04 AM": a stored time, in the portal's zone */
char *fmt_moment(enum lang l, long long t, char *buf, size_t size);

/* English shorthands for staff pages. */
void date_format_long(struct date d, char *buf, size_t size);
void time_format(long long t, char *buf, size_t size);
/* "2026-12-01 11:04", local: the times of CSV files (buf at least 17 bytes). */
void fmt_csv_time(long long t, char *buf, size_t size);
/* "Tue, 01 Dec 2026 11:04:00 -0800", local: a mail Date header (RFC 5322). */
void fmt_mail_date(long long t, char *buf, size_t size);

/* Minutes of the day from "HH:MM" (24-hour) or "6:00 PM": 0 and *minute, or -1. */
int time_parse(const char *s, int *minute);
/* "18:00" into buf (at least 6 bytes). */
void time_format_hhmm(int minute, char *buf, size_t size);

/* Frees this thread's formatters (threads that end do it themselves; main calls it). */
void clock_release(void);

#endif
