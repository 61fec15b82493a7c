-- 015_passkeys.sql: passkeys (WebAuthn credentials) as a second factor beside TOTP.

-- One passkey of an account: its credential id, its ES256 public key and the
-- signature counter its authenticator last reported (a counter that does not
-- grow betrays a cloned authenticator).
CREATE TABLE passkeys (
	id INTEGER PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id),
	credential_id TEXT NOT NULL UNIQUE, -- base64url, as browsers name it
	public_key BLOB NOT NULL,        -- the P-256 point x || y (64 bytes)
	sign_count INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	last_used_at INTEGER
);
CREATE INDEX passkeys_user ON passkeys(user_id);

-- The random challenge of the set-up page's "Add a passkey", base64url, with
-- when it was made (it works 10 minutes, once).
ALTER TABLE users ADD COLUMN passkey_challenge TEXT;
ALTER TABLE users ADD COLUMN passkey_challenge_at INTEGER;
-- The challenge a passkey signs at the second step of a sign-in.
ALTER TABLE login_challenges ADD COLUMN webauthn_challenge TEXT;
