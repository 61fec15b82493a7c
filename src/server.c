/* server.c: the FastCGI accept loop, worker threads, signals and a graceful stop. */
#define _GNU_SOURCE
#include "server.h"

#include <errno.h>
#include <fcgiapp.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <setjmp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "auth.h"
#include "db.h"
#include "group.h"
#include "jobs.h"
#include "oomtest.h"
#include "routes.h"
#include "lang.h"
#include "view.h"
#include "i18n.h"

static const char SECURITY_HEADERS[] =
    "Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self';"
    " img-src 'self';"
    " form-action 'self'; frame-ancestors 'none'; base-uri 'none'\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "Referrer-Policy: same-origin\r\n"
    "X-Frame-Options: DENY\r\n";

static int listen_fd = -1;
static atomic_int stopping;
/* libfcgi requires accept to be serialised among threads. */
static pthread_mutex_t accept_lock = PTHREAD_MUTEX_INITIALIZER;

struct worker {
	pthread_t thread;
	int index;
};

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Reads exactly len bytes of body; -1 when the client sent fewer. */
static int read_body(FCGX_Request *fr, char *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		int n = FCGX_GetStr(buf + got, (int)(len - got), fr->in);
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

static bool is_form_type(const char *ct)
{
	static const char form[] = "application/x-www-form-urlencoded";
	if (ct == NULL)
		return false;
	size_t n = strlen(form);
	return strncasecmp(ct, form, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/*
 * Turns the FastCGI parameters and body into req.  Returns 0, or the HTTP
 * status to refuse the request with (400, 413, 415) before any handler runs.
 */
static int build_request(FCGX_Request *fr, struct request *req)
{
	struct arena *a = req->arena;
	const char *method = FCGX_GetParam("REQUEST_METHOD", fr->envp);
	const char *uri = FCGX_GetParam("REQUEST_URI", fr->envp);
	const char *qs = FCGX_GetParam("QUERY_STRING", fr->envp);
	const char *https = FCGX_GetParam("HTTPS", fr->envp);
	const char *addr = FCGX_GetParam("REMOTE_ADDR", fr->envp);
	req->method = method ? method : "GET";
	req->https = https && (strcmp(https, "on") == 0 || strcmp(https, "1") == 0);
	req->remote_addr = addr ? addr : "";
	req->host = FCGX_GetParam("HTTP_HOST", fr->envp);
	req->origin = FCGX_GetParam("HTTP_ORIGIN", fr->envp);
	req->fetch_site = FCGX_GetParam("HTTP_SEC_FETCH_SITE", fr->envp);
	req->path = "/";
	if (uri == NULL)
		uri = "/";
	size_t plen = strcspn(uri, "?");
	if (http_decode_path(a, uri, plen, &req->path) < 0)
		return 400;
	if (qs == NULL)
		qs = "";
	size_t qlen = strlen(qs);
	if (qlen > HTTP_MAX_QUERY || http_parse_urlencoded(a, qs, qlen, &req->query) < 0)
		return 400;
	http_parse_cookies(a, FCGX_GetParam("HTTP_COOKIE", fr->envp), &req->cookies);

	const char *cl = FCGX_GetParam("CONTENT_LENGTH", fr->envp);
	long long length = 0;
	if (cl && cl[0]) {
		char *end;
		errno = 0;
		length = strtoll(cl, &end, 10);
		if (errno || *end || length < 0)
			return 400;
	}
	if (length > HTTP_MAX_BODY)
		return 413;
	if (length == 0)
		return 0;
	if (!is_form_type(FCGX_GetParam("CONTENT_TYPE", fr->envp)))
		return 415;
	char *body = arena_alloc(a, (size_t)length + 1);
	if (read_body(fr, body, (size_t)length) < 0)
		return 400;
	if (http_parse_urlencoded(a, body, (size_t)length, &req->form) < 0)
		return 400;
	return 0;
}

static void refuse(struct request *req, struct response *res, int status)
{
	switch (status) {
	case 413:
		view_error(req, res, 413, N_("Your form is too large"),
			   N_("What you sent is larger than this site accepts. Shorten the longest "
			   "answers and send it again. Nothing was saved."));
		break;
	case 415:
		view_error(req, res, 415, N_("This site cannot read that"),
			   N_("Send the form from the page it is on. Nothing was saved."));
		break;
	default:
		view_error(req, res, 400, N_("Your request could not be read"),
			   N_("Something in the address or the form was not valid text. Go back "
			   "and try again. Nothing was saved."));
	}
}

/* The allocation count and whether the injected failure happened, as headers
 * (the test build only); they take no memory, so they come after the count. */
static void put_test_headers(FCGX_Request *fr)
{
#ifdef PORTAL_OOM_TEST
	char line[96];
	bool failed;
	unsigned long n = oomtest_disarm(&failed);
	snprintf(line, sizeof(line), "X-Alloc-Count: %lu\r\nX-Alloc-Failed: %d\r\n", n,
		 failed);
	FCGX_PutS(line, fr->out);
#else
	(void)fr;
#endif
}

/* Appends n in decimal. */
static void put_number(struct buf *b, size_t n)
{
	char digits[24];
	size_t i = sizeof(digits);
	do {
		digits[--i] = (char)('0' + n % 10);
		n /= 10;
	} while (n > 0);
	buf_add(b, digits + i, sizeof(digits) - i);
}

/* Writes status, headers and body.  libfcgi's own printf knows no %zu, so
 * the head is formatted here and written in one piece.  Everything that may
 * allocate happens before the first byte goes out, and *written is set then:
 * a failure can still end the request, but never half-way through its answer. */
static void write_response(FCGX_Request *fr, const struct request *req,
			   const struct response *res, volatile bool *written)
{
	/* Built with plain appends: every answer has a head, and formatting each
	 * line with printf (twice, to size it) was a visible part of a page's cost. */
	struct buf head;
	buf_init(&head, req->arena);
	buf_puts(&head, "Status: ");
	put_number(&head, (unsigned)res->status);
	buf_putc(&head, ' ');
	buf_puts(&head, http_reason(res->status));
	buf_puts(&head, "\r\nContent-Type: ");
	buf_puts(&head, res->content_type);
	buf_puts(&head, "\r\n");
	buf_add(&head, SECURITY_HEADERS, sizeof(SECURITY_HEADERS) - 1);
	bool cache_set = false;
	for (size_t i = 0; i < res->headers.n; i++) {
		buf_puts(&head, res->headers.items[i].key);
		buf_puts(&head, ": ");
		buf_puts(&head, res->headers.items[i].val);
		buf_puts(&head, "\r\n");
		cache_set |= strcasecmp(res->headers.items[i].key, "Cache-Control") == 0;
	}
	if (!cache_set)
		buf_puts(&head, res->no_store ? "Cache-Control: no-store\r\n"
					      : "Cache-Control: no-cache\r\n");
	buf_puts(&head, "Content-Length: ");
	put_number(&head, res->body.len);
	buf_puts(&head, "\r\n");
	*written = true;
	FCGX_PutStr(head.data, (int)head.len, fr->out);
	put_test_headers(fr);
	FCGX_PutS("\r\n", fr->out);
	if (strcmp(req->method, "HEAD") != 0 && res->body.len)
		FCGX_PutStr(res->body.data, (int)res->body.len, fr->out);
}

/* Whether a path segment of n bytes is an application's reference, however
 * typed (P-7K3Q-9XMD, p7k3q9xmd, T 7K3Q 9XMD as %20 decoded): a letter P or
 * T, then eight letters or digits, dashes and spaces between. */
static bool reference_shaped(const char *seg, size_t n)
{
	if (n == 0 || strchr("PpTt", seg[0]) == NULL)
		return false;
	size_t alnum = 0;
	for (size_t i = 1; i < n; i++) {
		unsigned char c = (unsigned char)seg[i];
		if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
			alnum++;
		else if (c != '-' && c != ' ')
			return false;
	}
	return alnum == 8;
}

/*
 * The path as the log may show it: a reference (any segment after
 * /confirmation/, or shaped like one anywhere) written as "P-...", since with
 * an e-mail address it opens the application; control characters and spaces
 * written as %XX, so that a request cannot forge a line of the log.
 */
static const char *loggable(struct arena *a, const char *path)
{
	static const char confirmation[] = "/confirmation";
	struct buf b;
	buf_init(&b, a);
	const char *p = path;
	while (*p) {
		size_t n = strcspn(p + 1, "/") + 1; /* this segment with its leading '/' */
		bool after_confirmation = b.len == sizeof(confirmation) - 1 &&
					  memcmp(b.data, confirmation, b.len) == 0;
		if (p[0] == '/' && n > 1 && (after_confirmation || reference_shaped(p + 1, n - 1))) {
			buf_printf(&b, "/%c-...", (p[1] == 't' || p[1] == 'T') ? 'T' : 'P');
			p += n;
			continue;
		}
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)p[i];
			if (c <= 0x20 || c == 0x7F)
				buf_printf(&b, "%%%02X", c);
			else
				buf_putc(&b, (char)c);
		}
		p += n;
	}
	return buf_str(&b);
}

/* The log line of a request: no query string, form value, address or cookie,
 * as they may be personal data.  Takes no memory. */
static void log_request(const char *method, const char *path, int status, double ms)
{
	time_t now = time(NULL);
	struct tm tm;
	char when[32];
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	fprintf(stderr, "%s %s %s %d %.1fms\n", when, method, path, status, ms);
}

/* One request, from parameters to the log line.  Everything lives in the arena. */
static void serve_one(FCGX_Request *fr, struct db *db, struct arena *a,
		      volatile bool *written)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct request req = {.arena = a, .db = db};
	struct response res;
	response_init(&res, a);
	int refused = build_request(fr, &req);
	lang_choose(&req, &res, FCGX_GetParam("HTTP_ACCEPT_LANGUAGE", fr->envp));
	if (refused) {
		refuse(&req, &res, refused);
	} else {
		auth_prepare(&req, &res);
		routes_dispatch(&req, &res);
	}
	const char *path = loggable(a, req.path);
	write_response(fr, &req, &res, written);
	log_request(req.method, path, res.status, seconds_since(&t0) * 1000);
}

static const char BARE_500[] = "Status: 500 Internal Server Error\r\n"
			       "Content-Type: text/plain; charset=utf-8\r\n"
			       "Cache-Control: no-store\r\n"
			       "Content-Length: 22\r\n";

/* The 500 page after a request failed part-way, built afresh from the
 * parameters (what the failed pass built is gone with its arena). */
static void answer_500(FCGX_Request *fr, struct db *db, struct arena *a,
		       volatile bool *written)
{
	const char *method = FCGX_GetParam("REQUEST_METHOD", fr->envp);
	struct request req = {.arena = a, .db = db, .method = method ? method : "GET",
			      .path = "/", .remote_addr = ""};
	struct response res;
	response_init(&res, a);
	res.no_store = true;
	view_error(&req, &res, 500, "Sorry, there is a problem",
		   "This page could not be made just now. If you sent a form, nothing "
		   "of it was saved. Try again in a moment.");
	write_response(fr, &req, &res, written);
}

/*
 * One request with its failures caught.  die_oom anywhere under serve_one
 * jumps back here (plain longjmp: no signal mask is involved): the database
 * connection rolls back whatever it had open and releases the writer lock,
 * the arena is emptied, and the request is answered 500 with the error page,
 * or with a bare 500 when even that fails.  Then the worker takes the next
 * request as usual.  A request whose answer was already going out is left
 * as it is: nothing after that point allocates.
 */
static void serve_guarded(FCGX_Request *fr, struct db *db, struct arena *a)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	volatile bool written = false;
	const char *method = FCGX_GetParam("REQUEST_METHOD", fr->envp);
	method = method ? method : "-";
	jmp_buf catch;
#ifdef PORTAL_OOM_TEST
	oomtest_arm(FCGX_GetParam("HTTP_X_FAIL_ALLOC", fr->envp));
#endif
	if (setjmp(catch) == 0) {
		oom_catch(&catch);
		serve_one(fr, db, a, &written);
		oom_catch(NULL);
		db_request_end(db);
		return;
	}
	db_recover(db);
	auth_recover();
	arena_reset(a);
	fprintf(stderr, "portal: out of memory; the request ends with 500 and changes nothing\n");
	if (written) {
		log_request(method, "-", 500, seconds_since(&t0) * 1000);
		return;
	}
	if (setjmp(catch) == 0) {
		oom_catch(&catch);
		answer_500(fr, db, a, &written);
		oom_catch(NULL);
	} else {
		db_recover(db);
		arena_reset(a);
		if (!written) {
			FCGX_PutS(BARE_500, fr->out);
			FCGX_PutStr(SECURITY_HEADERS, sizeof(SECURITY_HEADERS) - 1, fr->out);
			put_test_headers(fr);
			FCGX_PutS("\r\nInternal Server Error\n", fr->out);
		}
	}
	db_request_end(db);
	log_request(method, "-", 500, seconds_since(&t0) * 1000);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct db *db = db_open(app_config.db_path);
	if (db == NULL) {
		fprintf(stderr, "portal: worker %d has no database; stopping\n", w->index);
		kill(getpid(), SIGTERM);
		return NULL;
	}
	FCGX_Request fr;
	if (FCGX_InitRequest(&fr, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		db_close(db);
		return NULL;
	}
	struct arena arena;
	arena_init(&arena);
	while (!atomic_load(&stopping)) {
		pthread_mutex_lock(&accept_lock);
		int rc = atomic_load(&stopping) ? -1 : FCGX_Accept_r(&fr);
		pthread_mutex_unlock(&accept_lock);
		if (rc < 0)
			break;
		serve_guarded(&fr, db, &arena);
		FCGX_Finish_r(&fr);
		arena_reset(&arena);
	}
	FCGX_Free(&fr, 1);
	arena_free(&arena);
	view_thread_end();
	db_close(db);
	return NULL;
}

/* Opens the socket with the configured permissions: only the web server may write to it. */
static int open_socket(void)
{
	const char *path = app_config.socket_path;
	if (path[0] == '/' || strchr(path, '/'))
		unlink(path); /* a stale socket from a killed run */
	mode_t old = umask(0777 & ~(mode_t)app_config.socket_mode);
	/* Connections nginx opens while every worker is busy wait in this backlog;
	 * a full one refuses them and nginx answers 502, so it holds a registration
	 * rush's worth (the kernel caps it at net.core.somaxconn). */
	listen_fd = FCGX_OpenSocket(path, 1024);
	umask(old);
	if (listen_fd < 0) {
		fprintf(stderr, "portal: cannot listen on %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (strchr(path, ':') == NULL && chmod(path, (mode_t)app_config.socket_mode) < 0) {
		fprintf(stderr, "portal: cannot set permissions of %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Before stopping: remove the socket's name so that no new connection can
 * be made (nginx then fails fast instead of queueing), and let the workers
 * accept what is already queued, so that no request nginx handed over is
 * dropped.  Bounded, so a flood cannot hold the stop for ever.
 */
static void drain(void)
{
	if (strchr(app_config.socket_path, ':') == NULL)
		unlink(app_config.socket_path);
	struct pollfd p = {.fd = listen_fd, .events = POLLIN};
	for (int i = 0; i < 500 && poll(&p, 1, 0) > 0 && (p.revents & POLLIN); i++) {
		struct timespec ms = {0, 10 * 1000 * 1000};
		nanosleep(&ms, NULL);
	}
}

int server_run(void)
{
	signal(SIGPIPE, SIG_IGN);
	/* glibc gives each thread that allocates an arena of its own, up to eight per
	 * core, and each keeps its high-water mark: with many workers that is most
	 * of the memory that grows over a long run.  One arena per core suffices. */
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	if (mallopt(M_ARENA_MAX, cores > 0 ? (int)cores : 2) != 1)
		fputs("portal: could not bound malloc's arenas\n", stderr);
	if (FCGX_Init() != 0) {
		fputs("portal: libfcgi failed to start\n", stderr);
		return 1;
	}
	if (open_socket() < 0)
		return 1;
	/* Workers inherit a mask with the stop signals blocked; this thread waits for them. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);

	int n = app_config.threads;
	struct worker *workers = calloc((size_t)n, sizeof(*workers));
	if (workers == NULL)
		die_oom();
	int started = 0;
	/* Without the hasher no worker starts: start-up failed. */
	int hashing = auth_hasher_start();
	for (int i = 0; i < n && hashing == 0; i++) {
		workers[i].index = i;
		if (pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]) != 0) {
			fprintf(stderr, "portal: cannot start worker %d\n", i);
			break;
		}
		started++;
	}
	int jobs = started == n ? jobs_start() : -1;
	fprintf(stderr, "portal: serving on %s with %d threads\n", app_config.socket_path, started);
	int sig = 0;
	if (started == n && jobs == 0)
		sigwait(&stop, &sig);
	fprintf(stderr, "portal: stopping (%s); finishing requests in flight\n",
		sig ? strsignal(sig) : "start-up failed");
	drain();
	atomic_store(&stopping, 1);
	FCGX_ShutdownPending();
	/* Wakes the worker blocked in accept(); the others finish their request first. */
	shutdown(listen_fd, SHUT_RDWR);
	for (int i = 0; i < started; i++)
		pthread_join(workers[i].thread, NULL);
	if (jobs == 0)
		jobs_stop();
	auth_hasher_stop();
	struct group_stats gs = group_stats();
	if (gs.writes > 0)
		fprintf(stderr, "portal: %lu durable writes in %lu group commits\n", gs.writes,
			gs.groups);
	free(workers);
	close(listen_fd);
	if (strchr(app_config.socket_path, ':') == NULL)
		unlink(app_config.socket_path);
	fputs("portal: stopped\n", stderr);
	return started == n && jobs == 0 ? 0 : 1;
}
