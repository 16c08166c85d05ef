-- Barnbesök schema, SQLite. Ids are hyphenated UUID text, dates ISO 8601 text
-- (YYYY-MM-DD), instants RFC 3339 text in UTC.

CREATE TABLE children (
    id          TEXT PRIMARY KEY NOT NULL,
    given_name  TEXT NOT NULL,
    family_name TEXT NOT NULL,
    birth_date  TEXT NOT NULL
) STRICT;

CREATE TABLE placements (
    id          TEXT PRIMARY KEY NOT NULL,
    child_id    TEXT NOT NULL REFERENCES children (id),
    kind        TEXT NOT NULL,
    home_name   TEXT NOT NULL,
    legal_basis TEXT NOT NULL,
    start_date  TEXT NOT NULL,
    end_date    TEXT
) STRICT;
CREATE INDEX placements_child_id ON placements (child_id);

CREATE TABLE visits (
    id           TEXT PRIMARY KEY NOT NULL,
    child_id     TEXT NOT NULL REFERENCES children (id),
    visit_date   TEXT NOT NULL,
    visitor      TEXT NOT NULL,
    talked_alone INTEGER NOT NULL CHECK (talked_alone IN (0, 1)),
    note         TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    -- NULL for records that did not come from a device (demo data).
    mutation_id  TEXT UNIQUE
) STRICT;
CREATE INDEX visits_child_id ON visits (child_id);

-- The idempotency record: one row per mutation id ever applied, written in the
-- same transaction as the mutation's effect.
CREATE TABLE applied_mutations (
    mutation_id TEXT PRIMARY KEY NOT NULL,
    device_id   TEXT NOT NULL,
    applied_at  TEXT NOT NULL,
    seq         INTEGER
) STRICT;

-- One row: the last change number handed out.
CREATE TABLE change_counter (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq INTEGER NOT NULL
) STRICT;
INSERT INTO change_counter (id, last_seq) VALUES (1, 0);

-- The change feed devices pull from; `data` is the record as JSON.
CREATE TABLE changes (
    seq       INTEGER PRIMARY KEY NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('child', 'placement', 'visit')),
    record_id TEXT NOT NULL,
    child_id  TEXT NOT NULL,
    data      TEXT NOT NULL
) STRICT;
