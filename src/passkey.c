/* passkey.c: WebAuthn registration and assertions checked with libfido2 (ES256 only). */
#include "passkey.h"

#include <fido.h>
#include <fido/es256.h>
#include <jansson.h>
#include <string.h>

#include "app.h"
#include "auth.h"

void passkey_init(void)
{
	fido_init(0);
}

/* Whether host is an IPv4 or IPv6 address (digits, dots, or a bracketed IPv6). */
static bool is_address(const char *host, size_t n)
{
	if (n > 0 && host[0] == '[')
		return true;
	for (size_t i = 0; i < n; i++)
		if (!((host[i] >= '0' && host[i] <= '9') || host[i] == '.'))
			return false;
	return n > 0;
}

bool passkey_relying_party(struct arena *a, const char **rp_id, const char **origin)
{
	const char *base = app_config.base_url;
	const char *host = strstr(base, "://");
	if (host == NULL)
		return false;
	host += 3;
	size_t hostport = strcspn(host, "/?#");
	size_t n = host[0] == '[' ? strcspn(host, "]") + 1 : strcspn(host, ":/?#");
	if (n == 0 || n > hostport || is_address(host, n))
		return false;
	*rp_id = arena_strndup(a, host, n);
	*origin = arena_strndup(a, base, (size_t)(host - base) + hostport);
	return true;
}

bool passkey_client_data_ok(const unsigned char *json, size_t len, const char *type,
			    const char *challenge, const char *origin)
{
	json_t *cd = json_loadb((const char *)json, len, JSON_REJECT_DUPLICATES, NULL);
	if (cd == NULL)
		return false;
	const char *t = json_string_value(json_object_get(cd, "type"));
	const char *c = json_string_value(json_object_get(cd, "challenge"));
	const char *o = json_string_value(json_object_get(cd, "origin"));
	bool framed = json_is_true(json_object_get(cd, "crossOrigin"));
	bool ok = t && c && o && !framed && strcmp(t, type) == 0 && auth_equal(c, challenge) &&
		  strcmp(o, origin) == 0;
	json_decref(cd);
	return ok;
}

/* The authenticator data's flag of a user present. */
#define FLAG_UP 0x01

int passkey_read_registration(struct arena *a, const char *rp_id, const char *credential_id,
			      const unsigned char *auth_data, size_t auth_len,
			      struct passkey_new *out)
{
	unsigned char rp_hash[32];
	auth_sha256(rp_id, strlen(rp_id), rp_hash);
	/* rpIdHash (32 bytes), flags, counter (4), then the attested credential. */
	if (auth_len < 37 || memcmp(auth_data, rp_hash, 32) != 0 || !(auth_data[32] & FLAG_UP))
		return -1;
	fido_cred_t *cred = fido_cred_new();
	if (cred == NULL)
		die_oom();
	int rc = -1;
	/* The type first: libfido2 reads the credential's COSE key as that type. */
	if (fido_cred_set_type(cred, COSE_ES256) != FIDO_OK ||
	    fido_cred_set_authdata_raw(cred, auth_data, auth_len) != FIDO_OK ||
	    fido_cred_pubkey_len(cred) != PASSKEY_PUBKEY_SIZE || fido_cred_id_len(cred) == 0)
		goto out;
	const char *id = auth_base64url(a, fido_cred_id_ptr(cred), fido_cred_id_len(cred));
	if (strcmp(id, credential_id) != 0)
		goto out;
	out->credential_id = id;
	memcpy(out->public_key, fido_cred_pubkey_ptr(cred), PASSKEY_PUBKEY_SIZE);
	out->sign_count = fido_cred_sigcount(cred);
	rc = 0;
out:
	fido_cred_free(&cred);
	return rc;
}

int passkey_verify(const char *rp_id, const unsigned char *client_data, size_t client_len,
		   const unsigned char *auth_data, size_t auth_len, const unsigned char *sig,
		   size_t sig_len, const unsigned char public_key[PASSKEY_PUBKEY_SIZE],
		   uint32_t *count)
{
	unsigned char cd_hash[32];
	auth_sha256(client_data, client_len, cd_hash);
	fido_assert_t *assert = fido_assert_new();
	es256_pk_t *pk = es256_pk_new();
	if (assert == NULL || pk == NULL) {
		fido_assert_free(&assert);
		es256_pk_free(&pk);
		die_oom();
	}
	/* As pam-u2f does: the relying party, the client data's hash, one assertion with
	 * its authenticator data and signature, the user's presence required; then
	 * fido_assert_verify checks the RP ID hash, the flags and the signature. */
	int ok = fido_assert_set_rp(assert, rp_id) == FIDO_OK &&
		 fido_assert_set_clientdata_hash(assert, cd_hash, sizeof(cd_hash)) == FIDO_OK &&
		 fido_assert_set_count(assert, 1) == FIDO_OK &&
		 fido_assert_set_authdata_raw(assert, 0, auth_data, auth_len) == FIDO_OK &&
		 fido_assert_set_sig(assert, 0, sig, sig_len) == FIDO_OK &&
		 fido_assert_set_up(assert, FIDO_OPT_TRUE) == FIDO_OK &&
		 es256_pk_from_ptr(pk, public_key, PASSKEY_PUBKEY_SIZE) == FIDO_OK &&
		 fido_assert_verify(assert, 0, COSE_ES256, pk) == FIDO_OK;
	if (ok)
		*count = fido_assert_sigcount(assert, 0);
	fido_assert_free(&assert);
	es256_pk_free(&pk);
	return ok;
}
