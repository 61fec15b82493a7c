/* eligibility.c: whole-form rules of SPEC.md: PIP application, TAP nomination, interest list. */
#include "eligibility.h"

#include "clock.h"
#include "i18n.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *const affiliation_names[AFF_MAX] = {
	"resident", "work", "school", "faith", "civic", "other",
};

const char *const affiliation_labels[AFF_MAX] = {
	N_("Lives in Torrance"),
	N_("Works in Torrance"),
	N_("Attends school in Torrance"),
	N_("Belongs to a church or congregation in Torrance"),
	N_("Belongs to a Torrance-based civic organization"),
	N_("Another connection to Torrance"),
};

/*
 * Each form is a table of field_spec rows in the order the form shows them.
 * One generic pass applies the field rules of SPEC.md to every row; the
 * form's own rules (age, affiliations, guardian...) come after, and the
 * errors are finally put back in table order so that the summary at the top
 * of the page follows the page.
 */
enum kind {
	K_TEXT,
	K_EMAIL,
	K_PHONE, /* value becomes the 10 digits */
	K_ZIP,
	K_DOB,    /* YYYY-MM-DD, real, not in the future, not before 1900 */
	K_CHOICE, /* a select or radio group: "Select ..." when missing */
	K_YES,    /* a checkbox: "yes" or nothing */
	K_GROUP,  /* a checkbox group, left entirely to the form's rules */
};

enum { F_REQUIRED = 1, F_MULTILINE = 2 };

struct field_spec {
	const char *name;    /* the input's name, which is also its HTML id */
	const char *label;   /* starts a sentence: "First name must be ..." */
	const char *noun;    /* ends one: "Enter your first name" */
	unsigned short max;  /* in characters */
	unsigned char kind;  /* enum kind */
	unsigned char flags; /* F_* */
	const char *example; /* K_DOB: a date to show in messages */
};

enum need { NEED_SKIP, NEED_OPTIONAL, NEED_REQUIRED };

enum { MAX_FIELDS = 24 };

/* One form being checked; lives on the validator's stack. */
struct check {
	struct arena *a;
	const struct kvmap *form;
	struct form_errors *errs;
	const struct field_spec *spec;
	size_t n;
	enum need need[MAX_FIELDS];
	const char *val[MAX_FIELDS]; /* cleaned value; "" when empty, skipped or in error */
	int lang; /* the language of the messages (i18n.h) */
};

/* Starts a check of form against spec: every field needed as its table row says. */
static void check_init(struct check *c, struct arena *a, int lang, const struct kvmap *form,
		       struct form_errors *errs, const struct field_spec *spec, size_t n)
{
	c->a = a;
	c->lang = lang;
	c->form = form;
	c->errs = errs;
	c->spec = spec;
	c->n = n;
	errs->n = 0;
	for (size_t i = 0; i < n; i++) {
		c->need[i] = spec[i].flags & F_REQUIRED ? NEED_REQUIRED : NEED_OPTIONAL;
		c->val[i] = "";
	}
}

static void fail(struct check *c, size_t i, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Adds a formatted error (allocated in the arena) to field i unless it has one, fmt
 * translated into the check's language (the catalogs keep its conversions: i18n.c). */
static void fail(struct check *c, size_t i, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	form_error(c->errs, c->spec[i].name, arena_vprintf(c->a, _(c->lang, fmt), ap));
	va_end(ap);
}

/* A field's label ("First name") and noun ("your first name") in the check's language. */
static const char *label(const struct check *c, const struct field_spec *f)
{
	return _(c->lang, f->label);
}

static const char *noun(const struct check *c, const struct field_spec *f)
{
	return _(c->lang, f->noun);
}

static bool has_error(const struct check *c, size_t i)
{
	return form_error_for(c->errs, c->spec[i].name) != NULL;
}

static bool is_given(const struct check *c, size_t i)
{
	return c->val[i][0] != '\0';
}

/* For a rule that makes an optional field necessary: message when it is empty. */
static void require(struct check *c, size_t i, const char *message)
{
	if (!is_given(c, i) && !has_error(c, i))
		form_error(c->errs, c->spec[i].name, _(c->lang, message));
}

/* The date of a K_DOB field that passed its checks, in *d; false otherwise. */
static bool good_date(const struct check *c, size_t i, struct date *d)
{
	return is_given(c, i) && !has_error(c, i) && date_parse_input(c->val[i], d) == 0;
}

/* The message for a field left empty that must not be. */
static void fail_missing(struct check *c, size_t i)
{
	const struct field_spec *f = &c->spec[i];
	switch (f->kind) {
	case K_DOB:
		/* TRANSLATORS: %s are a field's noun ("your date of birth") and a date. */
		fail(c, i, N_("Enter %s, for example %s"), noun(c, f), f->example);
		break;
	case K_CHOICE:
		/* TRANSLATORS: %s is a field's noun, such as "the student's grade". */
		fail(c, i, N_("Select %s"), noun(c, f));
		break;
	case K_YES:
		/* TRANSLATORS: %s is what a checkbox says, "you agree to a background check". */
		fail(c, i, N_("Confirm that %s"), noun(c, f));
		break;
	default:
		/* TRANSLATORS: %s is a field's noun, such as "your first name". */
		fail(c, i, N_("Enter %s"), noun(c, f));
		break;
	}
}

/* Bounds of a date of birth; v is already trimmed and not empty. */
static void check_dob(struct check *c, size_t i, const char *v)
{
	const struct field_spec *f = &c->spec[i];
	struct date d;
	if (date_parse_input(v, &d) != 0)
		fail(c, i, N_("Enter a real date of birth, for example %s"), f->example);
	else if (date_cmp(d, date_today()) > 0)
		/* TRANSLATORS: %s is a field's label, "Date of birth". */
		fail(c, i, N_("%s must be in the past"), label(c, f));
	else if (date_cmp(d, (struct date){1900, 1, 1}) < 0)
		fail(c, i, N_("%s must be on or after January 1, 1900"), label(c, f));
}

/*
 * The format rule of one non-empty field's kind; returns the value to keep
 * (phones become their 10 digits, in the arena).
 */
static const char *check_format(struct check *c, size_t i, const char *v)
{
	const struct field_spec *f = &c->spec[i];
	char digits[11];
	switch (f->kind) {
	case K_EMAIL:
		if (!email_valid(v))
			fail(c, i, N_("Enter %s in the correct format, like name@example.com"),
			     noun(c, f));
		return v;
	case K_PHONE:
		if (!phone_normalise(v, digits)) {
			fail(c, i, N_("Enter %s as a US number with 10 digits, like 310-555-0123"),
			     noun(c, f));
			return v;
		}
		return arena_strdup(c->a, digits);
	case K_ZIP:
		if (!zip_valid(v))
			fail(c, i, N_("Enter %s in the correct format, like 90503 or 90503-1234"),
			     noun(c, f));
		return v;
	case K_DOB:
		check_dob(c, i, v);
		return v;
	default:
		return v;
	}
}

/* Applies the field rules of SPEC.md to field i; returns its cleaned value. */
static const char *check_field(struct check *c, size_t i)
{
	const struct field_spec *f = &c->spec[i];
	const char *raw = kv_str(c->form, f->name);
	if (f->kind == K_YES) {
		bool ticked = strcmp(raw, "yes") == 0;
		if (!ticked && c->need[i] == NEED_REQUIRED)
			fail_missing(c, i);
		return ticked ? "yes" : "";
	}
	const char *v;
	int rc = f->flags & F_MULTILINE ? text_clean_multiline(c->a, raw, f->max, &v)
					: text_clean(c->a, raw, f->max, &v);
	if (rc == -1) {
		fail(c, i, f->flags & F_MULTILINE
			       ? N_("Remove tabs and other control characters from %s")
			       : N_("Remove tabs, line breaks and other control characters from %s"),
		     noun(c, f));
		return "";
	}
	if (rc == -2) {
		/* TRANSLATORS: a field's label ("First name"), then a number. */
		fail(c, i, N_("%s must be %u characters or fewer"), label(c, f), (unsigned)f->max);
		return "";
	}
	if (v[0] == '\0') {
		if (c->need[i] == NEED_REQUIRED)
			fail_missing(c, i);
		return "";
	}
	v = check_format(c, i, v);
	return has_error(c, i) ? "" : v;
}

/* The generic pass over every field the form's rules have not set aside. */
static void check_fields(struct check *c)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->need[i] != NEED_SKIP && c->spec[i].kind != K_GROUP)
			c->val[i] = check_field(c, i);
}

/* Puts the errors in the order of the form's table; others keep their order at the end. */
static void sort_errors(struct check *c)
{
	struct form_errors *errs = c->errs;
	struct field_error sorted[FORM_MAX_ERRORS];
	bool taken[FORM_MAX_ERRORS] = {false};
	size_t k = 0;
	for (size_t i = 0; i < c->n; i++) {
		for (size_t j = 0; j < errs->n; j++) {
			if (!taken[j] && strcmp(errs->e[j].field, c->spec[i].name) == 0) {
				sorted[k++] = errs->e[j];
				taken[j] = true;
			}
		}
	}
	for (size_t j = 0; j < errs->n; j++)
		if (!taken[j])
			sorted[k++] = errs->e[j];
	memcpy(errs->e, sorted, k * sizeof(sorted[0]));
}

/* Copies a K_PHONE value (10 digits or "") into a struct's char[11]. */
static void copy_phone(char dst[11], const char *v)
{
	snprintf(dst, 11, "%s", v);
}

/* ---- PIP ---- */

enum { PIP_MIN_AGE = 18 };

enum pip_field {
	P_FIRST_NAME, P_LAST_NAME, P_DOB, P_EMAIL, P_PHONE, P_STREET, P_CITY, P_ZIP,
	P_AFFILIATION, P_WORK, P_SCHOOL, P_FAITH, P_CIVIC, P_OTHER,
	P_EMERGENCY_NAME, P_EMERGENCY_PHONE, P_ACCOMMODATIONS, P_REFERRAL, P_ACK,
	P_COUNT
};

static const struct field_spec pip_fields[P_COUNT] = {
	[P_FIRST_NAME] = {"first_name", N_("First name"), N_("your first name"), LEN_NAME, K_TEXT,
			  F_REQUIRED, NULL},
	[P_LAST_NAME] = {"last_name", N_("Last name"), N_("your last name"), LEN_NAME, K_TEXT, F_REQUIRED,
			 NULL},
	[P_DOB] = {"dob", N_("Date of birth"), N_("your date of birth"), LEN_OTHER, K_DOB, F_REQUIRED,
		   "5/17/1980"},
	[P_EMAIL] = {"email", N_("Email address"), N_("your email address"), LEN_EMAIL, K_EMAIL,
		     F_REQUIRED, NULL},
	[P_PHONE] = {"phone", N_("Phone number"), N_("your phone number"), LEN_OTHER, K_PHONE, F_REQUIRED,
		     NULL},
	[P_STREET] = {"street", N_("Street address"), N_("your street address"), LEN_STREET, K_TEXT,
		      F_REQUIRED, NULL},
	[P_CITY] = {"city", N_("City"), N_("your city"), LEN_CITY, K_TEXT, F_REQUIRED, NULL},
	[P_ZIP] = {"zip", N_("ZIP code"), N_("your ZIP code"), LEN_OTHER, K_ZIP, F_REQUIRED, NULL},
	[P_AFFILIATION] = {"affiliation", N_("Connection to Torrance"), "", 0, K_GROUP, 0, NULL},
	[P_WORK] = {"work_detail", N_("Employer name"), N_("the name of your employer in Torrance"),
		    LEN_DETAIL, K_TEXT, 0, NULL},
	[P_SCHOOL] = {"school_detail", N_("School name"), N_("the name of your school in Torrance"),
		      LEN_DETAIL, K_TEXT, 0, NULL},
	[P_FAITH] = {"faith_detail", N_("Church or congregation name"), N_("the name of your church or congregation in Torrance"), LEN_DETAIL, K_TEXT, 0,
		     NULL},
	[P_CIVIC] = {"civic_detail", N_("Organization name"), N_("the name of your civic organization in Torrance"), LEN_DETAIL, K_TEXT, 0,
		     NULL},
	[P_OTHER] = {"other_detail", N_("The description of your connection"), N_("how you are connected to Torrance"), LEN_DETAIL, K_TEXT, 0, NULL},
	[P_EMERGENCY_NAME] = {"emergency_name", N_("Emergency contact name"), N_("the name of your emergency contact"), LEN_NAME, K_TEXT, F_REQUIRED,
			      NULL},
	[P_EMERGENCY_PHONE] = {"emergency_phone", N_("Emergency contact phone number"), N_("your emergency contact's phone number"), LEN_OTHER, K_PHONE,
			       F_REQUIRED, NULL},
	[P_ACCOMMODATIONS] = {"accommodations", N_("Accommodations"), N_("the accommodations you need"),
			      LEN_NOTE, K_TEXT, F_MULTILINE, NULL},
	[P_REFERRAL] = {"referral", N_("How you heard about us"), N_("how you heard about us"), LEN_OTHER,
			K_TEXT, 0, NULL},
	[P_ACK] = {"ack_background", N_("Background check"), N_("you agree to a background check"), 0,
		   K_YES, F_REQUIRED, NULL},
};
_Static_assert((int)P_COUNT <= (int)MAX_FIELDS, "pip_fields larger than struct check holds");

/* The detail field of each affiliation; resident has none. */
static const enum pip_field pip_detail[AFF_MAX] = {
	[AFF_RESIDENT] = P_COUNT, [AFF_WORK] = P_WORK,   [AFF_SCHOOL] = P_SCHOOL,
	[AFF_FAITH] = P_FAITH,    [AFF_CIVIC] = P_CIVIC, [AFF_OTHER] = P_OTHER,
};

/* The boxes ticked, as bits; *unknown set when some value is none of ours. */
static unsigned read_affiliations(const struct kvmap *form, bool *unknown)
{
	unsigned bits = 0;
	*unknown = false;
	for (size_t i = 0; i < form->n; i++) {
		if (strcmp(form->items[i].key, "affiliation") != 0)
			continue;
		size_t k = 0;
		while (k < AFF_MAX && strcmp(form->items[i].val, affiliation_names[k]) != 0)
			k++;
		if (k == AFF_MAX)
			*unknown = true;
		else
			bits |= 1u << k;
	}
	return bits;
}

/* A ticked box needs its detail; an unticked box's detail is ignored, whatever it holds. */
static void pip_detail_needs(struct check *c, unsigned affs)
{
	for (int k = 0; k < AFF_MAX; k++)
		if (pip_detail[k] != P_COUNT)
			c->need[pip_detail[k]] = affs & (1u << k) ? NEED_REQUIRED : NEED_SKIP;
}

static void pip_rule_affiliations(struct check *c, unsigned affs, bool unknown)
{
	if (unknown)
		form_error(c->errs, "affiliation",
			   _(c->lang, "Select the ways you are connected to Torrance from the list"));
	else if (affs == 0)
		form_error(c->errs, "affiliation",
			   _(c->lang, "Select at least one way you are connected to Torrance"));
}

static void pip_rule_age(struct check *c, struct date first_session)
{
	struct date dob;
	if (!good_date(c, P_DOB, &dob) || date_age_on(dob, first_session) >= PIP_MIN_AGE)
		return;
	char day[64];
	fmt_date_long(i18n_format_lang(c->lang), first_session, day, sizeof(day));
	/* TRANSLATORS: %s is the date of the first session. */
	fail(c, P_DOB, N_("You must be 18 by %s, when the class starts"), day);
}

/*
 * A residence claim needs city Torrance and a Torrance or border ZIP; a
 * border ZIP is accepted but flagged for staff.  Skipped where the city or
 * ZIP already has an error of its own.
 */
static void pip_rule_residence(struct check *c, unsigned affs, bool *verify)
{
	const char *other_box = _(c->lang, "If you work, go to school, worship or volunteer in "
					   "Torrance, tick that box instead");
	*verify = false;
	if (!(affs & (1u << AFF_RESIDENT)))
		return;
	if (is_given(c, P_CITY) && strcasecmp(c->val[P_CITY], "Torrance") != 0)
		/* TRANSLATORS: %s is the sentence "If you work, go to school, ... instead". */
		fail(c, P_CITY, N_("To say you live in Torrance, enter an address in the City of "
				   "Torrance. %s"), other_box);
	if (is_given(c, P_ZIP)) {
		enum zip_kind kind = zip_torrance(c->val[P_ZIP]);
		if (kind == ZIP_OUTSIDE)
			/* TRANSLATORS: the ZIP code typed, then the sentence "If you work, ...". */
			fail(c, P_ZIP, N_("ZIP code %.5s is not in Torrance. To say you live in "
					  "Torrance, enter a Torrance address. %s"),
			     c->val[P_ZIP], other_box);
		*verify = kind == ZIP_BORDER;
	}
}

static void pip_fill(const struct check *c, unsigned affs, struct pip_application *out)
{
	out->first_name = c->val[P_FIRST_NAME];
	out->last_name = c->val[P_LAST_NAME];
	if (!good_date(c, P_DOB, &out->dob))
		out->dob = (struct date){0, 0, 0};
	out->email = c->val[P_EMAIL];
	copy_phone(out->phone, c->val[P_PHONE]);
	out->street = c->val[P_STREET];
	out->city = c->val[P_CITY];
	out->zip = c->val[P_ZIP];
	out->affiliations = affs;
	for (int k = 0; k < AFF_MAX; k++)
		out->detail[k] = pip_detail[k] == P_COUNT ? "" : c->val[pip_detail[k]];
	out->emergency_name = c->val[P_EMERGENCY_NAME];
	copy_phone(out->emergency_phone, c->val[P_EMERGENCY_PHONE]);
	out->accommodations = c->val[P_ACCOMMODATIONS];
	out->referral = c->val[P_REFERRAL];
}

/* errs is reset first; out is filled even when there are errors (failed fields are ""). */
int pip_validate(struct arena *a, int lang, const struct kvmap *form, struct date first_session,
		 struct pip_application *out, struct form_errors *errs)
{
	struct check c;
	bool unknown;
	check_init(&c, a, lang, form, errs, pip_fields, P_COUNT);
	unsigned affs = read_affiliations(form, &unknown);
	pip_detail_needs(&c, affs);
	check_fields(&c);
	pip_rule_affiliations(&c, affs, unknown);
	pip_rule_age(&c, first_session);
	memset(out, 0, sizeof(*out));
	pip_rule_residence(&c, affs, &out->verify_residence);
	pip_fill(&c, affs, out);
	sort_errors(&c);
	return (int)errs->n;
}

/* ---- TAP ---- */

enum tap_field {
	T_FIRST_NAME, T_LAST_NAME, T_STUDENT_ID, T_GRADE, T_DOB, T_STUDENT_EMAIL, T_STUDENT_PHONE,
	T_GUARDIAN_NAME, T_GUARDIAN_PHONE, T_GUARDIAN_EMAIL, T_CONSENT, T_NOTE,
	T_COUNT
};

enum { STUDENT_ID_MAX = 20, TAP_AGE_MIN = 14, TAP_AGE_MAX = 19, ADULT_AGE = 18 };

static const struct field_spec tap_fields[T_COUNT] = {
	[T_FIRST_NAME] = {"student_first_name", "Student's first name",
			  "the student's first name", LEN_NAME, K_TEXT, F_REQUIRED, NULL},
	[T_LAST_NAME] = {"student_last_name", "Student's last name", "the student's last name",
			 LEN_NAME, K_TEXT, F_REQUIRED, NULL},
	[T_STUDENT_ID] = {"student_id", "Student ID", "the student's TUSD student ID",
			  STUDENT_ID_MAX, K_TEXT, F_REQUIRED, NULL},
	[T_GRADE] = {"grade", "Grade", "the student's grade", LEN_OTHER, K_CHOICE, F_REQUIRED,
		     NULL},
	[T_DOB] = {"dob", "Date of birth", "the student's date of birth", LEN_OTHER, K_DOB,
		   F_REQUIRED, "5/17/2009"},
	[T_STUDENT_EMAIL] = {"student_email", "Student's email address",
			     "the student's email address", LEN_EMAIL, K_EMAIL, 0, NULL},
	[T_STUDENT_PHONE] = {"student_phone", "Student's phone number",
			     "the student's phone number", LEN_OTHER, K_PHONE, 0, NULL},
	[T_GUARDIAN_NAME] = {"guardian_name", "Parent or guardian's name",
			     "the parent or guardian's name", LEN_NAME, K_TEXT, 0, NULL},
	[T_GUARDIAN_PHONE] = {"guardian_phone", "Parent or guardian's phone number",
			      "the parent or guardian's phone number", LEN_OTHER, K_PHONE, 0,
			      NULL},
	[T_GUARDIAN_EMAIL] = {"guardian_email", "Parent or guardian's email address",
			      "the parent or guardian's email address", LEN_EMAIL, K_EMAIL, 0,
			      NULL},
	[T_CONSENT] = {"guardian_consent", "Consent", "the parent or guardian's consent is on file",
		       0, K_YES, 0, NULL},
	[T_NOTE] = {"counselor_note", "Your note", "your note", LEN_NOTE, K_TEXT, F_MULTILINE,
		    NULL},
};
_Static_assert((int)T_COUNT <= (int)MAX_FIELDS, "tap_fields larger than struct check holds");

static bool is_ascii_alnum(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
}

/* Letters and digits only; kept in upper case so that one student has one ID. */
static void tap_rule_student_id(struct check *c)
{
	if (!is_given(c, T_STUDENT_ID))
		return;
	char *id = arena_strdup(c->a, c->val[T_STUDENT_ID]);
	for (char *p = id; *p; p++) {
		if (!is_ascii_alnum(*p)) {
			fail(c, T_STUDENT_ID, "Student ID must only include letters and numbers");
			c->val[T_STUDENT_ID] = "";
			return;
		}
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	}
	c->val[T_STUDENT_ID] = id;
}

static void tap_rule_grade(struct check *c, int *grade)
{
	*grade = 0;
	if (!is_given(c, T_GRADE))
		return;
	if (strcmp(c->val[T_GRADE], "11") == 0 || strcmp(c->val[T_GRADE], "12") == 0)
		*grade = c->val[T_GRADE][1] == '1' ? 11 : 12;
	else
		fail(c, T_GRADE, "Select grade 11 or 12: the program is for juniors and seniors");
}

/*
 * Age on the first session must be 14 to 19; *age is then what decides who
 * must be told.  False when the date of birth has an error of its own, so
 * that no age rule is applied to a date that is not one.
 */
static bool tap_rule_age(struct check *c, struct date first_session, int *age)
{
	struct date dob;
	*age = 0;
	if (!good_date(c, T_DOB, &dob))
		return false;
	*age = date_age_on(dob, first_session);
	if (*age < TAP_AGE_MIN || *age > TAP_AGE_MAX) {
		char day[40];
		date_format_long(first_session, day, sizeof(day));
		fail(c, T_DOB, "The student must be 14 to 19 years old on %s, when the "
			       "semester starts", day);
	}
	return true;
}

/*
 * A minor needs a guardian with phone, e-mail and consent on file.  An adult
 * may have none; then the student's own e-mail is where updates go (a
 * guardian's e-mail, when given, does as well).
 */
static void tap_rule_guardian(struct check *c, int age)
{
	if (age < ADULT_AGE) {
		require(c, T_GUARDIAN_NAME,
			"Enter the parent or guardian's name: a student under 18 needs one");
		require(c, T_GUARDIAN_PHONE, "Enter the parent or guardian's phone number: a "
					     "student under 18 needs one");
		require(c, T_GUARDIAN_EMAIL, "Enter the parent or guardian's email address: a "
					     "student under 18 needs one");
		require(c, T_CONSENT, "Confirm that the parent or guardian's consent is on file");
	} else if (!is_given(c, T_GUARDIAN_EMAIL) && !has_error(c, T_GUARDIAN_EMAIL)) {
		require(c, T_STUDENT_EMAIL,
			"Enter the student's email address: a student who is 18 or older and has "
			"no parent or guardian listed gets the updates about the nomination");
	}
}

static void tap_fill(const struct check *c, int grade, struct tap_nomination *out)
{
	out->student_first_name = c->val[T_FIRST_NAME];
	out->student_last_name = c->val[T_LAST_NAME];
	out->student_id = c->val[T_STUDENT_ID];
	out->grade = grade;
	if (!good_date(c, T_DOB, &out->dob))
		out->dob = (struct date){0, 0, 0};
	out->student_email = c->val[T_STUDENT_EMAIL];
	copy_phone(out->student_phone, c->val[T_STUDENT_PHONE]);
	out->guardian_name = c->val[T_GUARDIAN_NAME];
	out->guardian_email = c->val[T_GUARDIAN_EMAIL];
	copy_phone(out->guardian_phone, c->val[T_GUARDIAN_PHONE]);
	out->guardian_consent = is_given(c, T_CONSENT);
	out->counselor_note = c->val[T_NOTE];
}

/* errs is reset first; out is filled even when there are errors (failed fields are ""). */
int tap_validate(struct arena *a, const struct kvmap *form, struct date first_session,
		 struct tap_nomination *out, struct form_errors *errs)
{
	struct check c;
	int grade;
	check_init(&c, a, LANG_EN, form, errs, tap_fields, T_COUNT);
	check_fields(&c);
	tap_rule_student_id(&c);
	tap_rule_grade(&c, &grade);
	int age;
	bool age_known = tap_rule_age(&c, first_session, &age);
	if (age_known)
		tap_rule_guardian(&c, age);
	memset(out, 0, sizeof(*out));
	tap_fill(&c, grade, out);
	out->adult = age_known && age >= ADULT_AGE;
	/* The family's language: English unless the form names another of SPEC.md's. */
	const char *language = kv_str(form, "language");
	int lang = language[0] ? lang_parse(language) : LANG_EN;
	if (lang < 0)
		form_error(errs, "language", "Choose the family's language from the list");
	out->language = lang_codes[lang < 0 ? LANG_EN : lang];
	sort_errors(&c);
	return (int)errs->n;
}

/* ---- interest list ---- */

enum interest_field { I_EMAIL, I_NAME, I_COUNT };

static const struct field_spec interest_fields[I_COUNT] = {
	[I_EMAIL] = {"email", N_("Email address"), N_("your email address"), LEN_EMAIL, K_EMAIL,
		     F_REQUIRED, NULL},
	[I_NAME] = {"name", N_("Name"), N_("your name"), LEN_NAME, K_TEXT, 0, NULL},
};

int interest_validate(struct arena *a, int lang, const struct kvmap *form, struct interest *out,
		      struct form_errors *errs)
{
	struct check c;
	check_init(&c, a, lang, form, errs, interest_fields, I_COUNT);
	check_fields(&c);
	out->email = c.val[I_EMAIL];
	out->name = c.val[I_NAME];
	return (int)errs->n;
}
