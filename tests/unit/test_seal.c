/* test_seal.c: sealed values round-trip, resist tampering and other keys; hashes are stable. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "seal.h"
#include "test.h"

/* A fresh key file in dir; its path is malloc'd. */
static char *new_key(const char *dir, const char *name)
{
	char *path = malloc(512);
	snprintf(path, 512, "%s/%s", dir, name);
	CHECK(seal_keygen(path) == 0);
	return path;
}

int main(void)
{
	char dir[] = "/tmp/test-seal-XXXXXX";
	if (mkdtemp(dir) == NULL)
		return 1;
	struct arena a;
	arena_init(&a);

	/* keygen: 32 bytes, mode 0400, never overwrites. */
	char *k1 = new_key(dir, "one.key");
	struct stat st;
	CHECK(stat(k1, &st) == 0 && st.st_size == 32 && (st.st_mode & 0777) == 0400);
	CHECK(seal_keygen(k1) == -1);
	CHECK(!seal_ready());
	CHECK(seal_open(&a, "s1:AAAA") == NULL); /* no key: nothing opens */
	CHECK(seal_init(k1) == 0);
	CHECK(seal_ready());

	/* Round trip, and a new nonce each time. */
	const char *plain = "Needs a wheelchair ramp; épée \xe2\x9c\x93";
	const char *s1 = seal_text(&a, plain), *s2 = seal_text(&a, plain);
	CHECK(strncmp(s1, SEAL_PREFIX, 3) == 0);
	CHECK(strstr(s1, "wheelchair") == NULL);
	CHECK(strcmp(s1, s2) != 0);
	CHECK_STR(seal_open(&a, s1), plain);
	CHECK_STR(seal_open(&a, s2), plain);

	/* Empty and NULL stay so; a value without the prefix comes back as it is. */
	CHECK_STR(seal_text(&a, ""), "");
	CHECK(seal_text(&a, NULL) == NULL);
	CHECK_STR(seal_open(&a, ""), "");
	CHECK(seal_open(&a, NULL) == NULL);
	CHECK_STR(seal_open(&a, "1980-05-17"), "1980-05-17");
	bool failed = false;
	CHECK_STR(seal_open_or_fail(&a, "3105550100", &failed), "3105550100");
	CHECK(!failed);

	/* Tampering: any changed character, a cut, or garbage fails to open. */
	char *t = arena_strdup(&a, s1);
	size_t len = strlen(t);
	for (size_t i = 3; i < len; i += 7) {
		char was = t[i];
		t[i] = was == 'A' ? 'B' : 'A';
		CHECK(seal_open(&a, t) == NULL);
		t[i] = was;
	}
	CHECK_STR(seal_open(&a, t), plain);
	CHECK(seal_open(&a, arena_strndup(&a, s1, len - 4)) == NULL);
	CHECK(seal_open(&a, "s1:") == NULL);
	CHECK(seal_open(&a, "s1:not base64 at all!") == NULL);
	CHECK_STR(seal_open_or_fail(&a, "s1:AAAA", &failed), "");
	CHECK(failed);

	/* Hashes: stable under one key, different for different values and keys. */
	char h1[65], h2[65], h3[65];
	seal_hash("1980-05-17", h1);
	seal_hash("1980-05-17", h2);
	seal_hash("1980-05-18", h3);
	CHECK(strlen(h1) == 64);
	CHECK_STR(h1, h2);
	CHECK(strcmp(h1, h3) != 0);

	/* Another key opens nothing of the first; rekey opens both, seals with the new. */
	char *k2 = new_key(dir, "two.key");
	CHECK(seal_init(k2) == 0);
	CHECK(seal_open(&a, s1) == NULL);
	seal_hash("1980-05-17", h2);
	CHECK(strcmp(h1, h2) != 0);
	CHECK(seal_init(k1) == 0);
	CHECK(seal_rekey_begin(k1) == -1); /* the key in use already */
	CHECK(seal_rekey_begin(k2) == 0);
	CHECK_STR(seal_open(&a, s1), plain);
	const char *s3 = seal_text(&a, plain);
	CHECK(seal_init(k2) == 0);
	CHECK_STR(seal_open(&a, s3), plain);
	CHECK(seal_open(&a, s1) == NULL);

	/* A key file others may read, or of the wrong size, is refused. */
	char bad[512];
	snprintf(bad, sizeof(bad), "%s/bad.key", dir);
	FILE *f = fopen(bad, "w");
	fputs("short", f);
	fclose(f);
	chmod(bad, 0600);
	CHECK(seal_init(bad) == -1);
	chmod(k2, 0444);
	CHECK(seal_init(k2) == -1);
	CHECK(seal_ready()); /* the key in use stays */

	unlink(bad);
	unlink(k1);
	unlink(k2);
	rmdir(dir);
	free(k1);
	free(k2);
	arena_free(&a);
	return TEST_DONE("seal");
}
