/* mail.c: the outbox: queueing, composing (RFC 5322, RFC 2047) and delivery through sendmail. */
#include "mail.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/ustring.h>

#include "app.h"
#include "clock.h"

extern char **environ;

/* Messages claimed at once by one sender, and how long a claim holds. */
enum { BATCH = MAIL_BATCH, CLAIM_SECONDS = 300, MAX_DELAY = 6 * 3600 };

int mail_queue_mail(struct db *db, const struct mail *m)
{
	/* The unique index on dedup_key makes a repeated key a no-op, not an error. */
	sqlite3_stmt *st = db_stmt(db, "INSERT INTO outbox (created_at, recipient, subject, body,"
				       " next_attempt_at, dedup_key, calendar, calendar_name,"
				       " secret, application_id)"
				       " VALUES (?1, ?2, ?3, ?4, ?1, ?5, ?6, ?7, ?8, ?9)"
				       " ON CONFLICT DO NOTHING");
	long long now = app_now();
	db_bind_int(st, 1, now);
	db_bind_text(st, 2, m->to);
	db_bind_text(st, 3, m->subject);
	db_bind_text(st, 4, m->body);
	if (m->key)
		db_bind_text(st, 5, m->key);
	if (m->calendar) {
		db_bind_text(st, 6, m->calendar);
		db_bind_text(st, 7, m->calendar_name ? m->calendar_name : "calendar.ics");
	}
	if (m->secret)
		db_bind_text(st, 8, m->secret);
	if (m->application_id > 0)
		db_bind_int(st, 9, m->application_id);
	if (db_exec_stmt(db, st) < 0)
		return -1;
	if (sqlite3_changes(db_conn(db)) == 0)
		return 0;
	/* The log names the message, not the person: no address, no body. */
	fprintf(stderr, "portal: mail queued: outbox %lld\n",
		(long long)sqlite3_last_insert_rowid(db_conn(db)));
	return 1;
}

int mail_queue(struct db *db, const char *to, const char *subject, const char *body)
{
	struct mail m = {.to = to, .subject = subject, .body = body};
	return mail_queue_mail(db, &m) < 0 ? -1 : 0;
}

static void base64(struct buf *b, const unsigned char *p, size_t n)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		char out[4] = {alphabet[(v >> 18) & 63], alphabet[(v >> 12) & 63],
			       i + 1 < n ? alphabet[(v >> 6) & 63] : '=',
			       i + 2 < n ? alphabet[v & 63] : '='};
		buf_add(b, out, 4);
	}
}

char *mail_encode_header(struct arena *a, const char *value)
{
	bool ascii = true;
	for (const unsigned char *p = (const unsigned char *)value; *p; p++)
		ascii &= *p >= 0x20 && *p < 0x7F;
	if (ascii)
		return arena_strdup(a, value);
	/* Encoded words of at most 39 bytes of text (52 of base64, 64 in all),
	 * cut between characters, never inside one: RFC 2047 limits a line
	 * holding encoded words to 76 characters, "Subject: " included. */
	struct buf b;
	buf_init(&b, a);
	const char *p = value;
	while (*p) {
		size_t n = 0, len = strlen(p);
		while (n < len) {
			size_t step = 1;
			while (n + step < len && ((unsigned char)p[n + step] & 0xC0) == 0x80)
				step++;
			if (n + step > 39)
				break;
			n += step;
		}
		if (b.len)
			buf_puts(&b, "\r\n ");
		buf_puts(&b, "=?UTF-8?B?");
		base64(&b, (const unsigned char *)p, n);
		buf_puts(&b, "?=");
		p += n;
	}
	return buf_str(&b);
}

/* The columns a code point takes in a fixed-width mail reader: 2 for East Asian wide
 * and full-width characters (kanji, kana, hangul), else 1. */
static int columns(UChar32 c)
{
	int w = u_getIntPropertyValue(c, UCHAR_EAST_ASIAN_WIDTH);
	return w == U_EA_WIDE || w == U_EA_FULLWIDTH ? 2 : 1;
}

static bool is_hangul(UChar32 c)
{
	return (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0x1100 && c <= 0x11FF) ||
	       (c >= 0x3130 && c <= 0x318F);
}

/*
 * Whether a line may break at i, where ICU's line breaking (UAX #14) allows it:
 * after a space, or next to a character outside ASCII, so that Japanese and Chinese
 * break between characters where their rules allow and never inside one, while
 * English words, links and references ("P-7K3Q-9XMD") stay whole.  Korean, written
 * with spaces, keeps its words whole too.
 */
static bool break_ok(const UChar *u, int32_t n, int32_t i)
{
	if (i <= 0 || i >= n)
		return true;
	UChar32 before, after;
	int32_t j = i;
	U16_PREV(u, 0, j, before);
	j = i;
	U16_NEXT(u, j, n, after);
	if (before == ' ')
		return true;
	if (is_hangul(before) && is_hangul(after))
		return false;
	return before > 0x7F || after > 0x7F;
}

/* Appends u[from, to) as UTF-8. */
static void put_utf16(struct buf *b, const UChar *u, int32_t from, int32_t to)
{
	int32_t need = 0;
	UErrorCode status = U_ZERO_ERROR;
	u_strToUTF8(NULL, 0, &need, u + from, to - from, &status);
	char *out = arena_alloc(b->arena, (size_t)need + 1);
	status = U_ZERO_ERROR;
	u_strToUTF8(out, need + 1, NULL, u + from, to - from, &status);
	buf_add(b, out, U_SUCCESS(status) ? (size_t)need : 0);
}

/* Wraps one line (no \n in it) into b at ICU's line breaks, lines of at most width
 * columns where the words allow; a word longer than that (a link) stays whole. */
static void wrap_line(struct buf *b, const char *line, size_t len, size_t width)
{
	int32_t n = 0;
	UErrorCode status = U_ZERO_ERROR;
	UChar *u = arena_alloc(b->arena, (len + 1) * sizeof(UChar));
	u_strFromUTF8(u, (int32_t)len + 1, &n, line, (int32_t)len, &status);
	/* col[i]: the columns of u[0, i), for any i on a code point's start. */
	size_t *col = arena_alloc(b->arena, ((size_t)n + 1) * sizeof(size_t));
	for (int32_t i = 0; U_SUCCESS(status) && i < n;) {
		int32_t at = i;
		UChar32 c;
		U16_NEXT(u, i, n, c);
		for (int32_t k = at + 1; k <= i; k++)
			col[k] = col[at] + (size_t)columns(c);
	}
	UBreakIterator *bi = U_SUCCESS(status) && col[n] > width
				 ? ubrk_open(UBRK_LINE, "", u, n, &status)
				 : NULL;
	if (bi == NULL || U_FAILURE(status)) {
		if (bi)
			ubrk_close(bi);
		buf_add(b, line, len); /* short, or ICU failed: as it is */
		return;
	}
	int32_t start = 0;
	while (start < n) {
		/* The last allowed break that keeps the line within width, else the first. */
		int32_t cut = -1;
		for (int32_t p = ubrk_following(bi, start); p != UBRK_DONE; p = ubrk_next(bi)) {
			if (!break_ok(u, n, p))
				continue;
			int32_t end = p;
			while (end > start && u[end - 1] == ' ')
				end--;
			if (cut >= 0 && col[end] - col[start] > width)
				break;
			cut = p;
			if (col[end] - col[start] > width)
				break;
		}
		if (cut < 0)
			cut = n;
		int32_t end = cut;
		while (end > start && u[end - 1] == ' ')
			end--;
		put_utf16(b, u, start, end);
		if (cut < n)
			buf_putc(b, '\n');
		start = cut;
	}
	ubrk_close(bi);
}

char *mail_wrap(struct arena *a, const char *text, size_t width)
{
	struct buf b;
	buf_init(&b, a);
	const char *p = text;
	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		wrap_line(&b, p, len, width);
		if (nl == NULL)
			break;
		buf_putc(&b, '\n');
		p = nl + 1;
	}
	return buf_str(&b);
}

/* "Name <address>" with only the name encoded: an encoded address would not deliver. */
static char *encode_address(struct arena *a, const char *from)
{
	const char *lt = strrchr(from, '<');
	if (lt == NULL)
		return arena_strdup(a, from);
	size_t n = (size_t)(lt - from);
	while (n > 0 && from[n - 1] == ' ')
		n--;
	if (n == 0)
		return arena_strdup(a, lt);
	return arena_printf(a, "%s %s", mail_encode_header(a, arena_strndup(a, from, n)), lt);
}

/* The domain of the sender address, for Message-ID. */
static const char *sender_domain(struct arena *a)
{
	const char *at = strrchr(app_config.mail_from, '@');
	if (at == NULL)
		return "localhost";
	size_t n = strcspn(at + 1, "> \t");
	return n ? arena_strndup(a, at + 1, n) : "localhost";
}

/* The body wrapped for mail readers (lines of about 72 characters) with CRLF on the
 * wire, ending with one line end. */
static void put_text(struct buf *b, struct arena *a, const char *body)
{
	const char *wrapped = mail_wrap(a, body, 72);
	for (const char *p = wrapped; *p; p++) {
		if (*p == '\n')
			buf_putc(b, '\r');
		buf_putc(b, *p);
	}
	if (b->len < 2 || b->data[b->len - 1] != '\n')
		buf_puts(b, "\r\n");
}

/* base64 in lines of 76 characters, CRLF-ended (RFC 2045 6.8). */
static void put_base64(struct buf *b, struct arena *a, const char *data)
{
	struct buf enc;
	buf_init(&enc, a);
	base64(&enc, (const unsigned char *)data, strlen(data));
	for (size_t i = 0; i < enc.len; i += 76) {
		buf_add(b, enc.data + i, enc.len - i < 76 ? enc.len - i : 76);
		buf_puts(b, "\r\n");
	}
}

/* An attachment's file name safe inside a quoted MIME parameter: ASCII letters, digits,
 * '.', '-' and '_', anything else made '-'. */
static char *safe_file_name(struct arena *a, const char *name)
{
	char *s = arena_strdup(a, name && name[0] ? name : "calendar.ics");
	for (char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' && *p != '_')
			*p = '-';
	return s;
}

/*
 * A boundary that no line of the parts can hold: base64 lines never hold "=_",
 * and the text is searched; a clash (only a text made to clash can) adds a count.
 */
static char *boundary(struct arena *a, long long id, long long when, const char *text)
{
	for (unsigned n = 0;; n++) {
		char *bd = arena_printf(a, "=_outbox.%lld.%lld.%u", id, when, n);
		if (strstr(text, bd) == NULL)
			return bd;
	}
}

char *mail_compose(struct arena *a, long long id, const struct mail *m, long long when)
{
	char date[64];
	fmt_mail_date(when, date, sizeof(date));
	struct buf b;
	buf_init(&b, a);
	buf_printf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\n",
	           encode_address(a, app_config.mail_from), m->to,
	           mail_encode_header(a, m->subject), date);
	buf_printf(&b, "Message-ID: <outbox.%lld.%lld@%s>\r\n", id, when, sender_domain(a));
	if (m->calendar == NULL) {
		buf_puts(
		    &b,
		    "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
		    "Content-Transfer-Encoding: 8bit\r\nAuto-Submitted: auto-generated\r\n\r\n");
		put_text(&b, a, m->body);
		return buf_str(&b);
	}
	/* SPEC.md: multipart/mixed, the text first, then the calendar.  The text part
	 * is written first so that the boundary can be checked against it. */
	struct buf text;
	buf_init(&text, a);
	put_text(&text, a, m->body);
	const char *bd = boundary(a, id, when, buf_str(&text));
	const char *name = safe_file_name(a, m->calendar_name);
	buf_printf(&b,
	           "MIME-Version: 1.0\r\nContent-Type: multipart/mixed;\r\n boundary=\"%s\"\r\n"
	           "Content-Transfer-Encoding: 8bit\r\nAuto-Submitted: auto-generated\r\n\r\n",
	           bd);
	buf_printf(&b,
	           "--%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
	           "Content-Transfer-Encoding: 8bit\r\n\r\n",
	           bd);
	buf_add(&b, text.data, text.len);
	/* A calendar's lines are CRLF-ended and may be long once folded back: base64
	 * keeps them exactly as written, whatever relays do to long lines. */
	buf_printf(&b,
	           "--%s\r\nContent-Type: text/calendar; charset=utf-8; method=PUBLISH;\r\n"
	           " name=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n"
	           "Content-Disposition: attachment; filename=\"%s\"\r\n\r\n",
	           bd, name, name);
	put_base64(&b, a, m->calendar);
	buf_printf(&b, "--%s--\r\n", bd);
	return buf_str(&b);
}

/* Pipes msg to the sendmail command; 0 when it exited 0, else -1 with why.
 * posix_spawn, not fork: copying a threaded server's page tables for every
 * message would cost more than the message. */
static int pipe_to_sendmail(const char *msg, const char **why)
{
	int fd[2];
	/* Close-on-exec, or the child would hold the write end and never see the end. */
	if (pipe(fd) < 0) {
		*why = "cannot make a pipe";
		return -1;
	}
	if (fcntl(fd[0], F_SETFD, FD_CLOEXEC) < 0 || fcntl(fd[1], F_SETFD, FD_CLOEXEC) < 0) {
		close(fd[0]);
		close(fd[1]);
		*why = "cannot make a pipe";
		return -1;
	}
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dflt;
	sigemptyset(&none);
	sigemptyset(&dflt);
	sigaddset(&dflt, SIGPIPE);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd[0], 0);
	posix_spawnattr_init(&attr);
	/* The child starts with no signal blocked and SIGPIPE back to its default. */
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dflt);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	char *argv[] = {"sh", "-c", (char *)app_config.sendmail, NULL};
	pid_t pid;
	int rc = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(fd[0]);
	if (rc != 0) {
		close(fd[1]);
		*why = "cannot start the sendmail command";
		return -1;
	}
	size_t len = strlen(msg), off = 0;
	while (off < len) {
		ssize_t n = write(fd[1], msg + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd[1]);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			*why = "lost the sendmail command";
			return -1;
		}
	if (off < len) {
		*why = "the sendmail command did not read the message";
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		*why = WIFEXITED(status) ? "the sendmail command failed" : "the sendmail command died";
		return -1;
	}
	return 0;
}

/* The delay before attempt number `attempts` + 1: the base, doubled each time. */
static long long retry_delay(int attempts)
{
	long long d = app_config.mail_retry_seconds;
	for (int i = 1; i < attempts && d < MAX_DELAY; i++)
		d *= 2;
	return d < MAX_DELAY ? d : MAX_DELAY;
}

/* Claims up to BATCH due messages; fills ids, returns how many, -1 on failure. */
static int claim(struct db *db, long long now, int64_t ids[BATCH])
{
	if (db_begin_write(db) < 0)
		return -1;
	sqlite3_stmt *st = db_stmt(db, "SELECT id FROM outbox WHERE sent_at IS NULL AND"
				       " failed_at IS NULL AND next_attempt_at <= ?1 AND"
				       " (claimed_until IS NULL OR claimed_until < ?1)"
				       " ORDER BY next_attempt_at, id LIMIT ?2");
	db_bind_int(st, 1, now);
	db_bind_int(st, 2, BATCH);
	int n = 0;
	while (n < BATCH && db_step(st) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	for (int i = 0; i < n; i++) {
		st = db_stmt(db, "UPDATE outbox SET claimed_until = ? WHERE id = ?");
		db_bind_int(st, 1, now + CLAIM_SECONDS);
		db_bind_int(st, 2, ids[i]);
		if (db_exec_stmt(db, st) < 0) {
			db_rollback(db);
			return -1;
		}
	}
	if (db_commit(db) < 0)
		return -1;
	return n;
}

/* Records the outcome of one attempt. */
static int record(struct db *db, int64_t id, int attempts, const char *why)
{
	long long now = app_now();
	if (db_begin_write(db) < 0)
		return -1;
	sqlite3_stmt *st;
	if (why == NULL) {
		st = db_stmt(db, "UPDATE outbox SET sent_at = ?, attempts = attempts + 1,"
				 " claimed_until = NULL, last_error = NULL, secret = NULL"
				 " WHERE id = ?");
		db_bind_int(st, 1, now);
		db_bind_int(st, 2, id);
	} else {
		bool give_up = attempts + 1 >= MAIL_MAX_ATTEMPTS;
		/* A message given up forgets its secret as a sent one does. */
		st = db_stmt(db, "UPDATE outbox SET attempts = attempts + 1, claimed_until = NULL,"
				 " next_attempt_at = ?1, failed_at = ?2, last_error = ?3,"
				 " secret = CASE WHEN ?2 IS NULL THEN secret END WHERE id = ?4");
		db_bind_int(st, 1, now + retry_delay(attempts + 1));
		if (give_up)
			db_bind_int(st, 2, now);
		db_bind_text(st, 3, why);
		db_bind_int(st, 4, id);
	}
	if (db_exec_stmt(db, st) < 0) {
		db_rollback(db);
		return -1;
	}
	return db_commit(db);
}

/* body with every MAIL_SECRET marker replaced by secret, in the arena. */
static const char *fill_secret(struct arena *a, const char *body, const char *secret)
{
	struct buf b;
	buf_init(&b, a);
	const char *p = body, *hit;
	while ((hit = strstr(p, MAIL_SECRET)) != NULL) {
		buf_add(&b, p, (size_t)(hit - p));
		buf_puts(&b, secret);
		p = hit + strlen(MAIL_SECRET);
	}
	buf_puts(&b, p);
	return buf_str(&b);
}

/* Sends one claimed message; 0 or -1 on a database failure. */
static int deliver_one(struct db *db, int64_t id)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT recipient, subject, body, attempts, created_at,"
	                               " calendar, calendar_name, secret FROM outbox"
	                               " WHERE id = ? AND sent_at IS NULL");
	db_bind_int(st, 1, id);
	if (db_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return 0;
	}
	struct arena a;
	arena_init(&a);
	struct mail m = {
	    .to = arena_strdup(&a, db_col_text(st, 0)),
	    .subject = arena_strdup(&a, db_col_text(st, 1)),
	    .body = arena_strdup(&a, db_col_text(st, 2)),
	};
	int attempts = sqlite3_column_int(st, 3);
	long long created = sqlite3_column_int64(st, 4);
	if (sqlite3_column_type(st, 5) != SQLITE_NULL) {
		m.calendar = arena_strdup(&a, db_col_text(st, 5));
		m.calendar_name = arena_strdup(&a, db_col_text(st, 6));
	}
	if (sqlite3_column_type(st, 7) != SQLITE_NULL)
		m.body = fill_secret(&a, m.body, db_col_text(st, 7));
	sqlite3_reset(st);
	const char *why = NULL;
	pipe_to_sendmail(mail_compose(&a, id, &m, created), &why);
	if (why)
		fprintf(stderr, "portal: mail: outbox %lld not sent (attempt %d): %s\n",
			(long long)id, attempts + 1, why);
	else
		fprintf(stderr, "portal: mail: outbox %lld sent\n", (long long)id);
	int rc = record(db, id, attempts, why);
	arena_free(&a);
	return rc;
}

int mail_release_claims(struct db *db)
{
	if (db_begin_write(db) < 0)
		return -1;
	sqlite3_stmt *st = db_stmt(db, "UPDATE outbox SET claimed_until = NULL"
				       " WHERE sent_at IS NULL AND claimed_until IS NOT NULL");
	if (db_exec_stmt(db, st) < 0) {
		db_rollback(db);
		return -1;
	}
	return db_commit(db);
}

int mail_deliver_due(struct db *db)
{
	int64_t ids[BATCH];
	int n = claim(db, app_now(), ids);
	for (int i = 0; i < n; i++)
		if (deliver_one(db, ids[i]) < 0)
			return -1;
	return n;
}
