/* pages.h: the page handlers the route table names, one group per area of the site. */
#ifndef PORTAL_PAGES_H
#define PORTAL_PAGES_H

#include "http.h"

typedef void handler_fn(struct request *req, struct response *res);

/* page_public.c */
handler_fn public_home, public_program_page, public_healthz, public_styleguide;

#endif
