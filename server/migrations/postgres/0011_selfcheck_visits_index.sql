-- The self-check reads every visit of a unit's children for a period by
-- child and date, and counts by these columns: an index that holds them
-- spares a read of each (wide) visit row.
CREATE INDEX visits_selfcheck ON visits (child_id, visit_date, contact, visitor_role,
    talked_alone, has_child_view, not_alone_reason, signed_by, visitor);
