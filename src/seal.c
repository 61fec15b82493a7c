/* seal.c: personal fields encrypted at rest, keyed hashes for lookups, encrypted backups. */

/*
 * Why a second module touching libsodium, beside auth.c: auth.c owns what
 * proves who someone is (password hashes, tokens, CSRF), and its keys live in
 * the database; this one owns what hides what someone told us, under a key
 * that must never be in the database or a backup of it.  Keeping the two
 * apart keeps the key file's subkeys in one place that nothing else reads.
 */
#include "seal.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { KEY_BYTES = 32 };

/* The subkeys derived from one key file (crypto_kdf, context "portalsl"). */
struct keys {
	uint8_t field[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];     /* id 1: sealed fields */
	uint8_t hash[crypto_generichash_KEYBYTES];                      /* id 2: lookup hashes */
	uint8_t backup[crypto_secretstream_xchacha20poly1305_KEYBYTES]; /* id 3: backups */
};

/* Set before any thread starts (seal_init, seal_rekey_begin), read-only after. */
static struct keys current, previous;
static bool loaded, have_previous;

static const char kdf_context[crypto_kdf_CONTEXTBYTES + 1] = "portalsl";

/* Reads exactly KEY_BYTES from path into key.  0, or -1 after a message. */
static int read_key(const char *path, uint8_t key[KEY_BYTES])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "portal: cannot read the key file %s: %s\n", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "portal: the key file %s is not a regular file\n", path);
		close(fd);
		return -1;
	}
	/* Like ssh with its private keys: a key others may read is no longer a secret. */
	if (st.st_mode & 0007) {
		fprintf(stderr,
		        "portal: the key file %s is open to other users (mode %04o);"
		        " chmod 0400 it\n",
		        path, (unsigned)(st.st_mode & 07777));
		close(fd);
		return -1;
	}
	uint8_t buf[KEY_BYTES + 1];
	ssize_t n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n != KEY_BYTES) {
		fprintf(stderr,
		        "portal: the key file %s must hold exactly %d bytes"
		        " (make one with `portal keygen FILE`)\n",
		        path, KEY_BYTES);
		sodium_memzero(buf, sizeof(buf));
		return -1;
	}
	memcpy(key, buf, KEY_BYTES);
	sodium_memzero(buf, sizeof(buf));
	return 0;
}

/* Loads path's subkeys into k.  0 or -1 after a message. */
static int load_keys(const char *path, struct keys *k)
{
	if (sodium_init() < 0) {
		fputs("portal: libsodium failed to initialise\n", stderr);
		return -1;
	}
	uint8_t master[KEY_BYTES];
	if (read_key(path, master) < 0)
		return -1;
	crypto_kdf_derive_from_key(k->field, sizeof(k->field), 1, kdf_context, master);
	crypto_kdf_derive_from_key(k->hash, sizeof(k->hash), 2, kdf_context, master);
	crypto_kdf_derive_from_key(k->backup, sizeof(k->backup), 3, kdf_context, master);
	sodium_memzero(master, sizeof(master));
	return 0;
}

int seal_init(const char *key_file)
{
	struct keys k;
	if (load_keys(key_file, &k) < 0)
		return -1;
	current = k;
	sodium_memzero(&k, sizeof(k));
	loaded = true;
	have_previous = false;
	return 0;
}

bool seal_ready(void)
{
	return loaded;
}

int seal_rekey_begin(const char *new_key_file)
{
	if (!loaded) {
		fputs("portal: no key is loaded to rekey from\n", stderr);
		return -1;
	}
	struct keys k;
	if (load_keys(new_key_file, &k) < 0)
		return -1;
	if (sodium_memcmp(k.field, current.field, sizeof(k.field)) == 0) {
		fprintf(stderr, "portal: %s holds the key already in use\n", new_key_file);
		sodium_memzero(&k, sizeof(k));
		return -1;
	}
	previous = current;
	current = k;
	sodium_memzero(&k, sizeof(k));
	have_previous = true;
	return 0;
}

int seal_keygen(const char *path)
{
	if (sodium_init() < 0) {
		fputs("portal: libsodium failed to initialise\n", stderr);
		return -1;
	}
	/* O_EXCL: an existing key may be the only one that opens a database. */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0400);
	if (fd < 0) {
		fprintf(stderr, "portal: cannot create the key file %s: %s%s\n", path,
		        strerror(errno), errno == EEXIST ? " (a key is never overwritten)" : "");
		return -1;
	}
	uint8_t key[KEY_BYTES];
	randombytes_buf(key, sizeof(key));
	/* fchmod: the mode given to open is cut by the umask, and 0400 is wanted whatever it is. */
	int rc = fchmod(fd, 0400) == 0 && write(fd, key, sizeof(key)) == (ssize_t)sizeof(key) &&
	                 fsync(fd) == 0
	             ? 0
	             : -1;
	sodium_memzero(key, sizeof(key));
	if (rc < 0)
		fprintf(stderr, "portal: cannot write the key file %s: %s\n", path,
		        strerror(errno));
	if (close(fd) < 0)
		rc = -1;
	if (rc < 0)
		unlink(path);
	return rc;
}

enum {
	NONCE = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
	TAG = crypto_aead_xchacha20poly1305_ietf_ABYTES,
	PREFIX_LEN = sizeof(SEAL_PREFIX) - 1,
};

bool seal_is_sealed(const char *stored)
{
	return stored && strncmp(stored, SEAL_PREFIX, PREFIX_LEN) == 0;
}

const char *seal_text(struct arena *a, const char *plain)
{
	if (plain == NULL || plain[0] == '\0')
		return plain;
	if (!loaded) {
		/* Commands that write personal data check seal_ready first. */
		fputs("portal: no key loaded to seal a value with\n", stderr);
		abort();
	}
	size_t len = strlen(plain);
	size_t blen = NONCE + len + TAG;
	uint8_t *bin = arena_alloc(a, blen);
	randombytes_buf(bin, NONCE);
	crypto_aead_xchacha20poly1305_ietf_encrypt(bin + NONCE, NULL, (const uint8_t *)plain, len,
	                                           NULL, 0, NULL, bin, current.field);
	size_t b64 = sodium_base64_ENCODED_LEN(blen, sodium_base64_VARIANT_ORIGINAL);
	char *out = arena_alloc(a, PREFIX_LEN + b64);
	memcpy(out, SEAL_PREFIX, PREFIX_LEN);
	sodium_bin2base64(out + PREFIX_LEN, b64, bin, blen, sodium_base64_VARIANT_ORIGINAL);
	return out;
}

/* Opens bin (nonce || ciphertext || tag, blen bytes) under key into out. */
static bool open_with(const uint8_t *key, const uint8_t *bin, size_t blen, char *out)
{
	unsigned long long n;
	return crypto_aead_xchacha20poly1305_ietf_decrypt((uint8_t *)out, &n, NULL, bin + NONCE,
	                                                  blen - NONCE, NULL, 0, bin, key) == 0;
}

const char *seal_open(struct arena *a, const char *stored)
{
	/* Not sealed (yet): the value as it is, copied, since stored is often a
	 * statement's column that the next reset frees. */
	if (!seal_is_sealed(stored))
		return stored ? arena_strdup(a, stored) : NULL;
	if (!loaded)
		return NULL;
	const char *b64 = stored + PREFIX_LEN;
	size_t b64len = strlen(b64);
	size_t cap = b64len / 4 * 3 + 3;
	uint8_t *bin = arena_alloc(a, cap);
	size_t blen;
	if (sodium_base642bin(bin, cap, b64, b64len, NULL, &blen, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    blen < NONCE + TAG)
		return NULL;
	char *out = arena_alloc(a, blen - NONCE - TAG + 1);
	if (!open_with(current.field, bin, blen, out) &&
	    !(have_previous && open_with(previous.field, bin, blen, out)))
		return NULL;
	out[blen - NONCE - TAG] = '\0';
	/* A value with a NUL inside was not written by seal_text. */
	if (strlen(out) != blen - NONCE - TAG)
		return NULL;
	return out;
}

const char *seal_open_or_fail(struct arena *a, const char *stored, bool *failed)
{
	const char *v = seal_open(a, stored);
	if (v == NULL && stored != NULL) {
		*failed = true;
		return "";
	}
	return v;
}

void seal_hash(const char *value, char out[65])
{
	uint8_t h[32];
	crypto_generichash(h, sizeof(h), (const uint8_t *)value, strlen(value), current.hash,
	                   sizeof(current.hash));
	sodium_bin2hex(out, 65, h, sizeof(h));
}

/* ---- encrypted backups ----
 *
 * The file: MAGIC (16 bytes), a key id (16 bytes: a keyed hash of a constant,
 * so that a file of another key is told apart from a damaged one), the
 * secretstream header, then chunks, each a 4-byte big-endian length and that
 * many bytes of ciphertext of up to CHUNK plain bytes; the last chunk carries
 * TAG_FINAL, so a file cut short is told apart from a whole one.  MAGIC and
 * the key id are the associated data of every chunk.
 */
static const char magic[16] = "portal-backup-1\n";
enum {
	KEY_ID = 16,
	HEAD = sizeof(magic) + KEY_ID,
	CHUNK = 64 * 1024,
	SS_HEADER = crypto_secretstream_xchacha20poly1305_HEADERBYTES,
	SS_ABYTES = crypto_secretstream_xchacha20poly1305_ABYTES,
};

static void key_id(const uint8_t *backup_key, uint8_t out[KEY_ID])
{
	static const char what[] = "portal backup key id";
	crypto_generichash(out, KEY_ID, (const uint8_t *)what, sizeof(what) - 1, backup_key,
	                   crypto_secretstream_xchacha20poly1305_KEYBYTES);
}

int seal_file_is_sealed(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "portal: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	char head[sizeof(magic)];
	size_t n = fread(head, 1, sizeof(head), f);
	fclose(f);
	return n == sizeof(head) && memcmp(head, magic, sizeof(magic)) == 0;
}

/* Writes n bytes to fd whatever short writes come; 0 or -1. */
static int write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;
	while (n > 0) {
		ssize_t w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

int seal_file_encrypt(const char *from, const char *to)
{
	if (!loaded) {
		fputs("portal: an encrypted backup needs the key file (key_file or --key-file)\n",
		      stderr);
		return -1;
	}
	FILE *in = fopen(from, "rb");
	if (in == NULL) {
		fprintf(stderr, "portal: cannot open %s: %s\n", from, strerror(errno));
		return -1;
	}
	int fd = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || fchmod(fd, 0600) < 0) {
		fprintf(stderr, "portal: cannot create %s: %s\n", to, strerror(errno));
		if (fd >= 0)
			close(fd);
		fclose(in);
		return -1;
	}
	uint8_t head[HEAD], ss[SS_HEADER];
	memcpy(head, magic, sizeof(magic));
	key_id(current.backup, head + sizeof(magic));
	crypto_secretstream_xchacha20poly1305_state state;
	crypto_secretstream_xchacha20poly1305_init_push(&state, ss, current.backup);
	int rc =
	    write_all(fd, head, sizeof(head)) == 0 && write_all(fd, ss, sizeof(ss)) == 0 ? 0 : -1;
	uint8_t *plain = malloc(CHUNK), *cipher = malloc(CHUNK + SS_ABYTES + 4);
	if (plain == NULL || cipher == NULL)
		die_oom();
	/* Reading one chunk ahead tells which chunk is the last. */
	size_t n = fread(plain, 1, CHUNK, in);
	while (rc == 0) {
		int c = fgetc(in);
		bool last = c == EOF;
		unsigned long long clen;
		crypto_secretstream_xchacha20poly1305_push(
		    &state, cipher + 4, &clen, plain, n, head, sizeof(head),
		    last ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0);
		cipher[0] = (uint8_t)(clen >> 24);
		cipher[1] = (uint8_t)(clen >> 16);
		cipher[2] = (uint8_t)(clen >> 8);
		cipher[3] = (uint8_t)clen;
		if (write_all(fd, cipher, (size_t)clen + 4) < 0)
			rc = -1;
		if (last)
			break;
		plain[0] = (uint8_t)c;
		n = 1 + fread(plain + 1, 1, CHUNK - 1, in);
	}
	if (ferror(in)) {
		fprintf(stderr, "portal: reading %s failed\n", from);
		rc = -1;
	} else if (rc == 0 && fsync(fd) < 0) {
		rc = -1;
	}
	if (close(fd) < 0)
		rc = -1;
	if (rc < 0 && !ferror(in))
		fprintf(stderr, "portal: writing %s failed: %s\n", to, strerror(errno));
	fclose(in);
	sodium_memzero(plain, CHUNK);
	free(plain);
	free(cipher);
	sodium_memzero(&state, sizeof(state));
	return rc;
}

/* Decrypts from's chunks (after its header) into fd; the reason of a refusal in *why. */
static int decrypt_stream(FILE *in, int fd, const uint8_t *head, const char **why)
{
	uint8_t ss[SS_HEADER];
	crypto_secretstream_xchacha20poly1305_state state;
	*why = "it is damaged";
	if (fread(ss, 1, sizeof(ss), in) != sizeof(ss)) {
		*why = "it is truncated";
		return -1;
	}
	if (crypto_secretstream_xchacha20poly1305_init_pull(&state, ss, current.backup) != 0)
		return -1;
	uint8_t *cipher = malloc(CHUNK + SS_ABYTES), *plain = malloc(CHUNK);
	if (plain == NULL || cipher == NULL)
		die_oom();
	int rc = -1;
	for (;;) {
		uint8_t len[4];
		size_t got = fread(len, 1, sizeof(len), in);
		if (got == 0 && feof(in)) {
			*why = "it is truncated (its last part is missing)";
			break;
		}
		if (got != sizeof(len)) {
			*why = "it is truncated";
			break;
		}
		uint32_t clen = (uint32_t)len[0] << 24 | (uint32_t)len[1] << 16 |
		                (uint32_t)len[2] << 8 | len[3];
		if (clen < SS_ABYTES || clen > CHUNK + SS_ABYTES)
			break;
		if (fread(cipher, 1, clen, in) != clen) {
			*why = "it is truncated";
			break;
		}
		unsigned long long plen;
		uint8_t tag;
		if (crypto_secretstream_xchacha20poly1305_pull(&state, plain, &plen, &tag, cipher,
		                                               clen, head, HEAD) != 0)
			break;
		if (write_all(fd, plain, (size_t)plen) < 0) {
			*why = strerror(errno);
			break;
		}
		if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
			/* Anything after the final chunk was not written by this portal. */
			rc = fgetc(in) == EOF && !ferror(in) ? 0 : -1;
			break;
		}
	}
	sodium_memzero(plain, CHUNK);
	free(plain);
	free(cipher);
	sodium_memzero(&state, sizeof(state));
	return rc;
}

int seal_file_decrypt(const char *from, const char *to)
{
	if (!loaded) {
		fprintf(stderr,
		        "portal: %s is an encrypted backup: give the key file it was made"
		        " with (key_file or --key-file)\n",
		        from);
		return -1;
	}
	FILE *in = fopen(from, "rb");
	if (in == NULL) {
		fprintf(stderr, "portal: cannot open %s: %s\n", from, strerror(errno));
		return -1;
	}
	uint8_t head[HEAD], want[KEY_ID];
	int rc = -1;
	const char *why = "it is not an encrypted backup";
	if (fread(head, 1, sizeof(head), in) == sizeof(head) &&
	    memcmp(head, magic, sizeof(magic)) == 0) {
		key_id(current.backup, want);
		if (sodium_memcmp(head + sizeof(magic), want, KEY_ID) != 0) {
			why = "it was encrypted with another key";
		} else {
			int fd = open(to, O_WRONLY | O_TRUNC | O_CLOEXEC);
			if (fd < 0) {
				why = strerror(errno);
			} else {
				rc = decrypt_stream(in, fd, head, &why);
				if (rc == 0 && fsync(fd) < 0) {
					why = strerror(errno);
					rc = -1;
				}
				if (close(fd) < 0)
					rc = -1;
			}
		}
	}
	fclose(in);
	if (rc < 0)
		fprintf(stderr, "portal: cannot restore %s: %s; nothing was changed\n", from, why);
	return rc;
}
