-- 014_page_languages.sql: a program page in each language of SPEC.md.  A page has an
-- English version (the text so far) and may have one per other language; a reader
-- whose language has none is shown the English with a note.
CREATE TABLE pages_by_language (
	slug TEXT NOT NULL CHECK (slug IN ('home', 'pip', 'tap')),
	language TEXT NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'es', 'ja', 'ko', 'zh-Hant')),
	markdown TEXT NOT NULL,
	html TEXT,                       -- NULL until rendered (at start-up for seeds)
	updated_at INTEGER NOT NULL,
	updated_by INTEGER REFERENCES users(id),
	PRIMARY KEY (slug, language)
);
INSERT INTO pages_by_language (slug, language, markdown, html, updated_at, updated_by)
	SELECT slug, 'en', markdown, html, updated_at, updated_by FROM pages;
DROP TABLE pages;
ALTER TABLE pages_by_language RENAME TO pages;
