/* fuzz_cookies.c: http_parse_cookies.  Properties: never a crash or a hang;
 * every name is non-empty and every name and value holds only cookie octets. */
#include <string.h>

#include "fuzz.h"
#include "http.h"

static int octet(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x2B) || (c >= 0x2D && c <= 0x3A) ||
	       (c >= 0x3C && c <= 0x5B) || (c >= 0x5D && c <= 0x7E);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *h = malloc(size + 1);
	if (h == NULL)
		return 0;
	memcpy(h, data, size);
	h[size] = '\0';
	struct arena a;
	arena_init(&a);
	struct kvmap m = {0};
	http_parse_cookies(&a, h, &m);
	if (strlen(h) > HTTP_MAX_QUERY)
		FUZZ_CHECK(m.n == 0);
	for (size_t i = 0; i < m.n; i++) {
		const char *k = m.items[i].key, *v = m.items[i].val;
		FUZZ_CHECK(k[0] != '\0');
		for (const char *p = k; *p; p++)
			FUZZ_CHECK(octet((unsigned char)*p) && *p != '=');
		for (const char *p = v; *p; p++)
			FUZZ_CHECK(octet((unsigned char)*p));
	}
	http_parse_cookies(&a, NULL, &m);
	arena_free(&a);
	free(h);
	return 0;
}
