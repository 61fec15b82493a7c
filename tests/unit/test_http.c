/* test_http.c: urlencoded bodies, paths, cookies and UTF-8 checks. */
#include "http.h"
#include "test.h"

#include <stdint.h>

static struct arena a;

/* Parses s as a form body; returns the parser's result and the map in *m. */
static int form(const char *s, struct kvmap *m)
{
	*m = (struct kvmap){0};
	return http_parse_urlencoded(&a, s, strlen(s), m);
}

static void test_urlencoded(void)
{
	struct kvmap m;
	CHECK(form("a=1&b=two+words&c=%41%62", &m) == 0);
	CHECK(m.n == 3);
	CHECK_STR(kv_get(&m, "a"), "1");
	CHECK_STR(kv_get(&m, "b"), "two words");
	CHECK_STR(kv_get(&m, "c"), "Ab");
	CHECK(kv_get(&m, "d") == NULL);

	/* Repeated fields are kept, in order, for checkbox groups. */
	CHECK(form("affiliation=resident&affiliation=work&x=", &m) == 0);
	CHECK(kv_count(&m, "affiliation") == 2);
	CHECK(kv_has(&m, "affiliation", "work"));
	CHECK(m.n == 3 && strcmp(m.items[0].val, "resident") == 0);
	CHECK_STR(kv_get(&m, "x"), "");

	CHECK(form("flag", &m) == 0);
	CHECK_STR(kv_get(&m, "flag"), "");
	CHECK(form("", &m) == 0 && m.n == 0);
	CHECK(form("&&a=1&", &m) == 0 && m.n == 1);
	CHECK(form("a=%C3%A9t%C3%A9", &m) == 0);
	CHECK_STR(kv_get(&m, "a"), "\xC3\xA9t\xC3\xA9");
	CHECK(form("a=b=c", &m) == 0);
	CHECK_STR(kv_get(&m, "a"), "b=c");
}

static void test_malformed(void)
{
	struct kvmap m;
	CHECK(form("a=%ZZ", &m) == -1);
	CHECK(form("a=%FF", &m) == -1);     /* not UTF-8 */
	CHECK(form("a=%00", &m) == -1);     /* NUL */
	CHECK(form("a=%4", &m) == -1);      /* cut escape */
	CHECK(form("a=%", &m) == -1);
	CHECK(form("a=%C3", &m) == -1);     /* cut sequence */
	CHECK(form("a=%C0%AF", &m) == -1);  /* overlong */
	CHECK(form("a=%ED%A0%80", &m) == -1); /* surrogate */
	CHECK(form("a=%F4%90%80%80", &m) == -1); /* above U+10FFFF */
	CHECK(form("=value", &m) == -1);    /* no name */
	CHECK(form("%FF=1", &m) == -1);
	const char raw[] = {'a', '=', 'x', '\0', 'y'};
	m = (struct kvmap){0};
	CHECK(http_parse_urlencoded(&a, raw, sizeof(raw), &m) == -1);
	const char bad[] = {'a', '=', (char)0xFF};
	m = (struct kvmap){0};
	CHECK(http_parse_urlencoded(&a, bad, sizeof(bad), &m) == -1);
}

static void test_utf8(void)
{
	CHECK(utf8_valid("plain", 5));
	CHECK(utf8_valid("\xE2\x82\xAC", 3));
	CHECK(utf8_valid("\xF0\x9F\x98\x80", 4));
	CHECK(!utf8_valid("\xE2\x82", 2));
	CHECK(!utf8_valid("\x80", 1));
	CHECK(!utf8_valid("\xC1\xBF", 2));
	CHECK(!utf8_valid("\xE0\x80\xAF", 3));
	CHECK(!utf8_valid("\xF5\x80\x80\x80", 4));
}

static void test_path(void)
{
	const char *p;
	CHECK(http_decode_path(&a, "/pip/apply", 10, &p) == 0);
	CHECK_STR(p, "/pip/apply");
	CHECK(http_decode_path(&a, "/a%20b+c", 8, &p) == 0);
	CHECK_STR(p, "/a b+c");
	CHECK(http_decode_path(&a, "/a%00", 5, &p) == -1);
	CHECK(http_decode_path(&a, "/%zz", 4, &p) == -1);
	CHECK(http_decode_path(&a, "x", 1, &p) == -1);
	CHECK(http_decode_path(&a, "", 0, &p) == -1);
}

static void test_cookies(void)
{
	struct kvmap m = {0};
	http_parse_cookies(&a, "session=abc; csrf=def;theme=\"dark\"", &m);
	CHECK(m.n == 3);
	CHECK_STR(kv_get(&m, "session"), "abc");
	CHECK_STR(kv_get(&m, "csrf"), "def");
	CHECK_STR(kv_get(&m, "theme"), "dark");
	m = (struct kvmap){0};
	http_parse_cookies(&a, "broken; a=1; =2; b=x\"y; c=3;", &m);
	CHECK(m.n == 2);
	CHECK_STR(kv_get(&m, "a"), "1");
	CHECK_STR(kv_get(&m, "c"), "3");
	m = (struct kvmap){0};
	http_parse_cookies(&a, NULL, &m);
	http_parse_cookies(&a, "", &m);
	http_parse_cookies(&a, ";;;", &m);
	CHECK(m.n == 0);
}

static void test_escape(void)
{
	struct buf b;
	buf_init(&b, &a);
	html_escape(&b, "<a href=\"x\">&'</a>");
	CHECK_STR(buf_str(&b), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
	CHECK_STR(url_encode(&a, "/admin?x=1 2"), "%2Fadmin%3Fx%3D1%202");
}

static void test_arena(void)
{
	struct arena t;
	arena_init(&t);
	char *small = arena_alloc(&t, 10);
	char *big = arena_alloc(&t, 1 << 20);
	big[(1 << 20) - 1] = 1;
	small[9] = 1;
	CHECK(((uintptr_t)small & 15) == 0 && ((uintptr_t)big & 15) == 0);
	CHECK_STR(arena_printf(&t, "%d-%s", 7, "x"), "7-x");
	arena_reset(&t);
	CHECK(arena_alloc(&t, 1) != NULL);
	arena_free(&t);
}

int main(void)
{
	arena_init(&a);
	test_urlencoded();
	test_malformed();
	test_utf8();
	test_path();
	test_cookies();
	test_escape();
	test_arena();
	arena_free(&a);
	return TEST_DONE("http");
}
