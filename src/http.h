/* http.h: the request value a handler sees, the response it fills, and their parsers. */
#ifndef PORTAL_HTTP_H
#define PORTAL_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "kv.h"

/* A POST body larger than this is refused with 413 before it is read. */
#define HTTP_MAX_BODY (64 * 1024)
/* Query strings and cookie headers longer than this are refused with 400 / ignored. */
#define HTTP_MAX_QUERY (8 * 1024)
#define HTTP_MAX_PARAMS 4

struct app;
struct db;
struct session;

/*
 * One request, valid for the request's life; every pointer in it lives in
 * `arena`.  The query string, the form body and the cookies stay in separate
 * maps, so a field can never be smuggled from one into another.
 */
struct request {
	struct arena *arena;
	const char *method;      /* "GET", "POST", ... */
	const char *path;        /* percent-decoded, valid UTF-8, starts with '/' */
	const char *remote_addr; /* as nginx saw it */
	bool https;
	/* Headers the form check reads (NULL when absent): the Host the browser
	 * asked for, the Origin it says a POST comes from, and Sec-Fetch-Site. */
	const char *host, *origin, *fetch_site;
	struct kvmap query, form, cookies;
	const char *params[HTTP_MAX_PARAMS]; /* captures of the route pattern's '*' parts */
	size_t nparams;
	/* Filled by the server before the handler runs. */
	struct app *app;
	struct db *db;
	const struct session *session; /* NULL when signed out */
	const char *csrf;              /* the token forms must carry back */
	int lang;                      /* the language of the answer (i18n.h); English on staff pages */
};

struct response {
	int status;
	const char *content_type; /* default text/html; charset=utf-8 */
	struct kvmap headers;     /* extra headers, in order (Set-Cookie may repeat) */
	struct buf body;
	bool no_store; /* personal data: Cache-Control: no-store */
};

void response_init(struct response *res, struct arena *a);
void response_header(struct response *res, const char *name, const char *value);
/* 303 See Other to location (a path of this site). */
void response_redirect(struct response *res, const char *location);
void response_text(struct response *res, int status, const char *text);

/* The reason phrase of a status code ("Not Found"). */
const char *http_reason(int status);

/*
 * Parsers.  They never trust their input: each returns 0 on success and -1
 * when the input is malformed (bad percent-encoding, a NUL byte, invalid
 * UTF-8 after decoding), in which case the request is answered 400.
 */
int http_parse_urlencoded(struct arena *a, const char *s, size_t len, struct kvmap *out);
/* Percent-decodes a path ('+' stays '+'); -1 when malformed. */
int http_decode_path(struct arena *a, const char *s, size_t len, const char **out);
/* Cookie header: malformed pairs are skipped (browsers send what others set). */
void http_parse_cookies(struct arena *a, const char *header, struct kvmap *out);
bool utf8_valid(const char *s, size_t len);

/* HTML-escapes s into b (for the few places that write markup outside templates). */
void html_escape(struct buf *b, const char *s);
/* Percent-encodes s for a URL query value. */
char *url_encode(struct arena *a, const char *s);

#endif
