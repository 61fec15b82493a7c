/* fuzz_urlencoded.c: http_parse_urlencoded (form bodies) and http_decode_path.
 * Properties: never a crash; on success every key is non-empty, every key and
 * value is NUL-free valid UTF-8; a decoded path starts with '/'. */
#include <string.h>

#include "fuzz.h"
#include "http.h"

static void check_string(const char *s)
{
	FUZZ_CHECK(s != NULL);
	FUZZ_CHECK(utf8_valid(s, strlen(s)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a;
	arena_init(&a);
	/* The input is used without a terminator, as a body is: ASan catches any
	 * read past its end. */
	const char *s = (const char *)data;
	struct kvmap form = {0};
	if (http_parse_urlencoded(&a, s, size, &form) == 0) {
		for (size_t i = 0; i < form.n; i++) {
			check_string(form.items[i].key);
			check_string(form.items[i].val);
			FUZZ_CHECK(form.items[i].key[0] != '\0');
			/* Decoding never makes a string longer. */
			FUZZ_CHECK(strlen(form.items[i].key) + strlen(form.items[i].val) <= size);
		}
		FUZZ_CHECK(form.n <= size / 2 + 1);
	}
	/* The path is everything up to '?', as the server cuts it. */
	size_t plen = 0;
	while (plen < size && s[plen] != '?')
		plen++;
	const char *path = NULL;
	if (http_decode_path(&a, s, plen, &path) == 0) {
		check_string(path);
		FUZZ_CHECK(path[0] == '/');
		FUZZ_CHECK(strlen(path) <= plen);
	}
	arena_free(&a);
	return 0;
}
