/* view.h: the templates of templates/, parsed once, and page rendering. */
#ifndef PORTAL_VIEW_H
#define PORTAL_VIEW_H

#include <jansson.h>

#include "http.h"
#include "validate.h"

/* Parses every *.mustache file of dir; 0, or -1 after naming the bad file. */
int view_load(const char *dir);
void view_unload(void);
/* Frees the calling thread's page buffer; each thread that rendered calls it before it ends. */
void view_thread_end(void);

/*
 * Renders template `name` with data into res->body as HTML.  Adds the keys
 * every page's layout reads (site name, contact, the signed-in user, the CSRF
 * token).  Takes ownership of data (decrefs it).
 */
void view_render(struct request *req, struct response *res, const char *name, json_t *data);

/* Renders the error page for status with a heading and a sentence, which are
 * translated into the request's language (mark them with N_). */
void view_error(struct request *req, struct response *res, int status, const char *heading,
		const char *message);

/*
 * Adds a form's state to a page's data: "f" maps each of names (a NULL-ended
 * list) to {name, value, error} with the value as typed in values (which may
 * be NULL for an empty form), and "has_errors" and "error_list" feed the
 * error_summary partial.  errs may be NULL.
 */
void view_form(json_t *data, const struct kvmap *values, const char *const names[],
	       const struct form_errors *errs);
/* view_form of an empty form (no values, no errors), kept per thread and shared
 * by reference: the caller must not change data's "f" or "error_list". */
void view_form_blank(json_t *data, const char *const names[]);

/* The shipped languages as a select's options [{code, name, selected}], each named in
 * itself, chosen (a code) selected, else English. */
json_t *view_language_choices(const char *chosen);

/* A stored phone as people read it ("310-555-0123"), as a new JSON string. */
json_t *view_phone(const char *stored);

/* The department's address, telephone and e-mail as one sentence, for e-mail bodies,
 * in language lang (i18n.h). */
const char *view_contact_text(int lang);

/* Renders any template in language lang to a malloc'd string (for e-mail bodies);
 * caller frees. */
char *view_render_string(const char *name, int lang, const json_t *data);



#endif
