-- 001_init.sql: the portal's first schema.  Times are Unix seconds (UTC);
-- calendar dates are TEXT 'YYYY-MM-DD'.

-- A Partners In Policing class or a Teens and Policing semester: a cohort
-- that people apply or are nominated to.
CREATE TABLE cohorts (
	id INTEGER PRIMARY KEY,
	program TEXT NOT NULL CHECK (program IN ('pip', 'tap')),
	number INTEGER,                  -- PIP class number (45, 46, ...); NULL for TAP
	term TEXT CHECK (term IN ('fall', 'spring')), -- TAP only
	year INTEGER,                    -- TAP only
	start_date TEXT NOT NULL,        -- the first session's date
	capacity INTEGER NOT NULL CHECK (capacity > 0),
	school_cap INTEGER CHECK (school_cap > 0), -- TAP: active nominations per school, NULL = none
	required_sessions INTEGER,       -- sessions needed to complete; NULL = all but two
	registration_open INTEGER NOT NULL DEFAULT 0 CHECK (registration_open IN (0, 1)),
	created_at INTEGER NOT NULL,
	UNIQUE (program, number),
	UNIQUE (program, term, year)
);

-- The dated sessions of a cohort, numbered from 1.
CREATE TABLE cohort_sessions (
	cohort_id INTEGER NOT NULL REFERENCES cohorts(id),
	number INTEGER NOT NULL CHECK (number > 0),
	date TEXT NOT NULL,
	topic TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (cohort_id, number)
);

-- Staff, administrators and counselors.
CREATE TABLE users (
	id INTEGER PRIMARY KEY,
	email TEXT NOT NULL UNIQUE COLLATE NOCASE,
	name TEXT NOT NULL,
	role TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'counselor')),
	school TEXT CHECK (school IN ('torrance', 'north', 'south', 'west', 'shery', 'drevno')),
	password_hash TEXT,              -- Argon2id string; NULL until the user sets one
	disabled_at INTEGER,             -- no sign-in once set
	created_at INTEGER NOT NULL,
	CHECK ((role = 'counselor') = (school IS NOT NULL))
);

-- Signed-in sessions: only the SHA-256 of the cookie's token is kept.
CREATE TABLE sessions (
	token_hash BLOB PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id),
	created_at INTEGER NOT NULL,     -- absolute expiry counts from here
	seen_at INTEGER NOT NULL         -- idle expiry counts from here
);
CREATE INDEX sessions_user ON sessions(user_id);

-- One-time links to set a password (invitation or reset); hash of the token only.
CREATE TABLE password_tokens (
	token_hash BLOB PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id),
	expires_at INTEGER NOT NULL,
	used_at INTEGER
);

-- Failed sign-ins, kept 30 minutes (a 15-minute lock counts failures of the
-- 15 minutes before it), for throttling by e-mail and by address.
CREATE TABLE login_failures (
	id INTEGER PRIMARY KEY,
	email TEXT NOT NULL COLLATE NOCASE,
	address TEXT NOT NULL,
	at INTEGER NOT NULL
);
CREATE INDEX login_failures_email ON login_failures(email, at);
CREATE INDEX login_failures_address ON login_failures(address, at);

-- A PIP application or a TAP nomination.  Personal columns are set to NULL
-- (and erased_at set) when the retention period of a closed one ends.
CREATE TABLE applications (
	id INTEGER PRIMARY KEY,
	ref TEXT NOT NULL UNIQUE,        -- P-XXXX-XXXX or T-XXXX-XXXX, random
	cohort_id INTEGER NOT NULL REFERENCES cohorts(id),
	status TEXT NOT NULL CHECK (status IN
		('submitted', 'waitlisted', 'accepted', 'declined', 'withdrawn', 'completed')),
	waitlist_position INTEGER,       -- 1.. while waitlisted, else NULL; kept gapless
	submitted_at INTEGER NOT NULL,
	status_at INTEGER NOT NULL,      -- when the status last changed
	first_name TEXT,                 -- the applicant, or the TAP student
	last_name TEXT,
	dob TEXT,
	email TEXT,                      -- PIP: applicant; TAP: student's, may be ''
	phone TEXT,                      -- 10 digits, or '' (TAP student's is optional)
	street TEXT,                     -- PIP only, like the columns down to referral
	city TEXT,
	zip TEXT,
	verify_residence INTEGER NOT NULL DEFAULT 0, -- resident claim with a border ZIP
	emergency_name TEXT,
	emergency_phone TEXT,
	accommodations TEXT,
	referral TEXT,
	school TEXT,                     -- TAP only, like the columns below: the counselor's school
	student_id TEXT,
	grade INTEGER,
	guardian_name TEXT,
	guardian_phone TEXT,
	guardian_email TEXT,
	guardian_consent INTEGER,
	counselor_note TEXT,
	counselor_id INTEGER REFERENCES users(id),
	erased_at INTEGER,               -- personal data erased by retention
	CHECK ((status = 'waitlisted') = (waitlist_position IS NOT NULL))
);
CREATE INDEX applications_cohort ON applications(cohort_id, status, submitted_at);
CREATE INDEX applications_cohort_time ON applications(cohort_id, submitted_at, id);
CREATE UNIQUE INDEX applications_waitlist ON applications(cohort_id, waitlist_position)
	WHERE waitlist_position IS NOT NULL;
CREATE INDEX applications_email ON applications(cohort_id, email COLLATE NOCASE);
CREATE INDEX applications_student ON applications(cohort_id, student_id);

-- The Torrance connections a PIP applicant ticked, each with its detail.
CREATE TABLE affiliations (
	application_id INTEGER NOT NULL REFERENCES applications(id),
	kind TEXT NOT NULL CHECK (kind IN ('resident', 'work', 'school', 'faith', 'civic', 'other')),
	detail TEXT,                     -- employer, school, ...; '' for resident
	PRIMARY KEY (application_id, kind)
);

-- Every status change: who, when, from, to, note.
CREATE TABLE audit (
	id INTEGER PRIMARY KEY,
	application_id INTEGER NOT NULL REFERENCES applications(id),
	at INTEGER NOT NULL,
	user_id INTEGER REFERENCES users(id), -- NULL when not a signed-in user
	actor TEXT NOT NULL,             -- 'applicant', 'counselor', 'system' or the user's name
	from_status TEXT,                -- NULL for the first row
	to_status TEXT NOT NULL,
	note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_application ON audit(application_id, at);

-- People who want to hear when the next PIP class opens.
CREATE TABLE interest (
	id INTEGER PRIMARY KEY,
	email TEXT,                      -- NULL once erased
	name TEXT,
	created_at INTEGER NOT NULL,
	notified_at INTEGER,             -- when the class-opening message was queued
	erased_at INTEGER
);
CREATE UNIQUE INDEX interest_email ON interest(email COLLATE NOCASE) WHERE email IS NOT NULL;

-- Attendance: one row per participant present at a session.
CREATE TABLE attendance (
	application_id INTEGER NOT NULL REFERENCES applications(id),
	session_number INTEGER NOT NULL,
	recorded_at INTEGER NOT NULL,
	PRIMARY KEY (application_id, session_number)
);

-- The program pages' Markdown and the HTML cmark made of it when saved.
CREATE TABLE pages (
	slug TEXT PRIMARY KEY CHECK (slug IN ('home', 'pip', 'tap')),
	markdown TEXT NOT NULL,
	html TEXT,                       -- NULL until rendered (at start-up for seeds)
	updated_at INTEGER NOT NULL,
	updated_by INTEGER REFERENCES users(id)
);

-- E-mail to send, written in the same transaction as the change it reports.
CREATE TABLE outbox (
	id INTEGER PRIMARY KEY,
	created_at INTEGER NOT NULL,
	recipient TEXT NOT NULL,
	subject TEXT NOT NULL,
	body TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL,
	claimed_until INTEGER,           -- a sender holds it until then
	sent_at INTEGER,
	failed_at INTEGER,               -- gave up
	last_error TEXT
);
CREATE INDEX outbox_due ON outbox(sent_at, failed_at, next_attempt_at);

-- Settings the portal makes for itself (the CSRF key).
CREATE TABLE settings (
	key TEXT PRIMARY KEY,
	value BLOB NOT NULL
);
