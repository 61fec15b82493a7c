/* test_validate.c: unit tests of validate.c (field rules, dates) and eligibility.c (form rules). */
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "eligibility.h"
#include "test.h"
#include "validate.h"

static struct arena A;

static struct date D(int y, int m, int d)
{
	return (struct date){y, m, d};
}

static const char *iso(struct date d)
{
	char buf[16];
	date_format_iso(d, buf, sizeof(buf));
	return arena_strdup(&A, buf);
}

/* n copies of s, in the arena. */
static const char *repeat(const char *s, size_t n)
{
	struct buf b;
	buf_init(&b, &A);
	for (size_t i = 0; i < n; i++)
		buf_puts(&b, s);
	return buf_str(&b);
}

/* Sets every entry of key to val, adding one if there is none; val NULL removes them all. */
static void form_set(struct kvmap *m, const char *key, const char *val)
{
	bool found = false;
	size_t k = 0;
	for (size_t i = 0; i < m->n; i++) {
		if (strcmp(m->items[i].key, key) == 0) {
			if (val == NULL || found)
				continue;
			m->items[i].val = val;
			found = true;
		}
		m->items[k++] = m->items[i];
	}
	m->n = k;
	if (!found && val != NULL)
		kv_add(m, &A, key, val);
}

/* A form from a NULL-terminated list of key, value pairs. */
static struct kvmap form_of(const char *const *pairs)
{
	struct kvmap m = {0};
	for (size_t i = 0; pairs[i] != NULL; i += 2)
		kv_add(&m, &A, pairs[i], pairs[i + 1]);
	return m;
}

/* The message of a field, "" when none: safe to hand to strstr. */
static const char *msg(const struct form_errors *e, const char *field)
{
	const char *m = form_error_for(e, field);
	return m ? m : "";
}

static bool only_error_on(const struct form_errors *e, const char *field)
{
	return e->n == 1 && strcmp(e->e[0].field, field) == 0;
}

/* ---- dates ---- */

static void test_date_parse(void)
{
	struct date d = {0, 0, 0};
	CHECK(date_parse("2027-01-14", &d) == 0 && d.y == 2027 && d.m == 1 && d.d == 14);
	CHECK(date_parse("2024-02-29", &d) == 0 && d.m == 2 && d.d == 29);
	CHECK(date_parse("2000-02-29", &d) == 0);
	CHECK(date_parse("0001-01-01", &d) == 0);
	CHECK(date_parse("9999-12-31", &d) == 0);

	static const char *const bad[] = {
		"2025-02-29", "2025-04-31", "2025-13-01", "2025-1-01", " 2025-01-01",
		"2025-01-01x", "2025-01-01 ", "1900-02-29", "2025-00-10", "2025-01-00",
		"2025-01-32", "0000-01-01", "", "2025/01/01", "25-01-01",
		"2025-01-1", "+025-01-01", "2025-0a-01", "20250101", "2025-011-01",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		d = D(1, 2, 3);
		CHECK(date_parse(bad[i], &d) == -1);
		CHECK(d.y == 1 && d.m == 2 && d.d == 3); /* untouched */
	}
	CHECK(date_parse(NULL, &d) == -1);
}

static void test_date_arith(void)
{
	CHECK(date_days_in_month(2024, 2) == 29);
	CHECK(date_days_in_month(2025, 2) == 28);
	CHECK(date_days_in_month(1900, 2) == 28);
	CHECK(date_days_in_month(2000, 2) == 29);
	CHECK(date_days_in_month(2025, 4) == 30);
	CHECK(date_days_in_month(2025, 12) == 31);
	CHECK(date_days_in_month(2025, 13) == 0);

	CHECK(date_cmp(D(2025, 1, 1), D(2025, 1, 1)) == 0);
	CHECK(date_cmp(D(2024, 12, 31), D(2025, 1, 1)) < 0);
	CHECK(date_cmp(D(2025, 2, 1), D(2025, 1, 31)) > 0);
	CHECK(date_cmp(D(2025, 1, 2), D(2025, 1, 1)) > 0);

	CHECK_STR(iso(date_add_days(D(2024, 2, 28), 1)), "2024-02-29");
	CHECK_STR(iso(date_add_days(D(2024, 2, 28), 2)), "2024-03-01");
	CHECK_STR(iso(date_add_days(D(2025, 2, 28), 1)), "2025-03-01");
	CHECK_STR(iso(date_add_days(D(2025, 12, 31), 1)), "2026-01-01");
	CHECK_STR(iso(date_add_days(D(2000, 3, 1), -1)), "2000-02-29");
	CHECK_STR(iso(date_add_days(D(1900, 3, 1), -1)), "1900-02-28");
	CHECK_STR(iso(date_add_days(D(2027, 1, 14), 77)), "2027-04-01");
	CHECK_STR(iso(date_add_days(D(2027, 1, 14), 0)), "2027-01-14");
	CHECK_STR(iso(date_add_days(D(1970, 1, 1), -1)), "1969-12-31");
	CHECK_STR(iso(date_add_days(D(2025, 1, 1), 365 * 400 + 97)), "2425-01-01");

	CHECK(date_weekday(D(1970, 1, 1)) == 4);
	CHECK(date_weekday(D(2027, 1, 14)) == 4);
	CHECK(date_weekday(D(2000, 1, 1)) == 6);
	CHECK(date_weekday(D(1900, 1, 1)) == 1);
	CHECK(date_weekday(D(2024, 2, 29)) == 4);
	CHECK(date_weekday(D(2026, 3, 1)) == 0);
	CHECK(date_weekday(D(1969, 12, 31)) == 3);

	char buf[64];
	date_format_long(D(2027, 1, 14), buf, sizeof(buf));
	CHECK_STR(buf, "Thursday, January 14, 2027");
	date_format_long(D(2027, 9, 1), buf, sizeof(buf));
	CHECK_STR(buf, "Wednesday, September 1, 2027");
	date_format_iso(D(987, 3, 4), buf, sizeof(buf));
	CHECK_STR(buf, "0987-03-04");

	struct date today = date_today(), back;
	CHECK(date_parse(iso(today), &back) == 0 && date_cmp(today, back) == 0);
	CHECK(today.y >= 2024);
}

static void test_date_age(void)
{
	/* The 18th birthday on the first session day counts; the day after does not. */
	CHECK(date_age_on(D(2009, 1, 14), D(2027, 1, 14)) == 18);
	CHECK(date_age_on(D(2009, 1, 15), D(2027, 1, 14)) == 17);
	CHECK(date_age_on(D(2009, 1, 13), D(2027, 1, 14)) == 18);
	CHECK(date_age_on(D(2008, 12, 31), D(2027, 1, 1)) == 18);
	CHECK(date_age_on(D(2009, 2, 1), D(2027, 1, 31)) == 17);
	/* 29 February: a year completes on 1 March in common years, 29 February in leap ones. */
	CHECK(date_age_on(D(2008, 2, 29), D(2026, 2, 28)) == 17);
	CHECK(date_age_on(D(2008, 2, 29), D(2026, 3, 1)) == 18);
	CHECK(date_age_on(D(2008, 2, 29), D(2028, 2, 28)) == 19);
	CHECK(date_age_on(D(2008, 2, 29), D(2028, 2, 29)) == 20);
	CHECK(date_age_on(D(2000, 6, 1), D(2000, 6, 1)) == 0);
}

/* ---- form errors ---- */

static void test_form_errors(void)
{
	struct form_errors e = {.n = 0};
	CHECK(form_error_for(&e, "x") == NULL);
	form_error(&e, "x", "first");
	form_error(&e, "x", "second");
	form_error(&e, "y", "other");
	CHECK(e.n == 2);
	CHECK_STR(form_error_for(&e, "x"), "first");
	CHECK_STR(form_error_for(&e, "y"), "other");
	CHECK(form_error_for(&e, "z") == NULL);
	for (int i = 0; i < FORM_MAX_ERRORS + 10; i++)
		form_error(&e, arena_printf(&A, "f%d", i), "m");
	CHECK(e.n == FORM_MAX_ERRORS);
}

/* ---- text ---- */

static void test_text_clean(void)
{
	const char *out = NULL;
	CHECK(text_clean(&A, "  Maria  ", 60, &out) == 0);
	CHECK_STR(out, "Maria");
	CHECK(text_clean(&A, "\t Maria Lopez \r\n", 60, &out) == 0);
	CHECK_STR(out, "Maria Lopez");
	/* Unicode spaces at the ends go (no-break, em, ideographic, BOM); inside they stay. */
	CHECK(text_clean(&A, "\xC2\xA0Mar\xC2\xA0ia\xE2\x80\x83\xE3\x80\x80\xEF\xBB\xBF", 60, &out)
	      == 0);
	CHECK_STR(out, "Mar\xC2\xA0ia");
	CHECK(text_clean(&A, "", 60, &out) == 0);
	CHECK_STR(out, "");
	CHECK(text_clean(&A, "   \t ", 60, &out) == 0);
	CHECK_STR(out, "");
	CHECK(text_clean(&A, NULL, 60, &out) == 0);
	CHECK_STR(out, "");
	CHECK(text_clean(&A, "José Ñúñez", 60, &out) == 0);
	CHECK_STR(out, "José Ñúñez");

	/* Control characters inside a single-line field. */
	CHECK(text_clean(&A, "Ma\tria", 60, &out) == -1);
	CHECK(text_clean(&A, "Ma\nria", 60, &out) == -1);
	CHECK(text_clean(&A, "Ma\rria", 60, &out) == -1);
	CHECK(text_clean(&A, "Ma\x01ria", 60, &out) == -1);
	CHECK(text_clean(&A, "Ma\x1bria", 60, &out) == -1);
	CHECK(text_clean(&A, "Ma\x7fria", 60, &out) == -1);
	CHECK(text_clean(&A, "Ma\xC2\x80ria", 60, &out) == -1);
	CHECK(text_clean(&A, "Ma\xC2\x85ria", 60, &out) == -1);
	CHECK(text_clean(&A, "Ma\xC2\x9Fria", 60, &out) == -1);
	CHECK(text_clean(&A, "Ma\xC2\xA1ria", 60, &out) == 0); /* U+00A1 is not a control */
	CHECK(text_clean(&A, "Ma\xFFria", 60, &out) == -1); /* invalid UTF-8 */
	CHECK(text_clean(&A, "Ma\xC0\xAFria", 60, &out) == -1); /* overlong */
	CHECK(text_clean(&A, "Ma\xED\xA0\x80ria", 60, &out) == -1); /* surrogate */
	CHECK(text_clean(&A, "Ma\xE2\x82", 60, &out) == -1); /* truncated */
	/* A control character wins over the length. */
	CHECK(text_clean(&A, repeat("a\t", 100), 60, &out) == -1);

	/* Length in code points, with multi-byte characters. */
	CHECK(text_clean(&A, repeat("a", 60), 60, &out) == 0);
	CHECK(text_clean(&A, repeat("a", 61), 60, &out) == -2);
	CHECK(text_clean(&A, repeat("é", 60), 60, &out) == 0);
	CHECK(strlen(out) == 120);
	CHECK(text_clean(&A, repeat("é", 61), 60, &out) == -2);
	CHECK(text_clean(&A, arena_printf(&A, "%s€", repeat("a", 59)), 60, &out) == 0);
	CHECK(text_clean(&A, arena_printf(&A, "%s€€", repeat("a", 59)), 60, &out) == -2);
	CHECK(text_clean(&A, repeat("\xF0\x9F\x9A\x93", 60), 60, &out) == 0);
	CHECK(text_clean(&A, repeat("\xF0\x9F\x9A\x93", 61), 60, &out) == -2);
	/* Surrounding spaces do not count. */
	CHECK(text_clean(&A, arena_printf(&A, "  %s  ", repeat("é", 60)), 60, &out) == 0);

	/* Multi-line: line breaks kept as LF, other controls refused. */
	CHECK(text_clean_multiline(&A, "\r\n  Wheelchair\r\naccess\rplease\n\n ", 1000, &out) == 0);
	CHECK_STR(out, "Wheelchair\naccess\nplease");
	CHECK(text_clean_multiline(&A, "a\tb", 1000, &out) == -1);
	CHECK(text_clean_multiline(&A, "a\vb", 1000, &out) == -1);
	CHECK(text_clean_multiline(&A, "a\xC2\x85" "b", 1000, &out) == -1); /* NEL */
	CHECK(text_clean_multiline(&A, "a\r\nb", 3, &out) == 0); /* CRLF is one character */
	CHECK(text_clean_multiline(&A, "a\r\nb\r\n", 3, &out) == 0);
	CHECK(text_clean_multiline(&A, "a\r\nbc", 3, &out) == -2);
	CHECK(text_clean_multiline(&A, repeat("x", 1000), 1000, &out) == 0);
	CHECK(text_clean_multiline(&A, repeat("x", 1001), 1000, &out) == -2);
}

/* ---- e-mail, phone, ZIP ---- */

static void test_email(void)
{
	static const char *const good[] = {
		"name@example.com", "a.b+tag@sub.example.co.uk", "x@y.io", "José@example.com",
		"o'brien@example.org", "first_last-1@my-domain.example",
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK(email_valid(good[i]));
	static const char *const bad[] = {
		"",
		"name",
		"name@",
		"@example.com",
		"a@@example.com",
		"a@b@example.com",
		"name@example",
		"name@.example.com",
		"name@example.com.",
		"name@exa..mple.com",
		"na me@example.com",
		" name@example.com",
		"name@example.com ",
		"name@exam ple.com",
		"name@example.com\n",
		"na\tme@example.com",
		"na\x7fme@example.com",
		"na\xC2\x85me@example.com",
		"a,b@example.com",
		"<a@example.com>",
		"\"a\"@example.com",
		"a@example.com;b@example.com",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(!email_valid(bad[i]));
		if (email_valid(bad[i]))
			fprintf(stderr, "  accepted: [%s]\n", bad[i]);
	}
	CHECK(!email_valid(NULL));
	/* 254 characters is the limit: local part of 64, domain of 189. */
	const char *e254 = arena_printf(&A, "%s@%s.com", repeat("a", 64), repeat("b", 185));
	CHECK(strlen(e254) == 254);
	CHECK(email_valid(e254));
	const char *e255 = arena_printf(&A, "%s@%s.com", repeat("a", 65), repeat("b", 185));
	CHECK(strlen(e255) == 255);
	CHECK(!email_valid(e255));
}

static void test_phone(void)
{
	static const char *const good[] = {
		"310-555-0123", "(310) 555-0123", "310.555.0123", "310 555 0123",
		"+1 310 555 0123", "1-310-555-0123", "3105550123", "+13105550123",
		"1 (310) 555-0123", "+1 (310) 555-0123", "13105550123", " 310-555-0123",
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char out[11] = "";
		CHECK(phone_normalise(good[i], out));
		CHECK_STR(out, "3105550123");
	}
	static const char *const bad[] = {
		"",
		"310-555-012", /* 9 digits */
		"23105550123", /* 11 digits, not starting with 1 */
		"310-555-01234",      /* 11 digits, not starting with 1 */
		"1-310-555-01234",    /* 12 digits */
		"310-555-O123", /* a letter O */
		"310-CALL-NOW",
		"+2 310 555 0123",
		"+44 20 7946 0958",
		"+310 555 0123",
		"+ 1 310 555 0123",
		"++1 310 555 0123",
		"+1310555012", /* + and 10 digits */
		"1310555012", /* area code starting with 1 */
		"010-555-0123", /* area code starting with 0 */
		"110-555-0123",
		"310-055-0123", /* exchange starting with 0 */
		"310-155-0123", /* exchange starting with 1 */
		"310-555-0123 ext 4",
		"310/555/0123",
		"310_555_0123",
		"310-555-0123\n",
		"1+310-555-0123",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char out[11] = "unchanged";
		CHECK(!phone_normalise(bad[i], out));
		CHECK_STR(out, "unchanged");
		if (phone_normalise(bad[i], out))
			fprintf(stderr, "  accepted: [%s]\n", bad[i]);
	}
	CHECK(!phone_normalise(NULL, (char[11]){0}));

	char formatted[13];
	phone_format("3105550123", formatted);
	CHECK_STR(formatted, "310-555-0123");
}

static void test_zip(void)
{
	CHECK(zip_valid("90501"));
	CHECK(zip_valid("90501-1234"));
	static const char *const bad[] = {
		"9050", "90501-123", "905011234", "90501-12345", "9050a", "", " 90501",
		"90501 ", "90501-", "90501 1234", "905O1", "90501-12a4", "١٢٣٤٥",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(!zip_valid(bad[i]));
	CHECK(!zip_valid(NULL));

	static const char *const core[] = {"90501", "90503", "90504", "90505", "90506",
					   "90507", "90508", "90509", "90510", "90503-1234"};
	for (size_t i = 0; i < sizeof(core) / sizeof(core[0]); i++)
		CHECK(zip_torrance(core[i]) == ZIP_TORRANCE);
	static const char *const border[] = {"90502", "90248", "90277", "90278", "90277-0001"};
	for (size_t i = 0; i < sizeof(border) / sizeof(border[0]); i++)
		CHECK(zip_torrance(border[i]) == ZIP_BORDER);
	static const char *const outside[] = {"90210", "90500", "90511", "90247", "90249", "10001"};
	for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++)
		CHECK(zip_torrance(outside[i]) == ZIP_OUTSIDE);
}

static void test_parse_int(void)
{
	long v = 0;
	CHECK(parse_int("0", 0, 10, &v) == 0 && v == 0);
	CHECK(parse_int("42", 0, 100, &v) == 0 && v == 42);
	CHECK(parse_int("-7", -10, 10, &v) == 0 && v == -7);
	CHECK(parse_int("007", 0, 10, &v) == 0 && v == 7);
	CHECK(parse_int("10", 1, 10, &v) == 0 && v == 10);
	CHECK(parse_int("1", 1, 10, &v) == 0 && v == 1);
	CHECK(parse_int("9223372036854775807", LONG_MIN, LONG_MAX, &v) == 0 && v == LONG_MAX);
	CHECK(parse_int("-9223372036854775808", LONG_MIN, LONG_MAX, &v) == 0 && v == LONG_MIN);

	static const char *const bad[] = {
		"", "+5", " 5", "5 ", "5x", "x", "-", "--5", "-+5", "0x10", "1e3", "1.0",
		"\t5", "5\n", "9223372036854775808", "-9223372036854775809",
		"99999999999999999999999",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 12345;
		CHECK(parse_int(bad[i], LONG_MIN, LONG_MAX, &v) == -1);
		CHECK(v == 12345); /* untouched */
	}
	CHECK(parse_int(NULL, 0, 10, &v) == -1);
	CHECK(parse_int("11", 1, 10, &v) == -1);
	CHECK(parse_int("0", 1, 10, &v) == -1);
	CHECK(parse_int("-1", 0, 10, &v) == -1);
}

/* ---- PIP ---- */

static const struct date PIP_FIRST = {2027, 1, 14};

static struct kvmap pip_base(void)
{
	static const char *const pairs[] = {
		"class", "7",
		"first_name", "Maria",
		"last_name", "Lopez",
		"dob", "1980-05-17",
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
	return form_of(pairs);
}

static int pip(const struct kvmap *m, struct date first, struct pip_application *out,
	       struct form_errors *e)
{
	return pip_validate(&A, LANG_EN, m, first, out, e);
}

static void test_pip_valid(void)
{
	struct kvmap m = pip_base();
	struct pip_application out;
	struct form_errors e;
	e.n = 7; /* pip_validate starts afresh */
	CHECK(pip(&m, PIP_FIRST, &out, &e) == 0);
	CHECK(e.n == 0);
	CHECK_STR(out.first_name, "Maria");
	CHECK_STR(out.last_name, "Lopez");
	CHECK(date_cmp(out.dob, D(1980, 5, 17)) == 0);
	CHECK_STR(out.email, "maria@example.com");
	CHECK_STR(out.phone, "3105550123");
	CHECK_STR(out.street, "3300 Civic Center Drive");
	CHECK_STR(out.city, "Torrance");
	CHECK_STR(out.zip, "90503");
	CHECK(out.affiliations == 1u << AFF_RESIDENT);
	for (int k = 0; k < AFF_MAX; k++)
		CHECK_STR(out.detail[k], "");
	CHECK_STR(out.emergency_name, "José Lopez");
	CHECK_STR(out.emergency_phone, "3105550199");
	CHECK_STR(out.accommodations, "");
	CHECK_STR(out.referral, "");
	CHECK(!out.verify_residence);

	/* Trimmed, e-mail kept as typed, notes multi-line. */
	form_set(&m, "first_name", "  Maria  ");
	form_set(&m, "email", " Maria.Lopez@Example.com ");
	form_set(&m, "accommodations", "Wheelchair access\r\nNo stairs\r\n");
	form_set(&m, "referral", "A friend");
	form_set(&m, "zip", "90503-1234");
	CHECK(pip(&m, PIP_FIRST, &out, &e) == 0);
	CHECK_STR(out.first_name, "Maria");
	CHECK_STR(out.email, "Maria.Lopez@Example.com");
	CHECK_STR(out.accommodations, "Wheelchair access\nNo stairs");
	CHECK_STR(out.referral, "A friend");
	CHECK_STR(out.zip, "90503-1234");

	CHECK(affiliation_names[AFF_RESIDENT] != NULL && affiliation_labels[AFF_OTHER] != NULL);
	CHECK_STR(affiliation_names[AFF_CIVIC], "civic");
}

static void test_pip_age(void)
{
	struct kvmap m = pip_base();
	struct pip_application out;
	struct form_errors e;

	/* 18th birthday exactly on the first session: eligible; one day later: not. */
	form_set(&m, "dob", "2009-01-14");
	CHECK(pip(&m, PIP_FIRST, &out, &e) == 0);
	form_set(&m, "dob", "2009-01-15");
	CHECK(pip(&m, PIP_FIRST, &out, &e) == 1 && only_error_on(&e, "dob"));
	CHECK(strstr(msg(&e, "dob"), "18") != NULL);
	CHECK(strstr(msg(&e, "dob"), "Thursday, January 14, 2027") != NULL);

	/* 29 February birthday. */
	form_set(&m, "dob", "2008-02-29");
	CHECK(pip(&m, D(2026, 2, 28), &out, &e) == 1 && only_error_on(&e, "dob"));
	CHECK(strstr(msg(&e, "dob"), "Saturday, February 28, 2026") != NULL);
	CHECK(pip(&m, D(2026, 3, 1), &out, &e) == 0);
	CHECK(date_cmp(out.dob, D(2008, 2, 29)) == 0);

	/* Not a real date: its own message, no age error besides. */
	static const char *const unreal[] = {
		"2025-02-29", "2025-04-31", "2025-13-01", "2025-1-01", "2025-01-01x",
		"17/05/1980", "yesterday",  "1980-05-17T00:00",
	};
	for (size_t i = 0; i < sizeof(unreal) / sizeof(unreal[0]); i++) {
		form_set(&m, "dob", unreal[i]);
		CHECK(pip(&m, PIP_FIRST, &out, &e) == 1 && only_error_on(&e, "dob"));
		CHECK_STR(form_error_for(&e, "dob"),
			  "Enter a real date of birth, for example 5/17/1980");
		CHECK(out.dob.y == 0);
	}
	/* Spaces around a date are trimmed like any field's. */
	form_set(&m, "dob", " 1980-05-17 ");
	CHECK(pip(&m, PIP_FIRST, &out, &e) == 0);

	form_set(&m, "dob", "");
	CHECK(pip(&m, PIP_FIRST, &out, &e) == 1);
	CHECK_STR(form_error_for(&e, "dob"), "Enter your date of birth, for example 5/17/1980");

	/* In the future (tomorrow): also under 18, but only the date's own message. */
	form_set(&m, "dob", iso(date_add_days(date_today(), 1)));
	CHECK(pip(&m, PIP_FIRST, &out, &e) == 1 && only_error_on(&e, "dob"));
	CHECK_STR(form_error_for(&e, "dob"), "Date of birth must be in the past");

	form_set(&m, "dob", "1899-12-31");
	CHECK(pip(&m, PIP_FIRST, &out, &e) == 1 && only_error_on(&e, "dob"));
	CHECK_STR(form_error_for(&e, "dob"), "Date of birth must be on or after January 1, 1900");
	form_set(&m, "dob", "1900-01-01");
	CHECK(pip(&m, PIP_FIRST, &out, &e) == 0);
}

static void test_pip_affiliations(void)
{
	static const struct {
		enum affiliation aff;
		const char *field, *message;
	} details[] = {
		{AFF_WORK, "work_detail", "Enter the name of your employer in Torrance"},
		{AFF_SCHOOL, "school_detail", "Enter the name of your school in Torrance"},
		{AFF_FAITH, "faith_detail",
		 "Enter the name of your church or congregation in Torrance"},
		{AFF_CIVIC, "civic_detail",
		 "Enter the name of your civic organization in Torrance"},
		{AFF_OTHER, "other_detail", "Enter how you are connected to Torrance"},
	};
	struct pip_application out;
	struct form_errors e;

	for (size_t i = 0; i < sizeof(details) / sizeof(details[0]); i++) {
		struct kvmap m = pip_base();
		/* Someone who works in Torrance but lives in Gardena. */
		form_set(&m, "affiliation", affiliation_names[details[i].aff]);
		form_set(&m, "city", "Gardena");
		form_set(&m, "zip", "90247");
		CHECK(pip(&m, PIP_FIRST, &out, &e) == 1 && only_error_on(&e, details[i].field));
		CHECK_STR(form_error_for(&e, details[i].field), details[i].message);
		form_set(&m, details[i].field, "   ");
		CHECK(pip(&m, PIP_FIRST, &out, &e) == 1 && only_error_on(&e, details[i].field));
		form_set(&m, details[i].field, " Torrance Memorial ");
		CHECK(pip(&m, PIP_FIRST, &out, &e) == 0);
		CHECK(out.affiliations == 1u << details[i].aff);
		CHECK_STR(out.detail[details[i].aff], "Torrance Memorial");
		CHECK(!out.verify_residence);
		form_set(&m, details[i].field, repeat("x", LEN_DETAIL + 1));
		CHECK(pip(&m, PIP_FIRST, &out, &e) == 1 && only_error_on(&e, details[i].field));
		CHECK(strstr(msg(&e, details[i].field), "120 characters or fewer"));
	}

	/* Several boxes; an unticked box's detail is ignored, whatever it holds. */
	struct kvmap m = pip_base();
	kv_add(&m, &A, "affiliation", "work");
	form_set(&m, "work_detail", "Toyota");
	form_set(&m, "school_detail", repeat("\t", 500));
	CHECK(pip(&m, PIP_FIRST, &out, &e) == 0);
	CHECK(out.affiliations == ((1u << AFF_RESIDENT) | (1u << AFF_WORK)));
	CHECK_STR(out.detail[AFF_WORK], "Toyota");
	CHECK_STR(out.detail[AFF_SCHOOL], "");
	CHECK_STR(out.detail[AFF_RESIDENT], "");

	/* None ticked. */
	m = pip_base();
	form_set(&m, "affiliation", NULL);
	CHECK(pip(&m, PIP_FIRST, &out, &e) == 1 && only_error_on(&e, "affiliation"));
	CHECK_STR(form_error_for(&e, "affiliation"),
		  "Select at least one way you are connected to Torrance");

	/* An unknown value, alone or beside a good one. */
	form_set(&m, "affiliation", "visitor");
	CHECK(pip(&m, PIP_FIRST, &out, &e) == 1 && only_error_on(&e, "affiliation"));
	m = pip_base();
	kv_add(&m, &A, "affiliation", "Resident");
	CHECK(pip(&m, PIP_FIRST, &out, &e) == 1 && only_error_on(&e, "affiliation"));
}

static void test_pip_residence(void)
{
	struct kvmap m = pip_base();
	struct pip_application out;
	struct form_errors e;

	form_set(&m, "city", "Gardena");
	CHECK(pip(&m, PIP_FIRST, &out, &e) == 1 && only_error_on(&e, "city"));
	CHECK(strstr(msg(&e, "city"), "Torrance") != NULL);

	m = pip_base();
	form_set(&m, "zip", "90210");
	CHECK(pip(&m, PIP_FIRST, &out, &e) == 1 && only_error_on(&e, "zip"));
	CHECK(strstr(msg(&e, "zip"), "90210") != NULL);

	form_set(&m, "city", "Beverly Hills");
	CHECK(pip(&m, PIP_FIRST, &out, &e) == 2);
	CHECK(form_error_for(&e, "city") && form_error_for(&e, "zip"));

	/* City in any case, with spaces. */
	m = pip_base();
	form_set(&m, "city", "  TORRANCE ");
	CHECK(pip(&m, PIP_FIRST, &out, &e) == 0);
	CHECK_STR(out.city, "TORRANCE");

	/* Border ZIP codes are flagged; core ones are not. */
	static const char *const border[] = {"90502", "90248", "90277", "90278-4321"};
	for (size_t i = 0; i < sizeof(border) / sizeof(border[0]); i++) {
		form_set(&m, "zip", border[i]);
		CHECK(pip(&m, PIP_FIRST, &out, &e) == 0);
		CHECK(out.verify_residence);
	}
	static const char *const core[] = {"90501", "90505", "90510"};
	for (size_t i = 0; i < sizeof(core) / sizeof(core[0]); i++) {
		form_set(&m, "zip", core[i]);
		CHECK(pip(&m, PIP_FIRST, &out, &e) == 0);
		CHECK(!out.verify_residence);
	}

	/* No residence claim: any address, nothing flagged. */
	form_set(&m, "affiliation", "civic");
	form_set(&m, "civic_detail", "Rotary Club of Torrance");
	form_set(&m, "zip", "90277");
	CHECK(pip(&m, PIP_FIRST, &out, &e) == 0);
	CHECK(!out.verify_residence);
	form_set(&m, "city", "Redondo Beach");
	CHECK(pip(&m, PIP_FIRST, &out, &e) == 0);

	/* A ZIP in the wrong format gets that message, not the residence one. */
	m = pip_base();
	form_set(&m, "zip", "9050");
	CHECK(pip(&m, PIP_FIRST, &out, &e) == 1 && only_error_on(&e, "zip"));
	CHECK_STR(form_error_for(&e, "zip"),
		  "Enter your ZIP code in the correct format, like 90503 or 90503-1234");
}

static void test_pip_fields(void)
{
	struct pip_application out;
	struct form_errors e;
	static const struct {
		const char *field, *message;
	} required[] = {
		{"first_name", "Enter your first name"},
		{"last_name", "Enter your last name"},
		{"email", "Enter your email address"},
		{"phone", "Enter your phone number"},
		{"street", "Enter your street address"},
		{"city", "Enter your city"},
		{"zip", "Enter your ZIP code"},
		{"emergency_name", "Enter the name of your emergency contact"},
		{"emergency_phone", "Enter your emergency contact's phone number"},
		{"ack_background", "Confirm that you agree to a background check"},
	};
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		struct kvmap m = pip_base();
		form_set(&m, required[i].field, NULL);
		CHECK(pip(&m, PIP_FIRST, &out, &e) == 1 && only_error_on(&e, required[i].field));
		CHECK_STR(form_error_for(&e, required[i].field), required[i].message);
		form_set(&m, required[i].field, " ");
		CHECK(pip(&m, PIP_FIRST, &out, &e) == 1 && only_error_on(&e, required[i].field));
	}

	struct kvmap m = pip_base();
	form_set(&m, "ack_background", "no");
	CHECK(pip(&m, PIP_FIRST, &out, &e) == 1 && only_error_on(&e, "ack_background"));

	m = pip_base();
	form_set(&m, "email", "maria@example");
	CHECK(pip(&m, PIP_FIRST, &out, &e) == 1);
	CHECK_STR(form_error_for(&e, "email"),
		  "Enter your email address in the correct format, like name@example.com");
	CHECK_STR(out.email, "");

	m = pip_base();
	form_set(&m, "phone", "555-0123");
	form_set(&m, "emergency_phone", "+44 20 7946 0958");
	CHECK(pip(&m, PIP_FIRST, &out, &e) == 2);
	CHECK_STR(form_error_for(&e, "phone"), "Enter your phone number as a US number with 10 "
					       "digits, like 310-555-0123");
	CHECK(strstr(msg(&e, "emergency_phone"), "emergency contact") != NULL);
	CHECK_STR(out.phone, "");

	/* Lengths: names 60, street 120, city 60, notes 1000, the rest 200, e-mail 254. */
	static const struct {
		const char *field;
		size_t max;
		const char *label;
	} lengths[] = {
		{"first_name", LEN_NAME, "First name"},
		{"last_name", LEN_NAME, "Last name"},
		{"street", LEN_STREET, "Street address"},
		{"emergency_name", LEN_NAME, "Emergency contact name"},
		{"accommodations", LEN_NOTE, "Accommodations"},
		{"referral", LEN_OTHER, "How you heard about us"},
	};
	for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		m = pip_base();
		form_set(&m, lengths[i].field, repeat("ñ", lengths[i].max));
		CHECK(pip(&m, PIP_FIRST, &out, &e) == 0);
		form_set(&m, lengths[i].field, repeat("ñ", lengths[i].max + 1));
		CHECK(pip(&m, PIP_FIRST, &out, &e) == 1 && only_error_on(&e, lengths[i].field));
		CHECK_STR(form_error_for(&e, lengths[i].field),
			  arena_printf(&A, "%s must be %zu characters or fewer", lengths[i].label,
				       lengths[i].max));
	}
	m = pip_base();
	form_set(&m, "city", repeat("a", LEN_CITY + 1));
	CHECK(pip(&m, PIP_FIRST, &out, &e) == 1);
	CHECK_STR(form_error_for(&e, "city"), "City must be 60 characters or fewer");
	form_set(&m, "city", "Torrance");
	form_set(&m, "email", arena_printf(&A, "%s@example.com", repeat("a", 243)));
	CHECK(pip(&m, PIP_FIRST, &out, &e) == 1);
	CHECK_STR(form_error_for(&e, "email"), "Email address must be 254 characters or fewer");

	/* Control characters: refused in single-line fields, line breaks allowed in notes. */
	m = pip_base();
	form_set(&m, "first_name", "Ma\tria");
	form_set(&m, "street", "3300 Civic\nCenter Drive");
	form_set(&m, "accommodations", "Line one\nLine\ttwo");
	CHECK(pip(&m, PIP_FIRST, &out, &e) == 3);
	CHECK_STR(form_error_for(&e, "first_name"),
		  "Remove tabs, line breaks and other control characters from your first name");
	CHECK(strncmp(msg(&e, "street"), "Remove", 6) == 0);
	CHECK_STR(form_error_for(&e, "accommodations"),
		  "Remove tabs and other control characters from the accommodations you need");
	form_set(&m, "first_name", "Maria");
	form_set(&m, "street", "3300 Civic Center Drive");
	form_set(&m, "accommodations", "Line one\nLine two");
	CHECK(pip(&m, PIP_FIRST, &out, &e) == 0);

	/* Nothing at all: every required field, in the order of the form. */
	struct kvmap empty = {0};
	static const char *const order[] = {
		"first_name", "last_name", "dob", "email", "phone", "street", "city", "zip",
		"affiliation", "emergency_name", "emergency_phone", "ack_background",
	};
	CHECK(pip(&empty, PIP_FIRST, &out, &e) == 12);
	for (size_t i = 0; i < e.n && i < sizeof(order) / sizeof(order[0]); i++)
		CHECK_STR(e.e[i].field, order[i]);

	/* Errors found by the later rules still come in the order of the form. */
	m = pip_base();
	form_set(&m, "dob", "2010-01-01");
	form_set(&m, "email", "nope");
	form_set(&m, "affiliation", NULL);
	form_set(&m, "first_name", "");
	CHECK(pip(&m, PIP_FIRST, &out, &e) == 4);
	CHECK_STR(e.e[0].field, "first_name");
	CHECK_STR(e.e[1].field, "dob");
	CHECK_STR(e.e[2].field, "email");
	CHECK_STR(e.e[3].field, "affiliation");
}

/* ---- TAP ---- */

static const struct date TAP_FIRST = {2026, 9, 10};

/* A date of birth making someone `years` old on TAP_FIRST, plus `days_younger` days later. */
static const char *tap_dob(int years, int days_younger)
{
	struct date d = TAP_FIRST;
	d.y -= years;
	return iso(date_add_days(d, days_younger));
}

static struct kvmap tap_base(void)
{
	static const char *const pairs[] = {
		"semester", "3",
		"student_first_name", "Alex",
		"student_last_name", "Kim",
		"student_id", "123456",
		"grade", "11",
		"dob", "2010-03-05",
		"student_email", "",
		"student_phone", "",
		"guardian_name", "Sam Kim",
		"guardian_phone", "310-555-0142",
		"guardian_email", "sam@example.com",
		"guardian_consent", "yes",
		"counselor_note", "",
		"csrf", "token",
		NULL,
	};
	return form_of(pairs);
}

static int tap(const struct kvmap *m, struct tap_nomination *out, struct form_errors *e)
{
	return tap_validate(&A, m, TAP_FIRST, out, e);
}

static void remove_guardian(struct kvmap *m)
{
	form_set(m, "guardian_name", NULL);
	form_set(m, "guardian_phone", NULL);
	form_set(m, "guardian_email", NULL);
	form_set(m, "guardian_consent", NULL);
}

static void test_tap_valid(void)
{
	struct kvmap m = tap_base();
	struct tap_nomination out;
	struct form_errors e;
	CHECK(tap(&m, &out, &e) == 0);
	CHECK_STR(out.student_first_name, "Alex");
	CHECK_STR(out.student_last_name, "Kim");
	CHECK_STR(out.student_id, "123456");
	CHECK(out.grade == 11);
	CHECK(date_cmp(out.dob, D(2010, 3, 5)) == 0);
	CHECK_STR(out.student_email, "");
	CHECK_STR(out.student_phone, "");
	CHECK_STR(out.guardian_name, "Sam Kim");
	CHECK_STR(out.guardian_phone, "3105550142");
	CHECK_STR(out.guardian_email, "sam@example.com");
	CHECK(out.guardian_consent);
	CHECK_STR(out.counselor_note, "");
	CHECK(!out.adult);

	form_set(&m, "grade", "12");
	form_set(&m, "student_id", " ab12CD ");
	form_set(&m, "student_email", "alex@student.tusd.org");
	form_set(&m, "student_phone", "(424) 555-0100");
	form_set(&m, "counselor_note", "Strong interest\r\nin law enforcement");
	CHECK(tap(&m, &out, &e) == 0);
	CHECK(out.grade == 12);
	CHECK_STR(out.student_id, "AB12CD");
	CHECK_STR(out.student_email, "alex@student.tusd.org");
	CHECK_STR(out.student_phone, "4245550100");
	CHECK_STR(out.counselor_note, "Strong interest\nin law enforcement");
}

static void test_tap_fields(void)
{
	struct kvmap m;
	struct tap_nomination out;
	struct form_errors e;

	static const char *const bad_grades[] = {"10", "9", "13", "011", "eleven", "11.0"};
	for (size_t i = 0; i < sizeof(bad_grades) / sizeof(bad_grades[0]); i++) {
		m = tap_base();
		form_set(&m, "grade", bad_grades[i]);
		CHECK(tap(&m, &out, &e) == 1 && only_error_on(&e, "grade"));
		CHECK(strncmp(msg(&e, "grade"), "Select grade 11 or 12", 21) == 0);
	}
	form_set(&m, "grade", NULL);
	CHECK(tap(&m, &out, &e) == 1);
	CHECK_STR(form_error_for(&e, "grade"), "Select the student's grade");

	m = tap_base();
	form_set(&m, "student_id", "");
	CHECK(tap(&m, &out, &e) == 1);
	CHECK_STR(form_error_for(&e, "student_id"), "Enter the student's TUSD student ID");
	static const char *const bad_ids[] = {"12-345", "12 345", "12345#", "ÄB12"};
	for (size_t i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++) {
		form_set(&m, "student_id", bad_ids[i]);
		CHECK(tap(&m, &out, &e) == 1 && only_error_on(&e, "student_id"));
		CHECK_STR(form_error_for(&e, "student_id"),
			  "Student ID must only include letters and numbers");
		CHECK_STR(out.student_id, "");
	}
	form_set(&m, "student_id", repeat("7", 20));
	CHECK(tap(&m, &out, &e) == 0);
	form_set(&m, "student_id", repeat("7", 21));
	CHECK(tap(&m, &out, &e) == 1);
	CHECK_STR(form_error_for(&e, "student_id"), "Student ID must be 20 characters or fewer");

	m = tap_base();
	form_set(&m, "student_first_name", NULL);
	form_set(&m, "student_last_name", repeat("k", 61));
	CHECK(tap(&m, &out, &e) == 2);
	CHECK_STR(form_error_for(&e, "student_first_name"), "Enter the student's first name");
	CHECK_STR(form_error_for(&e, "student_last_name"),
		  "Student's last name must be 60 characters or fewer");

	/* Optional contact fields are checked when given. */
	m = tap_base();
	form_set(&m, "student_email", "alex@@example.com");
	form_set(&m, "student_phone", "555-0100");
	CHECK(tap(&m, &out, &e) == 2);
	CHECK(form_error_for(&e, "student_email") && form_error_for(&e, "student_phone"));

	m = tap_base();
	form_set(&m, "counselor_note", repeat("n", 1001));
	CHECK(tap(&m, &out, &e) == 1 && only_error_on(&e, "counselor_note"));
	form_set(&m, "counselor_note", "tab\there");
	CHECK(tap(&m, &out, &e) == 1 && only_error_on(&e, "counselor_note"));

	/* A date that is not one: one error, no age or guardian rule on top. */
	m = tap_base();
	remove_guardian(&m);
	form_set(&m, "dob", "2010-02-30");
	CHECK(tap(&m, &out, &e) == 1 && only_error_on(&e, "dob"));
	CHECK_STR(form_error_for(&e, "dob"),
		  "Enter a real date of birth, for example 5/17/2009");
	CHECK(!out.adult);
	form_set(&m, "dob", "");
	CHECK(tap(&m, &out, &e) == 1 && only_error_on(&e, "dob"));
	CHECK_STR(form_error_for(&e, "dob"),
		  "Enter the student's date of birth, for example 5/17/2009");
	form_set(&m, "dob", iso(date_add_days(date_today(), 30)));
	CHECK(tap(&m, &out, &e) == 1 && only_error_on(&e, "dob"));
}

static void test_tap_age(void)
{
	struct kvmap m = tap_base();
	struct tap_nomination out;
	struct form_errors e;

	/* 13 (14th birthday the day after the first session): refused. */
	form_set(&m, "dob", tap_dob(14, 1));
	CHECK(tap(&m, &out, &e) == 1 && only_error_on(&e, "dob"));
	CHECK(strstr(msg(&e, "dob"), "14 to 19") != NULL);
	CHECK(strstr(msg(&e, "dob"), "Thursday, September 10, 2026") != NULL);
	/* 14 on the day. */
	form_set(&m, "dob", tap_dob(14, 0));
	CHECK(tap(&m, &out, &e) == 0);
	CHECK(!out.adult);
	/* 19, the day before turning 20. */
	form_set(&m, "dob", tap_dob(20, 1));
	CHECK(tap(&m, &out, &e) == 0);
	CHECK(out.adult);
	/* 20 on the day: refused. */
	form_set(&m, "dob", tap_dob(20, 0));
	CHECK(tap(&m, &out, &e) == 1 && only_error_on(&e, "dob"));
	CHECK(strstr(msg(&e, "dob"), "14 to 19") != NULL);
}

static void test_tap_guardian(void)
{
	struct kvmap m;
	struct tap_nomination out;
	struct form_errors e;

	/* 17 (18th birthday the day after): no guardian is refused on every guardian field. */
	m = tap_base();
	remove_guardian(&m);
	form_set(&m, "student_email", "alex@example.com");
	form_set(&m, "dob", tap_dob(18, 1));
	CHECK(tap(&m, &out, &e) == 4);
	CHECK(form_error_for(&e, "guardian_name") != NULL);
	CHECK(form_error_for(&e, "guardian_phone") != NULL);
	CHECK(form_error_for(&e, "guardian_email") != NULL);
	CHECK_STR(form_error_for(&e, "guardian_consent"),
		  "Confirm that the parent or guardian's consent is on file");
	CHECK(!out.adult);

	/* 17 with guardian and consent: fine. */
	m = tap_base();
	form_set(&m, "dob", tap_dob(18, 1));
	CHECK(tap(&m, &out, &e) == 0);
	CHECK(!out.adult && out.guardian_consent);

	/* 17 with guardian, no consent (absent or not "yes"). */
	form_set(&m, "guardian_consent", NULL);
	CHECK(tap(&m, &out, &e) == 1 && only_error_on(&e, "guardian_consent"));
	form_set(&m, "guardian_consent", "on");
	CHECK(tap(&m, &out, &e) == 1 && only_error_on(&e, "guardian_consent"));

	/* 17 with one guardian field missing, another invalid. */
	m = tap_base();
	form_set(&m, "dob", tap_dob(18, 1));
	form_set(&m, "guardian_phone", "");
	form_set(&m, "guardian_email", "sam at example.com");
	CHECK(tap(&m, &out, &e) == 2);
	CHECK(strstr(msg(&e, "guardian_phone"), "under 18") != NULL);
	CHECK(strstr(msg(&e, "guardian_email"), "correct format") != NULL);

	/* 18 on the day, no guardian, own e-mail: fine. */
	m = tap_base();
	remove_guardian(&m);
	form_set(&m, "dob", tap_dob(18, 0));
	form_set(&m, "student_email", "alex@example.com");
	CHECK(tap(&m, &out, &e) == 0);
	CHECK(out.adult);
	CHECK(!out.guardian_consent);
	CHECK_STR(out.guardian_name, "");
	CHECK_STR(out.guardian_phone, "");
	CHECK_STR(out.guardian_email, "");

	/* 18, no guardian, no e-mail: refused on student_email. */
	form_set(&m, "student_email", "");
	CHECK(tap(&m, &out, &e) == 1 && only_error_on(&e, "student_email"));
	CHECK(strstr(msg(&e, "student_email"), "18 or older") != NULL);

	/* 18 with a guardian's e-mail: someone can be told, own e-mail optional. */
	m = tap_base();
	form_set(&m, "dob", tap_dob(18, 0));
	form_set(&m, "guardian_consent", NULL);
	CHECK(tap(&m, &out, &e) == 0);
	CHECK(out.adult && !out.guardian_consent);

	/* 18: guardian fields optional but checked when given. */
	m = tap_base();
	remove_guardian(&m);
	form_set(&m, "dob", tap_dob(18, 0));
	form_set(&m, "student_email", "alex@example.com");
	form_set(&m, "guardian_phone", "12345");
	CHECK(tap(&m, &out, &e) == 1 && only_error_on(&e, "guardian_phone"));
	/* An invalid guardian e-mail gets its own message, not a demand for the student's. */
	form_set(&m, "guardian_phone", NULL);
	form_set(&m, "student_email", NULL);
	form_set(&m, "guardian_email", "sam@");
	CHECK(tap(&m, &out, &e) == 1 && only_error_on(&e, "guardian_email"));
}

/* ---- interest ---- */

static void test_interest(void)
{
	struct interest out;
	struct form_errors e;
	static const char *const ok[] = {"email", " pat@example.com ", "name", "Pat", NULL};
	struct kvmap m = form_of(ok);
	CHECK(interest_validate(&A, LANG_EN, &m, &out, &e) == 0);
	CHECK_STR(out.email, "pat@example.com");
	CHECK_STR(out.name, "Pat");

	form_set(&m, "name", NULL);
	CHECK(interest_validate(&A, LANG_EN, &m, &out, &e) == 0);
	CHECK_STR(out.name, "");

	form_set(&m, "name", repeat("p", 61));
	CHECK(interest_validate(&A, LANG_EN, &m, &out, &e) == 1 && only_error_on(&e, "name"));
	CHECK_STR(form_error_for(&e, "name"), "Name must be 60 characters or fewer");

	m = form_of(ok);
	form_set(&m, "email", "");
	CHECK(interest_validate(&A, LANG_EN, &m, &out, &e) == 1 && only_error_on(&e, "email"));
	CHECK_STR(form_error_for(&e, "email"), "Enter your email address");
	form_set(&m, "email", "pat.example.com");
	CHECK(interest_validate(&A, LANG_EN, &m, &out, &e) == 1 && only_error_on(&e, "email"));
	CHECK_STR(form_error_for(&e, "email"),
		  "Enter your email address in the correct format, like name@example.com");
}

int main(void)
{
	arena_init(&A);
	test_date_parse();
	test_date_arith();
	test_date_age();
	test_form_errors();
	test_text_clean();
	test_email();
	test_phone();
	test_zip();
	test_parse_int();
	test_pip_valid();
	test_pip_age();
	test_pip_affiliations();
	test_pip_residence();
	test_pip_fields();
	test_tap_valid();
	test_tap_fields();
	test_tap_age();
	test_tap_guardian();
	test_interest();
	arena_free(&A);
	return TEST_DONE("validate");
}
