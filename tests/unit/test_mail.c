/* test_mail.c: composing outbox messages: RFC 2047 subjects, wrapping at 72, the headers,
 * and the multipart/mixed message that carries a calendar. */
#include <stdbool.h>
#include <stdlib.h>

#include "app.h"
#include "config.h"
#include "mail.h"
#include "test.h"

/* Decodes base64 text of n characters into out (room for n bytes); the length, or -1. */
static long unbase64(const char *s, size_t n, unsigned char *out)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	if (n % 4 != 0)
		return -1;
	long len = 0;
	for (size_t i = 0; i < n; i += 4) {
		unsigned v = 0;
		int pad = 0;
		for (int j = 0; j < 4; j++) {
			char c = s[i + j];
			const char *p = c ? strchr(alphabet, c) : NULL;
			if (c == '=' && i + 4 == n && j >= 2) {
				pad++;
				v <<= 6;
			} else if (p && pad == 0) {
				v = v << 6 | (unsigned)(p - alphabet);
			} else {
				return -1;
			}
		}
		out[len++] = (unsigned char)(v >> 16);
		if (pad < 2)
			out[len++] = (unsigned char)(v >> 8);
		if (pad < 1)
			out[len++] = (unsigned char)v;
	}
	return len;
}

/* Well-formed UTF-8 (shortest forms, no surrogates, at most U+10FFFF). */
static bool valid_utf8(const unsigned char *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned c = p[i];
		size_t more;
		unsigned cp, min;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			more = 1, cp = c & 0x1F, min = 0x80;
		} else if ((c & 0xF0) == 0xE0) {
			more = 2, cp = c & 0x0F, min = 0x800;
		} else if ((c & 0xF8) == 0xF0) {
			more = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return false;
		}
		if (i + more >= n)
			return false;
		for (size_t k = 1; k <= more; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (p[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += more + 1;
	}
	return true;
}

/*
 * Decodes an encoded header value: words "=?UTF-8?B?...?=" separated by
 * CRLF + space (folding).  Checks that every word is at most 75 characters and
 * decodes on its own to valid UTF-8; returns the text, or NULL when malformed.
 */
static char *decode_words(struct arena *a, const char *v, int *nwords)
{
	struct buf b;
	buf_init(&b, a);
	*nwords = 0;
	const char *p = v;
	for (;;) {
		if (strncmp(p, "=?UTF-8?B?", 10) != 0)
			return NULL;
		const char *end = strstr(p + 10, "?=");
		if (end == NULL)
			return NULL;
		size_t wlen = (size_t)(end + 2 - p);
		if (wlen > 75)
			return NULL;
		unsigned char out[80];
		long n = unbase64(p + 10, (size_t)(end - (p + 10)), out);
		if (n < 0 || !valid_utf8(out, (size_t)n))
			return NULL;
		buf_add(&b, (const char *)out, (size_t)n);
		(*nwords)++;
		p = end + 2;
		if (*p == '\0')
			break;
		if (strncmp(p, "\r\n ", 3) != 0)
			return NULL;
		p += 3;
	}
	return buf_str(&b);
}

/* The longest line of text, in characters (code points). */
static size_t longest_line(const char *s)
{
	size_t best = 0, cur = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\n') {
			cur = 0;
			continue;
		}
		if ((*p & 0xC0) != 0x80)
			cur++;
		if (cur > best)
			best = cur;
	}
	return best;
}

/* The text with every \n made a space: wrapping must only turn spaces into line ends. */
static char *unwrap(struct arena *a, const char *s)
{
	char *t = arena_strdup(a, s);
	for (char *p = t; *p; p++)
		if (*p == '\n')
			*p = ' ';
	return t;
}

static void test_encode_header(struct arena *a)
{
	/* Plain ASCII is left alone. */
	CHECK_STR(mail_encode_header(a, "Registration is open for Partners In Policing Class 46"),
		  "Registration is open for Partners In Policing Class 46");
	CHECK_STR(mail_encode_header(a, ""), "");
	CHECK_STR(mail_encode_header(a, "Torrance <programs@torranceca.gov>"),
		  "Torrance <programs@torranceca.gov>");

	/* The en dash makes it one base64 word (printf ... | base64). */
	const char *subject = "Application received \xE2\x80\x93 P-1234-ABCD";
	const char *enc = mail_encode_header(a, subject);
	CHECK_STR(enc, "=?UTF-8?B?QXBwbGljYXRpb24gcmVjZWl2ZWQg4oCTIFAtMTIzNC1BQkNE?=");
	int nwords = 0;
	CHECK_STR(decode_words(a, enc, &nwords), subject);
	CHECK(nwords == 1);

	/* A control character is encoded too, so a CR LF can never start a new header. */
	enc = mail_encode_header(a, "Hello\r\nBcc: victim@example.com");
	CHECK(strncmp(enc, "=?UTF-8?B?", 10) == 0);
	CHECK(strstr(enc, "Bcc:") == NULL);
	CHECK_STR(decode_words(a, enc, &nwords), "Hello\r\nBcc: victim@example.com");

	/* Long subjects of 2-, 3- and 4-byte characters at every alignment: split
	 * into words of at most 75 characters, each valid UTF-8 on its own. */
	const char *pieces[] = {"\xC3\xA9", "\xE2\x80\x93", "\xF0\x9F\x98\x80", "a", " ",
				"\xE6\x97\xA5\xE6\x9C\xAC"};
	for (int shift = 0; shift < 6; shift++) {
		struct buf b;
		buf_init(&b, a);
		for (int i = 0; i < 3 * shift; i++)
			buf_putc(&b, 'x');
		for (int i = 0; i < 120; i++)
			buf_puts(&b, pieces[(i * 7 + shift) % 6]);
		const char *s = buf_str(&b);
		enc = mail_encode_header(a, s);
		const char *dec = decode_words(a, enc, &nwords);
		CHECK(dec != NULL);
		CHECK_STR(dec, s);
		CHECK(nwords > 1);
		/* RFC 2047: a line holding encoded words is at most 76 characters,
		 * even the first one after "Subject: ". */
		size_t first = strcspn(enc, "\r");
		CHECK(strlen("Subject: ") + first <= 76);
	}

	/* Only 4-byte characters: no word may end inside one. */
	struct buf b;
	buf_init(&b, a);
	for (int i = 0; i < 40; i++)
		buf_puts(&b, "\xF0\x9F\x91\xAE"); /* police officer */
	const char *cops = buf_str(&b);
	CHECK_STR(decode_words(a, mail_encode_header(a, cops), &nwords), cops);
	CHECK(nwords >= 3);
}

/* The text with its line breaks taken out (CJK lines join without a space). */
static char *join(struct arena *a, const char *w)
{
	struct buf b;
	buf_init(&b, a);
	for (; *w; w++)
		if (*w != '\n')
			buf_putc(&b, *w);
	return buf_str(&b);
}

/* The widest line in columns, a CJK character taking two. */
static size_t widest(const char *w)
{
	size_t most = 0, cur = 0;
	for (const unsigned char *p = (const unsigned char *)w; *p; p++) {
		if (*p == '\n') {
			cur = 0;
			continue;
		}
		if ((*p & 0xC0) == 0x80)
			continue;
		cur += *p >= 0xE3 ? 2 : 1; /* from U+3000 on (kana, kanji, hangul): wide */
		most = cur > most ? cur : most;
	}
	return most;
}

/* Japanese, Chinese and Korean wrap between characters where their rules allow:
 * never inside a character, never before 。 or 、, Korean words whole. */
static void test_wrap_cjk(struct arena *a)
{
	const char *ja = "パートナーズ・イン・ポリシング（市民警察アカデミー）第46期にお申し込みいただき、"
			 "ありがとうございます。第1回は2027年1月14日木曜日、18時00分～20時00分に"
			 "トーランス警察署で行われます。参照番号はP-7K3Q-9XMDです。";
	char *w = mail_wrap(a, ja, 72);
	CHECK(strchr(w, '\n') != NULL);
	CHECK(widest(w) <= 72);
	CHECK_STR(join(a, w), ja);
	CHECK(strstr(w, "\n。") == NULL && strstr(w, "\n、") == NULL && strstr(w, "\n）") == NULL);
	CHECK(strstr(w, "P-7K3Q-9XMD") != NULL);
	for (const char *p = w; *p; p++)
		if (*p == '\n')
			CHECK(((unsigned char)p[1] & 0xC0) != 0x80);
	const char *zh = "感謝您申請參加夥伴警政（公民警察學院）第46期。第一堂課於2027年1月14日星期四舉行，"
			 "時間為下午6:00至8:00，地點在托倫斯警察局。";
	w = mail_wrap(a, zh, 72);
	CHECK(widest(w) <= 72);
	CHECK_STR(join(a, w), zh);
	CHECK(strstr(w, "\n，") == NULL && strstr(w, "\n。") == NULL);
	const char *ko = "파트너스 인 폴리싱 시민 경찰 아카데미 제46기에 신청해 주셔서 감사합니다. 첫 번째 "
			 "수업은 2027년 1월 14일 목요일 오후 6시부터 8시까지 토런스 경찰서에서 열립니다.";
	w = mail_wrap(a, ko, 72);
	CHECK(widest(w) <= 72);
	CHECK(strchr(w, '\n') != NULL);
	/* Lines break at spaces only: each line's words are words of the text. */
	CHECK_STR(unwrap(a, w), ko);
	for (const char *p = strchr(w, '\n'); p; p = strchr(p + 1, '\n'))
		CHECK(p[-1] != ' ' && p[1] != ' ');
}

static void test_wrap(struct arena *a)
{
	/* Short lines and existing line breaks are kept as they are. */
	CHECK_STR(mail_wrap(a, "Hello Maria,", 72), "Hello Maria,");
	CHECK_STR(mail_wrap(a, "", 72), "");
	CHECK_STR(mail_wrap(a, "one\ntwo\n\nthree\n", 72), "one\ntwo\n\nthree\n");

	/* Exactly 72 characters stay on one line; 73 are cut at the last space. */
	char line72[80], line73[80];
	memset(line72, 'a', 72);
	line72[72] = '\0';
	line72[30] = ' ';
	CHECK_STR(mail_wrap(a, line72, 72), line72);
	memcpy(line73, line72, 72);
	line73[72] = 'b';
	line73[73] = '\0';
	char *w = mail_wrap(a, line73, 72);
	CHECK(w[30] == '\n');
	CHECK_STR(unwrap(a, w), line73);

	/* A paragraph wraps at spaces into lines of at most 72, nothing lost. */
	const char *para = "Thank you for applying to Partners In Policing, Class 46, which starts "
			   "Thursday 14 January 2027. Staff review every application and will "
			   "email you when it is accepted, usually within two weeks. Keep your "
			   "reference: you need it, with this email address, to check or withdraw "
			   "your application.";
	w = mail_wrap(a, para, 72);
	CHECK(longest_line(w) <= 72);
	CHECK(strchr(w, '\n') != NULL);
	CHECK_STR(unwrap(a, w), para);
	/* Each line is as full as it can be: the next word would not have fit. */
	for (const char *p = w; strchr(p, '\n');) {
		const char *nl = strchr(p, '\n');
		size_t next = strcspn(nl + 1, " \n");
		CHECK((size_t)(nl - p) + 1 + next > 72);
		p = nl + 1;
	}

	/* Paragraphs stay apart; each is wrapped on its own. */
	const char *two = "Hello Maria,\n\n"
			  "The status of your application P-1234-ABCD for Partners In Policing, "
			  "Class 46, is now: Accepted.\n\nReference: P-1234-ABCD";
	w = mail_wrap(a, two, 72);
	CHECK(longest_line(w) <= 72);
	CHECK(strncmp(w, "Hello Maria,\n\nThe status", 24) == 0);
	CHECK(strstr(w, "Accepted.\n\nReference: P-1234-ABCD") != NULL);
	CHECK_STR(unwrap(a, w), unwrap(a, two));

	/* Width is counted in characters, not bytes: 70 accented letters fit. */
	struct buf b;
	buf_init(&b, a);
	for (int i = 0; i < 10; i++)
		buf_puts(&b, i ? " \xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"
			       : "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9");
	const char *accents = buf_str(&b); /* 69 characters, 129 bytes */
	CHECK_STR(mail_wrap(a, accents, 72), accents);

	/* A link longer than a line is left whole, on a line of its own. */
	const char *url = "https://programs.torranceca.gov/account/password?token="
			  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	const char *text = arena_printf(a, "Set your password here: %s and then sign in.", url);
	w = mail_wrap(a, text, 72);
	CHECK_STR(w, arena_printf(a, "Set your password here:\n%s\nand then sign in.", url));
	CHECK_STR(mail_wrap(a, url, 72), url);
	CHECK_STR(mail_wrap(a, arena_printf(a, "%s\nnext", url), 72),
		  arena_printf(a, "%s\nnext", url));
	test_wrap_cjk(a);
}

/* The value of header name (without folding), or NULL. */
static const char *header(struct arena *a, const char *msg, const char *name)
{
	const char *end = strstr(msg, "\r\n\r\n");
	size_t n = strlen(name);
	for (const char *p = msg; p && p < end; p = strstr(p, "\r\n"), p = p ? p + 2 : NULL)
		if (strncmp(p, name, n) == 0 && p[n] == ':' && p[n + 1] == ' ') {
			const char *v = p + n + 2;
			return arena_strndup(a, v, strcspn(v, "\r"));
		}
	return NULL;
}

/* A plain message, as the outbox holds one without a calendar. */
static const char *compose(struct arena *a, long long id, const char *to, const char *subject,
                           const char *body, long long when)
{
	struct mail m = {.to = to, .subject = subject, .body = body};
	return mail_compose(a, id, &m, when);
}

static void test_compose(struct arena *a)
{
	const char *body = "Hello Maria,\n\nThank you for applying to Partners In Policing, "
			   "Class 46, which starts Thursday 14 January 2027. Staff review every "
			   "application.\n\nYour reference is P-1234-ABCD.\n";
	const char *subject = "Application received \xE2\x80\x93 P-1234-ABCD";
	const char *m = compose(a, 42, "maria@example.com", subject, body, 1700000000);

	const char *end = strstr(m, "\r\n\r\n");
	CHECK(end != NULL);
	if (end == NULL)
		return;
	CHECK_STR(header(a, m, "From"),
		  "Torrance Police Community Programs <programs@torranceca.gov>");
	CHECK_STR(header(a, m, "To"), "maria@example.com");
	CHECK_STR(header(a, m, "Subject"),
		  "=?UTF-8?B?QXBwbGljYXRpb24gcmVjZWl2ZWQg4oCTIFAtMTIzNC1BQkNE?=");
	CHECK_STR(header(a, m, "Date"), "Tue, 14 Nov 2023 14:13:20 -0800");
	CHECK_STR(header(a, m, "Message-ID"), "<outbox.42.1700000000@torranceca.gov>");
	CHECK_STR(header(a, m, "MIME-Version"), "1.0");
	CHECK_STR(header(a, m, "Content-Type"), "text/plain; charset=utf-8");
	CHECK(strncmp(m, "From: ", 6) == 0);

	/* CRLF line ends everywhere: no bare LF, no bare CR. */
	bool crlf = true;
	for (const char *p = m; *p; p++) {
		if (*p == '\n' && (p == m || p[-1] != '\r'))
			crlf = false;
		if (*p == '\r' && p[1] != '\n')
			crlf = false;
	}
	CHECK(crlf);
	/* The header lines are well-formed "Name: value" (or folded) and short. */
	bool fields_ok = true;
	for (const char *p = m; p < end + 2;) {
		const char *nl = strstr(p, "\r\n");
		const char *colon = strchr(p, ':');
		if ((size_t)(nl - p) > 78 || (*p != ' ' && (colon == NULL || colon > nl)))
			fields_ok = false;
		p = nl + 2;
	}
	CHECK(fields_ok);

	/* The body follows the blank line, wrapped, with CRLF, ending with one. */
	const char *b = end + 4;
	const char *start = "Hello Maria,\r\n\r\nThank you for applying";
	CHECK(strncmp(b, start, strlen(start)) == 0);
	CHECK(strstr(b, "\r\n\r\nYour reference is P-1234-ABCD.\r\n") != NULL);
	size_t blen = strlen(b);
	CHECK(blen >= 2 && strcmp(b + blen - 2, "\r\n") == 0);
	CHECK(blen < 4 || strcmp(b + blen - 4, "\r\n\r\n") != 0);
	size_t longest = 0, cur = 0;
	for (const char *p = b; *p; p++) {
		cur = (*p == '\r' || *p == '\n') ? 0 : cur + 1;
		if (cur > longest)
			longest = cur;
	}
	CHECK(longest <= 72);

	/* An ASCII subject is sent as it is; a body without a final newline gets one. */
	m = compose(a, 7, "x@example.org", "Registration is open", "Hi", 0);
	CHECK_STR(header(a, m, "Subject"), "Registration is open");
	CHECK_STR(header(a, m, "Date"), "Wed, 31 Dec 1969 16:00:00 -0800");
	CHECK_STR(header(a, m, "Message-ID"), "<outbox.7.0@torranceca.gov>");
	end = strstr(m, "\r\n\r\n");
	CHECK(end && strcmp(end + 4, "Hi\r\n") == 0);
	/* A message without a calendar is exactly what it always was. */
	CHECK_STR(m, "From: Torrance Police Community Programs <programs@torranceca.gov>\r\n"
	             "To: x@example.org\r\nSubject: Registration is open\r\n"
	             "Date: Wed, 31 Dec 1969 16:00:00 -0800\r\n"
	             "Message-ID: <outbox.7.0@torranceca.gov>\r\nMIME-Version: 1.0\r\n"
	             "Content-Type: text/plain; charset=utf-8\r\n"
	             "Content-Transfer-Encoding: 8bit\r\nAuto-Submitted: auto-generated\r\n"
	             "\r\nHi\r\n");
	/* An empty body stays empty: the headers' blank line ends the message. */
	const char *empty = compose(a, 7, "x@example.org", "Registration is open", "", 0);
	CHECK(strlen(empty) + 4 == strlen(m) && strncmp(empty, m, strlen(empty)) == 0);

	/* A long non-ASCII subject is folded into several words, all decoding back. */
	struct buf sb;
	buf_init(&sb, a);
	for (int i = 0; i < 8; i++)
		buf_puts(&sb, "Inscripci\xC3\xB3n recibida \xE2\x80\x93 ");
	buf_puts(&sb, "P-1234-ABCD");
	const char *longsub = buf_str(&sb);
	m = compose(a, 8, "x@example.org", longsub, "Hi\n", 0);
	const char *s = strstr(m, "\r\nSubject: ");
	CHECK(s != NULL);
	if (s) {
		s += 11;
		const char *stop = strstr(s, "\r\nDate: ");
		int nwords = 0;
		CHECK(stop != NULL);
		if (stop) {
			const char *v = arena_strndup(a, s, (size_t)(stop - s));
			CHECK_STR(decode_words(a, v, &nwords), longsub);
			CHECK(nwords > 1);
		}
	}

	/* The Message-ID takes the domain of a configured sender. */
	const char *from = app_config.mail_from;
	app_config.mail_from = "programs@example.net";
	m = compose(a, 9, "x@example.org", "Hi", "Hi", 5);
	CHECK_STR(header(a, m, "Message-ID"), "<outbox.9.5@example.net>");
	CHECK_STR(header(a, m, "From"), "programs@example.net");
	app_config.mail_from = from;
}

/* The headers of a MIME part or message (up to the blank line), unfolded. */
static char *unfolded_headers(struct arena *a, const char *part)
{
	const char *end = strstr(part, "\r\n\r\n");
	if (end == NULL)
		return NULL;
	struct buf b;
	buf_init(&b, a);
	for (const char *p = part; p < end + 2; p++) {
		if (p[0] == '\r' && p[1] == '\n' && (p[2] == ' ' || p[2] == '\t')) {
			p++; /* the fold's CRLF goes, its space stays */
			continue;
		}
		buf_putc(&b, *p);
	}
	return buf_str(&b);
}

/* The value of header name in unfolded headers h, or NULL. */
static const char *field(struct arena *a, const char *h, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = h; p && *p; p = strstr(p, "\r\n"), p = p ? p + 2 : NULL)
		if (strncmp(p, name, n) == 0 && p[n] == ':' && p[n + 1] == ' ') {
			const char *v = p + n + 2;
			return arena_strndup(a, v, strcspn(v, "\r"));
		}
	return NULL;
}

/* Counts occurrences of needle in s. */
static int occurrences(const char *s, const char *needle)
{
	int n = 0;
	for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static void test_compose_calendar(struct arena *a)
{
	/* A calendar as calendar.c writes one: CRLF lines, non-ASCII text, a folded line. */
	const char *ics =
	    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\n"
	    "SUMMARY:Partners In Policing Class 45\\, session 3: Se\xC3\xB1"
	    "ales de tr\xC3\xA1nsito\r\nLOCATION:Torrance Police Department\\, "
	    "Community Room\\, 3300 Civic Center Drive\\, Torrance\\, CA 905\r\n 03\r\n"
	    "END:VEVENT\r\nEND:VCALENDAR\r\n";
	const char *body =
	    "Hello Maria,\n\nThe status of your application P-1234-ABCD for "
	    "Partners In Policing, Class 45, is now: Accepted.\n\nThe dates are in the "
	    "attached calendar file, class-45.ics.\n";
	struct mail mail = {.to = "maria@example.com",
	                    .subject = "Your application P-1234-ABCD \xE2\x80\x93 Accepted",
	                    .body = body,
	                    .calendar = ics,
	                    .calendar_name = "class-45.ics"};
	const char *m = mail_compose(a, 5, &mail, 100);
	const char *h = unfolded_headers(a, m);
	CHECK(h != NULL);
	if (h == NULL)
		return;
	/* The same envelope as a plain message. */
	CHECK_STR(field(a, h, "To"), "maria@example.com");
	CHECK_STR(field(a, h, "Message-ID"), "<outbox.5.100@torranceca.gov>");
	CHECK_STR(field(a, h, "MIME-Version"), "1.0");
	CHECK_STR(field(a, h, "Auto-Submitted"), "auto-generated");
	const char *type = field(a, h, "Content-Type");
	CHECK(type && strncmp(type, "multipart/mixed; boundary=\"", 27) == 0);
	if (type == NULL || strncmp(type, "multipart/mixed; boundary=\"", 27) != 0)
		return;
	const char *bd = arena_strndup(a, type + 27, strcspn(type + 27, "\""));
	CHECK(strlen(bd) > 0 && strlen(bd) <= 70);
	/* The header lines stay short: the calendar's name goes on a line of its own. */
	const char *end = strstr(m, "\r\n\r\n");
	for (const char *p = m; p < end; p = strstr(p, "\r\n") + 2)
		CHECK(strstr(p, "\r\n") - p <= 78);

	/* Two parts, then the closing delimiter, which ends the message. */
	const char *open = arena_printf(a, "\r\n--%s\r\n", bd);
	const char *close = arena_printf(a, "\r\n--%s--\r\n", bd);
	CHECK(occurrences(m, open) == 2);
	CHECK(occurrences(m, close) == 1);
	size_t mlen = strlen(m), clen = strlen(close);
	CHECK(mlen > clen && strcmp(m + mlen - clen, close) == 0);
	/* The first delimiter follows the message's blank line at once. */
	CHECK(strncmp(end + 2, open, strlen(open)) == 0);

	/* The text first, wrapped with CRLF, as a plain message would carry it. */
	const char *text = end + 2 + strlen(open);
	const char *th = unfolded_headers(a, text);
	CHECK_STR(field(a, th, "Content-Type"), "text/plain; charset=utf-8");
	CHECK_STR(field(a, th, "Content-Transfer-Encoding"), "8bit");
	const char *tbody = strstr(text, "\r\n\r\n") + 4;
	const char *tend = strstr(tbody, arena_printf(a, "--%s\r\n", bd));
	CHECK(tend != NULL);
	const char *plain = compose(a, 5, "maria@example.com", mail.subject, body, 100);
	const char *pbody = strstr(plain, "\r\n\r\n") + 4;
	CHECK(tend && strlen(pbody) == (size_t)(tend - tbody) &&
	      strncmp(pbody, tbody, strlen(pbody)) == 0);

	/* Then the calendar: base64 in lines of at most 76, decoding to the file exactly. */
	const char *cal = tend + strlen(bd) + 4;
	const char *ch = unfolded_headers(a, cal);
	CHECK_STR(field(a, ch, "Content-Type"),
	          "text/calendar; charset=utf-8; method=PUBLISH; name=\"class-45.ics\"");
	CHECK_STR(field(a, ch, "Content-Transfer-Encoding"), "base64");
	CHECK_STR(field(a, ch, "Content-Disposition"), "attachment; filename=\"class-45.ics\"");
	const char *data = strstr(cal, "\r\n\r\n") + 4;
	const char *dend = strstr(data, close + 2);
	CHECK(dend != NULL);
	if (dend == NULL)
		return;
	struct buf b64;
	buf_init(&b64, a);
	bool short_lines = true;
	for (const char *p = data; p < dend;) {
		const char *nl = strstr(p, "\r\n");
		short_lines &= nl - p <= 76;
		buf_add(&b64, p, (size_t)(nl - p));
		p = nl + 2;
	}
	CHECK(short_lines);
	unsigned char *decoded = arena_alloc(a, b64.len + 1);
	long n = unbase64(b64.data ? b64.data : "", b64.len, decoded);
	CHECK(n == (long)strlen(ics) && memcmp(decoded, ics, strlen(ics)) == 0);

	/* A text that holds the boundary a message would take gets another one. */
	const char *clash = arena_printf(a, "Tricky: --%s\n", bd);
	struct mail tricky = mail;
	tricky.body = clash;
	const char *m2 = mail_compose(a, 5, &tricky, 100);
	const char *t2 = field(a, unfolded_headers(a, m2), "Content-Type");
	CHECK(t2 && strstr(t2, arena_printf(a, "boundary=\"%s\"", bd)) == NULL);
	const char *bd2 = t2 ? arena_strndup(a, t2 + 27, strcspn(t2 + 27, "\"")) : "";
	CHECK(occurrences(m2, arena_printf(a, "--%s", bd2)) == 3);

	/* A file name is kept to safe ASCII inside its quotes. */
	struct mail odd = mail;
	odd.calendar_name = "cl\"ass\xC3\xA9 45.ics";
	const char *m3 = mail_compose(a, 6, &odd, 100);
	CHECK(strstr(m3, "filename=\"cl-ass-- 45.ics\"") == NULL);
	CHECK(strstr(m3, "filename=\"cl-ass---45.ics\"") != NULL);
}

int main(void)
{
	config_defaults(&app_config);
	struct arena a;
	arena_init(&a);
	test_encode_header(&a);
	test_wrap(&a);
	test_compose(&a);
	test_compose_calendar(&a);
	arena_free(&a);
	return TEST_DONE("mail");
}
