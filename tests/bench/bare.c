/* bare.c: the least a libfcgi responder can do, as the benchmarks' yardstick.
 *   bare page FILE SOCKET THREADS    answers every request with FILE, held in memory
 *   bare insert DB SOCKET THREADS    inserts one row per POST (WAL, synchronous=FULL),
 *                                    the inserts serialised by a write mutex (as the
 *                                    portal's writers queue, rather than in SQLite's
 *                                    busy handler), and answers 303, as an accepted
 *                                    application does: the strongest form of one
 *                                    fsync per request, without batching
 * Threads share one accept lock, as the portal's workers do; SIGTERM ends it. */
#include <fcgiapp.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static int listen_fd;
static const char *mode, *db_path;
static char *page;
static size_t page_len;
static pthread_mutex_t accept_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;

static void die(const char *what)
{
	fprintf(stderr, "bare: %s\n", what);
	exit(1);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		die("cannot open the page");
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	rewind(f);
	char *b = malloc((size_t)n + 1);
	if (b == NULL || fread(b, 1, (size_t)n, f) != (size_t)n)
		die("cannot read the page");
	fclose(f);
	*len = (size_t)n;
	return b;
}

static sqlite3 *open_db(void)
{
	sqlite3 *db;
	if (sqlite3_open(db_path, &db) != SQLITE_OK)
		die("cannot open the database");
	sqlite3_busy_timeout(db, 10000);
	if (sqlite3_exec(db,
			 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			 "CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, body TEXT, at INTEGER)",
			 NULL, NULL, NULL) != SQLITE_OK)
		die(sqlite3_errmsg(db));
	return db;
}

static void serve_insert(FCGX_Request *r, sqlite3 *db, sqlite3_stmt *st)
{
	char body[8192];
	int n = FCGX_GetStr(body, sizeof(body) - 1, r->in);
	body[n > 0 ? n : 0] = '\0';
	sqlite3_bind_text(st, 1, body, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL));
	pthread_mutex_lock(&write_lock);
	int rc = sqlite3_step(st);
	sqlite3_int64 id = sqlite3_last_insert_rowid(db);
	pthread_mutex_unlock(&write_lock);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		FCGX_FPrintF(r->out, "Status: 500 Internal Server Error\r\nContent-Type: text/plain\r\n"
				     "Content-Length: 6\r\n\r\nerror\n");
		return;
	}
	char head[128];
	int len = snprintf(head, sizeof(head),
			   "Status: 303 See Other\r\nLocation: /done/%lld\r\nContent-Length: 0\r\n\r\n",
			   (long long)id);
	FCGX_PutStr(head, len, r->out);
}

static void *worker(void *arg)
{
	(void)arg;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	if (strcmp(mode, "insert") == 0) {
		db = open_db();
		if (sqlite3_prepare_v2(db, "INSERT INTO rows (body, at) VALUES (?, ?)", -1, &st,
				       NULL) != SQLITE_OK)
			die(sqlite3_errmsg(db));
	}
	FCGX_Request r;
	FCGX_InitRequest(&r, listen_fd, 0);
	for (;;) {
		pthread_mutex_lock(&accept_lock);
		int rc = FCGX_Accept_r(&r);
		pthread_mutex_unlock(&accept_lock);
		if (rc < 0)
			break;
		if (db) {
			serve_insert(&r, db, st);
		} else {
			FCGX_FPrintF(r.out, "Status: 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
					    "Content-Length: %d\r\n\r\n", (int)page_len);
			FCGX_PutStr(page, (int)page_len, r.out);
		}
		FCGX_Finish_r(&r);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 5)
		die("usage: bare page FILE SOCKET THREADS | bare insert DB SOCKET THREADS");
	mode = argv[1];
	if (strcmp(mode, "page") == 0)
		page = slurp(argv[2], &page_len);
	else if (strcmp(mode, "insert") == 0)
		db_path = argv[2];
	else
		die("mode is page or insert");
	int threads = atoi(argv[4]);
	if (threads < 1 || threads > 256)
		die("threads: 1 to 256");
	signal(SIGPIPE, SIG_IGN);
	FCGX_Init();
	mode_t old = umask(0117);
	listen_fd = FCGX_OpenSocket(argv[3], 1024); /* as the portal */
	umask(old);
	if (listen_fd < 0)
		die("cannot listen");
	if (db_path)
		sqlite3_close(open_db()); /* the table, before any thread needs it */
	pthread_t t[256];
	for (int i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	return 0;
}
