/* totp.h: one-time codes of RFC 6238 (liboath), recovery codes, and the set-up QR code (libqrencode). */
#ifndef PORTAL_TOTP_H
#define PORTAL_TOTP_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"

/* RFC 6238 as SPEC.md fixes it: HMAC-SHA-1, 6 digits, 30-second steps, one step of drift. */
#define TOTP_SECRET_BYTES 20
#define TOTP_STEP 30
#define TOTP_DIGITS 6
#define TOTP_DRIFT 1
/* The base32 text of a secret: 32 letters for 20 bytes, and a NUL. */
#define TOTP_BASE32_SIZE 33

/* What totp_check answers besides the step of an accepted code. */
#define TOTP_WRONG (-1)
#define TOTP_REPLAY (-2)

/* Starts liboath; once, before any thread.  0 or -1. */
int totp_init(void);

/*
 * The code of digits digits (6 or 8) for key at Unix time t into out (at
 * least digits + 1 bytes).  0 or -1.
 */
int totp_generate(const unsigned char *key, size_t len, long long t, unsigned digits, char *out);

/*
 * Checks a 6-digit code for key at time now, one step either way.  Returns
 * the step (time / 30) of the code when it is right and of a later step than
 * last_step (the step last accepted, 0 for none); TOTP_REPLAY when it is right
 * but of last_step or before (each code works once); TOTP_WRONG otherwise.
 */
long long totp_check(const unsigned char *key, size_t len, long long now, const char *code,
		     long long last_step);

/* Whether s is six digits, the shape of a code (spaces around already trimmed). */
bool totp_code_shaped(const char *s);

/* The RFC 4648 base32 of key without padding, in out (TOTP_BASE32_SIZE); 0 or -1. */
int totp_base32(const unsigned char *key, size_t len, char out[TOTP_BASE32_SIZE]);
/* The key of a base32 text (as totp_base32 wrote it) into key; 0, or -1 when not one. */
int totp_key_from_base32(const char *text, unsigned char key[TOTP_SECRET_BYTES]);

/*
 * The otpauth://totp/ URI of a secret for an account, naming the issuer
 * (the portal), as authenticator apps read it; in a.
 */
char *totp_uri(struct arena *a, const char *issuer, const char *account, const char *base32);

/*
 * The QR code of text as SVG path data ("M4 4h7v1h-7z..."), one unit a
 * module, with the 4-module quiet zone; *size is the side of the square in
 * modules.  In a; NULL when the text is too long for a QR code.
 */
char *totp_qr_path(struct arena *a, const char *text, int *size);

/* Recovery codes: 10 Crockford base-32 letters, shown "XXXXX-XXXXX". */
#define TOTP_RECOVERY_CODES 10
#define TOTP_RECOVERY_LEN 10

/* A new recovery code for display ("XXXXX-XXXXX" and a NUL) from 10 random bytes. */
void totp_recovery_format(const unsigned char random[TOTP_RECOVERY_LEN], char out[12]);
/*
 * The canonical form of a recovery code as typed: upper case, without dashes
 * and spaces, O read as 0 and I or L as 1; false when it is not shaped like
 * one.  out holds TOTP_RECOVERY_LEN letters and a NUL.
 */
bool totp_recovery_normalise(const char *typed, char out[TOTP_RECOVERY_LEN + 1]);

#endif
