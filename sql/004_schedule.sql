-- 004_schedule.sql: when and where sessions are held, calendar versions,
-- reminders, registration that was closed, and e-mail that must go once.

-- A class's or semester's usual evening and place; a session may override them.
ALTER TABLE cohorts ADD COLUMN start_time TEXT NOT NULL DEFAULT '18:00'; -- HH:MM, local
ALTER TABLE cohorts ADD COLUMN end_time TEXT NOT NULL DEFAULT '20:00';
ALTER TABLE cohorts ADD COLUMN location TEXT NOT NULL DEFAULT ''; -- '' = default_location setting
-- Reminders a week before the first session and the day before each (1), or none (0).
ALTER TABLE cohorts ADD COLUMN reminders INTEGER NOT NULL DEFAULT 1 CHECK (reminders IN (0, 1));
-- When staff last closed registration; NULL while it has never been closed.
ALTER TABLE cohorts ADD COLUMN registration_closed_at INTEGER;

ALTER TABLE cohort_sessions ADD COLUMN start_time TEXT; -- NULL = the cohort's
ALTER TABLE cohort_sessions ADD COLUMN end_time TEXT;
ALTER TABLE cohort_sessions ADD COLUMN location TEXT;    -- NULL = the cohort's
-- The calendar's SEQUENCE: grows each time the session changes.
ALTER TABLE cohort_sessions ADD COLUMN sequence INTEGER NOT NULL DEFAULT 0;

-- A message that must be sent once only (a reminder) carries a key; the
-- unique index makes a second queueing of it do nothing, across restarts.
ALTER TABLE outbox ADD COLUMN dedup_key TEXT;
CREATE UNIQUE INDEX outbox_dedup ON outbox(dedup_key) WHERE dedup_key IS NOT NULL;
-- An iCalendar file sent with the message as an attachment, or NULL.
ALTER TABLE outbox ADD COLUMN calendar TEXT;
-- Its file name, for the attachment ("class-45.ics").
ALTER TABLE outbox ADD COLUMN calendar_name TEXT;
