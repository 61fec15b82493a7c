/* fuzz_mustache.c: mus_compile and mus_render over json_loadb data.
 * Input: TEMPLATE \0 JSON [\0 PARTIAL]; pieces that are absent are empty.  The
 * loader gives the partial for every name but "self", which is the template
 * itself, so recursion through partials and parents is exercised too.
 * Built with small render budgets (-DMUS_MAX_STEPS, -DMUS_MAX_OUTPUT) so that
 * one run stays fast; the budgets are the renderer's own. */
#include <jansson.h>
#include <string.h>

#include "fuzz.h"
#include "mustache.h"

struct pair {
	const struct mus_tmpl *self, *partial;
};

static const struct mus_tmpl *get(void *ud, const char *name)
{
	const struct pair *p = ud;
	return strcmp(name, "self") == 0 ? p->self : p->partial;
}

/* The next piece of [*at, end) up to a NUL (or the end). */
static size_t piece(const uint8_t *data, size_t size, size_t *at)
{
	size_t start = *at, i = start;
	while (i < size && data[i] != 0)
		i++;
	*at = i < size ? i + 1 : size;
	return i - start;
}

/* English's rule, so that plural sections ({{#n@one}}) are fuzzed too. */
static bool plural(void *ud, double n, const char *cat, size_t len)
{
	(void)ud;
	const char *want = n == 1 ? "one" : "other";
	return strlen(want) == len && memcmp(want, cat, len) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t at = 0;
	size_t t0 = at, tlen = piece(data, size, &at);
	size_t j0 = at, jlen = piece(data, size, &at);
	size_t p0 = at, plen = size - at; /* the rest, NULs and all */

	char *err = NULL;
	struct mus_tmpl *t = mus_compile((const char *)data + t0, tlen, &err);
	if (t == NULL) {
		free(err); /* may be NULL: the message is optional */
		return 0;
	}
	FUZZ_CHECK(err == NULL);
	char *perr = NULL;
	struct mus_tmpl *p = plen ? mus_compile((const char *)data + p0, plen, &perr) : NULL;
	free(perr);

	json_error_t jerr;
	json_t *json = jlen ? json_loadb((const char *)data + j0, jlen, JSON_DECODE_ANY, &jerr)
			    : NULL;
	struct pair pr = {t, p};
	struct mus_loader loader = {get, &pr, plural};
	size_t len = 0;
	char *out = mus_render(t, json, &loader, &len);
	FUZZ_CHECK(out != NULL && out[len] == '\0');
	free(out);
	/* Without a loader partials render as nothing; nothing else changes. */
	out = mus_render(t, json, NULL, NULL);
	free(out);
	json_decref(json);
	mus_free(p);
	mus_free(t);
	return 0;
}
