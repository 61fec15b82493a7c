/* fuzz_lang.c: lang_from_header (Accept-Language) and the code of a lang cookie or
 * query value.  Properties: never a crash or a hang; the answer is a shipped
 * language or -1, the same each time, and -1 for a header over LANG_MAX_HEADER;
 * a code is only ever one of the five. */
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "i18n.h"
#include "lang.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *h = malloc(size + 1);
	if (h == NULL)
		return 0;
	memcpy(h, data, size);
	h[size] = '\0';
	int l = lang_from_header(h);
	FUZZ_CHECK(l >= -1 && l < LANG_MAX);
	FUZZ_CHECK(lang_from_header(h) == l);
	if (strlen(h) > LANG_MAX_HEADER)
		FUZZ_CHECK(l == -1);
	int code = i18n_parse(h);
	FUZZ_CHECK(code == -1 || (code < LANG_MAX && strcasecmp(h, lang_codes[code]) == 0));
	free(h);
	return 0;
}
