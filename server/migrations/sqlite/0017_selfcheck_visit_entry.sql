-- The self-check reads every in-person visit of a unit's children for a
-- window of months, packed one text per visit (`selfcheck::visit_entry`:
-- its date, who and how, the child's view, who made it). Written with the
-- visit (visits never change) and held in an index by child and date, it is
-- read from the index alone instead of being worked out per visit on every
-- report. Existing visits get it here, by the same rule.
ALTER TABLE visits ADD COLUMN selfcheck_entry TEXT NOT NULL DEFAULT '';

UPDATE visits SET selfcheck_entry = visit_date
    || CAST((CASE WHEN visitor_role = 'disability_officer' THEN 1 ELSE 0 END
        + CASE WHEN visitor_role = 'consultant' THEN 2 ELSE 0 END
        + CASE WHEN talked_alone = 1 THEN 4 ELSE 0 END) AS TEXT)
    || CAST((CASE WHEN has_child_view = 1 THEN 1 ELSE 0 END
        + CASE WHEN not_alone_reason IS NOT NULL THEN 2 ELSE 0 END) AS TEXT)
    || CASE WHEN visitor_role = 'disability_officer' THEN ''
        WHEN signed_by IS NOT NULL THEN signed_by ELSE '~' || visitor END;

DROP INDEX visits_selfcheck;

CREATE INDEX visits_selfcheck_entry ON visits (child_id, visit_date, selfcheck_entry)
    WHERE contact = 'in_person';
