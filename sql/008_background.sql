-- 008_background.sql: background checks of PIP applicants, and the classes that
-- accept only applicants whose check has cleared.

-- Accepting into this class needs a cleared background check (1) or not (0).
ALTER TABLE cohorts ADD COLUMN require_clearance INTEGER NOT NULL DEFAULT 0
	CHECK (require_clearance IN (0, 1));

-- The background check's state; NULL until staff first set one (shown as not started).
ALTER TABLE applications ADD COLUMN background TEXT
	CHECK (background IN ('not_started', 'in_progress', 'cleared', 'not_cleared'));
-- When the state was last set (unix seconds), and the name of who set it.
ALTER TABLE applications ADD COLUMN background_at INTEGER;
ALTER TABLE applications ADD COLUMN background_by TEXT;
