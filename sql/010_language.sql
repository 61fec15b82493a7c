-- 010_language.sql: the language an applicant reads, for the staff's CSV and
-- for later messages in that language.  Every application so far was made in
-- English, and the forms have no other language yet, so the default says so.
ALTER TABLE applications ADD COLUMN language TEXT NOT NULL DEFAULT 'en'; -- a language code: en, ...
