/* auth.c: passwords (Argon2id), sessions, CSRF and randomness; the only file that uses libsodium. */
#include "auth.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "app.h"
#include "db.h"

/* The key that turns a browser's CSRF cookie into its form token. */
static unsigned char csrf_key[crypto_generichash_KEYBYTES];
/* A hash verified for unknown accounts, so they cost what a wrong password costs. */
static char dummy_hash[crypto_pwhash_STRBYTES];
/*
 * Argon2id takes 64 MiB and tens of milliseconds of a core a hash.  hash_slots
 * bounds how many run at once (memory, and the cores the other pages need);
 * hash_gate bounds the workers inside a hash, computing or waiting for a
 * slot, to one fewer than the workers, so that a burst of sign-ins can never
 * hold every worker while the rest of the site waits.  A request that finds
 * the gate full is answered at once (AUTH_BUSY) rather than queued.
 */
static sem_t hash_slots, hash_gate;
/* Hashes computed at once at most: one core stays for the other pages of a small machine. */
#define HASH_PARALLEL 1

_Static_assert(AUTH_HASH_SIZE >= crypto_pwhash_STRBYTES, "AUTH_HASH_SIZE is too small");

static const char SESSION_COOKIE[] = "session";
static const char CSRF_COOKIE[] = "csrf";
/* Names a half-finished sign-in, between the password and the second factor. */
static const char CHALLENGE_COOKIE[] = "signin";

/* Loads the CSRF key from settings, or stores a new random one. */
static int load_key(struct db *db)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT value FROM settings WHERE key = 'csrf_key'");
	if (db_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == sizeof(csrf_key)) {
		memcpy(csrf_key, sqlite3_column_blob(st, 0), sizeof(csrf_key));
		sqlite3_reset(st);
		return 0;
	}
	sqlite3_reset(st);
	randombytes_buf(csrf_key, sizeof(csrf_key));
	if (db_begin_write(db) < 0)
		return -1;
	/* INSERT OR IGNORE then read back: another process may have won the race. */
	st = db_stmt(db, "INSERT OR IGNORE INTO settings (key, value) VALUES ('csrf_key', ?)");
	db_bind_blob(st, 1, csrf_key, sizeof(csrf_key));
	if (db_exec_stmt(db, st) < 0 || db_commit(db) < 0) {
		db_rollback(db);
		return -1;
	}
	st = db_stmt(db, "SELECT value FROM settings WHERE key = 'csrf_key'");
	int rc = -1;
	if (db_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == sizeof(csrf_key)) {
		memcpy(csrf_key, sqlite3_column_blob(st, 0), sizeof(csrf_key));
		rc = 0;
	}
	sqlite3_reset(st);
	return rc;
}

int auth_init(struct db *db)
{
	if (sodium_init() < 0) {
		fputs("portal: libsodium failed to start\n", stderr);
		return -1;
	}
	static int started;
	if (!started) {
		int gate = app_config.threads > 1 ? app_config.threads - 1 : 1;
		if (sem_init(&hash_slots, 0, gate < HASH_PARALLEL ? gate : HASH_PARALLEL) < 0 ||
		    sem_init(&hash_gate, 0, gate) < 0)
			return -1;
		char pw[33];
		unsigned char raw[16];
		randombytes_buf(raw, sizeof(raw));
		sodium_bin2hex(pw, sizeof(pw), raw, sizeof(raw));
		if (auth_password_hash(pw, dummy_hash, sizeof(dummy_hash)) < 0)
			return -1;
		started = 1;
	}
	return load_key(db);
}

bool auth_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la != lb)
		return false;
	return sodium_memcmp(a, b, la) == 0;
}

char *auth_new_token(struct arena *a, unsigned char hash32[32])
{
	unsigned char raw[32];
	randombytes_buf(raw, sizeof(raw));
	size_t len = sodium_base64_ENCODED_LEN(sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *token = arena_alloc(a, len);
	sodium_bin2base64(token, len, raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if (hash32)
		auth_token_hash(token, hash32);
	sodium_memzero(raw, sizeof(raw));
	return token;
}

void auth_token_hash(const char *token, unsigned char hash32[32])
{
	crypto_generichash(hash32, 32, (const unsigned char *)token, strlen(token), NULL, 0);
}

void auth_new_reference(char prefix, char out[12])
{
	static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	out[0] = prefix;
	out[1] = '-';
	for (int i = 0; i < 8; i++)
		out[2 + i + (i >= 4)] = crockford[randombytes_uniform(32)];
	out[6] = '-';
	out[11] = '\0';
}

void auth_random(void *buf, size_t size)
{
	randombytes_buf(buf, size);
}

void auth_sha256(const void *data, size_t len, unsigned char out[32])
{
	crypto_hash_sha256(out, data, len);
}

char *auth_base64url(struct arena *a, const void *data, size_t len)
{
	size_t n = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = arena_alloc(a, n);
	sodium_bin2base64(out, n, data, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

unsigned char *auth_base64url_decode(struct arena *a, const char *text, size_t *len)
{
	size_t max = strlen(text) * 3 / 4 + 1;
	unsigned char *out = arena_alloc(a, max);
	if (sodium_base642bin(out, max, text, strlen(text), NULL, len, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return NULL;
	return out;
}

/* Whether this thread holds a place at the gate: die_oom may jump past its leave. */
static _Thread_local bool gate_held;

bool auth_hash_gate_enter(void)
{
	if (sem_trywait(&hash_gate) < 0)
		return false;
	gate_held = true;
	return true;
}

void auth_hash_gate_leave(void)
{
	if (gate_held) {
		gate_held = false;
		sem_post(&hash_gate);
	}
}

void auth_recover(void)
{
	auth_hash_gate_leave();
}

/* Waits for a hashing slot (the caller holds the gate, or is the command line). */
static void hash_enter(void)
{
	while (sem_wait(&hash_slots) < 0)
		; /* only EINTR: the semaphore is valid */
}

static void hash_leave(void)
{
	sem_post(&hash_slots);
}

/* One Argon2id computation, handed to the hasher thread or done in place. */
struct hash_job {
	const char *password;
	const char *stored; /* the hash to verify against, or NULL to make one into out */
	char *out;
	int rc, err; /* libsodium's result and errno */
	bool done;
};

/* The hasher thread takes one job at a time (HASH_PARALLEL is 1, so at most one waits). */
_Static_assert(HASH_PARALLEL == 1, "the hasher thread takes one job at a time");
static pthread_mutex_t job_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t job_posted = PTHREAD_COND_INITIALIZER;
static pthread_cond_t job_finished = PTHREAD_COND_INITIALIZER;
static struct hash_job *job_pending;
static bool hasher_running, hasher_stop;
static pthread_t hasher;
/* The hasher's nice value: pages preempt Argon2id, which still gets a share under load. */
#define HASHER_NICE 10

static void compute(struct hash_job *j)
{
	size_t len = strlen(j->password);
	errno = 0;
	j->rc = j->stored ? crypto_pwhash_str_verify(j->stored, j->password, len)
			  : crypto_pwhash_str(j->out, j->password, len,
					      crypto_pwhash_OPSLIMIT_INTERACTIVE,
					      crypto_pwhash_MEMLIMIT_INTERACTIVE);
	j->err = errno;
}

/*
 * The hasher thread: computes the jobs the workers post, at a lower priority,
 * so that on a small machine a stream of sign-ins slows the other pages as
 * little as possible.  It never allocates from a request nor calls die_oom:
 * the worker reads what happened from the job.
 */
static void *hasher_main(void *arg)
{
	(void)arg;
	if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), HASHER_NICE) < 0)
		perror("portal: the password hasher keeps the normal priority");
	pthread_mutex_lock(&job_lock);
	for (;;) {
		while (job_pending == NULL && !hasher_stop)
			pthread_cond_wait(&job_posted, &job_lock);
		if (job_pending == NULL)
			break;
		struct hash_job *j = job_pending;
		pthread_mutex_unlock(&job_lock);
		compute(j);
		pthread_mutex_lock(&job_lock);
		j->done = true;
		job_pending = NULL;
		pthread_cond_broadcast(&job_finished);
	}
	pthread_mutex_unlock(&job_lock);
	return NULL;
}

int auth_hasher_start(void)
{
	hasher_stop = false;
	if (pthread_create(&hasher, NULL, hasher_main, NULL) != 0) {
		fputs("portal: cannot start the password hasher\n", stderr);
		return -1;
	}
	hasher_running = true;
	return 0;
}

void auth_hasher_stop(void)
{
	if (!hasher_running)
		return;
	pthread_mutex_lock(&job_lock);
	hasher_stop = true;
	pthread_cond_broadcast(&job_posted);
	pthread_mutex_unlock(&job_lock);
	pthread_join(hasher, NULL);
	hasher_running = false;
}

/* Runs j in the one hashing slot: by the hasher thread when it runs, else here. */
static void run_job(struct hash_job *j)
{
	hash_enter();
	if (!hasher_running) {
		compute(j);
	} else {
		pthread_mutex_lock(&job_lock);
		job_pending = j;
		pthread_cond_signal(&job_posted);
		while (!j->done)
			pthread_cond_wait(&job_finished, &job_lock);
		pthread_mutex_unlock(&job_lock);
	}
	hash_leave();
}

int auth_password_hash(const char *password, char *out, size_t size)
{
	if (size < crypto_pwhash_STRBYTES)
		return -1;
	struct hash_job j = {.password = password, .out = out};
	run_job(&j);
	if (j.rc != 0 && j.err == ENOMEM)
		die_oom();
	return j.rc == 0 ? 0 : -1;
}

int auth_password_verify(const char *hash, const char *password)
{
	const char *h = hash && hash[0] ? hash : dummy_hash;
	struct hash_job j = {.password = password, .stored = h};
	run_job(&j);
	/* A mismatch says so with EINVAL; any other failure (Argon2 running out of
	 * memory) is no wrong password and must not count as a failed sign-in.
	 * libsodium reports memory running out while hashing as a mismatch,
	 * though: that case still reads as a wrong password. */
	if (j.rc != 0 && j.err != EINVAL && j.err != 0)
		die_oom();
	return j.rc == 0 && h != dummy_hash ? 1 : 0;
}

static bool secure_cookies(const struct request *req)
{
	return app_config.secure_cookies == 1 || (app_config.secure_cookies < 0 && req->https);
}

/* Sets a cookie for the whole site; same_site is "Strict" or "Lax". */
static void set_cookie(struct request *req, struct response *res, const char *name,
		       const char *value, const char *same_site, long max_age)
{
	char *c = arena_printf(req->arena, "%s=%s; Path=/; HttpOnly; SameSite=%s%s%s", name,
			       value, same_site, secure_cookies(req) ? "; Secure" : "",
			       max_age >= 0 ? (max_age == 0 ? "; Max-Age=0" : "") : "");
	response_header(res, "Set-Cookie", c);
}

/* The form token for a basis (the session token or the CSRF cookie). */
static char *csrf_for(struct arena *a, char kind, const char *basis)
{
	unsigned char mac[32];
	crypto_generichash_state st;
	crypto_generichash_init(&st, csrf_key, sizeof(csrf_key), sizeof(mac));
	crypto_generichash_update(&st, (const unsigned char *)&kind, 1);
	crypto_generichash_update(&st, (const unsigned char *)basis, strlen(basis));
	crypto_generichash_final(&st, mac, sizeof(mac));
	size_t len = sodium_base64_ENCODED_LEN(sizeof(mac), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = arena_alloc(a, len);
	sodium_bin2base64(out, len, mac, sizeof(mac), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

/* A cookie value we made: 43 base64url characters. */
static bool token_shaped(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++) {
		char c = s[n];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return false;
	}
	return n == 43;
}

/* Looks the session cookie up; fills a session in the arena or returns NULL. */
static const struct session *find_session(struct request *req, const char *token)
{
	struct session *s = arena_alloc(req->arena, sizeof(*s));
	auth_token_hash(token, s->token_hash);
	long long now = app_now();
	sqlite3_stmt *st = db_stmt(req->db,
				   "SELECT u.id, u.email, u.name, u.role, COALESCE(u.school, ''),"
				   " s.seen_at, u.must_change_password, u.totp_secret IS NOT NULL"
				   " FROM sessions s JOIN users u ON u.id = s.user_id"
				   " WHERE s.token_hash = ? AND u.disabled_at IS NULL"
				   " AND s.seen_at > ? AND s.created_at > ?");
	db_bind_blob(st, 1, s->token_hash, 32);
	db_bind_int(st, 2, now - AUTH_IDLE_SECONDS);
	db_bind_int(st, 3, now - AUTH_ABSOLUTE_SECONDS);
	if (db_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return NULL;
	}
	s->user_id = sqlite3_column_int64(st, 0);
	s->email = arena_strdup(req->arena, db_col_text(st, 1));
	s->name = arena_strdup(req->arena, db_col_text(st, 2));
	s->role = arena_strdup(req->arena, db_col_text(st, 3));
	s->school = arena_strdup(req->arena, db_col_text(st, 4));
	long long seen = sqlite3_column_int64(st, 5);
	s->must_change_password = sqlite3_column_int(st, 6) != 0;
	s->has_second_factor = sqlite3_column_int(st, 7) != 0;
	sqlite3_reset(st);
	/* Refresh the idle clock at most once a minute: a write per page is waste. */
	if (now - seen >= 60 && db_begin_write(req->db) == 0) {
		st = db_stmt(req->db, "UPDATE sessions SET seen_at = ? WHERE token_hash = ?");
		db_bind_int(st, 1, now);
		db_bind_blob(st, 2, s->token_hash, 32);
		if (db_exec_stmt(req->db, st) < 0 || db_commit(req->db) < 0)
			db_rollback(req->db);
	}
	return s;
}

/*
 * Forms are signed with the browser's CSRF cookie, signed in or not: see
 * README.md, "Forms and cross-site requests".  The cookie is SameSite=Lax, so
 * that a person arriving from another site (a search engine, an e-mailed
 * link) brings it and is never given a new one that would break the forms
 * open in their other tabs; it is set only when the browser has none.
 */
void auth_prepare(struct request *req, struct response *res)
{
	const char *token = kv_get(&req->cookies, SESSION_COOKIE);
	req->session = NULL;
	if (token && token_shaped(token))
		req->session = find_session(req, token);
	const char *basis = kv_get(&req->cookies, CSRF_COOKIE);
	if (basis == NULL || !token_shaped(basis)) {
		basis = auth_new_token(req->arena, NULL);
		set_cookie(req, res, CSRF_COOKIE, basis, "Lax", -1);
	}
	req->csrf = csrf_for(req->arena, 'a', basis);
}

/*
 * Whether the browser says the request comes from a page of another site:
 * Sec-Fetch-Site other than same-origin or none (typed, a bookmark), or an
 * Origin that is not this site's own.  Browsers that send neither header
 * are judged on the token alone, which suffices by itself.
 */
static bool from_elsewhere(const struct request *req)
{
	const char *site = req->fetch_site;
	if (site && site[0] && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)
		return true;
	const char *origin = req->origin;
	if (origin == NULL || origin[0] == '\0')
		return false;
	const char *scheme = req->https ? "https://" : "http://";
	size_t n = strlen(scheme);
	if (req->host && strncmp(origin, scheme, n) == 0 && strcasecmp(origin + n, req->host) == 0)
		return false;
	/* Behind a proxy that rewrites Host, the configured address is this site too. */
	const char *base = app_config.base_url;
	size_t blen = strlen(base);
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	return !(blen > 0 && strlen(origin) == blen && strncasecmp(origin, base, blen) == 0);
}

bool auth_csrf_ok(const struct request *req)
{
	const char *sent = kv_get(&req->form, "csrf");
	if (sent == NULL || req->csrf == NULL || from_elsewhere(req))
		return false;
	/* A token minted for a cookie the browser did not send back proves nothing. */
	const char *basis = kv_get(&req->cookies, CSRF_COOKIE);
	if (basis && token_shaped(basis) && auth_equal(sent, req->csrf))
		return true;
	/* A form signed with the session, as forms were before they were signed with
	 * the cookie, still works while that session lasts. */
	const char *session = kv_get(&req->cookies, SESSION_COOKIE);
	return req->session && session && auth_equal(sent, csrf_for(req->arena, 's', session));
}

json_t *auth_user_json(const struct request *req)
{
	const struct session *s = req->session;
	if (s == NULL)
		return NULL;
	bool admin = strcmp(s->role, "admin") == 0, staff = strcmp(s->role, "staff") == 0;
	json_t *u = json_pack("{s:s, s:s, s:s, s:b, s:b, s:b}", "name", s->name, "email", s->email,
			      "role", s->role, "is_admin", admin, "is_staff", admin || staff,
			      "is_counselor", strcmp(s->role, "counselor") == 0);
	if (u == NULL)
		die_oom();
	return u;
}

/*
 * Whether user_id may start a session now: enabled, and its credentials still
 * those of version.  Inside the caller's write transaction, so that no change
 * of credentials can commit between this check and the session's insert.
 * 1 yes, 0 no, -1 failure.
 */
static int credentials_current(struct db *db, int64_t user_id, int64_t version)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT count(*) FROM users WHERE id = ?"
				       " AND credential_version = ? AND disabled_at IS NULL");
	db_bind_int(st, 1, user_id);
	db_bind_int(st, 2, version);
	int64_t n = db_int(db, st, -1);
	return n < 0 ? -1 : n > 0;
}

int auth_session_create(struct request *req, int64_t user_id, int64_t version,
			const char **token)
{
	int current = credentials_current(req->db, user_id, version);
	if (current <= 0)
		return current;
	unsigned char hash[32];
	*token = auth_new_token(req->arena, hash);
	long long now = app_now();
	sqlite3_stmt *st = db_stmt(req->db, "INSERT INTO sessions (token_hash, user_id, created_at,"
					    " seen_at) VALUES (?, ?, ?, ?)");
	db_bind_blob(st, 1, hash, 32);
	db_bind_int(st, 2, user_id);
	db_bind_int(st, 3, now);
	db_bind_int(st, 4, now);
	if (db_exec_stmt(req->db, st) < 0)
		return -1;
	/* A token that was known before sign-in must not be worth anything after it. */
	if (req->session) {
		st = db_stmt(req->db, "DELETE FROM sessions WHERE token_hash = ?");
		db_bind_blob(st, 1, req->session->token_hash, 32);
		if (db_exec_stmt(req->db, st) < 0)
			return -1;
	}
	/* Forget sessions and sign-ins that have expired, so the tables do not grow for ever. */
	st = db_stmt(req->db, "DELETE FROM sessions WHERE seen_at <= ? OR created_at <= ?");
	db_bind_int(st, 1, now - AUTH_IDLE_SECONDS);
	db_bind_int(st, 2, now - AUTH_ABSOLUTE_SECONDS);
	if (db_exec_stmt(req->db, st) < 0)
		return -1;
	st = db_stmt(req->db, "DELETE FROM login_challenges WHERE created_at <= ?");
	db_bind_int(st, 1, now - AUTH_CHALLENGE_SECONDS);
	return db_exec_stmt(req->db, st) < 0 ? -1 : 1;
}

void auth_session_cookie(struct request *req, struct response *res, const char *token)
{
	set_cookie(req, res, SESSION_COOKIE, token, "Strict", -1);
	req->session = NULL;
}

int auth_session_start(struct request *req, struct response *res, int64_t user_id,
		       int64_t version)
{
	if (db_begin_write(req->db) < 0)
		return -1;
	const char *token = NULL;
	int made = auth_session_create(req, user_id, version, &token);
	if (made <= 0) {
		db_rollback(req->db);
		return made;
	}
	if (db_commit(req->db) < 0)
		return -1;
	auth_session_cookie(req, res, token);
	return 1;
}

int auth_challenge_start(struct request *req, struct response *res, int64_t user_id,
			 int64_t version, const char *next)
{
	unsigned char hash[32];
	char *token = auth_new_token(req->arena, hash);
	if (db_begin_write(req->db) < 0)
		return -1;
	int current = credentials_current(req->db, user_id, version);
	if (current <= 0) {
		db_rollback(req->db);
		return current;
	}
	/* The challenge a passkey signs, should the account answer with one. */
	unsigned char raw[32];
	randombytes_buf(raw, sizeof(raw));
	sqlite3_stmt *st = db_stmt(req->db, "INSERT INTO login_challenges (token_hash, user_id,"
					    " credential_version, created_at, next, webauthn_challenge)"
					    " VALUES (?, ?, ?, ?, ?, ?)");
	db_bind_blob(st, 1, hash, 32);
	db_bind_int(st, 2, user_id);
	db_bind_int(st, 3, version);
	db_bind_int(st, 4, app_now());
	db_bind_text(st, 5, next);
	db_bind_text(st, 6, auth_base64url(req->arena, raw, sizeof(raw)));
	if (db_exec_stmt(req->db, st) < 0 || db_commit(req->db) < 0) {
		db_rollback(req->db);
		return -1;
	}
	set_cookie(req, res, CHALLENGE_COOKIE, token, "Strict", -1);
	return 1;
}

int auth_challenge_find(struct request *req, struct challenge *out)
{
	const char *token = kv_get(&req->cookies, CHALLENGE_COOKIE);
	if (token == NULL || !token_shaped(token))
		return 0;
	auth_token_hash(token, out->token_hash);
	sqlite3_stmt *st = db_stmt(req->db,
				   "SELECT c.user_id, c.credential_version, c.failures, c.next,"
				   " c.created_at, COALESCE(c.webauthn_challenge, '')"
				   " FROM login_challenges c JOIN users u"
				   " ON u.id = c.user_id WHERE c.token_hash = ? AND c.created_at > ?"
				   " AND u.credential_version = c.credential_version"
				   " AND u.disabled_at IS NULL");
	db_bind_blob(st, 1, out->token_hash, 32);
	db_bind_int(st, 2, app_now() - AUTH_CHALLENGE_SECONDS);
	int rc = db_step(st), found = 0;
	if (rc == SQLITE_ROW) {
		out->user_id = sqlite3_column_int64(st, 0);
		out->credential_version = sqlite3_column_int64(st, 1);
		out->failures = sqlite3_column_int(st, 2);
		out->next = sqlite3_column_type(st, 3) == SQLITE_NULL
				? NULL
				: arena_strdup(req->arena, db_col_text(st, 3));
		out->created_at = sqlite3_column_int64(st, 4);
		out->webauthn = arena_strdup(req->arena, db_col_text(st, 5));
		found = 1;
	} else if (rc != SQLITE_DONE) {
		db_log_error(req->db, "half-finished sign-in");
		found = -1;
	}
	sqlite3_reset(st);
	return found;
}

int auth_challenge_failed(struct db *db, const struct challenge *c, int *left)
{
	sqlite3_stmt *st;
	*left = AUTH_CHALLENGE_TRIES - c->failures - 1;
	if (*left <= 0) {
		*left = 0;
		st = db_stmt(db, "DELETE FROM login_challenges WHERE token_hash = ?");
		db_bind_blob(st, 1, c->token_hash, 32);
	} else {
		st = db_stmt(db, "UPDATE login_challenges SET failures = failures + 1"
				 " WHERE token_hash = ?");
		db_bind_blob(st, 1, c->token_hash, 32);
	}
	return db_exec_stmt(db, st);
}

int auth_challenge_delete(struct db *db, const struct challenge *c)
{
	sqlite3_stmt *st = db_stmt(db, "DELETE FROM login_challenges WHERE token_hash = ?");
	db_bind_blob(st, 1, c->token_hash, 32);
	return db_exec_stmt(db, st);
}

void auth_challenge_clear_cookie(struct request *req, struct response *res)
{
	set_cookie(req, res, CHALLENGE_COOKIE, "", "Strict", 0);
}

void auth_session_end(struct request *req, struct response *res)
{
	if (req->session && db_begin_write(req->db) == 0) {
		sqlite3_stmt *st = db_stmt(req->db, "DELETE FROM sessions WHERE token_hash = ?");
		db_bind_blob(st, 1, req->session->token_hash, 32);
		if (db_exec_stmt(req->db, st) < 0 || db_commit(req->db) < 0)
			db_rollback(req->db);
	}
	set_cookie(req, res, SESSION_COOKIE, "", "Strict", 0);
	req->session = NULL;
}

int auth_sessions_delete(struct db *db, int64_t user_id, const unsigned char *keep)
{
	sqlite3_stmt *st;
	if (keep) {
		st = db_stmt(db, "DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?");
		db_bind_blob(st, 2, keep, 32);
	} else {
		st = db_stmt(db, "DELETE FROM sessions WHERE user_id = ?");
	}
	db_bind_int(st, 1, user_id);
	return db_exec_stmt(db, st);
}

/*
 * Seconds that the failures of one key (an email or an address, bound by st)
 * still lock it; 0 when not locked, -1 on failure.  No attempt is recorded
 * while a key is locked, so the failure that set a lock is the key's latest:
 * the lock holds for a window after it when the window before it (the
 * latest included) had limit failures.
 */
static long long lock_left(struct db *db, sqlite3_stmt *st, const char *key, int limit,
			   long long now)
{
	db_bind_text(st, 1, key);
	db_bind_int(st, 2, now - AUTH_THROTTLE_SECONDS);
	db_bind_int(st, 3, AUTH_THROTTLE_SECONDS);
	long long left = 0;
	int rc = db_step(st);
	if (rc != SQLITE_ROW) {
		db_log_error(db, "sign-in throttle");
		left = -1;
	} else if (sqlite3_column_int(st, 0) >= limit) {
		left = sqlite3_column_int64(st, 1) + AUTH_THROTTLE_SECONDS - now;
		if (left < 1)
			left = 1;
	}
	sqlite3_reset(st);
	return left;
}

/* The part of auth_login_attempt inside its transaction; the same results. */
static int64_t record_attempt(struct db *db, const char *email, const char *address,
			      long long now, long long *retry_after)
{
	/* A lock can rest on failures from two windows ago (see lock_left). */
	sqlite3_stmt *st = db_stmt(db, "DELETE FROM login_failures WHERE at <= ?");
	db_bind_int(st, 1, now - 2 * AUTH_THROTTLE_SECONDS);
	if (db_exec_stmt(db, st) < 0)
		return -1;
	st = db_stmt(db, "SELECT count(*), m.last FROM login_failures f,"
			 " (SELECT max(at) AS last FROM login_failures WHERE address = ?1) m"
			 " WHERE f.address = ?1 AND m.last > ?2 AND f.at > m.last - ?3");
	long long by_address = lock_left(db, st, address, AUTH_THROTTLE_ADDRESS, now);
	st = db_stmt(db, "SELECT count(*), m.last FROM login_failures f,"
			 " (SELECT max(at) AS last FROM login_failures WHERE email = ?1) m"
			 " WHERE f.email = ?1 AND m.last > ?2 AND f.at > m.last - ?3");
	long long by_email = lock_left(db, st, email, AUTH_THROTTLE_EMAIL, now);
	if (by_address < 0 || by_email < 0)
		return -1;
	if (by_address > 0 || by_email > 0) {
		*retry_after = by_address > by_email ? by_address : by_email;
		return 0;
	}
	st = db_stmt(db, "INSERT INTO login_failures (email, address, at) VALUES (?, ?, ?)");
	db_bind_text(st, 1, email);
	db_bind_text(st, 2, address);
	db_bind_int(st, 3, now);
	if (db_exec_stmt(db, st) < 0)
		return -1;
	return sqlite3_last_insert_rowid(db_conn(db));
}

int64_t auth_login_attempt(struct db *db, const char *email, const char *address,
			   long long *retry_after)
{
	*retry_after = 0;
	if (db_begin_write(db) < 0)
		return -1;
	int64_t id = record_attempt(db, email, address, app_now(), retry_after);
	if (id < 0) {
		db_rollback(db);
		return -1;
	}
	return db_commit(db) < 0 ? -1 : id;
}

int auth_login_forgive_in(struct db *db, int64_t attempt)
{
	sqlite3_stmt *st = db_stmt(db, "DELETE FROM login_failures WHERE id = ?");
	db_bind_int(st, 1, attempt);
	return db_exec_stmt(db, st);
}

int auth_login_forgive(struct db *db, int64_t attempt)
{
	if (db_begin_write(db) < 0)
		return -1;
	if (auth_login_forgive_in(db, attempt) < 0) {
		db_rollback(db);
		return -1;
	}
	return db_commit(db);
}

int auth_login_failures_clear(struct db *db, const char *email)
{
	sqlite3_stmt *st = db_stmt(db, "DELETE FROM login_failures WHERE email = ?");
	db_bind_text(st, 1, email);
	return db_exec_stmt(db, st);
}

int auth_self_service_counts(struct db *db, const char *kind, const char *email,
			     const char *address, long long window, int64_t *by_email,
			     int64_t *by_address)
{
	long long now = app_now();
	sqlite3_stmt *st = db_stmt(db, "SELECT count(*) FROM self_service_requests"
				       " WHERE email = ? AND kind = ? AND at > ?");
	db_bind_text(st, 1, email);
	db_bind_text(st, 2, kind);
	db_bind_int(st, 3, now - window);
	*by_email = db_int(db, st, -1);
	st = db_stmt(db, "SELECT count(*) FROM self_service_requests WHERE address = ? AND at > ?");
	db_bind_text(st, 1, address);
	db_bind_int(st, 2, now - AUTH_THROTTLE_SECONDS);
	*by_address = db_int(db, st, -1);
	return *by_email < 0 || *by_address < 0 ? -1 : 0;
}

int auth_self_service_record(struct db *db, const char *kind, const char *email,
			     const char *address)
{
	long long now = app_now();
	sqlite3_stmt *st = db_stmt(db, "DELETE FROM self_service_requests WHERE at <= ?");
	db_bind_int(st, 1, now - AUTH_RESEND_WINDOW);
	if (db_exec_stmt(db, st) < 0)
		return -1;
	st = db_stmt(db, "INSERT INTO self_service_requests (kind, email, address, at)"
			 " VALUES (?, ?, ?, ?)");
	db_bind_text(st, 1, kind);
	db_bind_text(st, 2, email);
	db_bind_text(st, 3, address);
	db_bind_int(st, 4, now);
	return db_exec_stmt(db, st);
}

char *auth_password_token_new(struct db *db, struct arena *a, int64_t user_id, long long ttl)
{
	long long now = app_now();
	/* Expired links are of no use to anyone: forget them while here. */
	sqlite3_stmt *st = db_stmt(db, "DELETE FROM password_tokens WHERE expires_at <= ?");
	db_bind_int(st, 1, now);
	if (db_exec_stmt(db, st) < 0)
		return NULL;
	unsigned char hash[32];
	char *token = auth_new_token(a, hash);
	st = db_stmt(db, "INSERT INTO password_tokens (token_hash, user_id, expires_at)"
			 " VALUES (?, ?, ?)");
	db_bind_blob(st, 1, hash, sizeof(hash));
	db_bind_int(st, 2, user_id);
	db_bind_int(st, 3, now + ttl);
	if (db_exec_stmt(db, st) < 0)
		return NULL;
	return token;
}

int64_t auth_password_token_user(struct db *db, const char *token)
{
	if (token == NULL || !token_shaped(token))
		return 0;
	unsigned char hash[32];
	auth_token_hash(token, hash);
	sqlite3_stmt *st = db_stmt(db, "SELECT u.id FROM password_tokens t"
				       " JOIN users u ON u.id = t.user_id"
				       " WHERE t.token_hash = ? AND t.used_at IS NULL"
				       " AND t.expires_at > ? AND u.disabled_at IS NULL");
	db_bind_blob(st, 1, hash, sizeof(hash));
	db_bind_int(st, 2, app_now());
	int rc = db_step(st);
	int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		db_log_error(db, "password link");
		id = -1;
	}
	sqlite3_reset(st);
	return id;
}

int auth_password_tokens_live(struct db *db, int64_t user_id)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT count(*) FROM password_tokens"
				       " WHERE user_id = ? AND used_at IS NULL AND expires_at > ?");
	db_bind_int(st, 1, user_id);
	db_bind_int(st, 2, app_now());
	return (int)db_int(db, st, -1);
}

int auth_password_tokens_end(struct db *db, int64_t user_id, bool erase)
{
	sqlite3_stmt *st;
	if (erase) {
		st = db_stmt(db, "DELETE FROM password_tokens WHERE user_id = ?");
		db_bind_int(st, 1, user_id);
	} else {
		st = db_stmt(db, "UPDATE password_tokens SET used_at = ?"
				 " WHERE user_id = ? AND used_at IS NULL");
		db_bind_int(st, 1, app_now());
		db_bind_int(st, 2, user_id);
	}
	return db_exec_stmt(db, st);
}
