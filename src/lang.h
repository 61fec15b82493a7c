/* lang.h: which language a response speaks (SPEC.md, "Languages"). */
#ifndef PORTAL_LANG_H
#define PORTAL_LANG_H

#include <stddef.h>

#include "http.h"

/* Accept-Language headers longer than this are ignored whole, as are ranges past
 * LANG_MAX_RANGES: no reader's browser sends either, and the parser stays bounded. */
#define LANG_MAX_HEADER 1024
#define LANG_MAX_RANGES 32

/*
 * The best language of an Accept-Language header (RFC 9110 q-values, RFC 4647
 * lookup): ranges by falling q, in order for equal q; each range is cut from the
 * end until a language matches ("es-MX" to "es").  Chinese is shown in traditional
 * characters for "zh-Hant..." and for Taiwan, Hong Kong and Macao ("zh-TW",
 * "zh-HK", "zh-MO"); "zh", "zh-CN", "zh-SG" and "zh-Hans" match nothing, so the
 * next range or English answers: simplified characters are not offered.  -1 when
 * nothing matches or the header is junk (bytes over 127, too long, malformed).
 */
int lang_from_header(const char *header);

/* Whether path is on the public side, which speaks the reader's language; staff and
 * counselor pages stay in English. */
bool lang_public_path(const char *path);

/*
 * Sets req->lang for a public page: ?lang=CODE on a GET (which also sets the lang
 * cookie for a year), else the lang cookie, else the header, else English; junk in
 * any of them is ignored.  Adds Content-Language and Vary to res.
 */
void lang_choose(struct request *req, struct response *res, const char *accept_language);

#endif
