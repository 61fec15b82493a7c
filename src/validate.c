/* validate.c: calendar dates and the field rules of SPEC.md (text, e-mail, phone, ZIP, numbers). */
#include "validate.h"

#include <ctype.h>

#include "app.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- dates ---- */

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int date_days_in_month(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m < 1 || m > 12)
		return 0;
	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The value of n decimal digits at s, which the caller has checked are digits. */
static int digits_value(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/*
 * Only the exact form an HTML date input sends is accepted: no spaces, no
 * single-digit months, nothing after the day.  Year 0000 does not exist in
 * that format either.
 */
int date_parse(const char *s, struct date *out)
{
	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !is_digit(s[i]))
			return -1;
	struct date d = {digits_value(s, 4), digits_value(s + 5, 2), digits_value(s + 8, 2)};
	if (d.y < 1 || d.m < 1 || d.m > 12 || d.d < 1 || d.d > date_days_in_month(d.y, d.m))
		return -1;
	*out = d;
	return 0;
}

int date_cmp(struct date a, struct date b)
{
	if (a.y != b.y)
		return a.y < b.y ? -1 : 1;
	if (a.m != b.m)
		return a.m < b.m ? -1 : 1;
	if (a.d != b.d)
		return a.d < b.d ? -1 : 1;
	return 0;
}

/*
 * Comparing (month, day) pairs gives the 29 February rule for free: in a
 * common year (2, 28) comes before (2, 29), so the year completes on 1 March.
 */
int date_age_on(struct date born, struct date on)
{
	int age = on.y - born.y;
	if (on.m < born.m || (on.m == born.m && on.d < born.d))
		age--;
	return age;
}

/* Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's algorithm). */
static long days_from_civil(struct date dt)
{
	long y = dt.y - (dt.m <= 2);
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153L * (dt.m > 2 ? dt.m - 3 : dt.m + 9) + 2) / 5 + dt.d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The inverse of days_from_civil. */
static struct date civil_from_days(long z)
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	struct date d;
	d.d = (int)(doy - (153 * mp + 2) / 5 + 1);
	d.m = (int)(mp < 10 ? mp + 3 : mp - 9);
	d.y = (int)(yoe + era * 400 + (d.m <= 2));
	return d;
}

struct date date_add_days(struct date d, int days)
{
	return civil_from_days(days_from_civil(d) + days);
}

int date_weekday(struct date d)
{
	/* 1970-01-01 was a Thursday (4). */
	long w = (days_from_civil(d) + 4) % 7;
	return (int)(w < 0 ? w + 7 : w);
}

void date_format_iso(struct date d, char *buf, size_t size)
{
	snprintf(buf, size, "%04d-%02d-%02d", d.y, d.m, d.d);
}

long date_to_days(struct date d)
{
	return days_from_civil(d);
}

struct date date_from_days(long days)
{
	return civil_from_days(days);
}

/* Reads 1 to max digits at *s into *v and moves *s past them; false when none. */
static bool read_digits(const char **s, int max, int *v)
{
	int n = 0, count = 0;
	while (is_digit(**s) && count < max) {
		n = n * 10 + (**s - '0');
		(*s)++;
		count++;
	}
	*v = n;
	return count > 0 && !is_digit(**s);
}

/*
 * The American M/D/YYYY (1/14/2027, 01/14/2027) that people type where a
 * browser shows a text box; the year has all four digits, so that 1/14/27
 * cannot be read as the year 27.
 */
static int date_parse_us(const char *s, struct date *out)
{
	struct date d;
	const char *y;
	if (!read_digits(&s, 2, &d.m) || *s++ != '/' || !read_digits(&s, 2, &d.d) || *s++ != '/')
		return -1;
	y = s;
	if (!read_digits(&s, 4, &d.y) || s - y != 4 || *s != '\0')
		return -1;
	if (d.y < 1 || d.m < 1 || d.m > 12 || d.d < 1 || d.d > date_days_in_month(d.y, d.m))
		return -1;
	*out = d;
	return 0;
}

int date_parse_input(const char *s, struct date *out)
{
	if (s != NULL && strchr(s, '/') != NULL)
		return date_parse_us(s, out);
	return date_parse(s, out);
}

/* ---- form errors ---- */

const char *form_error_for(const struct form_errors *errs, const char *field)
{
	for (size_t i = 0; i < errs->n; i++)
		if (strcmp(errs->e[i].field, field) == 0)
			return errs->e[i].message;
	return NULL;
}

/* Both strings must outlive errs (literals or the request's arena). */
void form_error(struct form_errors *errs, const char *field, const char *message)
{
	if (form_error_for(errs, field) != NULL || errs->n >= FORM_MAX_ERRORS)
		return;
	errs->e[errs->n].field = field;
	errs->e[errs->n].message = message;
	errs->n++;
}

/* ---- text ---- */

/*
 * Decodes one UTF-8 sequence at s (len bytes available) into *cp and returns
 * its length, or 0 for an invalid sequence (overlong, surrogate, too large,
 * truncated).  The request parser already refuses invalid UTF-8; checking
 * again costs nothing and keeps this module safe on its own.
 */
static size_t utf8_decode(const unsigned char *s, size_t len, unsigned long *cp)
{
	unsigned char c = s[0];
	size_t n;
	unsigned long v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xC2 && c <= 0xDF) {
		n = 2, v = c & 0x1F, min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3, v = c & 0x0F, min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return n;
}

/* Whitespace trimmed from both ends: ASCII white space and the Unicode space
 * characters a paste from a word processor or web page brings along. */
static bool is_trimmed_space(unsigned long cp)
{
	switch (cp) {
	case ' ': case '\t': case '\n': case '\v': case '\f': case '\r':
	case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F:
	case 0x3000: case 0xFEFF:
		return true;
	default:
		return cp >= 0x2000 && cp <= 0x200A;
	}
}

/* Byte length of the space character starting at s, or 0 if there is none. */
static size_t space_at(const char *s, size_t len)
{
	unsigned long cp;
	size_t n = utf8_decode((const unsigned char *)s, len, &cp);
	return n > 0 && is_trimmed_space(cp) ? n : 0;
}

/* Narrows [*start, *end) of s to leave out surrounding spaces. */
static void trim_range(const char *s, size_t *start, size_t *end)
{
	size_t n;
	while (*start < *end && (n = space_at(s + *start, *end - *start)) > 0)
		*start += n;
	while (*end > *start) {
		size_t last = *end - 1;
		while (last > *start && ((unsigned char)s[last] & 0xC0) == 0x80)
			last--;
		if (space_at(s + last, *end - last) != *end - last)
			break;
		*end = last;
	}
}

static bool is_control(unsigned long cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

/*
 * The shared body of text_clean and text_clean_multiline.  The trimmed copy
 * (line breaks as "\n" when multiline) goes to *out even on error, so that a
 * caller can always show something; it lives in the arena.
 */
static int clean_text(struct arena *a, const char *in, size_t max, bool multiline,
		      const char **out)
{
	if (in == NULL)
		in = "";
	size_t start = 0, end = strlen(in);
	trim_range(in, &start, &end);
	char *copy = arena_alloc(a, end - start + 1);
	size_t len = 0, chars = 0;
	int rc = 0;
	for (size_t i = start; i < end;) {
		unsigned long cp;
		size_t n = utf8_decode((const unsigned char *)in + i, end - i, &cp);
		if (n == 0) {
			rc = -1;
			n = 1;
		} else if (multiline && cp == '\r') {
			/* CRLF and a lone CR are both one line break. */
			if (i + 1 < end && in[i + 1] == '\n')
				n = 2;
			copy[len++] = '\n';
			chars++;
			i += n;
			continue;
		} else if (is_control(cp) && !(multiline && cp == '\n')) {
			rc = -1;
		}
		memcpy(copy + len, in + i, n);
		len += n;
		chars++;
		i += n;
	}
	copy[len] = '\0';
	*out = copy;
	if (rc == 0 && chars > max)
		rc = -2;
	return rc;
}

int text_clean(struct arena *a, const char *in, size_t max, const char **out)
{
	return clean_text(a, in, max, false, out);
}

int text_clean_multiline(struct arena *a, const char *in, size_t max, const char **out)
{
	return clean_text(a, in, max, true, out);
}

/* ---- e-mail, phone, ZIP ---- */

/*
 * Not the whole of RFC 5321, which would accept addresses no one types, but
 * what SPEC.md asks plus the characters that would change the meaning of a
 * To: header (comma, angle brackets, quotes...), since these addresses are
 * handed to sendmail -t.
 */
bool email_valid(const char *s)
{
	if (s == NULL)
		return false;
	size_t len = strlen(s);
	const char *at = strchr(s, '@');
	if (len == 0 || len > LEN_EMAIL || at == NULL || at == s || strchr(at + 1, '@') != NULL)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p <= ' ' || *p == 0x7F || strchr("()<>[]:;,\\\"", *p) != NULL)
			return false;
		/* C1 controls and the no-break space are C2 80 .. C2 A0 in UTF-8. */
		if (*p == 0xC2 && p[1] >= 0x80 && p[1] <= 0xA0)
			return false;
	}
	const char *domain = at + 1;
	size_t dlen = strlen(domain);
	return dlen > 0 && domain[0] != '.' && domain[dlen - 1] != '.' &&
	       strchr(domain, '.') != NULL && strstr(domain, "..") == NULL;
}

static bool is_phone_separator(char c)
{
	return c == ' ' || c == '.' || c == '-' || c == '(' || c == ')';
}

/*
 * Collects the digits, skipping separators; a '+' may only open the number
 * and must be followed by the country code 1.  Then NANP: the area code and
 * the exchange start with 2-9.
 */
bool phone_normalise(const char *in, char out[11])
{
	char digits[12];
	size_t n = 0;
	bool plus = false;
	if (in == NULL)
		return false;
	const char *p = in;
	while (*p == ' ')
		p++;
	if (*p == '+') {
		if (p[1] != '1')
			return false;
		plus = true;
		p++;
	}
	for (; *p; p++) {
		if (is_digit(*p)) {
			if (n == 11)
				return false;
			digits[n++] = *p;
		} else if (!is_phone_separator(*p)) {
			return false;
		}
	}
	const char *d = digits;
	if (n == 11 && digits[0] == '1')
		d++, n--;
	else if (plus)
		return false;
	if (n != 10 || d[0] < '2' || d[3] < '2')
		return false;
	memcpy(out, d, 10);
	out[10] = '\0';
	return true;
}

static bool all_digits(const char *s, size_t n);

void phone_format(const char *digits, char out[13])
{
	snprintf(out, 13, "%.3s-%.3s-%.4s", digits, digits + 3, digits + 6);
}

const char *phone_display(const char *stored, char out[13])
{
	if (stored == NULL || strlen(stored) != 10 || !all_digits(stored, 10))
		return stored;
	phone_format(stored, out);
	return out;
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

bool zip_valid(const char *s)
{
	if (s == NULL)
		return false;
	size_t len = strlen(s);
	if (len == 5)
		return all_digits(s, 5);
	return len == 10 && all_digits(s, 5) && s[5] == '-' && all_digits(s + 6, 4);
}

/* Expects zip_valid(zip); only the first five digits matter. */
enum zip_kind zip_torrance(const char *zip)
{
	static const char *const core[] = {"90501", "90503", "90504", "90505", "90506",
					   "90507", "90508", "90509", "90510"};
	static const char *const border[] = {"90502", "90248", "90277", "90278"};
	for (size_t i = 0; i < sizeof(core) / sizeof(core[0]); i++)
		if (strncmp(zip, core[i], 5) == 0)
			return ZIP_TORRANCE;
	for (size_t i = 0; i < sizeof(border) / sizeof(border[0]); i++)
		if (strncmp(zip, border[i], 5) == 0)
			return ZIP_BORDER;
	return ZIP_OUTSIDE;
}

/* ---- integers ---- */

/*
 * strtol alone would accept leading spaces, a '+' and trailing junk; the
 * first character is checked by hand and the end pointer must reach the NUL.
 */
int parse_int(const char *s, long min, long max, long *out)
{
	if (s == NULL)
		return -1;
	const char *p = s[0] == '-' ? s + 1 : s;
	if (!is_digit(*p))
		return -1;
	errno = 0;
	char *end;
	long v = strtol(s, &end, 10);
	if (errno == ERANGE || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/*
 * A reference as typed, in its one written form: upper-cased, spaces, dashes
 * and dots dropped, Crockford's look-alikes mapped (O to 0, I and L to 1),
 * then the dashes put back when it has the shape of one ("p mqwk jc92" is
 * P-MQWK-JC92).  Anything else comes back without its separators: it matches
 * nothing.
 */
void reference_normalise(const char *in, char out[16])
{
	char bare[16];
	size_t j = 0;
	for (; *in && j < sizeof(bare) - 1; in++) {
		char c = (char)toupper((unsigned char)*in);
		if (c == ' ' || c == '-' || c == '.' || c == '_' || c == '\t')
			continue;
		if (j > 0 && c == 'O')
			c = '0';
		else if (j > 0 && (c == 'I' || c == 'L'))
			c = '1';
		bare[j++] = c;
	}
	bare[j] = '\0';
	if (j == 9 && (bare[0] == 'P' || bare[0] == 'T'))
		snprintf(out, 16, "%c-%.4s-%.4s", bare[0], bare + 1, bare + 5);
	else
		snprintf(out, 16, "%s", bare);
}
