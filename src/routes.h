/* routes.h: dispatch of a request through the route table. */
#ifndef PORTAL_ROUTES_H
#define PORTAL_ROUTES_H

#include <stdbool.h>

#include "http.h"

/* Who may use a route. */
enum access {
	ANYONE,
	COUNSELOR,       /* counselors */
	STAFF,           /* staff and administrators */
	ADMIN,           /* administrators */
	COUNSELOR_STAFF, /* a counselor (for their own school) or staff */
	SIGNED_IN,       /* any signed-in user */
};

/* Finds the route, checks access and CSRF, and calls the handler (or answers 404/405/403/303). */
void routes_dispatch(struct request *req, struct response *res);

/* True when a user of role may open the page at path (a GET route; no query string). */
bool routes_page_allowed(struct arena *a, const char *path, const char *role);

#endif
