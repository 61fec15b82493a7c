/* twofactor.c: the TOTP secret and recovery codes of accounts: checking, setting up, removing. */
#include "twofactor.h"

#include <string.h>

#include "app.h"
#include "auth.h"
#include "clock.h"
#include "passkey.h"
#include "seal.h"

/* The key of a stored (sealed base32) secret; 0, or -1 when it does not open. */
static int open_secret(struct arena *a, const char *stored, unsigned char key[TOTP_SECRET_BYTES])
{
	const char *text = seal_open(a, stored);
	if (text == NULL || totp_key_from_base32(text, key) < 0) {
		fputs("portal: a TOTP secret does not open with the key file\n", stderr);
		return -1;
	}
	return 0;
}

/* Checks a TOTP code against the account's secret, and remembers its step when right. */
static int verify_totp(struct db *db, struct arena *a, int64_t user_id, const char *code)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT totp_secret, totp_last_step FROM users"
				       " WHERE id = ? AND totp_secret IS NOT NULL");
	db_bind_int(st, 1, user_id);
	int rc = db_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			return TWOFACTOR_WRONG;
		db_log_error(db, "reading a TOTP secret");
		return -1;
	}
	const char *stored = arena_strdup(a, db_col_text(st, 0));
	long long last = sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	unsigned char key[TOTP_SECRET_BYTES];
	if (open_secret(a, stored, key) < 0)
		return -1;
	long long step = totp_check(key, sizeof(key), app_now(), code, last);
	if (step == TOTP_REPLAY)
		return TWOFACTOR_REPLAY;
	if (step < 0)
		return TWOFACTOR_WRONG;
	st = db_stmt(db, "UPDATE users SET totp_last_step = ? WHERE id = ?");
	db_bind_int(st, 1, step);
	db_bind_int(st, 2, user_id);
	return db_exec_stmt(db, st) < 0 ? -1 : TWOFACTOR_RIGHT;
}

/* Spends a recovery code when it is one of the account's unused ones. */
static int verify_recovery(struct db *db, int64_t user_id, const char *canon)
{
	char hash[65];
	seal_hash(canon, hash);
	sqlite3_stmt *st = db_stmt(db, "UPDATE recovery_codes SET used_at = ?"
				       " WHERE user_id = ? AND code_hash = ? AND used_at IS NULL");
	db_bind_int(st, 1, app_now());
	db_bind_int(st, 2, user_id);
	db_bind_text(st, 3, hash);
	if (db_exec_stmt(db, st) < 0)
		return -1;
	if (sqlite3_changes(db_conn(db)) > 0)
		return TWOFACTOR_RIGHT;
	/* A code of the account already spent is a replay, said as such. */
	st = db_stmt(db, "SELECT count(*) FROM recovery_codes WHERE user_id = ? AND code_hash = ?");
	db_bind_int(st, 1, user_id);
	db_bind_text(st, 2, hash);
	int64_t used = db_int(db, st, -1);
	return used < 0 ? -1 : used > 0 ? TWOFACTOR_REPLAY : TWOFACTOR_WRONG;
}

int twofactor_verify(struct db *db, struct arena *a, int64_t user_id, const char *code)
{
	char canon[TOTP_RECOVERY_LEN + 1];
	if (totp_code_shaped(code))
		return verify_totp(db, a, user_id, code);
	if (totp_recovery_normalise(code, canon))
		return verify_recovery(db, user_id, canon);
	return TWOFACTOR_WRONG;
}

int twofactor_recovery_left(struct db *db, int64_t user_id)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT count(*) FROM recovery_codes"
				       " WHERE user_id = ? AND used_at IS NULL");
	db_bind_int(st, 1, user_id);
	return (int)db_int(db, st, -1);
}

/* The pending secret as stored (in a), "" when none, NULL on failure. */
static const char *stored_pending(struct db *db, struct arena *a, int64_t user_id)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT totp_pending FROM users WHERE id = ?");
	db_bind_int(st, 1, user_id);
	int rc = db_step(st);
	const char *out = rc == SQLITE_ROW ? arena_strdup(a, db_col_text(st, 0))
					   : rc == SQLITE_DONE ? "" : NULL;
	if (out == NULL)
		db_log_error(db, "reading a pending secret");
	sqlite3_reset(st);
	return out;
}

/* The pending secret's base32 into out when one is stored and opens: 1, else 0; -1. */
static int read_pending(struct db *db, struct arena *a, int64_t user_id,
			char out[TOTP_BASE32_SIZE])
{
	const char *stored = stored_pending(db, a, user_id);
	if (stored == NULL)
		return -1;
	const char *text = stored[0] ? seal_open(a, stored) : NULL;
	unsigned char key[TOTP_SECRET_BYTES];
	/* One that does not open (the key changed) is replaced by a new one. */
	if (text == NULL || strlen(text) >= TOTP_BASE32_SIZE || totp_key_from_base32(text, key) < 0)
		return 0;
	strcpy(out, text);
	return 1;
}

int twofactor_pending(struct db *db, struct arena *a, int64_t user_id,
		      char out[TOTP_BASE32_SIZE])
{
	/* Read first: a reload of the page writes nothing. */
	int shown = read_pending(db, a, user_id, out);
	if (shown != 0)
		return shown < 0 ? -1 : 0;
	unsigned char key[TOTP_SECRET_BYTES];
	auth_random(key, sizeof(key));
	if (totp_base32(key, sizeof(key), out) < 0)
		return -1;
	const char *sealed = seal_text(a, out);
	if (db_begin_write(db) < 0)
		return -1;
	/* Only where none was stored meanwhile (two tabs): then the stored one is shown. */
	sqlite3_stmt *st = db_stmt(db, "UPDATE users SET totp_pending = ? WHERE id = ?"
				       " AND totp_pending IS NULL");
	db_bind_text(st, 1, sealed);
	db_bind_int(st, 2, user_id);
	if (db_exec_stmt(db, st) < 0) {
		db_rollback(db);
		return -1;
	}
	bool mine = sqlite3_changes(db_conn(db)) > 0;
	if (db_commit(db) < 0)
		return -1;
	return mine || read_pending(db, a, user_id, out) == 1 ? 0 : -1;
}

/* Stores 10 new recovery codes for user_id (replacing the old), and their sealed copy. */
static int new_recovery_codes(struct db *db, struct arena *a, int64_t user_id)
{
	sqlite3_stmt *st = db_stmt(db, "DELETE FROM recovery_codes WHERE user_id = ?");
	db_bind_int(st, 1, user_id);
	if (db_exec_stmt(db, st) < 0)
		return -1;
	struct buf shown;
	buf_init(&shown, a);
	for (int i = 0; i < TOTP_RECOVERY_CODES; i++) {
		unsigned char r[TOTP_RECOVERY_LEN];
		char code[12], canon[TOTP_RECOVERY_LEN + 1], hash[65];
		auth_random(r, sizeof(r));
		totp_recovery_format(r, code);
		totp_recovery_normalise(code, canon);
		seal_hash(canon, hash);
		st = db_stmt(db, "INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)");
		db_bind_int(st, 1, user_id);
		db_bind_text(st, 2, hash);
		if (db_exec_stmt(db, st) < 0)
			return -1;
		buf_printf(&shown, "%s%s", i ? " " : "", code);
	}
	st = db_stmt(db, "UPDATE users SET recovery_unseen = ? WHERE id = ?");
	db_bind_text(st, 1, seal_text(a, buf_str(&shown)));
	db_bind_int(st, 2, user_id);
	return db_exec_stmt(db, st);
}

int twofactor_confirm(struct db *db, struct arena *a, int64_t user_id, const char *code)
{
	if (db_begin_write(db) < 0)
		return -1;
	const char *stored = stored_pending(db, a, user_id);
	if (stored == NULL)
		goto fail;
	unsigned char key[TOTP_SECRET_BYTES];
	if (stored[0] == '\0') {
		db_rollback(db);
		return 0;
	}
	if (open_secret(a, stored, key) < 0)
		goto fail;
	long long step = totp_check(key, sizeof(key), app_now(), code, 0);
	if (step < 0) {
		db_rollback(db);
		return 0;
	}
	/* The confirming code counts as used: it cannot sign in a second time. */
	sqlite3_stmt *st = db_stmt(db, "UPDATE users SET totp_secret = totp_pending,"
				       " totp_pending = NULL, totp_last_step = ? WHERE id = ?");
	db_bind_int(st, 1, step);
	db_bind_int(st, 2, user_id);
	if (db_exec_stmt(db, st) < 0 || new_recovery_codes(db, a, user_id) < 0 || db_commit(db) < 0)
		goto fail;
	return 1;
fail:
	db_rollback(db);
	return -1;
}

const char **twofactor_take_unseen(struct db *db, struct arena *a, int64_t user_id, int *failed)
{
	*failed = 0;
	/* Read first: the usual visit has nothing to show and writes nothing. */
	sqlite3_stmt *any = db_stmt(db, "SELECT count(*) FROM users WHERE id = ?"
					" AND recovery_unseen IS NOT NULL");
	db_bind_int(any, 1, user_id);
	int64_t waiting = db_int(db, any, -1);
	if (waiting <= 0) {
		*failed = waiting < 0;
		return NULL;
	}
	if (db_begin_write(db) < 0)
		goto fail;
	sqlite3_stmt *st = db_stmt(db, "SELECT recovery_unseen FROM users WHERE id = ?"
				       " AND recovery_unseen IS NOT NULL");
	db_bind_int(st, 1, user_id);
	int rc = db_step(st);
	const char *stored = rc == SQLITE_ROW ? arena_strdup(a, db_col_text(st, 0)) : NULL;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW) {
		db_rollback(db);
		if (rc == SQLITE_DONE)
			return NULL;
		goto fail;
	}
	st = db_stmt(db, "UPDATE users SET recovery_unseen = NULL WHERE id = ?");
	db_bind_int(st, 1, user_id);
	const char *text = seal_open(a, stored);
	if (text == NULL || db_exec_stmt(db, st) < 0 || db_commit(db) < 0) {
		db_rollback(db);
		goto fail;
	}
	const char **list = arena_alloc(a, (TOTP_RECOVERY_CODES + 1) * sizeof(*list));
	size_t n = 0;
	for (const char *p = text; *p && n < TOTP_RECOVERY_CODES;) {
		size_t len = strcspn(p, " ");
		list[n++] = arena_strndup(a, p, len);
		p += len + (p[len] == ' ');
	}
	list[n] = NULL;
	return list;
fail:
	*failed = 1;
	return NULL;
}

int twofactor_remove(struct db *db, int64_t user_id)
{
	sqlite3_stmt *st = db_stmt(db, "UPDATE users SET totp_secret = NULL, totp_pending = NULL,"
				       " totp_last_step = 0, recovery_unseen = NULL WHERE id = ?");
	db_bind_int(st, 1, user_id);
	if (db_exec_stmt(db, st) < 0)
		return -1;
	st = db_stmt(db, "DELETE FROM recovery_codes WHERE user_id = ?");
	db_bind_int(st, 1, user_id);
	if (db_exec_stmt(db, st) < 0)
		return -1;
	st = db_stmt(db, "DELETE FROM passkeys WHERE user_id = ?");
	db_bind_int(st, 1, user_id);
	return db_exec_stmt(db, st);
}

/* How long the set-up page's challenge for a new passkey works. */
#define PASSKEY_CHALLENGE_SECONDS (10 * 60)

/* The decoded bytes of a base64url field in a; NULL when absent or not base64url. */
static unsigned char *field_bytes(struct arena *a, const char *text, size_t *len)
{
	return text && text[0] ? auth_base64url_decode(a, text, len) : NULL;
}

int twofactor_verify_passkey(struct db *db, struct arena *a, int64_t user_id,
			     const char *challenge, const struct passkey_answer *p)
{
	const char *rp_id, *origin;
	size_t ad_len, cd_len, sig_len;
	unsigned char *ad = field_bytes(a, p->authenticator_data, &ad_len);
	unsigned char *cd = field_bytes(a, p->client_data, &cd_len);
	unsigned char *sig = field_bytes(a, p->signature, &sig_len);
	if (!passkey_relying_party(a, &rp_id, &origin) || ad == NULL || cd == NULL ||
	    sig == NULL || challenge[0] == '\0' ||
	    !passkey_client_data_ok(cd, cd_len, "webauthn.get", challenge, origin))
		return TWOFACTOR_WRONG;
	sqlite3_stmt *st = db_stmt(db, "SELECT id, public_key, sign_count FROM passkeys"
				       " WHERE user_id = ? AND credential_id = ?");
	db_bind_int(st, 1, user_id);
	db_bind_text(st, 2, p->credential_id);
	int rc = db_step(st);
	if (rc != SQLITE_ROW || sqlite3_column_bytes(st, 1) != PASSKEY_PUBKEY_SIZE) {
		sqlite3_reset(st);
		if (rc == SQLITE_ROW || rc == SQLITE_DONE)
			return TWOFACTOR_WRONG;
		db_log_error(db, "reading a passkey");
		return -1;
	}
	int64_t id = sqlite3_column_int64(st, 0);
	unsigned char key[PASSKEY_PUBKEY_SIZE];
	memcpy(key, sqlite3_column_blob(st, 1), sizeof(key));
	long long stored = sqlite3_column_int64(st, 2);
	sqlite3_reset(st);
	uint32_t count = 0;
	if (!passkey_verify(rp_id, cd, cd_len, ad, ad_len, sig, sig_len, key, &count))
		return TWOFACTOR_WRONG;
	/* A counter that does not grow: a copy of the authenticator, or an answer replayed. */
	if ((count != 0 || stored != 0) && (long long)count <= stored)
		return TWOFACTOR_REPLAY;
	st = db_stmt(db, "UPDATE passkeys SET sign_count = ?, last_used_at = ? WHERE id = ?");
	db_bind_int(st, 1, count);
	db_bind_int(st, 2, app_now());
	db_bind_int(st, 3, id);
	return db_exec_stmt(db, st) < 0 ? -1 : TWOFACTOR_RIGHT;
}

const char **twofactor_passkey_ids(struct db *db, struct arena *a, int64_t user_id)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT credential_id FROM passkeys WHERE user_id = ?"
				       " ORDER BY id");
	db_bind_int(st, 1, user_id);
	size_t n = 0, cap = 4;
	const char **ids = arena_alloc(a, cap * sizeof(*ids));
	while (db_step(st) == SQLITE_ROW) {
		if (n + 1 == cap) {
			const char **more = arena_alloc(a, 2 * cap * sizeof(*ids));
			memcpy(more, ids, n * sizeof(*ids));
			ids = more;
			cap *= 2;
		}
		ids[n++] = arena_strdup(a, db_col_text(st, 0));
	}
	sqlite3_reset(st);
	ids[n] = NULL;
	return n ? ids : NULL;
}

json_t *twofactor_passkeys_json(struct db *db, int64_t user_id)
{
	json_t *list = json_array();
	sqlite3_stmt *st = db_stmt(db, "SELECT created_at, last_used_at FROM passkeys"
				       " WHERE user_id = ? ORDER BY id");
	db_bind_int(st, 1, user_id);
	for (int n = 1; db_step(st) == SQLITE_ROW; n++) {
		char added[64], used[64] = "never";
		time_format(sqlite3_column_int64(st, 0), added, sizeof(added));
		if (sqlite3_column_type(st, 1) != SQLITE_NULL)
			time_format(sqlite3_column_int64(st, 1), used, sizeof(used));
		json_array_append_new(list, json_pack("{s:i, s:s, s:s}", "n", n, "added", added,
						      "used", used));
	}
	sqlite3_reset(st);
	return list;
}

const char *twofactor_passkey_challenge(struct db *db, struct arena *a, int64_t user_id)
{
	unsigned char raw[32];
	auth_random(raw, sizeof(raw));
	const char *challenge = auth_base64url(a, raw, sizeof(raw));
	if (db_begin_write(db) < 0)
		return NULL;
	sqlite3_stmt *st = db_stmt(db, "UPDATE users SET passkey_challenge = ?,"
				       " passkey_challenge_at = ? WHERE id = ?");
	db_bind_text(st, 1, challenge);
	db_bind_int(st, 2, app_now());
	db_bind_int(st, 3, user_id);
	if (db_exec_stmt(db, st) < 0 || db_commit(db) < 0) {
		db_rollback(db);
		return NULL;
	}
	return challenge;
}

/* The registration challenge of user_id while it works, spent here (in the caller's
 * transaction): base64url in a, "" when there is none, NULL on failure. */
static const char *spend_registration_challenge(struct db *db, struct arena *a, int64_t user_id)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT passkey_challenge FROM users WHERE id = ?"
				       " AND passkey_challenge IS NOT NULL AND passkey_challenge_at > ?");
	db_bind_int(st, 1, user_id);
	db_bind_int(st, 2, app_now() - PASSKEY_CHALLENGE_SECONDS);
	int rc = db_step(st);
	const char *c = rc == SQLITE_ROW ? arena_strdup(a, db_col_text(st, 0)) : "";
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return NULL;
	st = db_stmt(db, "UPDATE users SET passkey_challenge = NULL, passkey_challenge_at = NULL"
			 " WHERE id = ?");
	db_bind_int(st, 1, user_id);
	return db_exec_stmt(db, st) < 0 ? NULL : c;
}

int twofactor_passkey_add(struct db *db, struct arena *a, int64_t user_id,
			  const struct passkey_answer *p)
{
	const char *rp_id, *origin;
	size_t ad_len, cd_len;
	unsigned char *ad = field_bytes(a, p->authenticator_data, &ad_len);
	unsigned char *cd = field_bytes(a, p->client_data, &cd_len);
	if (!passkey_relying_party(a, &rp_id, &origin) || ad == NULL || cd == NULL ||
	    p->credential_id == NULL)
		return 0;
	if (db_begin_write(db) < 0)
		return -1;
	const char *challenge = spend_registration_challenge(db, a, user_id);
	if (challenge == NULL)
		goto fail;
	struct passkey_new made;
	int verdict = 0;
	if (challenge[0] && passkey_client_data_ok(cd, cd_len, "webauthn.create", challenge, origin) &&
	    passkey_read_registration(a, rp_id, p->credential_id, ad, ad_len, &made) == 0) {
		sqlite3_stmt *st = db_stmt(db, "INSERT OR IGNORE INTO passkeys (user_id, credential_id,"
					       " public_key, sign_count, created_at)"
					       " VALUES (?, ?, ?, ?, ?)");
		db_bind_int(st, 1, user_id);
		db_bind_text(st, 2, made.credential_id);
		db_bind_blob(st, 3, made.public_key, sizeof(made.public_key));
		db_bind_int(st, 4, made.sign_count);
		db_bind_int(st, 5, app_now());
		if (db_exec_stmt(db, st) < 0)
			goto fail;
		verdict = sqlite3_changes(db_conn(db)) > 0;
	}
	/* A refused answer still spends the challenge: the page makes a new one. */
	return db_commit(db) < 0 ? -1 : verdict;
fail:
	db_rollback(db);
	return -1;
}
