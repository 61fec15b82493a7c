/* access_log.h: who opened or exported which personal records, and when. */
#ifndef PORTAL_ACCESS_LOG_H
#define PORTAL_ACCESS_LOG_H

#include <stdint.h>

#include "http.h"

/* What was done with personal records; the names are those stored. */
enum access_kind {
	ACCESS_VIEW,   /* an application's or nomination's page */
	ACCESS_EXPORT, /* a CSV export (rows: its records) */
	ACCESS_ROSTER, /* a printable roster (rows: the people on it) */
	ACCESS_LETTER, /* a completion letter */
	ACCESS_MAX
};

/*
 * Records that the signed-in user of req did kind to an application (id, or
 * 0) or to the list of a class or semester (cohort_id, or 0) holding rows
 * records (-1 when not a list); what names it for people ("P-MQWK-JC92",
 * "pip-class-45-applicants.csv").  Written in a write transaction of its own
 * right after the page's read, before the page is sent: a page whose opening
 * cannot be recorded is not shown (the caller answers 503).  Never form values
 * or secrets.  0 or -1.
 */
int access_log_record(struct request *req, enum access_kind kind, int64_t application_id,
		      int64_t cohort_id, int64_t rows, const char *what);

/* The 503 page for a record that could not be written. */
void access_log_failed(struct request *req, struct response *res);

#endif
