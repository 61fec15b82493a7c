-- 016_name_order.sql: the staff list sorted by name, in the index's own order.
-- applications_person (cohort, names, dob_hash) serves the duplicate check, but
-- its dob_hash comes before the id that breaks ties between equal names, so a
-- list sorted by name sorted each class again on every page: some 10 ms a page
-- deep in a class of 10,000.  This index gives the whole ORDER BY.
CREATE INDEX applications_name_order ON applications(cohort_id, last_name COLLATE NOCASE,
	first_name COLLATE NOCASE, id);
