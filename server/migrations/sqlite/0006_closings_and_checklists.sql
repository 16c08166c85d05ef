-- Placement closings (avslut with the closing note) and checklist ticks:
-- both signed once and never changed. At most one closing per placement.
CREATE TABLE placement_closings (
    id           TEXT PRIMARY KEY NOT NULL,
    placement_id TEXT NOT NULL UNIQUE REFERENCES placements (id),
    child_id     TEXT NOT NULL REFERENCES children (id),
    end_date     TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('planned', 'unplanned')),
    replacement  INTEGER NOT NULL CHECK (replacement IN (0, 1)),
    reason       TEXT,
    signed_by    TEXT NOT NULL REFERENCES users (id),
    details      TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    mutation_id  TEXT UNIQUE
) STRICT;
CREATE INDEX placement_closings_child ON placement_closings (child_id);

CREATE TABLE checklist_ticks (
    id               TEXT PRIMARY KEY NOT NULL,
    placement_id     TEXT NOT NULL REFERENCES placements (id),
    child_id         TEXT NOT NULL REFERENCES children (id),
    template_kind    TEXT NOT NULL,
    template_version INTEGER NOT NULL,
    item_key         TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('done', 'not_applicable', 'open')),
    ticked_by        TEXT NOT NULL REFERENCES users (id),
    ticked_at        TEXT NOT NULL,
    received_at      TEXT NOT NULL,
    mutation_id      TEXT UNIQUE
) STRICT;
CREATE INDEX checklist_ticks_placement ON checklist_ticks (placement_id, item_key);

-- Checklist templates published by managers, beside the versions the app
-- ships with (version 1 of each placement type).
CREATE TABLE checklist_templates (
    kind         TEXT NOT NULL,
    version      INTEGER NOT NULL,
    valid_from   TEXT NOT NULL,
    data         TEXT NOT NULL,
    published_by TEXT NOT NULL REFERENCES users (id),
    published_at TEXT NOT NULL,
    PRIMARY KEY (kind, version)
) STRICT;

-- SQLite cannot change a CHECK constraint: rebuild `changes` with the new kinds.
CREATE TABLE changes_v3 (
    seq       INTEGER PRIMARY KEY NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('child', 'placement', 'visit', 'visit_amendment',
                                            'conflict', 'deleted', 'placement_closing',
                                            'checklist_tick')),
    record_id TEXT NOT NULL,
    child_id  TEXT NOT NULL,
    data      TEXT NOT NULL
) STRICT;
INSERT INTO changes_v3 (seq, kind, record_id, child_id, data)
    SELECT seq, kind, record_id, child_id, data FROM changes;
DROP TABLE changes;
ALTER TABLE changes_v3 RENAME TO changes;
CREATE INDEX changes_child_seq ON changes (child_id, seq);
