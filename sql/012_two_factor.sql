-- 012_two_factor.sql: the second factor of staff sign-in (TOTP and recovery
-- codes), half-finished sign-ins, the version of an account's credentials
-- that ends sessions when they change, and the access log of personal records.

-- Bumped by every change of credentials (password set or reset, second factor
-- reset, disable): a sign-in that read the account before the change cannot
-- start a session after it, because the session is created only while the
-- version is still the one the password was checked against.
ALTER TABLE users ADD COLUMN credential_version INTEGER NOT NULL DEFAULT 0;
-- The confirmed TOTP secret, sealed (seal.c); NULL when the account has none.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
-- The 30-second step of the last code accepted: a code of that step or an
-- earlier one is refused, so each code works once.
ALTER TABLE users ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;
-- A secret shown on the set-up page but not yet confirmed with a code, sealed.
ALTER TABLE users ADD COLUMN totp_pending TEXT;
-- The recovery codes just made, sealed, until the page that shows them once
-- has been opened (a POST answers 303, so the codes wait for the GET).
ALTER TABLE users ADD COLUMN recovery_unseen TEXT;

-- Single-use recovery codes: only a keyed hash of each (seal_hash).
CREATE TABLE recovery_codes (
	id INTEGER PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id),
	code_hash TEXT NOT NULL,         -- seal_hash of the code without its dash
	used_at INTEGER                  -- NULL while it still works
);
CREATE INDEX recovery_codes_user ON recovery_codes(user_id);

-- A sign-in whose password was right and whose second step is awaited,
-- named by a random token in a cookie (only its hash is kept).  It works
-- 5 minutes, for 5 wrong codes, and only while the account's credential
-- version is the one its password was checked against.
CREATE TABLE login_challenges (
	token_hash BLOB PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id),
	credential_version INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	failures INTEGER NOT NULL DEFAULT 0,
	next TEXT                        -- the page asked for before signing in, or NULL
);
CREATE INDEX login_challenges_user ON login_challenges(user_id);

-- Who opened or exported which personal records, and when (never form values,
-- never passwords).  Kept access_log_days.
CREATE TABLE access_log (
	id INTEGER PRIMARY KEY,
	at INTEGER NOT NULL,
	user_id INTEGER REFERENCES users(id),
	actor TEXT NOT NULL,             -- the user's name then, kept should the account change
	action TEXT NOT NULL CHECK (action IN ('view', 'export', 'roster', 'letter')),
	application_id INTEGER REFERENCES applications(id), -- a page or letter of one record
	cohort_id INTEGER REFERENCES cohorts(id),           -- a list: an export or a roster
	rows INTEGER,                    -- records in an export or a roster
	what TEXT NOT NULL               -- "PIP class 45 applicants.csv", "P-MQWK-JC92"
);
CREATE INDEX access_log_at ON access_log(at);
CREATE INDEX access_log_user ON access_log(user_id, at);
CREATE INDEX access_log_application ON access_log(application_id, at);

-- Each /forgot request, kept a day: both answers (account or not) write one,
-- so both cost one commit.
CREATE TABLE forgot_requests (
	id INTEGER PRIMARY KEY,
	at INTEGER NOT NULL
);
