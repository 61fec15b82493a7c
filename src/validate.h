/* validate.h: field rules of SPEC.md (text, e-mail, phone, ZIP) and calendar dates. */
#ifndef PORTAL_VALIDATE_H
#define PORTAL_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"

/* A calendar date; always a real one once date_parse has accepted it. */
struct date {
	int y, m, d;
};

/* 0 and *out set when s is exactly YYYY-MM-DD and a real calendar date; -1 otherwise. */
int date_parse(const char *s, struct date *out);
int date_cmp(struct date a, struct date b);
int date_days_in_month(int y, int m);
/* Whole years completed on `on` by someone born on `born` (29 February birthdays
 * complete a year on 1 March in common years). */
int date_age_on(struct date born, struct date on);
struct date date_add_days(struct date d, int days);
/* 0 = Sunday ... 6 = Saturday. */
int date_weekday(struct date d);
/* As date_parse, and the American M/D/YYYY (1/14/2027, 01/14/2027) that people type
 * where a browser shows a text box: for dates typed in forms. */
int date_parse_input(const char *s, struct date *out);
/* "2027-01-14" into buf (at least 11 bytes). */
void date_format_iso(struct date d, char *buf, size_t size);
/* Days since 1970-01-01, and back. */
long date_to_days(struct date d);
struct date date_from_days(long days);
/* Today, the long and short formats and the time zone are clock.h's. */

/* Maximum lengths in characters (Unicode code points) per SPEC.md. */
enum {
	LEN_NAME = 60,
	LEN_DETAIL = 120,
	LEN_STREET = 120,
	LEN_CITY = 60,
	LEN_NOTE = 1000,
	LEN_OTHER = 200,
	LEN_EMAIL = 254,
};

/* Error messages for one form, each tied to the field (its name = its HTML id). */
#define FORM_MAX_ERRORS 48
struct field_error {
	const char *field;
	const char *message;
};
struct form_errors {
	struct field_error e[FORM_MAX_ERRORS];
	size_t n;
};
/* Adds an error unless the field has one already (the first message wins). */
void form_error(struct form_errors *errs, const char *field, const char *message);
/* The message for a field, or NULL. */
const char *form_error_for(const struct form_errors *errs, const char *field);

/*
 * Text rule: returns the trimmed copy of in (allocated in a) in *out; ASCII
 * white space and Unicode spaces (no-break, em...) are trimmed from both ends.
 * Result: 0 ok (possibly empty), -1 control character, -2 too long
 * (max in characters).  Input is already valid UTF-8 (the request parser
 * guarantees it).
 */
int text_clean(struct arena *a, const char *in, size_t max, const char **out);
/*
 * As text_clean, for a textarea (notes): line breaks are allowed and come back
 * as "\n" (a browser sends CRLF; a line break counts as one character, as in
 * the browser's maxlength).  Other control characters, tabs included, are -1.
 */
int text_clean_multiline(struct arena *a, const char *in, size_t max, const char **out);

bool email_valid(const char *s);
/* Normalises a US phone number to its 10 digits in out (11 bytes); false if not one. */
bool phone_normalise(const char *in, char out[11]);
/* Formats 10 digits as "310-555-0123" into out (13 bytes). */
void phone_format(const char *digits, char out[13]);
/* A stored phone for people: "310-555-0123" (in out) for 10 digits, else stored as it is. */
const char *phone_display(const char *stored, char out[13]);
bool zip_valid(const char *s);

/* Where a ZIP code lies: outside Torrance, inside, or on the border (verify). */
enum zip_kind { ZIP_OUTSIDE, ZIP_TORRANCE, ZIP_BORDER };
/* Classifies the first five digits of a valid ZIP. */
enum zip_kind zip_torrance(const char *zip);

/* Range-checked decimal integer: 0 and *out set, or -1 (empty, junk, out of range). */
int parse_int(const char *s, long min, long max, long *out);

/*
 * A reference as typed, in its one written form ("p mqwk jc92" is
 * P-MQWK-JC92); anything else comes back without its separators, matching
 * nothing.  out holds 16 bytes.
 */
void reference_normalise(const char *in, char out[16]);

#endif
