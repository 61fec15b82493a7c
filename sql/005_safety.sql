-- 005_safety.sql: secrets that are not kept once sent, and e-mail that erasure can find.

-- A password link's token is kept apart from the message: the body holds the
-- marker MAIL_SECRET (mail.h) in its place, filled in only when the message is
-- composed for sendmail, and this column is emptied once the message is sent
-- or given up, so that neither the database nor a backup holds a working link.
ALTER TABLE outbox ADD COLUMN secret TEXT;
-- The application or nomination a message is about (NULL for the others), so
-- that erasing its personal data erases the messages about it too.
ALTER TABLE outbox ADD COLUMN application_id INTEGER REFERENCES applications(id);
CREATE INDEX outbox_application ON outbox(application_id) WHERE application_id IS NOT NULL;

-- Password links queued before this migration are in their bodies: those already
-- sent or given up lose the body; those still to send keep it until they go.
UPDATE outbox SET body = 'This message held a password link; it is not kept once sent.'
	WHERE (sent_at IS NOT NULL OR failed_at IS NOT NULL)
	AND body LIKE '%/account/password?token=%';
