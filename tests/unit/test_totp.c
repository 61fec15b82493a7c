/* test_totp.c: RFC 6238's SHA-1 vectors, the one-step window, replay, base32, recovery codes, QR. */
#include <stdlib.h>

#include "test.h"
#include "totp.h"

/* RFC 6238, appendix B: the SHA-1 key and its 8-digit codes at these times. */
static const unsigned char rfc_key[] = "12345678901234567890";
static const struct {
	long long t;
	const char *code;
} vectors[] = {
    {59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
    {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000LL, "65353130"},
};

/* The 6-digit code at t: the last six digits of the 8-digit one, as HOTP truncates. */
static const char *six(long long t, char out[9])
{
	CHECK(totp_generate(rfc_key, 20, t, 6, out) == 0);
	return out;
}

static void test_vectors(void)
{
	char out[9];
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		CHECK(totp_generate(rfc_key, 20, vectors[i].t, 8, out) == 0);
		CHECK_STR(out, vectors[i].code);
		CHECK_STR(six(vectors[i].t, out), vectors[i].code + 2);
	}
}

/* Accepted now, one step before and after; not two steps away. */
static void test_window(void)
{
	long long now = 1111111111, step = now / TOTP_STEP;
	char code[9];
	CHECK(totp_check(rfc_key, 20, now, six(now, code), 0) == step);
	CHECK(totp_check(rfc_key, 20, now, six(now - TOTP_STEP, code), 0) == step - 1);
	CHECK(totp_check(rfc_key, 20, now, six(now + TOTP_STEP, code), 0) == step + 1);
	CHECK(totp_check(rfc_key, 20, now, six(now - 2 * TOTP_STEP, code), 0) == TOTP_WRONG);
	CHECK(totp_check(rfc_key, 20, now, six(now + 2 * TOTP_STEP, code), 0) == TOTP_WRONG);
	/* The RFC's own vector, checked at its time. */
	CHECK(totp_check(rfc_key, 20, 59, "287082", 0) == 1);
	CHECK(totp_check(rfc_key, 20, 59, "287083", 0) == TOTP_WRONG);
	/* Only six digits are a code. */
	CHECK(totp_check(rfc_key, 20, 59, "94287082", 0) == TOTP_WRONG);
	CHECK(totp_check(rfc_key, 20, 59, "28708", 0) == TOTP_WRONG);
	CHECK(totp_check(rfc_key, 20, 59, "28708a", 0) == TOTP_WRONG);
	CHECK(totp_check(rfc_key, 20, 59, "", 0) == TOTP_WRONG);
}

/* A code of the step last accepted, or of an earlier one, is a replay. */
static void test_replay(void)
{
	long long now = 2000000000, step = now / TOTP_STEP;
	char code[9];
	six(now, code);
	CHECK(totp_check(rfc_key, 20, now, code, 0) == step);
	CHECK(totp_check(rfc_key, 20, now, code, step) == TOTP_REPLAY);
	/* The previous step's code, still within the drift, after the current one was used. */
	CHECK(totp_check(rfc_key, 20, now, six(now - TOTP_STEP, code), step) == TOTP_REPLAY);
	/* The next step's code is still new. */
	CHECK(totp_check(rfc_key, 20, now, six(now + TOTP_STEP, code), step) == step + 1);
	/* A wrong code stays wrong, replay or not. */
	CHECK(totp_check(rfc_key, 20, now, "000000", step) == TOTP_WRONG ||
	      strcmp(six(now, code), "000000") == 0);
}

static void test_base32(void)
{
	char text[TOTP_BASE32_SIZE];
	CHECK(totp_base32(rfc_key, 20, text) == 0);
	/* RFC 4648's base32 of "12345678901234567890". */
	CHECK_STR(text, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
	unsigned char key[TOTP_SECRET_BYTES];
	CHECK(totp_key_from_base32(text, key) == 0 && memcmp(key, rfc_key, 20) == 0);
	CHECK(totp_key_from_base32("GEZDGNBV", key) == -1);
	CHECK(totp_key_from_base32("not base32!", key) == -1);
}

static void test_recovery(void)
{
	unsigned char r[TOTP_RECOVERY_LEN] = {0, 1, 2, 3, 31, 32, 33, 200, 255, 10};
	char shown[12], canon[TOTP_RECOVERY_LEN + 1];
	totp_recovery_format(r, shown);
	CHECK_STR(shown, "0123Z-018ZA");
	CHECK(totp_recovery_normalise(shown, canon));
	CHECK_STR(canon, "0123Z018ZA");
	/* Typed in lower case, with spaces, O for 0 and l for 1. */
	CHECK(totp_recovery_normalise(" o123z 0l8za", canon));
	CHECK_STR(canon, "0123Z018ZA");
	CHECK(!totp_recovery_normalise("0123Z-018Z", canon));
	CHECK(!totp_recovery_normalise("0123Z-018ZAB", canon));
	CHECK(!totp_recovery_normalise("0123U-018ZA", canon));
	CHECK(!totp_recovery_normalise("", canon));
	CHECK(!totp_code_shaped("0123Z018ZA"));
	CHECK(totp_code_shaped("012345"));
	CHECK(!totp_code_shaped("0123456"));
}

static void test_uri_and_qr(void)
{
	struct arena a;
	arena_init(&a);
	char *uri = totp_uri(&a, "City Programs", "ana@example.org", "GEZDGNBV");
	CHECK_STR(uri, "otpauth://totp/City%20Programs:ana%40example.org?secret=GEZDGNBV"
		       "&issuer=City%20Programs&algorithm=SHA1&digits=6&period=30");
	int size = 0;
	char *path = totp_qr_path(&a, uri, &size);
	/* Version 5 or so: 37 modules and the quiet zone; the finder's top row is 7 dark. */
	CHECK(path != NULL && size >= 21 + 8 && (size - 8 - 17) % 4 == 0);
	CHECK(path && strncmp(path, "M4 4h7v1h-7z", 12) == 0);
	arena_free(&a);
}

int main(void)
{
	CHECK(totp_init() == 0);
	test_vectors();
	test_window();
	test_replay();
	test_base32();
	test_recovery();
	test_uri_and_qr();
	return TEST_DONE("totp");
}
