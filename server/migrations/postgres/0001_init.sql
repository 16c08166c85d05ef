-- Barnbesök schema, PostgreSQL.

CREATE TABLE children (
    id          UUID PRIMARY KEY,
    given_name  TEXT NOT NULL,
    family_name TEXT NOT NULL,
    birth_date  DATE NOT NULL
);

CREATE TABLE placements (
    id          UUID PRIMARY KEY,
    child_id    UUID NOT NULL REFERENCES children (id),
    kind        TEXT NOT NULL,
    home_name   TEXT NOT NULL,
    legal_basis TEXT NOT NULL,
    start_date  DATE NOT NULL,
    end_date    DATE
);
CREATE INDEX placements_child_id ON placements (child_id);

CREATE TABLE visits (
    id           UUID PRIMARY KEY,
    child_id     UUID NOT NULL REFERENCES children (id),
    visit_date   DATE NOT NULL,
    visitor      TEXT NOT NULL,
    talked_alone BOOLEAN NOT NULL,
    note         TEXT NOT NULL,
    recorded_at  TIMESTAMPTZ NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL,
    -- NULL for records that did not come from a device (demo data).
    mutation_id  UUID UNIQUE
);
CREATE INDEX visits_child_id ON visits (child_id);

-- The idempotency record: one row per mutation id ever applied, written in the
-- same transaction as the mutation's effect.
CREATE TABLE applied_mutations (
    mutation_id UUID PRIMARY KEY,
    device_id   UUID NOT NULL,
    applied_at  TIMESTAMPTZ NOT NULL,
    seq         BIGINT
);

-- One row: the last change number handed out.
CREATE TABLE change_counter (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq BIGINT NOT NULL
);
INSERT INTO change_counter (id, last_seq) VALUES (1, 0);

-- The change feed devices pull from; `data` is the record as JSON.
CREATE TABLE changes (
    seq       BIGINT PRIMARY KEY,
    kind      TEXT NOT NULL CHECK (kind IN ('child', 'placement', 'visit')),
    record_id UUID NOT NULL,
    child_id  UUID NOT NULL,
    data      JSONB NOT NULL
);
