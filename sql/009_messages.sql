-- 009_messages.sql: messages staff send to a class or semester, the account
-- actions of administrators, and the first password that must be changed.

-- Every message sent to a class or semester: who, when, to whom, how many.
-- send_id is the random id the preview form carried: a second post of the same
-- confirmed form finds it and sends nothing again.
CREATE TABLE messages (
	id INTEGER PRIMARY KEY,
	cohort_id INTEGER NOT NULL REFERENCES cohorts(id),
	user_id INTEGER REFERENCES users(id), -- the sender
	actor TEXT NOT NULL,             -- the sender's name, kept should the account go
	at INTEGER NOT NULL,
	audience TEXT NOT NULL CHECK (audience IN ('accepted', 'waitlisted', 'active', 'completed')),
	subject TEXT NOT NULL,
	recipients INTEGER NOT NULL,     -- e-mails queued
	send_id TEXT NOT NULL UNIQUE
);
CREATE INDEX messages_cohort ON messages(cohort_id, at);

-- What administrators did to accounts: who, when, what (no passwords, no links).
CREATE TABLE account_audit (
	id INTEGER PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES users(id), -- the account acted on
	user_id INTEGER REFERENCES users(id), -- who acted; NULL from the command line
	actor TEXT NOT NULL,             -- their name, or 'command line'
	at INTEGER NOT NULL,
	action TEXT NOT NULL,            -- 'created', 'disabled', 'enabled', 'invited', 'changed'
	detail TEXT NOT NULL DEFAULT ''  -- "role staff to counselor (North High)"
);
CREATE INDEX account_audit_account ON account_audit(account_id, at);

-- A password printed on the terminal must be replaced at the first sign-in.
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
