-- The self-check (egenkontroll, issue 16): the monthly case reviews team
-- leaders hold with each social worker, and what the report's SQL counts by.

-- A case review is saved once and never changed; a later one is a new row.
CREATE TABLE case_reviews (
    id             UUID PRIMARY KEY,
    worker_id      UUID NOT NULL REFERENCES users (id),
    review_date    DATE NOT NULL,
    agreed_actions TEXT NOT NULL,
    held_by        UUID NOT NULL REFERENCES users (id),
    recorded_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX case_reviews_worker ON case_reviews (worker_id, review_date);

-- Whether the child's view is written down (`Visit::child_view` not empty):
-- the view itself stays in `details`; the report counts by this column.
ALTER TABLE visits ADD COLUMN has_child_view BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE visits SET has_child_view = TRUE
    WHERE trim(COALESCE(details ->> 'child_view', '')) <> '';

-- Each placement's next one (where its schedule clock stops), in start order.
CREATE INDEX placements_child_start ON placements (child_id, start_date);
