/* test_i18n.c: unit tests of the language of a response (lang.c), PO catalogs, plurals,
 * the pseudo-language, the expansion of marked templates and the catalogs' check (i18n.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "i18n.h"
#include "lang.h"
#include "mustache.h"
#include "test.h"

static void test_accept_language(void)
{
	CHECK(lang_from_header("es-MX") == LANG_ES);
	CHECK(lang_from_header("es-419,es;q=0.9") == LANG_ES);
	CHECK(lang_from_header("ja") == LANG_JA);
	CHECK(lang_from_header("ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7") == LANG_KO);
	CHECK(lang_from_header("en-US,en;q=0.9") == LANG_EN);
	CHECK(lang_from_header("JA-jp") == LANG_JA);
	/* Traditional characters: by script, or by Taiwan, Hong Kong and Macao. */
	CHECK(lang_from_header("zh-TW") == LANG_ZH_HANT);
	CHECK(lang_from_header("zh-Hant-TW") == LANG_ZH_HANT);
	CHECK(lang_from_header("zh-Hant") == LANG_ZH_HANT);
	CHECK(lang_from_header("zh-HK") == LANG_ZH_HANT);
	CHECK(lang_from_header("zh-MO") == LANG_ZH_HANT);
	/* Simplified Chinese is not offered: the next range answers, else nothing. */
	CHECK(lang_from_header("zh-CN") == -1);
	CHECK(lang_from_header("zh-Hans-CN,zh;q=0.9") == -1);
	CHECK(lang_from_header("zh-CN,zh;q=0.9,ko;q=0.5") == LANG_KO);
	CHECK(lang_from_header("zh-Hans-HK") == -1);
	/* q-values: the highest wins, the first of equals, q=0 never. */
	CHECK(lang_from_header("fr-CA, es;q=0.3, ko;q=0.8") == LANG_KO);
	CHECK(lang_from_header("ja;q=0.5, es;q=0.5") == LANG_JA);
	CHECK(lang_from_header("ko;q=0, es") == LANG_ES);
	CHECK(lang_from_header("ko;q=0") == -1);
	CHECK(lang_from_header("es;q=0.001, ja;q=0.002") == LANG_JA);
	CHECK(lang_from_header("ja ; q=0.7 , es ; q=0.9") == LANG_ES);
	CHECK(lang_from_header("*") == -1);
	CHECK(lang_from_header("fr, de") == -1);
	/* Junk is ignored, element by element or whole. */
	CHECK(lang_from_header(NULL) == -1);
	CHECK(lang_from_header("") == -1);
	CHECK(lang_from_header("es;q=1.5, ja;q=0.5") == LANG_JA);
	CHECK(lang_from_header("es;q=abc, ja;q=0.1") == LANG_JA);
	CHECK(lang_from_header("es;q=0.12345") == -1);
	CHECK(lang_from_header("es;level=1") == -1);
	CHECK(lang_from_header("\xc3\xa9s, ko") == LANG_KO);
	CHECK(lang_from_header("es-, ja") == LANG_JA);
	CHECK(lang_from_header("es--MX") == -1);
	CHECK(lang_from_header("averyverylongtag-es") == -1);
	CHECK(lang_from_header(",,,;;;===") == -1);
	char huge[LANG_MAX_HEADER + 10];
	memset(huge, ' ', sizeof(huge) - 1);
	memcpy(huge, "es", 2);
	huge[sizeof(huge) - 1] = '\0';
	CHECK(lang_from_header(huge) == -1);
	/* Past LANG_MAX_RANGES ranges the rest is not read. */
	char many[2048] = "";
	for (int i = 0; i < LANG_MAX_RANGES; i++)
		strcat(many, "fr;q=0.9,");
	strcat(many, "es");
	CHECK(lang_from_header(many) == -1);
	CHECK(lang_from_header("fr,fr,fr,es") == LANG_ES);
}

static void test_paths(void)
{
	CHECK(lang_public_path("/"));
	CHECK(lang_public_path("/pip/apply"));
	CHECK(lang_public_path("/status/result"));
	CHECK(lang_public_path("/administration"));
	CHECK(!lang_public_path("/admin"));
	CHECK(!lang_public_path("/admin/pages/home"));
	CHECK(!lang_public_path("/counselor/nominations/3"));
	CHECK(!lang_public_path("/login"));
	CHECK(!lang_public_path("/tap/nominate"));
	CHECK(lang_public_path("/tap"));
}

static void test_plurals(void)
{
	/* English and Spanish: one and other; Japanese, Korean, Chinese: other only. */
	CHECK(i18n_plural_is(LANG_EN, 1, "one", 3));
	CHECK(i18n_plural_is(LANG_EN, 0, "other", 5));
	CHECK(i18n_plural_is(LANG_EN, 2, "other", 5));
	CHECK(i18n_plural_is(LANG_EN, 1.5, "other", 5));
	CHECK(i18n_plural_is(LANG_ES, 1, "one", 3));
	CHECK(i18n_plural_is(LANG_ES, 12, "other", 5));
	/* CLDR's "many" of a million in Spanish takes the catalogs' last form. */
	CHECK(i18n_plural_is(LANG_ES, 1000000, "other", 5));
	for (int l = LANG_JA; l <= LANG_ZH_HANT; l++) {
		CHECK(i18n_plural_is(l, 1, "other", 5));
		CHECK(i18n_plural_is(l, 3, "other", 5));
		CHECK(!i18n_plural_is(l, 1, "one", 3));
	}
	CHECK(i18n_plural_is(LANG_PSEUDO, 1, "one", 3));
	const char *const *forms;
	CHECK(i18n_plural_forms(LANG_ES, &forms) == 2 && strcmp(forms[0], "one") == 0);
	CHECK(i18n_plural_forms(LANG_KO, &forms) == 1 && strcmp(forms[0], "other") == 0);
	/* Without a catalog, English chooses. */
	CHECK_STR(i18n_ntext(LANG_JA, "%d place", "%d places", 1), "%d place");
	CHECK_STR(i18n_ntext(LANG_EN, "%d place", "%d places", 4), "%d places");
}

static void test_formats(void)
{
	char buf[64];
	struct date d = {2027, 1, 14};
	CHECK_STR(fmt_time_range(LANG_EN, 18 * 60, 20 * 60, buf, sizeof(buf)), "6:00 to 8:00 PM");
	CHECK_STR(fmt_time_range(LANG_JA, 18 * 60, 20 * 60, buf, sizeof(buf)),
	          "18時00分～20時00分");
	CHECK_STR(fmt_date_long(LANG_KO, d, buf, sizeof(buf)), "2027년 1월 14일 목요일");
	CHECK_STR(fmt_date_long(LANG_ZH_HANT, d, buf, sizeof(buf)), "2027年1月14日 星期四");
	CHECK_STR(fmt_date_long(LANG_ES, d, buf, sizeof(buf)), "jueves, 14 de enero de 2027");
	/* en-XA writes dates as English does. */
	CHECK(i18n_format_lang(LANG_PSEUDO) == LANG_EN);
	CHECK(i18n_format_lang(LANG_KO) == LANG_KO);
}

static void test_po_parse(void)
{
	static const char po[] = "# a comment\n"
	                         "msgid \"\"\n"
	                         "msgstr \"\"\n"
	                         "\"Language: es\\n\"\n"
	                         "\n"
	                         "#. TRANSLATORS: a note\n"
	                         "#: templates/x.mustache:3\n"
	                         "msgid \"Hello \\\"{{name}}\\\"\"\n"
	                         "msgstr \"Hola \"\n"
	                         "\"\\\"{{name}}\\\"\\n\"\n"
	                         "\n"
	                         "msgctxt \"menu\"\n"
	                         "msgid \"Home\"\n"
	                         "msgstr \"Inicio\"\n"
	                         "\n"
	                         "#, fuzzy, c-format\n"
	                         "msgid \"Class %d\"\n"
	                         "msgstr \"Clase %d\"\n"
	                         "\n"
	                         "msgid \"%d place\"\n"
	                         "msgid_plural \"%d places\"\n"
	                         "msgstr[0] \"%d plaza\"\n"
	                         "msgstr[1] \"%d plazas\"\n"
	                         "\n"
	                         "#~ msgid \"Old\"\n"
	                         "#~ msgstr \"Viejo\"\n";
	struct po_file f;
	char *err = NULL;
	CHECK(po_parse(po, strlen(po), &f, &err) == 0);
	CHECK(f.n == 5);
	if (f.n == 5) {
		CHECK_STR(f.e[0].id, "");
		CHECK_STR(f.e[1].id, "Hello \"{{name}}\"");
		CHECK_STR(f.e[1].str[0], "Hola \"{{name}}\"\n");
		CHECK(f.e[1].line == 8 && !f.e[1].fuzzy);
		CHECK_STR(f.e[2].ctx, "menu");
		CHECK_STR(f.e[2].str[0], "Inicio");
		CHECK(f.e[3].fuzzy);
		CHECK_STR(f.e[4].id_plural, "%d places");
		CHECK(f.e[4].nstr == 2);
		CHECK_STR(f.e[4].str[1], "%d plazas");
	}
	po_free(&f);
	static const char *const bad[] = {
	    "msgid \"a\"\n",                           /* no msgstr */
	    "msgid \"a\nmsgstr \"\"\n",                /* unclosed */
	    "msgid \"a\" x\nmsgstr \"\"\n",            /* junk after the string */
	    "msgid \"\\q\"\nmsgstr \"\"\n",            /* unknown escape */
	    "msgid \"a\"\nmsgstr[1] \"x\"\n",          /* forms out of order */
	    "msgid \"a\"\nmsgstr[9] \"x\"\n",          /* too many forms */
	    "msgid \"a\"\nmsgid \"b\"\nmsgstr \"\"\n", /* two msgids */
	    "\"floating\"\n",
	    "msgstr \"\"\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = NULL;
		CHECK(po_parse(bad[i], strlen(bad[i]), &f, &err) == -1);
		CHECK(err != NULL);
		free(err);
	}
}

static void test_placeholders(void)
{
	CHECK(i18n_placeholders_match("Hello {{name}}", "Hola {{name}}"));
	CHECK(i18n_placeholders_match("{{a}} and {{b}}", "{{b}} y {{a}}"));
	CHECK(!i18n_placeholders_match("Hello {{name}}", "Hola {{nombre}}"));
	CHECK(!i18n_placeholders_match("Hello {{{name}}}", "Hola {{name}}"));
	CHECK(!i18n_placeholders_match("Hello {{name}}", "Hola"));
	CHECK(!i18n_placeholders_match("Hello", "Hola {{#x}}"));
	CHECK(i18n_placeholders_match("<a href=\"/s\">check</a> now",
	                              "ahora <a href=\"/s\">mira</a>"));
	CHECK(!i18n_placeholders_match("<a href=\"/s\">check</a>", "<a href=\"/t\">mira</a>"));
	CHECK(!i18n_placeholders_match("plain", "<script>x</script>"));
	CHECK(i18n_placeholders_match("%s must be %u characters", "%s debe tener %u caracteres"));
	CHECK(!i18n_placeholders_match("%s must be %u characters", "%u caracteres: %s"));
	CHECK(!i18n_placeholders_match("ZIP %.5s", "ZIP %s"));
	CHECK(i18n_placeholders_match("50% off", "50 % de descuento"));
	CHECK(i18n_placeholders_match("100%% sure", "seguro al 100%%"));
	CHECK(!i18n_placeholders_match("Class %d", "Clase %s"));
	CHECK(i18n_placeholders_match("Q&amp;A", "P y R"));
}

static void test_pseudo(void)
{
	char *p = i18n_pseudo("Hello {{name}}, %s at <a href=\"/x\">here</a>&amp;");
	CHECK(strstr(p, "{{name}}") && strstr(p, "%s") && strstr(p, "<a href=\"/x\">") &&
	      strstr(p, "</a>") && strstr(p, "&amp;"));
	CHECK(i18n_placeholders_match("Hello {{name}}, %s at <a href=\"/x\">here</a>&amp;", p));
	CHECK(strncmp(p, "Ĥééļļóó", strlen("Ĥééļļóó")) == 0);
	free(p);
	/* About 40% longer in characters, for an ordinary sentence. */
	const char *s = "Tell me when registration opens";
	p = i18n_pseudo(s);
	size_t chars = 0;
	for (const char *c = p; *c; c++)
		chars += ((unsigned char)*c & 0xC0) != 0x80;
	CHECK(chars * 10 >= strlen(s) * 13);
	for (const char *c = p; *c; c++)
		CHECK(!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')));
	free(p);
}

/* Writes text to dir/name. */
static void put_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (f == NULL) {
		fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
		exit(2);
	}
	fputs(text, f);
	fclose(f);
}

static const char head_es[] =
    "msgid \"\"\nmsgstr \"\"\n\"Plural-Forms: nplurals=2; plural=(n != 1);\\n\"\n\n";
static const char head_one[] =
    "msgid \"\"\nmsgstr \"\"\n\"Plural-Forms: nplurals=1; plural=0;\\n\"\n\n";
static const char pot[] = "msgid \"\"\nmsgstr \"\"\n\n"
                          "msgid \"Apply for {{title}}\"\nmsgstr \"\"\n\n"
                          "msgid \"{{n}} place left\"\nmsgid_plural \"{{n}} places left\"\n"
                          "msgstr[0] \"\"\nmsgstr[1] \"\"\n\n"
                          "msgid \"Enter %s\"\nmsgstr \"\"\n\n";

/* A catalog folder: Spanish complete, the others with one fault each. */
static void make_catalogs(const char *dir)
{
	char es[1024], ja[1024], ko[1024], zh[1024];
	snprintf(es, sizeof(es), "%s%s", head_es,
	         "msgid \"Apply for {{title}}\"\nmsgstr \"Solicite {{title}}\"\n\n"
	         "msgid \"{{n}} place left\"\nmsgid_plural \"{{n}} places left\"\n"
	         "msgstr[0] \"Queda {{n}} plaza\"\nmsgstr[1] \"Quedan {{n}} plazas\"\n\n"
	         "msgid \"Enter %s\"\nmsgstr \"Escriba %s\"\n");
	snprintf(ja, sizeof(ja), "%s%s", head_one,
	         "msgid \"Apply for {{title}}\"\nmsgstr \"{{title}}に申し込む\"\n\n"
	         "msgid \"{{n}} place left\"\nmsgid_plural \"{{n}} places left\"\n"
	         "msgstr[0] \"残り{{n}}席\"\n\n"); /* "Enter %s" missing */
	snprintf(
	    ko, sizeof(ko), "%s%s", head_one,
	    "msgid \"Apply for {{title}}\"\nmsgstr \"{{titulo}} 신청\"\n\n" /* bad placeholder */
	    "msgid \"{{n}} place left\"\nmsgid_plural \"{{n}} places left\"\n"
	    "msgstr[0] \"{{n}}석 남음\"\n\n"
	    "#, fuzzy\nmsgid \"Enter %s\"\nmsgstr \"%s 입력\"\n"); /* fuzzy */
	snprintf(zh, sizeof(zh), "%s%s", head_one,
	         "msgid \"Apply for {{title}}\"\nmsgstr \"\"\n\n" /* untranslated */
	         "msgid \"{{n}} place left\"\nmsgid_plural \"{{n}} places left\"\n"
	         "msgstr[0] \"剩餘{{n}}個名額\"\n\n"
	         "msgid \"Enter %s\"\nmsgstr \"請輸入%s\"\n");
	put_file(dir, "portal.pot", pot);
	put_file(dir, "es.po", es);
	put_file(dir, "ja.po", ja);
	put_file(dir, "ko.po", ko);
	put_file(dir, "zh-Hant.po", zh);
}

static char *expand(int lang, const char *src)
{
	char *err = NULL;
	char *out = i18n_expand(lang, src, strlen(src), NULL, &err);
	if (out == NULL) {
		fprintf(stderr, "expand: %s\n", err);
		free(err);
	}
	return out;
}

static bool plural_cb(void *ud, double n, const char *cat, size_t len)
{
	return i18n_plural_is(*(const int *)ud, n, cat, len);
}

/* Expands then renders src for lang with data. */
static char *render(int lang, const char *src, const char *json)
{
	char *x = expand(lang, src);
	if (x == NULL)
		return NULL;
	struct mus_tmpl *t = mus_compile(x, strlen(x), NULL);
	free(x);
	json_t *data = json_loads(json, 0, NULL);
	struct mus_loader loader = {NULL, &lang, plural_cb};
	char *out = t && data ? mus_render(t, data, &loader, NULL) : NULL;
	json_decref(data);
	mus_free(t);
	return out;
}

static void test_catalogs_and_templates(const char *dir)
{
	make_catalogs(dir);
	CHECK(i18n_load(dir, true) == 0);
	CHECK(i18n_pseudo_enabled());
	CHECK(i18n_parse("en-xa") == LANG_PSEUDO);
	CHECK(i18n_parse("zh-hant") == LANG_ZH_HANT);
	CHECK(i18n_parse("fr") == -1);
	CHECK_STR(i18n_text(LANG_ES, "Enter %s"), "Escriba %s");
	CHECK_STR(i18n_text(LANG_EN, "Enter %s"), "Enter %s");
	/* Left out: a missing, a fuzzy, a wrong-placeholder and an empty message show English. */
	CHECK_STR(i18n_text(LANG_JA, "Enter %s"), "Enter %s");
	CHECK_STR(i18n_text(LANG_KO, "Enter %s"), "Enter %s");
	CHECK_STR(i18n_text(LANG_KO, "Apply for {{title}}"), "Apply for {{title}}");
	CHECK_STR(i18n_text(LANG_ZH_HANT, "Apply for {{title}}"), "Apply for {{title}}");
	CHECK_STR(i18n_text(LANG_ZH_HANT, "Enter %s"), "請輸入%s");
	CHECK_STR(i18n_text(LANG_PSEUDO, "Enter %s"), "ÉÉñţééŕ %s");
	CHECK_STR(i18n_ntext(LANG_ES, "{{n}} place left", "{{n}} places left", 1),
	          "Queda {{n}} plaza");
	CHECK_STR(i18n_ntext(LANG_ES, "{{n}} place left", "{{n}} places left", 5),
	          "Quedan {{n}} plazas");
	CHECK_STR(i18n_ntext(LANG_JA, "{{n}} place left", "{{n}} places left", 1), "残り{{n}}席");

	/* Templates: text markers, white space made one, plurals by CLDR category. */
	const char *tpl = "<p>{{#t}}Apply\n   for {{title}}{{/t}}</p>"
	                  "{{#t n}}{{n}} place left{{|}}{{n}} places left{{/t}}";
	char *out = render(LANG_ES, tpl, "{\"title\": \"Clase 46\", \"n\": 1}");
	CHECK_STR(out, "<p>Solicite Clase 46</p>Queda 1 plaza");
	free(out);
	out = render(LANG_ES, tpl, "{\"title\": \"Clase 46\", \"n\": 7}");
	CHECK_STR(out, "<p>Solicite Clase 46</p>Quedan 7 plazas");
	free(out);
	out = render(LANG_EN, tpl, "{\"title\": \"Class 46\", \"n\": 1}");
	CHECK_STR(out, "<p>Apply for Class 46</p>1 place left");
	free(out);
	out = render(LANG_EN, tpl, "{\"title\": \"Class 46\", \"n\": 0}");
	CHECK_STR(out, "<p>Apply for Class 46</p>0 places left");
	free(out);
	out = render(LANG_JA, tpl, "{\"title\": \"第46期\", \"n\": 1}");
	CHECK_STR(out, "<p>第46期に申し込む</p>残り1席");
	free(out);
	out = render(LANG_PSEUDO, "{{#t}}Not in the catalog{{/t}}", "{}");
	CHECK_STR(out, "Ñóóţ ííñ ţĥéé çááţááļóóĝ");
	free(out);
	/* Without markers a template is the same in every language. */
	CHECK(!i18n_has_markers("{{#tap}}x{{/tap}}{{#title}}", 19));
	CHECK(i18n_has_markers("a {{#t n}}", 10));
	char *x = expand(LANG_KO, "{{#tap}}{{#t}}Apply for {{title}}{{/t}}{{/tap}}{{#t2}}");
	CHECK_STR(x, "{{#tap}}Apply for {{title}}{{/tap}}{{#t2}}");
	free(x);
	/* Malformed markers are refused with their line. */
	static const char *const bad[] = {"a\n{{#t}}open",          "{{#t}}{{#t}}x{{/t}}{{/t}}",
	                                  "{{#t n}}no split{{/t}}", "{{#t}}a{{|}}b{{/t}}",
	                                  "{{#t }}x{{|}}y{{/t}}",   "{{#t n m}}x{{|}}y{{/t}}"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *err = NULL;
		CHECK(i18n_expand(LANG_ES, bad[i], strlen(bad[i]), NULL, &err) == NULL);
		CHECK(err != NULL && strncmp(err, "line ", 5) == 0);
		free(err);
	}
	char *err = NULL;
	CHECK(i18n_expand(LANG_ES, bad[0], strlen(bad[0]), NULL, &err) == NULL);
	CHECK(err && strncmp(err, "line 2:", 7) == 0);
	free(err);

	/* The check names each fault: 12 messages looked at, 4 wrong. */
	char report[4096] = "";
	FILE *f = fmemopen(report, sizeof(report) - 1, "w");
	size_t checked = 0;
	size_t problems = f ? i18n_check(dir, f, &checked) : 99;
	if (f)
		fclose(f);
	CHECK(problems == 4);
	CHECK(checked == 12);
	CHECK(strstr(report, "ja.po:0: missing: \"Enter %s\"") != NULL);
	CHECK(strstr(report, "ko.po:13: fuzzy: \"Enter %s\"") != NULL);
	CHECK(strstr(report,
	             "ko.po:5: placeholders differ from the English: \"Apply for {{title}}\"") !=
	      NULL);
	CHECK(strstr(report, "zh-Hant.po:5: untranslated: \"Apply for {{title}}\"") != NULL);
	CHECK(strstr(report, "es.po") == NULL);
	i18n_unload();
	CHECK(!i18n_pseudo_enabled());
	CHECK(i18n_parse("en-XA") == -1);
	/* A missing catalog stops the start. */
	char path[512];
	snprintf(path, sizeof(path), "%s/ko.po", dir);
	unlink(path);
	CHECK(i18n_load(dir, false) == -1);
	i18n_unload();
}

int main(void)
{
	test_accept_language();
	test_paths();
	test_plurals();
	test_formats();
	test_po_parse();
	test_placeholders();
	test_pseudo();
	char dir[] = "/tmp/test_i18n.XXXXXX";
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	test_catalogs_and_templates(dir);
	static const char *const files[] = {"portal.pot", "es.po", "ja.po", "ko.po", "zh-Hant.po"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
	clock_release();
	return TEST_DONE("i18n");
}
