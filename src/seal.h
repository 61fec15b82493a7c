/* seal.h: personal fields encrypted at rest under the key file, keyed hashes to find them. */
#ifndef PORTAL_SEAL_H
#define PORTAL_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

/*
 * Convention: functions returning int give 0 on success and -1 on failure,
 * after a message on standard error.  Every function here may be called from
 * any thread once seal_init has returned.
 */

/* The prefix of a sealed value: "s1:" + base64 of nonce || ciphertext || tag. */
#define SEAL_PREFIX "s1:"

/*
 * Reads the key file (exactly 32 bytes, not readable by other users) and
 * derives the subkeys from it.  Called once, before any thread starts; a
 * second call replaces the key.  0, or -1 after a message.
 */
int seal_init(const char *key_file);

/* Whether a key is loaded. */
bool seal_ready(void);

/*
 * Writes a new key file of 32 random bytes at path, mode 0400, refusing to
 * overwrite anything there.  0, or -1 after a message.
 */
int seal_keygen(const char *path);

/*
 * The stored form of plain, in arena: "" stays "" and NULL stays NULL, so
 * that what was empty or absent stays so.  A key must be loaded (seal_ready).
 */
const char *seal_text(struct arena *a, const char *plain);

/*
 * The plain text of a stored value, in arena (or stored itself when it is
 * not sealed: a value not yet migrated, or "").  NULL when it cannot be
 * opened: damaged, sealed under another key, or no key loaded; callers then
 * answer with an error, never with the stored form.
 */
const char *seal_open(struct arena *a, const char *stored);

/*
 * seal_open for a reader of several columns: "" in place of a value that
 * does not open, and *failed set, so that the caller checks once and answers
 * with an error.  *failed is never cleared.
 */
const char *seal_open_or_fail(struct arena *a, const char *stored, bool *failed);

/* Whether stored is in the sealed form (carries the prefix). */
bool seal_is_sealed(const char *stored);

/*
 * A keyed hash (BLAKE2b-256 under a subkey of the key) of value, as 64
 * lower-case hex digits and a NUL in out: equal values give equal hashes
 * under one key, and nobody without the key can test a guess.
 */
void seal_hash(const char *value, char out[65]);

/*
 * For `portal rekey`: makes new_key_file the key that seal_text and
 * seal_hash use from now on, while seal_open still opens values sealed under
 * the previous key.  0, or -1 after a message (the key in use stays).
 */
int seal_rekey_begin(const char *new_key_file);

/* ---- backups: files encrypted with crypto_secretstream_xchacha20poly1305 ---- */

/* Whether the file at path begins with the header of an encrypted backup: 1
 * yes, 0 no, -1 after a message when it cannot be read. */
int seal_file_is_sealed(const char *path);

/*
 * Encrypts the file from into the file to (created or truncated, mode 0600),
 * in chunks authenticated one by one and as a whole, under a subkey of the
 * loaded key.  0, or -1 after a message (to may then be left partial: the
 * caller removes it).
 */
int seal_file_encrypt(const char *from, const char *to);

/*
 * Decrypts the encrypted backup from into the file to (which the caller
 * created, mode 0600).  Refuses, with a message saying which, a file sealed
 * under another key, a damaged one and a truncated one.  0 or -1.
 */
int seal_file_decrypt(const char *from, const char *to);

#endif
