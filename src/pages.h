/* pages.h: the page handlers the route table names, one group per area of the site. */
#ifndef PORTAL_PAGES_H
#define PORTAL_PAGES_H

#include "http.h"

typedef void handler_fn(struct request *req, struct response *res);

/* page_public.c */
handler_fn public_home, public_program_page, public_healthz, public_styleguide;

/* page_pip.c */
handler_fn pip_apply_form, pip_apply, pip_interest;

/* page_status.c */
handler_fn public_confirmation, public_status_form, public_status_show, public_withdraw;

#endif
