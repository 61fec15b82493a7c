-- 005_self_service.sql: what the public's self-service pages keep for a while:
-- the short-lived result pages of status lookups, and the requests that the
-- limits of the reference e-mail and of detail corrections count.

-- A status lookup's result, named in its URL by a random token (only its
-- SHA-256 is kept), so that going Back shows it again without resending the
-- form and without the e-mail address in a URL.  Kept until it expires.
CREATE TABLE status_views (
	token_hash BLOB PRIMARY KEY,
	application_id INTEGER NOT NULL REFERENCES applications(id),
	email TEXT NOT NULL,             -- the address that proved the lookup
	expires_at INTEGER NOT NULL
);
CREATE INDEX status_views_expiry ON status_views(expires_at);

-- Requests counted by the self-service limits (see README.md): each request
-- for the references e-mail ('resend'), and each correction whose reference
-- and e-mail did not match ('update').  Kept a day.
CREATE TABLE self_service_requests (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL CHECK (kind IN ('resend', 'update')),
	email TEXT NOT NULL COLLATE NOCASE, -- the address the request named
	address TEXT NOT NULL,           -- the client's address, as nginx saw it
	at INTEGER NOT NULL
);
CREATE INDEX self_service_email ON self_service_requests(email, kind, at);
CREATE INDEX self_service_address ON self_service_requests(address, at);
