/* lang.c: choosing the language of a response from the query, a cookie and the
 * browser's Accept-Language. */
#include "lang.h"

#include <stdbool.h>
#include <string.h>

#include "app.h"
#include "i18n.h"

/* Lowercases the subtag at s (n bytes) into out (size 9 or more); false when it is
 * not 1 to 8 ASCII letters and digits. */
static bool subtag(const char *s, size_t n, char *out)
{
	if (n == 0 || n > 8)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
			return false;
		out[i] = c;
	}
	out[n] = '\0';
	return true;
}

/* The language of a range's subtags (lowercase), or -1: RFC 4647 lookup, which cuts
 * subtags from the end, reduced to what matters for the five languages: the primary
 * subtag, and for Chinese the script or region. */
static int lookup(char tags[][9], size_t n)
{
	static const struct {
		const char *code;
		int lang;
	} simple[] = {{"en", LANG_EN}, {"es", LANG_ES}, {"ja", LANG_JA}, {"ko", LANG_KO}};
	for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++)
		if (strcmp(tags[0], simple[i].code) == 0) {
			if (i == 0 && n > 1 && strcmp(tags[1], "xa") == 0 && i18n_pseudo_enabled())
				return LANG_PSEUDO;
			return simple[i].lang;
		}
	if (strcmp(tags[0], "zh") != 0)
		return -1;
	for (size_t i = 1; i < n; i++) {
		if (strcmp(tags[i], "hant") == 0)
			return LANG_ZH_HANT;
		if (strcmp(tags[i], "hans") == 0)
			return -1;
		if (strcmp(tags[i], "tw") == 0 || strcmp(tags[i], "hk") == 0 ||
		    strcmp(tags[i], "mo") == 0)
			return LANG_ZH_HANT;
	}
	return -1;
}

/* The q-value at s (n bytes, after "q="), in thousandths, or -1 when malformed. */
static int qvalue(const char *s, size_t n)
{
	if (n == 0 || (s[0] != '0' && s[0] != '1'))
		return -1;
	int q = (s[0] - '0') * 1000;
	if (n == 1)
		return q;
	if (s[1] != '.' || n > 5)
		return -1;
	int scale = 100;
	for (size_t i = 2; i < n; i++, scale /= 10) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		q += (s[i] - '0') * scale;
	}
	return q > 1000 ? -1 : q;
}

static const char *skip_ows(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	return s;
}

/* One element "range;q=0.8" of s..end: its language (or -1) and q; false when malformed. */
static bool element(const char *s, const char *end, int *lang, int *q)
{
	s = skip_ows(s, end);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	const char *semi = memchr(s, ';', (size_t)(end - s));
	const char *range_end = semi ? semi : end;
	while (range_end > s && (range_end[-1] == ' ' || range_end[-1] == '\t'))
		range_end--;
	*q = 1000;
	if (semi) {
		const char *p = skip_ows(semi + 1, end);
		if (end - p < 2 || (p[0] != 'q' && p[0] != 'Q') || p[1] != '=')
			return false;
		*q = qvalue(p + 2, (size_t)(end - p - 2));
		if (*q < 0)
			return false;
	}
	*lang = -1;
	if (range_end - s == 1 && *s == '*')
		return true;
	char tags[8][9];
	size_t n = 0;
	for (const char *t = s; t < range_end;) {
		const char *dash = memchr(t, '-', (size_t)(range_end - t));
		const char *te = dash ? dash : range_end;
		if (n == 8 || !subtag(t, (size_t)(te - t), tags[n]))
			return false;
		n++;
		t = dash ? dash + 1 : range_end;
		if (dash && t == range_end)
			return false;
	}
	if (n == 0)
		return false;
	*lang = lookup(tags, n);
	return true;
}

int lang_from_header(const char *header)
{
	if (header == NULL)
		return -1;
	size_t len = strnlen(header, LANG_MAX_HEADER + 1);
	if (len > LANG_MAX_HEADER)
		return -1;
	int best = -1, best_q = 0;
	size_t ranges = 0;
	const char *p = header, *end = header + len;
	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *e = comma ? comma : end;
		int lang, q;
		if (skip_ows(p, e) < e) {
			if (++ranges > LANG_MAX_RANGES)
				break;
			/* The first of the highest q wins: later ones need a higher q. */
			if (element(p, e, &lang, &q) && lang >= 0 && q > best_q) {
				best = lang;
				best_q = q;
			}
		}
		p = comma ? comma + 1 : end;
	}
	return best;
}

bool lang_public_path(const char *path)
{
	static const char *const staff[] = {"/admin",   "/counselor", "/login",       "/logout",
	                                    "/account", "/forgot",    "/tap/nominate"};
	for (size_t i = 0; i < sizeof(staff) / sizeof(staff[0]); i++) {
		size_t n = strlen(staff[i]);
		if (strncmp(path, staff[i], n) == 0 && (path[n] == '\0' || path[n] == '/'))
			return false;
	}
	return true;
}

static bool secure_cookie(const struct request *req)
{
	return app_config.secure_cookies == 1 || (app_config.secure_cookies < 0 && req->https);
}

void lang_choose(struct request *req, struct response *res, const char *accept_language)
{
	req->lang = LANG_EN;
	if (!lang_public_path(req->path))
		return;
	int lang = -1;
	const char *asked = kv_get(&req->query, "lang");
	bool get = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
	if (asked && get && (lang = i18n_parse(asked)) >= 0) {
		char *c =
		    arena_printf(req->arena, "lang=%s; Path=/; Max-Age=31536000; SameSite=Lax%s",
		                 i18n_code(lang), secure_cookie(req) ? "; Secure" : "");
		response_header(res, "Set-Cookie", c);
	}
	const char *cookie = kv_get(&req->cookies, "lang");
	if (lang < 0 && cookie)
		lang = i18n_parse(cookie);
	if (lang < 0)
		lang = lang_from_header(accept_language);
	req->lang = lang < 0 ? LANG_EN : lang;
	response_header(res, "Content-Language", i18n_code(req->lang));
	response_header(res, "Vary", "Accept-Language, Cookie");
}
