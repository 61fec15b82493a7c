-- 011_interest_language.sql: the language a person signed up for the interest list
-- in, so that the message telling them registration is open speaks it too.  Earlier
-- sign-ups were made on English pages.
ALTER TABLE interest ADD COLUMN language TEXT NOT NULL DEFAULT 'en'; -- en, es, ja, ko, zh-Hant
