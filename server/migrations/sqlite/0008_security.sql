-- A security review's fixes (issue 14).

-- The feed's identity: a restore from a backup gives it a new one
-- (`admin restore`, `admin new-epoch`), so devices learn that the feed may
-- have lost changes they saw.
ALTER TABLE change_counter ADD COLUMN epoch TEXT NOT NULL DEFAULT '';
UPDATE change_counter SET epoch = lower(hex(randomblob(16)));

-- A token that only asks whether the session holds, kept unsealed on the
-- device so that a locked device learns it was revoked. SHA-256 only.
ALTER TABLE sessions ADD COLUMN check_hash TEXT;
CREATE UNIQUE INDEX sessions_check ON sessions (check_hash);

-- Refresh tokens already rotated away: one used again means a copy is in
-- other hands, and the whole session is revoked.
CREATE TABLE retired_refresh_tokens (
    hash       TEXT PRIMARY KEY NOT NULL,
    session_id TEXT NOT NULL REFERENCES sessions (id),
    retired_at TEXT NOT NULL
) STRICT;
CREATE INDEX retired_refresh_tokens_session ON retired_refresh_tokens (session_id);

-- What a purge of the audit log removed: the last removed entry's number
-- and hash, so the chain stays checkable from there and a cut at the start
-- is found.
CREATE TABLE audit_checkpoint (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq INTEGER NOT NULL,
    hash     TEXT NOT NULL
) STRICT;
INSERT INTO audit_checkpoint (id, last_seq, hash)
    VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
CREATE INDEX audit_log_logged ON audit_log (logged_at);

CREATE INDEX children_unit ON children (unit_id);

-- An amendment names its author's account, as a visit names its signer.
ALTER TABLE visit_amendments ADD COLUMN author_id TEXT;
