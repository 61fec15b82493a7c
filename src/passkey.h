/* passkey.h: WebAuthn passkeys checked with libfido2, as pam-u2f checks FIDO2 assertions. */
#ifndef PORTAL_PASSKEY_H
#define PORTAL_PASSKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

/* The size of an ES256 public key as stored: the P-256 point's x and y. */
#define PASSKEY_PUBKEY_SIZE 64

/* Starts libfido2; once, before any thread. */
void passkey_init(void);

/*
 * The relying party of this site, from the base_url setting: its host (the
 * RP ID) into rp_id and scheme://host[:port] into origin, in a.  false when
 * base_url's host is an IP address, which WebAuthn does not accept as an RP
 * ID (passkeys are then not offered).
 */
bool passkey_relying_party(struct arena *a, const char **rp_id, const char **origin);

/*
 * Checks a ceremony's clientDataJSON: its type ("webauthn.create" or
 * "webauthn.get"), that its challenge is the one issued (base64url, as
 * stored) and its origin this site's, and that it was not made inside
 * another site's frame.
 */
bool passkey_client_data_ok(const unsigned char *json, size_t len, const char *type,
			    const char *challenge, const char *origin);

/* A credential made at registration, read from its authenticator data. */
struct passkey_new {
	const char *credential_id; /* base64url, in the arena */
	unsigned char public_key[PASSKEY_PUBKEY_SIZE];
	uint32_t sign_count;
};

/*
 * Reads a new credential from the authenticator data of a create() whose
 * clientDataJSON was checked: made for rp_id, with the user present, an ES256
 * key.  credential_id (base64url, as the browser sent it) must be the one the
 * data holds.  0 (out filled, its strings in a) or -1.
 */
int passkey_read_registration(struct arena *a, const char *rp_id, const char *credential_id,
			      const unsigned char *auth_data, size_t auth_len,
			      struct passkey_new *out);

/*
 * Verifies an assertion (get()) with libfido2: the signature over the
 * authenticator data and the hash of client_data by the stored public key,
 * made for rp_id with the user present.  1 right (*count the authenticator's
 * signature counter), 0 not.
 */
int passkey_verify(const char *rp_id, const unsigned char *client_data, size_t client_len,
		   const unsigned char *auth_data, size_t auth_len, const unsigned char *sig,
		   size_t sig_len, const unsigned char public_key[PASSKEY_PUBKEY_SIZE],
		   uint32_t *count);

#endif
