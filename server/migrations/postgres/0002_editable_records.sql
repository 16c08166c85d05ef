-- Protocol v1, extended: placements edited field by field and deleted as
-- tombstones, visit amendments, conflicts between edits, and their kinds in
-- the change feed.

-- A deleted placement keeps its row, so that its id can never be reused and a
-- late edit of it is told it was deleted.
ALTER TABLE placements ADD COLUMN deleted BOOLEAN NOT NULL DEFAULT FALSE;

-- Corrections to visits; the visit row itself never changes.
CREATE TABLE visit_amendments (
    id          UUID PRIMARY KEY,
    visit_id    UUID NOT NULL REFERENCES visits (id),
    child_id    UUID NOT NULL REFERENCES children (id),
    author      TEXT NOT NULL,
    text        TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    -- NULL for records that did not come from a device (demo data).
    mutation_id UUID UNIQUE
);
CREATE INDEX visit_amendments_visit_id ON visit_amendments (visit_id);

-- Two edits of one field that disagreed. `resolution` is SQL NULL while open
-- and otherwise the chosen value (possibly JSON `null`).
CREATE TABLE conflicts (
    id           UUID PRIMARY KEY,
    target_kind  TEXT NOT NULL,
    target_id    UUID NOT NULL,
    child_id     UUID NOT NULL REFERENCES children (id),
    field        TEXT NOT NULL,
    server_value JSONB NOT NULL,
    device_value JSONB NOT NULL,
    -- The device and mutation whose value lost the race.
    device_id    UUID NOT NULL,
    mutation_id  UUID NOT NULL,
    resolution   JSONB
);
CREATE INDEX conflicts_target ON conflicts (target_kind, target_id);

ALTER TABLE changes DROP CONSTRAINT changes_kind_check;
ALTER TABLE changes ADD CONSTRAINT changes_kind_check
    CHECK (kind IN ('child', 'placement', 'visit', 'visit_amendment', 'conflict', 'deleted'));
