/* test_mustache.c: runs the Mustache spec files and a few hostile templates. */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mustache.h"
#include "test.h"

/* The partials of one spec case, compiled; the loader looks names up here. */
struct partial {
	const char *name;
	struct mus_tmpl *tmpl;
};

struct partials {
	struct partial *v;
	size_t n;
};

static const struct mus_tmpl *get_partial(void *ud, const char *name)
{
	const struct partials *ps = ud;
	for (size_t i = 0; i < ps->n; i++)
		if (strcmp(ps->v[i].name, name) == 0)
			return ps->v[i].tmpl;
	return NULL;
}

/* Compiles every partial of a case; the caller frees them with free_partials. */
static bool load_partials(const json_t *obj, struct partials *ps)
{
	ps->n = 0;
	ps->v = calloc(json_object_size(obj) + 1, sizeof(*ps->v));
	if (ps->v == NULL)
		return false;
	const char *key;
	json_t *val;
	json_object_foreach((json_t *)obj, key, val) {
		char *err = NULL;
		struct mus_tmpl *t = mus_compile(json_string_value(val),
						 json_string_length(val), &err);
		if (t == NULL) {
			fprintf(stderr, "partial %s: %s\n", key, err ? err : "?");
			free(err);
			return false;
		}
		ps->v[ps->n].name = key;
		ps->v[ps->n].tmpl = t;
		ps->n++;
	}
	return true;
}

static void free_partials(struct partials *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		mus_free(ps->v[i].tmpl);
	free(ps->v);
}

/* Runs one spec case: compile, render against its partials, compare. */
static void run_case(const char *file, const json_t *c)
{
	const char *name = json_string_value(json_object_get(c, "name"));
	const json_t *tmpl = json_object_get(c, "template");
	const char *want = json_string_value(json_object_get(c, "expected"));
	struct partials ps;
	char *err = NULL, *got = NULL;

	bool ok = load_partials(json_object_get(c, "partials"), &ps);
	struct mus_tmpl *t = mus_compile(json_string_value(tmpl), json_string_length(tmpl), &err);
	if (ok && t != NULL) {
		struct mus_loader loader = {get_partial, &ps, NULL};
		got = mus_render(t, json_object_get(c, "data"), &loader, NULL);
	}
	if (got == NULL || strcmp(got, want) != 0)
		fprintf(stderr, "FAIL %s: %s%s%s\n", file, name, err ? ": " : "", err ? err : "");
	CHECK_STR(got, want);
	free(got);
	free(err);
	mus_free(t);
	free_partials(&ps);
}

static int spec_cases;

static void run_file(const char *dir, const char *file)
{
	char path[4096];
	json_error_t jerr;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	json_t *root = json_load_file(path, 0, &jerr);
	CHECK(root != NULL);
	if (root == NULL) {
		fprintf(stderr, "%s:%d: %s\n", path, jerr.line, jerr.text);
		return;
	}
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(root, "tests"), i, c) {
		run_case(file, c);
		spec_cases++;
	}
	json_decref(root);
}

static int is_json(const struct dirent *e)
{
	size_t n = strlen(e->d_name);
	return n > 5 && strcmp(e->d_name + n - 5, ".json") == 0;
}

static void run_spec(const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, is_json, alphasort);
	CHECK(n > 0);
	for (int i = 0; i < n; i++) {
		run_file(dir, names[i]->d_name);
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	fprintf(stderr, "mustache: %d spec cases run from %s\n", spec_cases, dir);
}

/* Renders src over JSON text data with no partials; the caller frees the result. */
static char *render_str(const char *src, const char *data)
{
	json_t *d = json_loads(data, JSON_DECODE_ANY, NULL);
	struct mus_tmpl *t = mus_compile(src, strlen(src), NULL);
	char *out = t ? mus_render(t, d, NULL, NULL) : NULL;
	mus_free(t);
	json_decref(d);
	return out;
}

static void check_render(const char *src, const char *data, const char *want)
{
	char *got = render_str(src, data);
	CHECK_STR(got, want);
	free(got);
}

/* Expects src to fail to compile with a message naming line. */
static void check_error(const char *src, size_t len, unsigned line)
{
	char *err = NULL, want[32];
	struct mus_tmpl *t = mus_compile(src, len, &err);
	CHECK(t == NULL);
	CHECK(err != NULL);
	snprintf(want, sizeof(want), "line %u:", line);
	if (err != NULL && strncmp(err, want, strlen(want)) != 0)
		fprintf(stderr, "error for [%.*s] is [%s], want %s\n", (int)len, src, err, want);
	CHECK(err != NULL && strncmp(err, want, strlen(want)) == 0);
	free(err);
	mus_free(t);
}

static void test_escaping(void)
{
	check_render("{{x}}|{{{x}}}|{{&x}}", "{\"x\": \"<a href='u'>&\\\"</a>\"}",
		     "&lt;a href=&#39;u&#39;&gt;&amp;&quot;&lt;/a&gt;|<a href='u'>&\"</a>|"
		     "<a href='u'>&\"</a>");
	check_render("{{a}} {{b}} {{c}} {{d}} {{e}}", "{\"a\": 1.210, \"b\": 2.0, \"c\": 0.1, "
		     "\"d\": -7, \"e\": 1e300}", "1.21 2 0.1 -7 1e+300");
	check_render("{{^a}}x{{/a}}{{^b}}y{{/b}}", "{\"a\": \"\", \"b\": 0}", "x");
}

static void test_errors(void)
{
	const char *unclosed = "a\n{{#a}}\nb";
	check_error(unclosed, strlen(unclosed), 2);
	const char *mismatch = "{{#a}}\n{{#b}}\n{{/a}}\n{{/b}}";
	check_error(mismatch, strlen(mismatch), 3);
	check_error("x\n\n{{/a}}", 9, 3);
	check_error("a {{b", 5, 1);
	check_error("\n{{{b}}", 7, 2);
	check_error("{{=a}}", 6, 1);
	check_error("{{= a b c =}}", 13, 1);
	check_error("{{}}", 4, 1);
	check_error("{{a b}}", 7, 1);
	check_error("{{#a}}{{/a}}{{", 14, 1);
	check_error("{{", 2, 1);
	check_error("{{{", 3, 1);
	check_error("{{=", 3, 1);
	check_error("{{<p}}{{$b}}{{/p}}", 18, 1);
	check_error("x\0{{#a\0b}}", 10, 1);
	/* A NULL err is allowed. */
	CHECK(mus_compile("{{#a}}", 6, NULL) == NULL);
	struct mus_tmpl *empty = mus_compile(NULL, 0, NULL);
	CHECK(empty != NULL);
	char *out = mus_render(empty, NULL, NULL, NULL);
	CHECK_STR(out, "");
	free(out);
	mus_free(empty);
}

/* The loader for recursion tests: every name is the same template. */
static const struct mus_tmpl *get_self(void *ud, const char *name)
{
	(void)name;
	return ud;
}

static void render_self(const char *src, size_t max_len)
{
	struct mus_tmpl *t = mus_compile(src, strlen(src), NULL);
	CHECK(t != NULL);
	if (t == NULL)
		return;
	struct mus_loader loader = {get_self, t, NULL};
	size_t len;
	char *out = mus_render(t, NULL, &loader, &len);
	CHECK(out != NULL && len <= max_len && strlen(out) == len);
	free(out);
	mus_free(t);
}

static void test_recursion(void)
{
	render_self("x{{>self}}", 65);
	render_self("{{<self}}{{$a}}y{{/a}}{{/self}}{{$a}}{{<self}}{{/self}}{{/a}}", 4096);
	render_self("{{<p}}{{$a}}{{$a}}{{/a}}{{/a}}{{/p}}{{$a}}{{/a}}", 1000);
	/* Exponential work: the step budget must stop it. */
	render_self("{{>a}}{{>a}}{{>a}}", (size_t)64 << 20);
}

/* Builds depth nested sections; compiles only up to the nesting limit. */
static void test_nesting(void)
{
	for (int depth = 99; depth <= 101; depth++) {
		size_t cap = (size_t)depth * 14 + 1, len = 0;
		char *s = malloc(cap);
		for (int i = 0; i < depth; i++)
			len += (size_t)snprintf(s + len, cap - len, "{{#a}}");
		for (int i = 0; i < depth; i++)
			len += (size_t)snprintf(s + len, cap - len, "{{/a}}");
		char *err = NULL;
		struct mus_tmpl *t = mus_compile(s, len, &err);
		CHECK((t != NULL) == (depth <= 100));
		CHECK((err != NULL) == (depth > 100));
		if (t != NULL) {
			json_t *d = json_loads("{\"a\": true}", 0, NULL);
			char *out = mus_render(t, d, NULL, NULL);
			CHECK_STR(out, "");
			free(out);
			json_decref(d);
		}
		mus_free(t);
		free(err);
		free(s);
	}
}

/* Compiles and renders random templates from Mustache-heavy bytes: must never crash. */
static void test_random(void)
{
	static const char alphabet[] = "{{}}#^/><$!=&.a b\n\r\t|x";
	json_t *d = json_loads("{\"a\": [{\"a\": \"x\"}, true], \"x\": \"<\", \"b\": {\"a\": 1}}",
			       0, NULL);
	unsigned long seed = 12345;
	char src[64];
	int compiled = 0;
	for (int i = 0; i < 50000; i++) {
		size_t len = (size_t)(i % (int)sizeof(src));
		for (size_t j = 0; j < len; j++) {
			seed = seed * 6364136223846793005UL + 1442695040888963407UL;
			src[j] = alphabet[(seed >> 33) % (sizeof(alphabet) - 1)];
		}
		char *err = NULL;
		struct mus_tmpl *t = mus_compile(src, len, &err);
		if (t != NULL) {
			/* Self-inclusion often hits the step budget, which is slow
			 * under sanitizers, so only some runs get a loader. */
			struct mus_loader loader = {get_self, t, NULL};
			free(mus_render(t, d, i % 16 ? NULL : &loader, NULL));
			compiled++;
		} else if (err == NULL) {
			CHECK(err != NULL);
		}
		free(err);
		mus_free(t);
	}
	CHECK(compiled > 0);
	json_decref(d);
}

int main(int argc, char **argv)
{
	run_spec(argc > 1 ? argv[1] : "tests/mustache-spec");
	test_escaping();
	test_errors();
	test_recursion();
	test_nesting();
	test_random();
	return TEST_DONE("mustache");
}
