/* test_clock.c: unit tests of clock.c (the portal's zone, local times, formats) and of the
 * dates and times typed in forms. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unicode/ucal.h>
#include <unicode/ustring.h>

#include "app.h"
#include "clock.h"
#include "config.h"
#include "eligibility.h"
#include "test.h"
#include "validate.h"

static struct arena A;

static struct date D(int y, int m, int d)
{
	return (struct date){y, m, d};
}

static bool same_date(struct date a, struct date b)
{
	return date_cmp(a, b) == 0;
}

/* Instants of 2027 (UTC), named by what they are. */
enum {
	SPRING_LAST_PST = 1805018399, /* 2027-03-14T09:59:59Z: 1:59:59 AM PST */
	SPRING_FIRST_PDT = 1805018400, /* 2027-03-14T10:00:00Z: 3:00 AM PDT */
	FALL_FIRST_ONE = 1825574400, /* 2027-11-07T08:00:00Z: 1:00 AM PDT, the first time */
	FALL_LAST_PDT = 1825577940, /* 2027-11-07T08:59:00Z: 1:59 AM PDT */
	FALL_FIRST_PST = 1825578000, /* 2027-11-07T09:00:00Z: 1:00 AM PST, the second time */
	LATE_EVENING = 1799998200, /* 2027-01-15T07:30:00Z: 11:30 PM on January 14 */
	MIDNIGHT = 1800000000, /* 2027-01-15T08:00:00Z: midnight, January 15 */
	EXAMPLE = 1796151840, /* 2026-12-01T19:04:00Z: SPEC.md's "Dec 1, 2026, 11:04 AM" */
};

/* clock_local of t, checked to succeed. */
static struct local_time local(long long t)
{
	struct local_time lt;
	memset(&lt, 0x55, sizeof(lt));
	CHECK(clock_local(t, &lt) == 0);
	return lt;
}

/* Whether t is shown locally as date d at h:m:s with offset hours east of UTC. */
static bool local_is(long long t, struct date d, int h, int m, int s, int offset_hours)
{
	struct local_time lt = local(t);
	bool ok = same_date(lt.date, d) && lt.minute == h * 60 + m && lt.second == s &&
		  lt.offset == offset_hours * 3600;
	if (!ok)
		fprintf(stderr, "  %lld is %04d-%02d-%02d %d:%02d:%02d offset %d\n", t, lt.date.y,
			lt.date.m, lt.date.d, lt.minute / 60, lt.minute % 60, lt.second, lt.offset);
	return ok;
}

static const char *moment(long long t)
{
	char buf[64];
	return arena_strdup(&A, fmt_moment(LANG_EN, t, buf, sizeof(buf)));
}

static const char *csv_time(long long t)
{
	char buf[32];
	fmt_csv_time(t, buf, sizeof(buf));
	return arena_strdup(&A, buf);
}

static const char *mail_date(long long t)
{
	char buf[64];
	fmt_mail_date(t, buf, sizeof(buf));
	return arena_strdup(&A, buf);
}

/* ---- the zone and daylight saving time ---- */

static void test_default_zone(void)
{
	CHECK_STR(clock_zone(), "America/Los_Angeles");
}

/* March 14, 2027: 2:00 AM PST becomes 3:00 AM PDT. */
static void test_spring_forward(void)
{
	CHECK(local_is(SPRING_LAST_PST, D(2027, 3, 14), 1, 59, 59, -8));
	CHECK(local_is(SPRING_FIRST_PDT, D(2027, 3, 14), 3, 0, 0, -7));
	CHECK(local_is(SPRING_FIRST_PDT - 3600, D(2027, 3, 14), 1, 0, 0, -8));
	CHECK(local_is(SPRING_FIRST_PDT + 3600, D(2027, 3, 14), 4, 0, 0, -7));
	/* The day before and after, at noon local. */
	CHECK(local_is(1804968000, D(2027, 3, 13), 12, 0, 0, -8)); /* 2027-03-13T20:00Z */
	CHECK(local_is(1805050800, D(2027, 3, 14), 12, 0, 0, -7)); /* 2027-03-14T19:00Z */

	CHECK_STR(moment(SPRING_LAST_PST), "Mar 14, 2027, 1:59 AM");
	CHECK_STR(moment(SPRING_FIRST_PDT), "Mar 14, 2027, 3:00 AM");
	CHECK_STR(csv_time(SPRING_LAST_PST), "2027-03-14 01:59");
	CHECK_STR(csv_time(SPRING_FIRST_PDT), "2027-03-14 03:00");
	CHECK_STR(mail_date(SPRING_LAST_PST), "Sun, 14 Mar 2027 01:59:59 -0800");
	CHECK_STR(mail_date(SPRING_FIRST_PDT), "Sun, 14 Mar 2027 03:00:00 -0700");

	/* Wall times on both sides of the change, and the hour the change skips. */
	CHECK(clock_utc(D(2027, 3, 14), 0) == 1805011200);            /* 08:00Z */
	CHECK(clock_utc(D(2027, 3, 14), 1 * 60 + 59) == 1805018340); /* 09:59Z */
	CHECK(clock_utc(D(2027, 3, 14), 3 * 60) == SPRING_FIRST_PDT);
	CHECK(clock_utc(D(2027, 3, 14), 18 * 60) == 1805072400);     /* 01:00Z on the 15th */
	CHECK(clock_utc(D(2027, 3, 13), 18 * 60) == 1804989600);     /* 02:00Z on the 14th */
	/* 2:00 to 2:59 AM do not happen that night: each is read an hour later, after the gap. */
	CHECK(clock_utc(D(2027, 3, 14), 2 * 60) == SPRING_FIRST_PDT);
	CHECK(clock_utc(D(2027, 3, 14), 2 * 60 + 30) == SPRING_FIRST_PDT + 1800);
	CHECK(local(clock_utc(D(2027, 3, 14), 2 * 60 + 30)).minute == 3 * 60 + 30);
}

/* November 7, 2027: 2:00 AM PDT becomes 1:00 AM PST; 1:00 to 1:59 AM happen twice. */
static void test_fall_back(void)
{
	CHECK(local_is(FALL_FIRST_ONE, D(2027, 11, 7), 1, 0, 0, -7));
	CHECK(local_is(FALL_LAST_PDT, D(2027, 11, 7), 1, 59, 0, -7));
	CHECK(local_is(FALL_LAST_PDT + 59, D(2027, 11, 7), 1, 59, 59, -7));
	CHECK(local_is(FALL_FIRST_PST, D(2027, 11, 7), 1, 0, 0, -8));
	CHECK(local_is(FALL_FIRST_PST + 3600, D(2027, 11, 7), 2, 0, 0, -8));

	CHECK_STR(moment(FALL_LAST_PDT), "Nov 7, 2027, 1:59 AM");
	CHECK_STR(moment(FALL_FIRST_PST), "Nov 7, 2027, 1:00 AM");
	CHECK_STR(csv_time(FALL_LAST_PDT), "2027-11-07 01:59");
	CHECK_STR(csv_time(FALL_FIRST_PST), "2027-11-07 01:00");
	CHECK_STR(mail_date(FALL_LAST_PDT), "Sun, 07 Nov 2027 01:59:00 -0700");
	CHECK_STR(mail_date(FALL_FIRST_PST), "Sun, 07 Nov 2027 01:00:00 -0800");

	/* Before and after the repeated hour there is one answer. */
	CHECK(clock_utc(D(2027, 11, 7), 0) == 1825570800);            /* 07:00Z, PDT */
	CHECK(clock_utc(D(2027, 11, 7), 2 * 60) == 1825581600);       /* 10:00Z, PST */
	CHECK(clock_utc(D(2027, 11, 6), 18 * 60) == 1825549200);      /* 01:00Z, PDT */
	CHECK(clock_utc(D(2027, 11, 7), 18 * 60) == 1825639200);      /* 02:00Z, PST */
	/* 1:30 AM is one of the two. */
	long long twice = clock_utc(D(2027, 11, 7), 90);
	CHECK(twice == FALL_FIRST_ONE + 1800 || twice == FALL_FIRST_PST + 1800);
	CHECK(local(twice).minute == 90);

	/* Each local evening session of a week maps back to itself, across the change. */
	for (int day = 1; day <= 14; day++) {
		long long t = clock_utc(D(2027, 11, day), 18 * 60);
		struct local_time lt = local(t);
		CHECK(same_date(lt.date, D(2027, 11, day)) && lt.minute == 18 * 60);
		CHECK(lt.offset == (day < 7 ? -7 : -8) * 3600);
	}
}

static void test_transitions(void)
{
	long long when;
	int before, after;
	CHECK(clock_next_transition(1798761600, &when, &before, &after) == 1); /* 2027-01-01 */
	CHECK(when == SPRING_FIRST_PDT);
	CHECK(before == -8 * 3600 && after == -7 * 3600);
	CHECK(clock_next_transition(SPRING_FIRST_PDT, &when, &before, &after) == 1);
	CHECK(when == FALL_FIRST_PST);
	CHECK(before == -7 * 3600 && after == -8 * 3600);
}

/* SPEC.md's example of a stored time, and the formats of one instant. */
static void test_moment(void)
{
	CHECK_STR(moment(EXAMPLE), "Dec 1, 2026, 11:04 AM");
	CHECK_STR(csv_time(EXAMPLE), "2026-12-01 11:04");
	CHECK_STR(mail_date(EXAMPLE), "Tue, 01 Dec 2026 11:04:00 -0800");
	/* Summer, with the hours and minutes of the offset both written. */
	CHECK_STR(mail_date(1814480400), "Thu, 01 Jul 2027 15:20:00 -0700"); /* 22:20Z */
	CHECK_STR(moment(1814480400), "Jul 1, 2027, 3:20 PM");
	CHECK_STR(csv_time(1814480400), "2027-07-01 15:20");
	/* Midnight and noon. */
	CHECK_STR(moment(MIDNIGHT), "Jan 15, 2027, 12:00 AM");
	CHECK_STR(csv_time(MIDNIGHT), "2027-01-15 00:00");
	CHECK_STR(moment(MIDNIGHT + 12 * 3600), "Jan 15, 2027, 12:00 PM");
	char buf[64];
	time_format(EXAMPLE, buf, sizeof(buf));
	CHECK_STR(buf, "Dec 1, 2026, 11:04 AM");
	/* The CSV format fits the 17 bytes its header promises. */
	char small[17];
	fmt_csv_time(EXAMPLE, small, sizeof(small));
	CHECK_STR(small, "2026-12-01 11:04");
}

/* 11:30 PM Pacific is still the day before in UTC's tomorrow. */
static void test_today_boundary(void)
{
	CHECK(same_date(clock_date(LATE_EVENING), D(2027, 1, 14)));
	CHECK(same_date(clock_date(MIDNIGHT - 1), D(2027, 1, 14)));
	CHECK(same_date(clock_date(MIDNIGHT), D(2027, 1, 15)));
	CHECK_STR(moment(LATE_EVENING), "Jan 14, 2027, 11:30 PM");
	CHECK_STR(csv_time(LATE_EVENING), "2027-01-14 23:30");

	/* The portal's clock moved there, as the e2e tests move it. */
	char off[32];
	snprintf(off, sizeof(off), "%lld", (long long)LATE_EVENING - (long long)time(NULL));
	setenv("PORTAL_TIME_OFFSET", off, 1);
	config_defaults(&app_config);
	long long now = app_now();
	CHECK(now >= LATE_EVENING && now < LATE_EVENING + 60);
	CHECK(same_date(date_today(), D(2027, 1, 14)));
	snprintf(off, sizeof(off), "%lld", (long long)MIDNIGHT - (long long)time(NULL));
	setenv("PORTAL_TIME_OFFSET", off, 1);
	config_defaults(&app_config);
	CHECK(same_date(date_today(), D(2027, 1, 15)));
	unsetenv("PORTAL_TIME_OFFSET");
	config_defaults(&app_config);
	CHECK(llabs(app_now() - (long long)time(NULL)) <= 1);
}

/* The process's TZ, set to UTC before anything else ran, changes nothing: checked by
 * every other test; here, that the environment did reach the C library and ICU. */
static void test_tz_environment(void)
{
	struct tm tm;
	time_t t = SPRING_FIRST_PDT;
	CHECK(localtime_r(&t, &tm) != NULL && tm.tm_hour == 10 && tm.tm_gmtoff == 0);
	UChar u[64];
	char zone[64];
	UErrorCode status = U_ZERO_ERROR;
	int32_t n = ucal_getDefaultTimeZone(u, 64, &status);
	u_strToUTF8(zone, sizeof(zone), NULL, u, n, &status);
	CHECK(U_SUCCESS(status));
	CHECK(strcmp(zone, "UTC") == 0 || strcmp(zone, "Etc/UTC") == 0 ||
	      strcmp(zone, "Etc/Universal") == 0);

	/* Another TZ in the middle of the run, with this thread's formatters made anew. */
	setenv("TZ", "Asia/Tokyo", 1);
	tzset();
	clock_release();
	CHECK_STR(moment(EXAMPLE), "Dec 1, 2026, 11:04 AM");
	CHECK_STR(csv_time(SPRING_FIRST_PDT), "2027-03-14 03:00");
	CHECK_STR(mail_date(FALL_FIRST_PST), "Sun, 07 Nov 2027 01:00:00 -0800");
	CHECK(same_date(clock_date(LATE_EVENING), D(2027, 1, 14)));
	CHECK(clock_utc(D(2027, 1, 14), 18 * 60) == 1799978400); /* 2027-01-15T02:00Z */
	char buf[64];
	CHECK_STR(fmt_date_long(LANG_EN, D(2027, 1, 14), buf, sizeof(buf)),
		  "Thursday, January 14, 2027");
	CHECK_STR(fmt_time(LANG_EN, 18 * 60, buf, sizeof(buf)), "6:00 PM");
	setenv("TZ", "UTC", 1);
	tzset();
}

/* An unknown zone is refused and changes nothing; another zone changes the results. */
static void test_set_zone(void)
{
	static const char *const unknown[] = {
		"Mars/Olympus_Mons", "", "America/Los Angeles", "america/nowhere", "Etc/Unknown",
		"America/Los_Angeles/x",
		/* Abbreviations are fixed offsets without daylight saving: half the year wrong. */
		"PST", "EST", "PST8PDT",
	};
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		CHECK(clock_set_zone(unknown[i]) == -1);
		if (clock_set_zone(unknown[i]) != -1)
			fprintf(stderr, "  accepted: [%s]\n", unknown[i]);
		CHECK_STR(clock_zone(), "America/Los_Angeles");
	}
	char name[200];
	memset(name, 'A', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	CHECK(clock_set_zone(name) == -1);
	CHECK_STR(clock_zone(), "America/Los_Angeles");
	CHECK_STR(moment(EXAMPLE), "Dec 1, 2026, 11:04 AM");
	CHECK(same_date(clock_date(LATE_EVENING), D(2027, 1, 14)));

	CHECK(clock_set_zone("America/New_York") == 0);
	CHECK_STR(clock_zone(), "America/New_York");
	CHECK_STR(moment(EXAMPLE), "Dec 1, 2026, 2:04 PM");
	CHECK_STR(csv_time(EXAMPLE), "2026-12-01 14:04");
	CHECK_STR(mail_date(EXAMPLE), "Tue, 01 Dec 2026 14:04:00 -0500");
	CHECK(same_date(clock_date(LATE_EVENING), D(2027, 1, 15)));
	/* New York springs forward at 2:00 AM EST, 07:00Z: 10:00Z is 6:00 AM EDT. */
	CHECK(local_is(SPRING_FIRST_PDT, D(2027, 3, 14), 6, 0, 0, -4));
	CHECK(clock_utc(D(2027, 1, 14), 18 * 60) == 1799967600); /* 23:00Z */
	long long when;
	int before, after;
	CHECK(clock_next_transition(1798761600, &when, &before, &after) == 1);
	CHECK(when == 1805007600 && before == -5 * 3600 && after == -4 * 3600);
	/* Dates and times of day are not moments: no zone moves them. */
	char buf[64];
	CHECK_STR(fmt_date_long(LANG_EN, D(2027, 1, 14), buf, sizeof(buf)),
		  "Thursday, January 14, 2027");
	CHECK_STR(fmt_time_range(LANG_EN, 18 * 60, 20 * 60, buf, sizeof(buf)), "6:00 to 8:00 PM");

	/* A zone without daylight saving time has no transition. */
	CHECK(clock_set_zone("Etc/UTC") == 0);
	CHECK(clock_next_transition(1798761600, &when, &before, &after) == 0);
	CHECK_STR(csv_time(EXAMPLE), "2026-12-01 19:04");

	CHECK(clock_set_zone("America/Los_Angeles") == 0);
	CHECK_STR(moment(EXAMPLE), "Dec 1, 2026, 11:04 AM");
	CHECK(same_date(clock_date(LATE_EVENING), D(2027, 1, 14)));
}

/* ---- formats people read ---- */

static void test_english(void)
{
	char buf[64];
	CHECK_STR(fmt_date_long(LANG_EN, D(2027, 1, 14), buf, sizeof(buf)),
		  "Thursday, January 14, 2027");
	CHECK_STR(fmt_date_long(LANG_EN, D(2027, 3, 14), buf, sizeof(buf)),
		  "Sunday, March 14, 2027");
	CHECK_STR(fmt_date_long(LANG_EN, D(2028, 2, 29), buf, sizeof(buf)),
		  "Tuesday, February 29, 2028");
	CHECK_STR(fmt_date_long(LANG_EN, D(1969, 12, 31), buf, sizeof(buf)),
		  "Wednesday, December 31, 1969");
	CHECK_STR(fmt_date_medium(LANG_EN, D(2027, 1, 14), buf, sizeof(buf)), "Jan 14, 2027");
	CHECK_STR(fmt_date_medium(LANG_EN, D(2027, 11, 7), buf, sizeof(buf)), "Nov 7, 2027");
	CHECK_STR(fmt_time(LANG_EN, 18 * 60, buf, sizeof(buf)), "6:00 PM");
	CHECK_STR(fmt_time(LANG_EN, 0, buf, sizeof(buf)), "12:00 AM");
	CHECK_STR(fmt_time(LANG_EN, 12 * 60 + 30, buf, sizeof(buf)), "12:30 PM");
	CHECK_STR(fmt_time(LANG_EN, 9 * 60 + 5, buf, sizeof(buf)), "9:05 AM");
	CHECK_STR(fmt_time(LANG_EN, 23 * 60 + 59, buf, sizeof(buf)), "11:59 PM");
	CHECK_STR(fmt_time_range(LANG_EN, 18 * 60, 20 * 60, buf, sizeof(buf)), "6:00 to 8:00 PM");
	CHECK_STR(fmt_time_range(LANG_EN, 11 * 60, 13 * 60, buf, sizeof(buf)),
		  "11:00 AM to 1:00 PM");
	CHECK_STR(fmt_time_range(LANG_EN, 9 * 60, 9 * 60 + 30, buf, sizeof(buf)),
		  "9:00 to 9:30 AM");
	CHECK_STR(fmt_time_range(LANG_EN, 18 * 60 + 30, 20 * 60 + 45, buf, sizeof(buf)),
		  "6:30 to 8:45 PM");
	/* The staff pages' shorthands. */
	date_format_long(D(2027, 1, 14), buf, sizeof(buf));
	CHECK_STR(buf, "Thursday, January 14, 2027");
	/* Plain spaces only: no narrow or thin no-break space reaches a page or a mail. */
	fmt_time_range(LANG_EN, 11 * 60, 13 * 60, buf, sizeof(buf));
	CHECK(strstr(buf, "\xe2\x80\xaf") == NULL && strstr(buf, "\xe2\x80\x89") == NULL);
	fmt_moment(LANG_EN, EXAMPLE, buf, sizeof(buf));
	CHECK(strstr(buf, "\xe2\x80\xaf") == NULL);

	/* A buffer too small for the text gets "", never a cut string. */
	char tiny[8];
	CHECK_STR(fmt_date_long(LANG_EN, D(2027, 1, 14), tiny, sizeof(tiny)), "");
	/* An out-of-range language is read as English. */
	CHECK_STR(fmt_time(LANG_MAX, 18 * 60, buf, sizeof(buf)), "6:00 PM");
	CHECK_STR(fmt_time((enum lang)-1, 18 * 60, buf, sizeof(buf)), "6:00 PM");

	CHECK(lang_parse("en") == LANG_EN);
	CHECK(lang_parse("zh-Hant") == LANG_ZH_HANT);
	CHECK(lang_parse("ZH-HANT") == LANG_ZH_HANT);
	CHECK(lang_parse("fr") == -1);
	CHECK(lang_parse("") == -1);
	CHECK_STR(lang_codes[LANG_KO], "ko");
}

/* U+00A0 NO-BREAK SPACE in UTF-8. */
#define NBSP "\xc2\xa0"

/* Whether s holds needle (UTF-8). */
static bool has(const char *s, const char *needle)
{
	return strstr(s, needle) != NULL;
}

/* Every other language: what CLDR writes (ICU 72), read by eye and held to its parts. */
static void test_other_languages(void)
{
	char buf[64];
	struct date d = D(2027, 1, 14);
	for (int l = LANG_ES; l < LANG_MAX; l++) {
		CHECK(fmt_date_long(l, d, buf, sizeof(buf))[0] != '\0' && has(buf, "2027") &&
		      has(buf, "14"));
		CHECK(fmt_date_medium(l, d, buf, sizeof(buf))[0] != '\0' && has(buf, "2027") &&
		      has(buf, "14"));
		CHECK(fmt_time(l, 18 * 60, buf, sizeof(buf))[0] != '\0' && !has(buf, "PM"));
		CHECK(fmt_time_range(l, 18 * 60, 20 * 60, buf, sizeof(buf))[0] != '\0' &&
		      !has(buf, " to "));
		CHECK(fmt_time_range(l, 11 * 60, 13 * 60, buf, sizeof(buf))[0] != '\0');
		CHECK(fmt_moment(l, EXAMPLE, buf, sizeof(buf))[0] != '\0' && has(buf, "2026"));
	}

	/* Spanish: weekday and month in words, a 12-hour clock with "p. m." (CLDR keeps its
	 * no-break space inside, so that the two halves never part at a line's end). */
	CHECK_STR(fmt_date_long(LANG_ES, d, buf, sizeof(buf)), "jueves, 14 de enero de 2027");
	CHECK_STR(fmt_date_medium(LANG_ES, d, buf, sizeof(buf)), "14 ene 2027");
	CHECK_STR(fmt_time(LANG_ES, 18 * 60, buf, sizeof(buf)), "6:00 p." NBSP "m.");
	CHECK_STR(fmt_time_range(LANG_ES, 18 * 60, 20 * 60, buf, sizeof(buf)), "6:00–8:00 p." NBSP "m.");
	CHECK_STR(fmt_time_range(LANG_ES, 11 * 60, 13 * 60, buf, sizeof(buf)),
		  "11:00 a." NBSP "m. – 1:00 p." NBSP "m.");
	CHECK_STR(fmt_moment(LANG_ES, EXAMPLE, buf, sizeof(buf)), "1 dic 2026, 11:04 a." NBSP "m.");

	/* Japanese: year, month, day and weekday in kanji; a 24-hour clock. */
	CHECK_STR(fmt_date_long(LANG_JA, d, buf, sizeof(buf)), "2027年1月14日木曜日");
	CHECK_STR(fmt_date_medium(LANG_JA, d, buf, sizeof(buf)), "2027/01/14");
	CHECK_STR(fmt_time(LANG_JA, 18 * 60, buf, sizeof(buf)), "18:00");
	/* CLDR's Japanese interval of hours and minutes is written in kanji. */
	CHECK_STR(fmt_time_range(LANG_JA, 18 * 60, 20 * 60, buf, sizeof(buf)),
		  "18時00分～20時00分");
	CHECK_STR(fmt_moment(LANG_JA, EXAMPLE, buf, sizeof(buf)), "2026/12/01 11:04");

	/* Korean: 년 월 일 and the weekday; 오후 (afternoon) before the time. */
	CHECK_STR(fmt_date_long(LANG_KO, d, buf, sizeof(buf)), "2027년 1월 14일 목요일");
	CHECK_STR(fmt_date_medium(LANG_KO, d, buf, sizeof(buf)), "2027. 1. 14.");
	CHECK_STR(fmt_time(LANG_KO, 18 * 60, buf, sizeof(buf)), "오후 6:00");
	CHECK_STR(fmt_time_range(LANG_KO, 18 * 60, 20 * 60, buf, sizeof(buf)), "오후 6:00~8:00");
	CHECK_STR(fmt_time_range(LANG_KO, 11 * 60, 13 * 60, buf, sizeof(buf)),
		  "오전 11:00 ~ 오후 1:00");
	CHECK_STR(fmt_moment(LANG_KO, EXAMPLE, buf, sizeof(buf)), "2026. 12. 1. 오전 11:04");

	/* Traditional Chinese (Taiwan): 年月日 and 星期四; 下午 (afternoon). */
	CHECK_STR(fmt_date_long(LANG_ZH_HANT, d, buf, sizeof(buf)), "2027年1月14日 星期四");
	CHECK_STR(fmt_date_medium(LANG_ZH_HANT, d, buf, sizeof(buf)), "2027年1月14日");
	CHECK_STR(fmt_time(LANG_ZH_HANT, 18 * 60, buf, sizeof(buf)), "下午6:00");
	CHECK_STR(fmt_time_range(LANG_ZH_HANT, 18 * 60, 20 * 60, buf, sizeof(buf)),
		  "下午6:00至8:00");
	CHECK_STR(fmt_time_range(LANG_ZH_HANT, 11 * 60, 13 * 60, buf, sizeof(buf)),
		  "上午11:00至下午1:00");
	CHECK_STR(fmt_moment(LANG_ZH_HANT, EXAMPLE, buf, sizeof(buf)), "2026年12月1日 上午11:04");
}

/* ---- typed times and dates ---- */

static void test_time_parse(void)
{
	static const struct {
		const char *s;
		int minute;
	} good[] = {
	    {"18:00", 1080},  {"6:00 PM", 1080},  {"6:00 pm", 1080},  {"6:00PM", 1080},
	    {"6:00 p.m.", 1080}, {"12:00 AM", 0}, {"12:30 PM", 750},  {"12:00 PM", 720},
	    {"00:00", 0},     {"0:00", 0},        {"23:59", 1439},    {"06:05", 365},
	    {"11:59 pm", 1439}, {"1:00 am", 60},
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int m = -1;
		CHECK(time_parse(good[i].s, &m) == 0 && m == good[i].minute);
		if (m != good[i].minute)
			fprintf(stderr, "  [%s] read as %d\n", good[i].s, m);
	}
	static const char *const bad[] = {
		"24:00", "6 PM", "13:00 PM", "6:60", "", "6:00 XM", "0:30 AM", "6:0",
		"6:000", "18", ":30", "6:00 P", "6:00 PMx", "-1:00", "6.00", "6:00 AM PM",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int m = 4242;
		CHECK(time_parse(bad[i], &m) == -1 && m == 4242);
		if (m != 4242)
			fprintf(stderr, "  [%s] read as %d\n", bad[i], m);
	}
	CHECK(time_parse(NULL, &(int){0}) == -1);

	char buf[8];
	time_format_hhmm(18 * 60, buf, sizeof(buf));
	CHECK_STR(buf, "18:00");
	time_format_hhmm(5, buf, sizeof(buf));
	CHECK_STR(buf, "00:05");
}

static void test_date_parse_input(void)
{
	struct date d = {0, 0, 0};
	CHECK(date_parse_input("1/14/2027", &d) == 0 && same_date(d, D(2027, 1, 14)));
	d = D(0, 0, 0);
	CHECK(date_parse_input("01/14/2027", &d) == 0 && same_date(d, D(2027, 1, 14)));
	CHECK(date_parse_input("2027-01-14", &d) == 0 && same_date(d, D(2027, 1, 14)));
	CHECK(date_parse_input("2/29/2028", &d) == 0 && same_date(d, D(2028, 2, 29)));
	CHECK(date_parse_input("12/31/1999", &d) == 0 && same_date(d, D(1999, 12, 31)));
	CHECK(date_parse_input("5/17/1980", &d) == 0 && same_date(d, D(1980, 5, 17)));

	static const char *const bad[] = {
		"2/29/2027", "13/1/2027", "1/14/27", "0/14/2027", "1/0/2027", "1/32/2027",
		"4/31/2027", "1/14/02027", "001/14/2027", "1/14/2027 ", " 1/14/2027", "1-14-2027",
		"1/14", "//2027", "1//2027", "14/1/2027", "1/14/20a7", "",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		d = D(1, 2, 3);
		CHECK(date_parse_input(bad[i], &d) == -1 && same_date(d, D(1, 2, 3)));
		if (!same_date(d, D(1, 2, 3)))
			fprintf(stderr, "  [%s] read as %d-%d-%d\n", bad[i], d.y, d.m, d.d);
	}
	CHECK(date_parse_input(NULL, &d) == -1);
}

/* The application form's date of birth, typed the American way. */
static void test_pip_dob(void)
{
	static const char *const pairs[] = {
		"class", "7",
		"first_name", "Maria",
		"last_name", "Lopez",
		"dob", "13/1/2027",
		"email", "maria@example.com",
		"phone", "310-555-0123",
		"street", "3300 Civic Center Drive",
		"city", "Torrance",
		"zip", "90503",
		"affiliation", "resident",
		"emergency_name", "José Lopez",
		"emergency_phone", "(310) 555-0199",
		"accommodations", "",
		"referral", "",
		"ack_background", "yes",
		"csrf", "token",
		NULL,
	};
	struct kvmap m = {0};
	for (size_t i = 0; pairs[i] != NULL; i += 2)
		kv_add(&m, &A, pairs[i], pairs[i + 1]);
	struct pip_application out;
	struct form_errors e;
	CHECK(pip_validate(&A, LANG_EN, &m, D(2027, 1, 14), &out, &e) == 1);
	CHECK(e.n == 1 && strcmp(e.e[0].field, "dob") == 0);
	CHECK_STR(form_error_for(&e, "dob"), "Enter a real date of birth, for example 5/17/1980");

	for (size_t i = 0; i < m.n; i++)
		if (strcmp(m.items[i].key, "dob") == 0)
			m.items[i].val = "5/17/1980";
	CHECK(pip_validate(&A, LANG_EN, &m, D(2027, 1, 14), &out, &e) == 0);
	CHECK(e.n == 0);
	CHECK(same_date(out.dob, D(1980, 5, 17)));
}

int main(void)
{
	/* Before any ICU call: the process's zone is UTC, and every expectation below is
	 * Pacific all the same. */
	setenv("TZ", "UTC", 1);
	tzset();
	unsetenv("PORTAL_TIME_OFFSET");
	config_defaults(&app_config);
	arena_init(&A);
	test_default_zone();
	test_tz_environment();
	test_spring_forward();
	test_fall_back();
	test_transitions();
	test_moment();
	test_today_boundary();
	test_set_zone();
	test_english();
	test_other_languages();
	test_time_parse();
	test_date_parse_input();
	test_pip_dob();
	clock_release();
	arena_free(&A);
	return TEST_DONE("clock");
}
