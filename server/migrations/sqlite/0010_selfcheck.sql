-- The self-check (egenkontroll, issue 16): the monthly case reviews team
-- leaders hold with each social worker, and what the report's SQL counts by.

-- A case review is saved once and never changed; a later one is a new row.
CREATE TABLE case_reviews (
    id             TEXT PRIMARY KEY NOT NULL,
    worker_id      TEXT NOT NULL REFERENCES users (id),
    review_date    TEXT NOT NULL,
    agreed_actions TEXT NOT NULL,
    held_by        TEXT NOT NULL REFERENCES users (id),
    recorded_at    TEXT NOT NULL
) STRICT;
CREATE INDEX case_reviews_worker ON case_reviews (worker_id, review_date);

-- Whether the child's view is written down (`Visit::child_view` not empty):
-- the view itself stays in `details`; the report counts by this column.
ALTER TABLE visits ADD COLUMN has_child_view INTEGER NOT NULL DEFAULT 0
    CHECK (has_child_view IN (0, 1));
UPDATE visits SET has_child_view = 1
    WHERE trim(COALESCE(json_extract(details, '$.child_view'), '')) <> '';

-- Each placement's next one (where its schedule clock stops), in start order.
CREATE INDEX placements_child_start ON placements (child_id, start_date);
