-- 005_sealed.sql: the most sensitive personal columns of applications (dob,
-- student_id, guardian_*, emergency_*, accommodations, and a TAP student's
-- email and phone) hold values sealed under the key file (src/seal.c), which
-- SQL cannot compute: the portal seals the values still in plain text at
-- start-up, after the migrations (src/sealed.c).  The duplicate checks look
-- rows up by keyed hashes instead of the values themselves.

ALTER TABLE applications ADD COLUMN dob_hash TEXT;        -- seal_hash of dob (YYYY-MM-DD); NULL when erased
ALTER TABLE applications ADD COLUMN student_id_hash TEXT; -- seal_hash of student_id (TAP); NULL when erased

-- The PIP duplicate (same name and date of birth) and the staff list sorted by name.
DROP INDEX applications_person;
CREATE INDEX applications_person ON applications(cohort_id, last_name COLLATE NOCASE,
	first_name COLLATE NOCASE, dob_hash);
-- The TAP duplicate (same student ID in the semester).
DROP INDEX applications_student;
CREATE INDEX applications_student ON applications(cohort_id, student_id_hash);
