-- The self-check (issue 16) reads, per placement, its last counting visit
-- (in person, not by a disability-area officer: `Visit::counts_for_schedule`)
-- before a day, and every counting visit of a window of months: an index of
-- only those, by child and date, answers both from the index alone (a MAX is
-- one seek). The report's SQL repeats this WHERE word for word, which is
-- what lets SQLite use a partial index.
CREATE INDEX visits_counting ON visits (child_id, visit_date)
    WHERE contact = 'in_person' AND visitor_role <> 'disability_officer';
