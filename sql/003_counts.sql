-- 003_counts.sql: counts of applications by cohort and status, kept by
-- triggers, so that capacity decisions, the home page and the staff lists
-- cost the same with 100 or 100,000 stored applications.

CREATE TABLE cohort_status_counts (
	cohort_id INTEGER NOT NULL REFERENCES cohorts(id),
	status TEXT NOT NULL,
	n INTEGER NOT NULL,
	PRIMARY KEY (cohort_id, status)
) WITHOUT ROWID;

INSERT INTO cohort_status_counts (cohort_id, status, n)
	SELECT cohort_id, status, count(*) FROM applications GROUP BY cohort_id, status;

CREATE TRIGGER applications_count_insert AFTER INSERT ON applications
BEGIN
	INSERT INTO cohort_status_counts (cohort_id, status, n) VALUES (new.cohort_id, new.status, 1)
		ON CONFLICT (cohort_id, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER applications_count_update AFTER UPDATE OF status ON applications
	WHEN old.status <> new.status
BEGIN
	UPDATE cohort_status_counts SET n = n - 1
		WHERE cohort_id = old.cohort_id AND status = old.status;
	INSERT INTO cohort_status_counts (cohort_id, status, n) VALUES (new.cohort_id, new.status, 1)
		ON CONFLICT (cohort_id, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER applications_count_delete AFTER DELETE ON applications
BEGIN
	UPDATE cohort_status_counts SET n = n - 1
		WHERE cohort_id = old.cohort_id AND status = old.status;
END;

-- The duplicate check of a PIP application (same name and date of birth), and
-- the staff list sorted by name.
CREATE INDEX applications_person ON applications(cohort_id, last_name COLLATE NOCASE,
	first_name COLLATE NOCASE, dob);
