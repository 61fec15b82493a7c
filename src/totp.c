/* totp.c: RFC 6238 codes through liboath, recovery codes, and QR codes as SVG paths. */
#include "totp.h"

#include <ctype.h>
#include <errno.h>
#include <liboath/oath.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int totp_init(void)
{
	return oath_init() == OATH_OK ? 0 : -1;
}

int totp_generate(const unsigned char *key, size_t len, long long t, unsigned digits, char *out)
{
	int rc = oath_totp_generate((const char *)key, len, (time_t)t, TOTP_STEP,
				    OATH_TOTP_DEFAULT_START_TIME, digits, out);
	return rc == OATH_OK ? 0 : -1;
}

bool totp_code_shaped(const char *s)
{
	for (int i = 0; i < TOTP_DIGITS; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return s[TOTP_DIGITS] == '\0';
}

long long totp_check(const unsigned char *key, size_t len, long long now, const char *code,
		     long long last_step)
{
	/* liboath takes the number of digits from the code's length: only six will do. */
	if (!totp_code_shaped(code))
		return TOTP_WRONG;
	int pos;
	uint64_t counter;
	int rc = oath_totp_validate3((const char *)key, len, (time_t)now, TOTP_STEP,
				     OATH_TOTP_DEFAULT_START_TIME, TOTP_DRIFT, &pos, &counter,
				     code);
	if (rc < 0)
		return TOTP_WRONG;
	return (long long)counter <= last_step ? TOTP_REPLAY : (long long)counter;
}

int totp_base32(const unsigned char *key, size_t len, char out[TOTP_BASE32_SIZE])
{
	char *text = NULL;
	size_t n = 0;
	int rc = oath_base32_encode((const char *)key, len, &text, &n);
	if (rc == OATH_MALLOC_ERROR)
		die_oom();
	if (rc != OATH_OK)
		return -1;
	/* Padding means nothing to an authenticator app, and 20 bytes need none. */
	while (n > 0 && text[n - 1] == '=')
		n--;
	rc = n < TOTP_BASE32_SIZE ? 0 : -1;
	if (rc == 0) {
		memcpy(out, text, n);
		out[n] = '\0';
	}
	free(text);
	return rc;
}

int totp_key_from_base32(const char *text, unsigned char key[TOTP_SECRET_BYTES])
{
	char *raw = NULL;
	size_t n = 0;
	int rc = oath_base32_decode(text, strlen(text), &raw, &n);
	if (rc == OATH_MALLOC_ERROR)
		die_oom();
	if (rc != OATH_OK)
		return -1;
	rc = n == TOTP_SECRET_BYTES ? 0 : -1;
	if (rc == 0)
		memcpy(key, raw, n);
	free(raw);
	return rc;
}

char *totp_uri(struct arena *a, const char *issuer, const char *account, const char *base32)
{
	/* The label says issuer and account; the issuer parameter repeats it for apps that
	 * read only the parameter. */
	const char *i = url_encode(a, issuer);
	return arena_printf(a, "otpauth://totp/%s:%s?secret=%s&issuer=%s&algorithm=SHA1&digits=%d"
			       "&period=%d",
			    i, url_encode(a, account), base32, i, TOTP_DIGITS, TOTP_STEP);
}

char *totp_qr_path(struct arena *a, const char *text, int *size)
{
	errno = 0;
	QRcode *qr = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
	/* libqrencode says ERANGE for a text too long and EINVAL for a bad argument; every
	 * other failure is an allocation, some of which leave errno as it was. */
	if (qr == NULL && errno != ERANGE && errno != EINVAL)
		die_oom();
	if (qr == NULL)
		return NULL;
	enum { QUIET = 4 };
	/* Should the arena run out below, die_oom leaves qr to the process: a few KiB,
	 * only when memory is already exhausted. */
	struct buf b;
	buf_init(&b, a);
	int w = qr->width;
	/* One rectangle per horizontal run of dark modules: a few hundred, not thousands. */
	for (int y = 0; y < w; y++) {
		for (int x = 0; x < w;) {
			if (!(qr->data[y * w + x] & 1)) {
				x++;
				continue;
			}
			int run = 1;
			while (x + run < w && (qr->data[y * w + x + run] & 1))
				run++;
			buf_printf(&b, "M%d %dh%dv1h-%dz", x + QUIET, y + QUIET, run, run);
			x += run;
		}
	}
	*size = w + 2 * QUIET;
	QRcode_free(qr);
	return buf_str(&b);
}

/* Crockford's base-32: no I, L, O or U, so that nothing is read two ways. */
static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

void totp_recovery_format(const unsigned char random[TOTP_RECOVERY_LEN], char out[12])
{
	for (int i = 0, o = 0; i < TOTP_RECOVERY_LEN; i++) {
		if (i == 5)
			out[o++] = '-';
		out[o++] = crockford[random[i] & 31];
	}
	out[11] = '\0';
}

bool totp_recovery_normalise(const char *typed, char out[TOTP_RECOVERY_LEN + 1])
{
	size_t n = 0;
	for (const char *p = typed; *p; p++) {
		char c = (char)toupper((unsigned char)*p);
		if (c == '-' || c == ' ')
			continue;
		if (c == 'O')
			c = '0';
		else if (c == 'I' || c == 'L')
			c = '1';
		if (c == '\0' || strchr(crockford, c) == NULL || n == TOTP_RECOVERY_LEN)
			return false;
		out[n++] = c;
	}
	out[n] = '\0';
	return n == TOTP_RECOVERY_LEN;
}
