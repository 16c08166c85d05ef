-- Protocol v1, extended: placements edited field by field and deleted as
-- tombstones, visit amendments, conflicts between edits, and their kinds in
-- the change feed.

-- A deleted placement keeps its row, so that its id can never be reused and a
-- late edit of it is told it was deleted.
ALTER TABLE placements ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1));

-- Corrections to visits; the visit row itself never changes.
CREATE TABLE visit_amendments (
    id          TEXT PRIMARY KEY NOT NULL,
    visit_id    TEXT NOT NULL REFERENCES visits (id),
    child_id    TEXT NOT NULL REFERENCES children (id),
    author      TEXT NOT NULL,
    text        TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    -- NULL for records that did not come from a device (demo data).
    mutation_id TEXT UNIQUE
) STRICT;
CREATE INDEX visit_amendments_visit_id ON visit_amendments (visit_id);

-- Two edits of one field that disagreed. Values are JSON text; `resolution`
-- is NULL while open and otherwise the chosen value as JSON (possibly `null`).
CREATE TABLE conflicts (
    id           TEXT PRIMARY KEY NOT NULL,
    target_kind  TEXT NOT NULL,
    target_id    TEXT NOT NULL,
    child_id     TEXT NOT NULL REFERENCES children (id),
    field        TEXT NOT NULL,
    server_value TEXT NOT NULL,
    device_value TEXT NOT NULL,
    -- The device and mutation whose value lost the race.
    device_id    TEXT NOT NULL,
    mutation_id  TEXT NOT NULL,
    resolution   TEXT
) STRICT;
CREATE INDEX conflicts_target ON conflicts (target_kind, target_id);

-- SQLite cannot change a CHECK constraint: rebuild `changes` with the new kinds.
CREATE TABLE changes_v2 (
    seq       INTEGER PRIMARY KEY NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('child', 'placement', 'visit', 'visit_amendment', 'conflict', 'deleted')),
    record_id TEXT NOT NULL,
    child_id  TEXT NOT NULL,
    data      TEXT NOT NULL
) STRICT;
INSERT INTO changes_v2 (seq, kind, record_id, child_id, data)
    SELECT seq, kind, record_id, child_id, data FROM changes;
DROP TABLE changes;
ALTER TABLE changes_v2 RENAME TO changes;
