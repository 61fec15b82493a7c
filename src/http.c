/* http.c: parsing of urlencoded bodies, paths and cookies; response building. */
#include "http.h"

#include <string.h>

void response_init(struct response *res, struct arena *a)
{
	memset(res, 0, sizeof(*res));
	res->status = 200;
	res->content_type = "text/html; charset=utf-8";
	buf_init(&res->body, a);
}

void response_header(struct response *res, const char *name, const char *value)
{
	kv_add(&res->headers, res->body.arena, name, value);
}

void response_redirect(struct response *res, const char *location)
{
	res->status = 303;
	response_header(res, "Location", location);
}

void response_text(struct response *res, int status, const char *text)
{
	res->status = status;
	res->content_type = "text/plain; charset=utf-8";
	res->body.len = 0;
	buf_puts(&res->body, text);
}

const char *http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

/* Checks UTF-8 per RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF. */
bool utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	while (p < end) {
		unsigned c = *p;
		if (c < 0x80) {
			p++;
			continue;
		}
		size_t n;
		unsigned min;
		if (c >= 0xC2 && c <= 0xDF) {
			n = 1;
			min = 0x80;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2;
			min = 0x800;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3;
			min = 0x10000;
		} else {
			return false;
		}
		if ((size_t)(end - p) <= n)
			return false;
		unsigned cp = c & (0x3F >> n);
		for (size_t i = 1; i <= n; i++) {
			if ((p[i] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		p += n + 1;
	}
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decodes len bytes of s into a new arena string.  plus_is_space applies to
 * form encoding only.  Returns -1 on a bad escape, a NUL byte (raw or
 * encoded) or invalid UTF-8 in the result.
 */
static int percent_decode(struct arena *a, const char *s, size_t len, bool plus_is_space,
			  const char **out)
{
	char *d = arena_alloc(a, len + 1);
	size_t j = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '%') {
			if (len - i < 3)
				return -1;
			int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (char)(hi * 16 + lo);
			i += 2;
		} else if (c == '+' && plus_is_space) {
			c = ' ';
		}
		if (c == '\0')
			return -1;
		d[j++] = c;
	}
	d[j] = '\0';
	if (!utf8_valid(d, j))
		return -1;
	*out = d;
	return 0;
}

int http_parse_urlencoded(struct arena *a, const char *s, size_t len, struct kvmap *out)
{
	size_t i = 0;
	while (i < len) {
		size_t start = i;
		while (i < len && s[i] != '&')
			i++;
		size_t end = i;
		i++; /* past '&' */
		if (end == start)
			continue; /* "a=1&&b=2" */
		size_t eq = start;
		while (eq < end && s[eq] != '=')
			eq++;
		const char *key, *val = "";
		if (percent_decode(a, s + start, eq - start, true, &key) < 0)
			return -1;
		if (eq < end && percent_decode(a, s + eq + 1, end - eq - 1, true, &val) < 0)
			return -1;
		if (key[0] == '\0')
			return -1;
		kv_add(out, a, key, val);
	}
	return 0;
}

int http_decode_path(struct arena *a, const char *s, size_t len, const char **out)
{
	if (len == 0 || s[0] != '/')
		return -1;
	return percent_decode(a, s, len, false, out);
}

static bool cookie_octet(unsigned char c)
{
	/* RFC 6265 cookie-octet, plus the space some clients leave in values. */
	return c == 0x21 || (c >= 0x23 && c <= 0x2B) || (c >= 0x2D && c <= 0x3A) ||
	       (c >= 0x3C && c <= 0x5B) || (c >= 0x5D && c <= 0x7E);
}

void http_parse_cookies(struct arena *a, const char *header, struct kvmap *out)
{
	if (header == NULL || strlen(header) > HTTP_MAX_QUERY)
		return;
	const char *p = header;
	while (*p) {
		while (*p == ' ' || *p == ';')
			p++;
		const char *name = p;
		while (*p && *p != '=' && *p != ';')
			p++;
		if (*p != '=') {
			continue; /* a pair without '=' is skipped */
		}
		size_t nlen = (size_t)(p - name);
		while (nlen > 0 && name[nlen - 1] == ' ')
			nlen--;
		const char *val = ++p;
		while (*p && *p != ';')
			p++;
		size_t vlen = (size_t)(p - val);
		while (vlen > 0 && val[vlen - 1] == ' ')
			vlen--;
		if (vlen >= 2 && val[0] == '"' && val[vlen - 1] == '"') {
			val++;
			vlen -= 2;
		}
		bool ok = nlen > 0;
		for (size_t i = 0; ok && i < nlen; i++)
			ok = cookie_octet((unsigned char)name[i]) && name[i] != '=';
		for (size_t i = 0; ok && i < vlen; i++)
			ok = cookie_octet((unsigned char)val[i]);
		if (ok)
			kv_add(out, a, arena_strndup(a, name, nlen), arena_strndup(a, val, vlen));
	}
}

void html_escape(struct buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': buf_puts(b, "&amp;"); break;
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		case '\'': buf_puts(b, "&#39;"); break;
		default: buf_putc(b, *s);
		}
	}
}

char *url_encode(struct arena *a, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	struct buf b;
	buf_init(&b, a);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' || *p == '~') {
			buf_putc(&b, (char)*p);
		} else {
			char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
			buf_add(&b, e, 3);
		}
	}
	return buf_str(&b);
}
