/* clock.c: the portal's time zone, local times, and CLDR date and time formats through ICU. */
#include "clock.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unicode/ucal.h>
#include <unicode/udat.h>
#include <unicode/udateintervalformat.h>
#include <unicode/ustring.h>

#include "app.h"
#include "thread_slot.h"

const char *const lang_codes[LANG_MAX] = {"en", "es", "ja", "ko", "zh-Hant"};
/* The ICU locale of each language: the United States' own variants where CLDR
 * has one, and Taiwan's conventions for traditional Chinese. */
static const char *const lang_locales[LANG_MAX] = {"en_US", "es_US", "ja_JP", "ko_KR",
						   "zh_Hant_TW"};

int lang_parse(const char *code)
{
	for (int l = 0; l < LANG_MAX; l++)
		if (strcasecmp(code, lang_codes[l]) == 0)
			return l;
	return -1;
}

/* ---- the zone ---- */

/* Set before threads start, read-only after; the default is SPEC.md's. */
static char zone_name[96] = "America/Los_Angeles";
static UChar zone_id[96] = {'A', 'm', 'e', 'r', 'i', 'c', 'a', '/', 'L', 'o',
			    's', '_', 'A', 'n', 'g', 'e', 'l', 'e', 's', 0};

int clock_set_zone(const char *name)
{
	UChar id[96], canonical[96];
	int32_t len;
	UErrorCode status = U_ZERO_ERROR;
	if (strlen(name) >= sizeof(zone_name))
		return -1;
	u_strFromUTF8(id, 96, &len, name, -1, &status);
	if (U_FAILURE(status) || len >= 96)
		return -1;
	/* ucal_open accepts any name and quietly falls back to "Etc/Unknown" (UTC): only a
	 * name with a canonical system ID is a real zone.  Abbreviations such as "PST" or
	 * "EST" are system IDs too, but fixed offsets that ignore daylight saving: only
	 * Area/Location names (and UTC) are taken. */
	if (strchr(name, '/') == NULL && strcmp(name, "UTC") != 0)
		return -1;
	UBool system = 0;
	ucal_getCanonicalTimeZoneID(id, len, canonical, 96, &system, &status);
	if (U_FAILURE(status) || !system)
		return -1;
	memcpy(zone_id, id, sizeof(id));
	snprintf(zone_name, sizeof(zone_name), "%s", name);
	clock_release(); /* this thread's formatters used the old zone */
	return 0;
}

const char *clock_zone(void)
{
	return zone_name;
}

/* ---- each thread's formatters ---- */

/* Creating an ICU formatter takes tens of microseconds and using one is not
 * thread-safe, so each thread keeps its own, made on first use. */
enum { F_LONG, F_MEDIUM, F_TIME, F_MOMENT, F_MAX };

/* Pages show the same few dates and times over and over: each thread keeps
 * what it formatted, by (kind, language, value), in a small direct-mapped
 * table.  A date's or a time's text never changes while the process runs (the
 * zone is fixed once threads start), so nothing needs invalidating. */
enum { MEMO_SIZE = 512 };
struct memo {
	uint64_t key; /* 0 = empty */
	char text[64];
};

struct formatters {
	UCalendar *cal; /* in the portal's zone */
	UDateFormat *fmt[LANG_MAX][F_MAX];
	UDateIntervalFormat *range[LANG_MAX];
	struct memo memo[MEMO_SIZE];
	/* The last moment made local: busy pages ask for "today" many times a second. */
	long long last_t;
	struct local_time last_local;
	bool has_last;
};

static void formatters_free(void *p)
{
	struct formatters *f = p;
	if (f == NULL)
		return;
	if (f->cal)
		ucal_close(f->cal);
	for (int l = 0; l < LANG_MAX; l++) {
		for (int k = 0; k < F_MAX; k++)
			if (f->fmt[l][k])
				udat_close(f->fmt[l][k]);
		if (f->range[l])
			udtitvfmt_close(f->range[l]);
	}
	free(f);
}

static struct thread_slot formatters_slot =
    THREAD_SLOT(sizeof(struct formatters), formatters_free);

static struct formatters *mine(void)
{
	return thread_slot_get(&formatters_slot);
}

void clock_release(void)
{
	thread_slot_release(&formatters_slot);
}

/* This thread's calendar in the portal's zone, or NULL. */
static UCalendar *calendar(void)
{
	struct formatters *f = mine();
	if (f->cal == NULL) {
		UErrorCode status = U_ZERO_ERROR;
		f->cal = ucal_open(zone_id, -1, "en_US", UCAL_GREGORIAN, &status);
		if (U_FAILURE(status)) {
			f->cal = NULL;
			return NULL;
		}
	}
	return f->cal;
}

static const UChar utc_id[] = {'U', 'T', 'C', 0};

/* The formatter of a kind and language, made on first use; NULL when ICU failed.
 * Dates and times of day are formatted as UTC instants (a date is its midnight),
 * so no zone can shift them; stored moments use the portal's zone. */
static UDateFormat *formatter(enum lang l, int kind)
{
	struct formatters *f = mine();
	if (f->fmt[l][kind] != NULL)
		return f->fmt[l][kind];
	UDateFormatStyle time = UDAT_NONE, date = UDAT_NONE;
	const UChar *zone = utc_id;
	switch (kind) {
	case F_LONG: date = UDAT_FULL; break;
	case F_MEDIUM: date = UDAT_MEDIUM; break;
	case F_TIME: time = UDAT_SHORT; break;
	default: date = UDAT_MEDIUM, time = UDAT_SHORT, zone = zone_id; break;
	}
	UErrorCode status = U_ZERO_ERROR;
	UDateFormat *fmt = udat_open(time, date, lang_locales[l], zone, -1, NULL, 0, &status);
	if (U_FAILURE(status))
		return NULL;
	f->fmt[l][kind] = fmt;
	return fmt;
}

static UDateIntervalFormat *range_formatter(enum lang l)
{
	struct formatters *f = mine();
	if (f->range[l] == NULL) {
		/* 'j': the hour the language prefers (6:00 PM in English, 18:00 in Japanese). */
		static const UChar skeleton[] = {'j', 'm', 0};
		UErrorCode status = U_ZERO_ERROR;
		f->range[l] = udtitvfmt_open(lang_locales[l], skeleton, -1, utc_id, -1, &status);
		if (U_FAILURE(status))
			f->range[l] = NULL;
	}
	return f->range[l];
}

/* The memo key of a value; a is a day number or a minute, b a second minute. */
static uint64_t memo_key(int kind, enum lang l, long a, int b)
{
	return 1u | (uint64_t)kind << 1 | (uint64_t)l << 4 | (uint64_t)(uint32_t)a << 8 |
	       (uint64_t)(uint16_t)b << 40;
}

static struct memo *memo_slot(uint64_t key)
{
	return &mine()->memo[(key * 0x9E3779B97F4A7C15ull) >> 55];
}

/* Copies a remembered text into buf: true when there was one. */
static bool memo_get(uint64_t key, char *buf, size_t size)
{
	struct memo *m = memo_slot(key);
	if (m->key != key || strlen(m->text) >= size)
		return false;
	memcpy(buf, m->text, strlen(m->text) + 1);
	return true;
}

static void memo_put(uint64_t key, const char *text)
{
	struct memo *m = memo_slot(key);
	if (text[0] == '\0' || strlen(text) >= sizeof(m->text))
		return; /* failures are not remembered */
	m->key = key;
	memcpy(m->text, text, strlen(text) + 1);
}

/* ---- local times ---- */

int clock_local(long long t, struct local_time *out)
{
	struct formatters *f = mine();
	if (f->has_last && f->last_t == t) {
		*out = f->last_local;
		return 0;
	}
	UCalendar *cal = calendar();
	if (cal == NULL)
		return -1;
	UErrorCode status = U_ZERO_ERROR;
	ucal_setMillis(cal, (UDate)t * 1000.0, &status);
	out->date.y = ucal_get(cal, UCAL_EXTENDED_YEAR, &status);
	out->date.m = ucal_get(cal, UCAL_MONTH, &status) + 1;
	out->date.d = ucal_get(cal, UCAL_DATE, &status);
	out->minute = ucal_get(cal, UCAL_HOUR_OF_DAY, &status) * 60 +
		      ucal_get(cal, UCAL_MINUTE, &status);
	out->second = ucal_get(cal, UCAL_SECOND, &status);
	out->offset = (ucal_get(cal, UCAL_ZONE_OFFSET, &status) +
		       ucal_get(cal, UCAL_DST_OFFSET, &status)) / 1000;
	if (U_FAILURE(status))
		return -1;
	f->last_t = t;
	f->last_local = *out;
	f->has_last = true;
	return 0;
}

long long clock_utc(struct date d, int minute)
{
	UCalendar *cal = calendar();
	UErrorCode status = U_ZERO_ERROR;
	if (cal != NULL) {
		ucal_clear(cal);
		ucal_setDateTime(cal, d.y, d.m - 1, d.d, minute / 60, minute % 60, 0, &status);
		UDate ms = ucal_getMillis(cal, &status);
		if (U_SUCCESS(status))
			return (long long)(ms / 1000.0);
	}
	/* ICU failed (out of memory): UTC is better than nothing. */
	return (long long)date_to_days(d) * 86400 + minute * 60;
}

struct date clock_date(long long t)
{
	struct local_time lt;
	if (clock_local(t, &lt) == 0)
		return lt.date;
	return date_from_days((long)(t / 86400)); /* ICU failed: UTC's date */
}

struct date date_today(void)
{
	return clock_date(app_now());
}

int clock_next_transition(long long t, long long *when, int *before, int *after)
{
	UCalendar *cal = calendar();
	if (cal == NULL)
		return -1;
	UErrorCode status = U_ZERO_ERROR;
	UDate at;
	ucal_setMillis(cal, (UDate)t * 1000.0, &status);
	if (!ucal_getTimeZoneTransitionDate(cal, UCAL_TZ_TRANSITION_NEXT, &at, &status))
		return U_FAILURE(status) ? -1 : 0;
	struct local_time a, b;
	*when = (long long)(at / 1000.0);
	if (clock_local(*when - 1, &a) < 0 || clock_local(*when, &b) < 0)
		return -1;
	*before = a.offset;
	*after = b.offset;
	return 1;
}

/* ---- formats ---- */

/* The ICU text in u (len units) as UTF-8 in buf, with narrow and thin no-break
 * spaces made plain, and in English the range dash read as "to". */
static char *to_utf8(enum lang l, const UChar *u, int32_t len, char *buf, size_t size)
{
	UChar tmp[128];
	int32_t n = 0;
	for (int32_t i = 0; i < len && n < 120; i++) {
		UChar c = u[i];
		if (c == 0x202F || c == 0x2009)
			c = ' ';
		if (l == LANG_EN && c == 0x2013) {
			/* " – " becomes " to " (CLDR puts spaces around the dash). */
			tmp[n++] = 't';
			tmp[n++] = 'o';
			continue;
		}
		tmp[n++] = c;
	}
	UErrorCode status = U_ZERO_ERROR;
	int32_t out;
	u_strToUTF8(buf, (int32_t)size, &out, tmp, n, &status);
	if (U_FAILURE(status) || status == U_STRING_NOT_TERMINATED_WARNING || (size_t)out >= size)
		buf[0] = '\0';
	return buf;
}

/* Formats the instant ms with a formatter of kind into buf. */
static char *format(enum lang l, int kind, UDate ms, char *buf, size_t size)
{
	buf[0] = '\0';
	if ((int)l < 0 || l >= LANG_MAX)
		l = LANG_EN;
	UDateFormat *fmt = formatter(l, kind);
	if (fmt == NULL)
		return buf;
	UChar u[128];
	UErrorCode status = U_ZERO_ERROR;
	int32_t len = udat_format(fmt, ms, u, 128, NULL, &status);
	if (U_FAILURE(status) || len >= 128)
		return buf;
	return to_utf8(l, u, len, buf, size);
}

static UDate date_ms(struct date d)
{
	return (UDate)date_to_days(d) * 86400000.0;
}

/* format() through the memo, for dates and times of day (not moments). */
static char *format_memo(enum lang l, int kind, long value, UDate ms, char *buf, size_t size)
{
	if ((int)l < 0 || l >= LANG_MAX)
		l = LANG_EN;
	uint64_t key = memo_key(kind, l, value, 0);
	if (memo_get(key, buf, size))
		return buf;
	format(l, kind, ms, buf, size);
	memo_put(key, buf);
	return buf;
}

char *fmt_date_long(enum lang l, struct date d, char *buf, size_t size)
{
	return format_memo(l, F_LONG, date_to_days(d), date_ms(d), buf, size);
}

char *fmt_date_medium(enum lang l, struct date d, char *buf, size_t size)
{
	return format_memo(l, F_MEDIUM, date_to_days(d), date_ms(d), buf, size);
}

char *fmt_time(enum lang l, int minute, char *buf, size_t size)
{
	return format_memo(l, F_TIME, minute, (UDate)minute * 60000.0, buf, size);
}

char *fmt_moment(enum lang l, long long t, char *buf, size_t size)
{
	return format(l, F_MOMENT, (UDate)t * 1000.0, buf, size);
}

char *fmt_time_range(enum lang l, int from, int to, char *buf, size_t size)
{
	buf[0] = '\0';
	if ((int)l < 0 || l >= LANG_MAX)
		l = LANG_EN;
	uint64_t key = memo_key(F_MAX, l, from, to); /* F_MAX: the kind "range" */
	if (memo_get(key, buf, size))
		return buf;
	UDateIntervalFormat *fmt = range_formatter(l);
	if (fmt == NULL)
		return buf;
	UChar u[128];
	UErrorCode status = U_ZERO_ERROR;
	int32_t len = udtitvfmt_format(fmt, (UDate)from * 60000.0, (UDate)to * 60000.0, u, 128,
				       NULL, &status);
	if (U_FAILURE(status) || len >= 128)
		return buf;
	to_utf8(l, u, len, buf, size);
	memo_put(key, buf);
	return buf;
}

void date_format_long(struct date d, char *buf, size_t size)
{
	fmt_date_long(LANG_EN, d, buf, size);
}

void time_format(long long t, char *buf, size_t size)
{
	fmt_moment(LANG_EN, t, buf, size);
}

void fmt_csv_time(long long t, char *buf, size_t size)
{
	struct local_time lt;
	if (clock_local(t, &lt) < 0) {
		snprintf(buf, size, "%s", "");
		return;
	}
	snprintf(buf, size, "%04d-%02d-%02d %02d:%02d", lt.date.y, lt.date.m, lt.date.d,
		 lt.minute / 60, lt.minute % 60);
}

void fmt_mail_date(long long t, char *buf, size_t size)
{
	/* RFC 5322's names are English whatever the reader's language. */
	static const char *const days[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const months[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct local_time lt;
	if (clock_local(t, &lt) < 0) {
		lt.date = date_from_days((long)(t / 86400));
		lt.minute = (int)(t % 86400 / 60);
		lt.second = (int)(t % 60);
		lt.offset = 0;
	}
	int off = lt.offset < 0 ? -lt.offset : lt.offset;
	snprintf(buf, size, "%s, %02d %s %04d %02d:%02d:%02d %c%02d%02d",
		 days[date_weekday(lt.date)], lt.date.d, months[(lt.date.m - 1) % 12], lt.date.y,
		 lt.minute / 60, lt.minute % 60, lt.second, lt.offset < 0 ? '-' : '+', off / 3600,
		 off % 3600 / 60);
}

/* ---- times of day typed in forms ---- */

/* Reads 1 or 2 digits at *s into *v; false when there are none. */
static bool read_number(const char **s, int *v)
{
	int n = 0, digits = 0;
	while (**s >= '0' && **s <= '9' && digits < 2) {
		n = n * 10 + (**s - '0');
		(*s)++;
		digits++;
	}
	*v = n;
	return digits > 0;
}

int time_parse(const char *s, int *minute)
{
	int h, m;
	if (s == NULL || !read_number(&s, &h) || *s++ != ':')
		return -1;
	const char *mm = s;
	if (!read_number(&s, &m) || s - mm != 2 || m > 59)
		return -1;
	while (*s == ' ')
		s++;
	if (*s == '\0') {
		if (h > 23)
			return -1;
		*minute = h * 60 + m;
		return 0;
	}
	/* "6:00 PM", "6:00 pm", "6:00 p.m." */
	char ap = (char)(*s | 0x20);
	if (ap != 'a' && ap != 'p')
		return -1;
	s++;
	if (*s == '.')
		s++;
	if ((*s | 0x20) != 'm')
		return -1;
	s++;
	if (*s == '.')
		s++;
	if (*s != '\0' || h < 1 || h > 12)
		return -1;
	*minute = (h % 12 + (ap == 'p' ? 12 : 0)) * 60 + m;
	return 0;
}

void time_format_hhmm(int minute, char *buf, size_t size)
{
	snprintf(buf, size, "%02d:%02d", minute / 60 % 24, minute % 60);
}
