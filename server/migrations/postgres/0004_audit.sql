-- The audit log (loggning): every read and write of a child's records. Append
-- only; each entry is chained to the one before by hash, so a changed or
-- removed entry breaks the chain (`barnbesok-server admin verify-log`).
-- Ids and names of actions only: never a record's content.

CREATE TABLE audit_log (
    seq         BIGINT PRIMARY KEY,
    -- When the server wrote the entry.
    logged_at   TIMESTAMPTZ NOT NULL,
    -- When it happened: the server's clock, or the tablet's for reads from
    -- its own store (information for people, like every device time).
    occurred_at TIMESTAMPTZ NOT NULL,
    user_id     UUID NOT NULL,
    role        TEXT NOT NULL,
    -- The user's units then, comma separated.
    units       TEXT NOT NULL,
    child_id    UUID NOT NULL,
    action      TEXT NOT NULL CHECK (action IN ('read', 'write')),
    -- What exactly: `sync`, `history`, `create_visit`, `opened_child`, …
    detail      TEXT NOT NULL,
    device_id   UUID,
    session_id  UUID,
    offline     BOOLEAN NOT NULL,
    -- A tablet's id for an entry it logged itself, so a re-sent one is kept once.
    entry_id    UUID UNIQUE,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_log_child ON audit_log (child_id, seq);
CREATE INDEX audit_log_user ON audit_log (user_id, seq);
CREATE INDEX audit_log_occurred ON audit_log (occurred_at);

-- The chain's head, locked by each appender like the change counter.
CREATE TABLE audit_head (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq BIGINT NOT NULL,
    hash     TEXT NOT NULL
);
INSERT INTO audit_head (id, last_seq, hash)
    VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
