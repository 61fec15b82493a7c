/* fuzz_query.c: the query string path of a request: the size limit, the
 * urlencoded parser into the query map (never the form map), the lookups the
 * pages make, parse_int on "page", and url_encode as the parser's inverse. */
#include <string.h>

#include "fuzz.h"
#include "http.h"
#include "validate.h"

static const char *const KEYS[] = {
	"q", "page", "status", "sort", "interest", "next", "saved", "done", "email", "ref",
	"token", "created", "registration", "sent", "moved", "promoted", "nominated",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The server reads QUERY_STRING as a C string: cut at the first NUL. */
	char *qs = malloc(size + 1);
	if (qs == NULL)
		return 0;
	memcpy(qs, data, size);
	qs[size] = '\0';
	size_t qlen = strlen(qs);
	struct arena a;
	arena_init(&a);
	struct request req = {.arena = &a};
	if (qlen <= HTTP_MAX_QUERY && http_parse_urlencoded(&a, qs, qlen, &req.query) == 0) {
		FUZZ_CHECK(req.form.n == 0 && req.cookies.n == 0);
		for (size_t k = 0; k < sizeof(KEYS) / sizeof(KEYS[0]); k++) {
			const char *v = kv_get(&req.query, KEYS[k]);
			const char *s = kv_str(&req.query, KEYS[k]);
			size_t n = kv_count(&req.query, KEYS[k]);
			FUZZ_CHECK((v == NULL) == (n == 0));
			FUZZ_CHECK(v == NULL ? s[0] == '\0' : s == v);
			if (v != NULL)
				FUZZ_CHECK(kv_has(&req.query, KEYS[k], v));
		}
		long page;
		if (parse_int(kv_str(&req.query, "page"), 1, 100000, &page) == 0)
			FUZZ_CHECK(page >= 1 && page <= 100000);
		/* url_encode then parse gives back every pair exactly. */
		struct buf b;
		buf_init(&b, &a);
		for (size_t i = 0; i < req.query.n; i++) {
			if (i)
				buf_putc(&b, '&');
			buf_puts(&b, url_encode(&a, req.query.items[i].key));
			buf_putc(&b, '=');
			buf_puts(&b, url_encode(&a, req.query.items[i].val));
		}
		struct kvmap again = {0};
		FUZZ_CHECK(http_parse_urlencoded(&a, b.data ? b.data : "", b.len, &again) == 0);
		FUZZ_CHECK(again.n == req.query.n);
		for (size_t i = 0; i < again.n; i++) {
			FUZZ_CHECK(strcmp(again.items[i].key, req.query.items[i].key) == 0);
			FUZZ_CHECK(strcmp(again.items[i].val, req.query.items[i].val) == 0);
		}
	}
	arena_free(&a);
	free(qs);
	return 0;
}
