/* fuzz_validate.c: the form rules.  Input: one byte choosing the first session
 * date, then a form body (application/x-www-form-urlencoded) parsed as the
 * server parses it.  The form goes through pip_validate, tap_validate and
 * interest_validate; every value also goes through each field rule on its own
 * (date_parse, phone_normalise, email_valid, zip_valid, parse_int,
 * text_clean), and what each one accepts is checked against its promise. */
#include <string.h>

#include "clock.h"
#include "eligibility.h"
#include "fuzz.h"
#include "http.h"
#include "validate.h"

static bool is_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return s[n] == '\0';
}

/* True when s has no control character and no leading or trailing ASCII space. */
static bool clean_line(const char *s, bool multiline)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 && !(multiline && *p == '\n'))
			return false;
		if (*p == 0x7F || (*p == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F))
			return false;
	}
	size_t n = strlen(s);
	return n == 0 || (s[0] != ' ' && s[n - 1] != ' ' && s[0] != '\n' && s[n - 1] != '\n');
}

static size_t code_points(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static void check_errors(const struct form_errors *e, int n)
{
	FUZZ_CHECK(n >= 0 && (size_t)n == e->n && e->n <= FORM_MAX_ERRORS);
	for (size_t i = 0; i < e->n; i++) {
		FUZZ_CHECK(e->e[i].field && e->e[i].field[0] && e->e[i].message);
		/* One message per field. */
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(e->e[i].field, e->e[j].field) != 0);
	}
}

static void one_value(struct arena *a, const char *v)
{
	struct date d;
	if (date_parse(v, &d) == 0) {
		char iso[11], lng[64];
		date_format_iso(d, iso, sizeof(iso));
		FUZZ_CHECK(strcmp(iso, v) == 0);
		FUZZ_CHECK(d.d <= date_days_in_month(d.y, d.m));
		date_format_long(d, lng, sizeof(lng));
		int w = date_weekday(d);
		FUZZ_CHECK(w >= 0 && w <= 6);
		struct date e = date_add_days(d, 400);
		FUZZ_CHECK(date_cmp(e, d) > 0 && date_cmp(date_add_days(e, -400), d) == 0);
		FUZZ_CHECK(date_age_on(d, e) == 1);
	}
	/* A typed date, either form, round-trips through the ISO form it stands for. */
	if (date_parse_input(v, &d) == 0) {
		char iso[11];
		struct date back;
		FUZZ_CHECK(d.m >= 1 && d.m <= 12 && d.d >= 1 && d.d <= date_days_in_month(d.y, d.m));
		date_format_iso(d, iso, sizeof(iso));
		FUZZ_CHECK(date_parse(iso, &back) == 0 && date_cmp(back, d) == 0);
	}
	/* A time of day is a minute of the day, and its HH:MM reads back the same. */
	int minute, minute_back;
	if (time_parse(v, &minute) == 0) {
		char hhmm[8], shown[64];
		FUZZ_CHECK(minute >= 0 && minute < 24 * 60);
		time_format_hhmm(minute, hhmm, sizeof(hhmm));
		FUZZ_CHECK(time_parse(hhmm, &minute_back) == 0 && minute_back == minute);
		FUZZ_CHECK(fmt_time(LANG_EN, minute, shown, sizeof(shown))[0] != '\0');
	}
	char digits[11], pretty[13];
	if (phone_normalise(v, digits)) {
		FUZZ_CHECK(is_digits(digits, 10) && digits[0] >= '2' && digits[3] >= '2');
		phone_format(digits, pretty);
		FUZZ_CHECK(strlen(pretty) == 12);
	}
	if (email_valid(v)) {
		const char *at = strchr(v, '@');
		FUZZ_CHECK(at && at != v && strchr(at + 1, '@') == NULL && strlen(v) <= LEN_EMAIL);
		FUZZ_CHECK(strpbrk(v, " ,<>\"\r\n") == NULL);
	}
	if (zip_valid(v)) {
		FUZZ_CHECK(strlen(v) == 5 || strlen(v) == 10);
		(void)zip_torrance(v);
	}
	long n;
	if (parse_int(v, 1, 1L << 40, &n) == 0)
		FUZZ_CHECK(n >= 1 && n <= 1L << 40);
	if (parse_int(v, -1000, 1000, &n) == 0)
		FUZZ_CHECK(n >= -1000 && n <= 1000);
	const char *out, *again;
	int rc = text_clean(a, v, LEN_NAME, &out);
	FUZZ_CHECK(rc == 0 || rc == -1 || rc == -2);
	FUZZ_CHECK(out != NULL && strlen(out) <= strlen(v));
	if (rc == 0) {
		FUZZ_CHECK(clean_line(out, false) && code_points(out) <= LEN_NAME);
		/* Cleaning is idempotent. */
		FUZZ_CHECK(text_clean(a, out, LEN_NAME, &again) == 0 && strcmp(out, again) == 0);
	}
	rc = text_clean_multiline(a, v, LEN_NOTE, &out);
	FUZZ_CHECK(rc == 0 || rc == -1 || rc == -2);
	if (rc == 0) {
		FUZZ_CHECK(clean_line(out, true) && strchr(out, '\r') == NULL);
		FUZZ_CHECK(code_points(out) <= LEN_NOTE);
		FUZZ_CHECK(text_clean_multiline(a, out, LEN_NOTE, &again) == 0 &&
			   strcmp(out, again) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 16 * 1024)
		return 0;
	struct date first = date_add_days((struct date){2027, 1, 14}, (data[0] - 128) * 97);
	struct arena a;
	arena_init(&a);
	struct kvmap form = {0};
	if (http_parse_urlencoded(&a, (const char *)data + 1, size - 1, &form) < 0) {
		arena_free(&a);
		return 0;
	}
	struct form_errors errs;
	struct pip_application pip;
	int n = pip_validate(&a, LANG_EN, &form, first, &pip, &errs);
	check_errors(&errs, n);
	if (n == 0) {
		FUZZ_CHECK(pip.first_name[0] && pip.last_name[0] && pip.street[0] && pip.city[0]);
		FUZZ_CHECK(email_valid(pip.email) && zip_valid(pip.zip));
		FUZZ_CHECK(is_digits(pip.phone, 10) && is_digits(pip.emergency_phone, 10));
		FUZZ_CHECK(pip.affiliations != 0 && pip.affiliations < (1u << AFF_MAX));
		FUZZ_CHECK(date_age_on(pip.dob, first) >= 18);
		for (int k = 0; k < AFF_MAX; k++)
			FUZZ_CHECK(pip.detail[k] != NULL);
	}
	struct tap_nomination tap;
	n = tap_validate(&a, &form, first, &tap, &errs);
	check_errors(&errs, n);
	if (n == 0) {
		FUZZ_CHECK(tap.grade == 11 || tap.grade == 12);
		int age = date_age_on(tap.dob, first);
		FUZZ_CHECK(age >= 14 && age <= 19 && tap.adult == (age >= 18));
		for (const char *p = tap.student_id; *p; p++)
			FUZZ_CHECK((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z'));
		if (!tap.adult)
			FUZZ_CHECK(tap.guardian_consent && tap.guardian_name[0] &&
				   email_valid(tap.guardian_email) &&
				   is_digits(tap.guardian_phone, 10));
	}
	struct interest in;
	n = interest_validate(&a, LANG_EN, &form, &in, &errs);
	check_errors(&errs, n);
	if (n == 0)
		FUZZ_CHECK(email_valid(in.email) && in.name != NULL);
	for (size_t i = 0; i < form.n && i < 64; i++) {
		one_value(&a, form.items[i].key);
		one_value(&a, form.items[i].val);
	}
	arena_free(&a);
	return 0;
}
