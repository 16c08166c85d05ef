-- The register (issue 15): homes with their checks, children's and
-- placements' fields from the case-management system, the decision on each
-- placement, and "förd till akt" marks on filed visits.

CREATE TABLE homes (
    id          TEXT PRIMARY KEY NOT NULL,
    unit_id     TEXT NOT NULL REFERENCES units (id),
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    external_id TEXT UNIQUE,
    -- HomeContact as JSON.
    contact     TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX homes_unit ON homes (unit_id);

-- Checks are added, never changed; the same home, kind and date is one check.
CREATE TABLE home_checks (
    home_id     TEXT NOT NULL REFERENCES homes (id),
    kind        TEXT NOT NULL,
    check_date  TEXT NOT NULL,
    result      TEXT NOT NULL CHECK (result IN ('no_remarks', 'remarks', 'not_approved')),
    made_by     TEXT NOT NULL,
    note        TEXT NOT NULL,
    -- NULL when imported.
    recorded_by TEXT REFERENCES users (id),
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (home_id, kind, check_date)
) STRICT;

ALTER TABLE children ADD COLUMN sex TEXT NOT NULL DEFAULT 'not_recorded'
    CHECK (sex IN ('girl', 'boy', 'other', 'not_recorded'));
ALTER TABLE children ADD COLUMN has_disability INTEGER NOT NULL DEFAULT 0
    CHECK (has_disability IN (0, 1));
ALTER TABLE children ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX children_external_id ON children (external_id);

ALTER TABLE placements ADD COLUMN home_id TEXT REFERENCES homes (id);
ALTER TABLE placements ADD COLUMN decision_date TEXT;
ALTER TABLE placements ADD COLUMN decided_by TEXT;
ALTER TABLE placements ADD COLUMN decision_until TEXT;
ALTER TABLE placements ADD COLUMN last_consideration TEXT;
ALTER TABLE placements ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX placements_external_id ON placements (external_id);
CREATE INDEX placements_home ON placements (home_id);

-- A visit filed in the case-management record: once.
CREATE TABLE visit_filings (
    visit_id      TEXT PRIMARY KEY NOT NULL REFERENCES visits (id),
    child_id      TEXT NOT NULL REFERENCES children (id),
    filed_by      TEXT NOT NULL REFERENCES users (id),
    filed_by_name TEXT NOT NULL,
    filed_at      TEXT NOT NULL
) STRICT;

-- SQLite cannot change a CHECK constraint: rebuild `changes` with the new kind.
CREATE TABLE changes_v4 (
    seq       INTEGER PRIMARY KEY NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('child', 'placement', 'visit', 'visit_amendment',
                                            'conflict', 'deleted', 'placement_closing',
                                            'checklist_tick', 'visit_filed')),
    record_id TEXT NOT NULL,
    child_id  TEXT NOT NULL,
    data      TEXT NOT NULL
) STRICT;
INSERT INTO changes_v4 (seq, kind, record_id, child_id, data)
    SELECT seq, kind, record_id, child_id, data FROM changes;
DROP TABLE changes;
ALTER TABLE changes_v4 RENAME TO changes;
CREATE INDEX changes_child_seq ON changes (child_id, seq);

-- Integration accounts (the case-management system): users with the role
-- 'integration', no password, one long-lived API token stored as its
-- SHA-256. SQLite cannot change a CHECK constraint: rebuild `users` with the
-- new role. Its rows are put back within this transaction, so the foreign
-- keys that point at them hold again by the commit.
PRAGMA defer_foreign_keys = ON;
CREATE TEMP TABLE users_v5 AS SELECT * FROM users;
DROP TABLE users;
CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('social_worker', 'consultant',
                      'disability_officer', 'group_leader', 'unit_manager', 'administrator',
                      'integration')),
    -- Argon2id in PHC string form; NULL for a user who signs in elsewhere
    -- (OIDC) or never with a password (an integration account).
    password_hash TEXT,
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at    TEXT NOT NULL
) STRICT;
INSERT INTO users (id, username, display_name, role, password_hash, active, created_at)
    SELECT id, username, display_name, role, password_hash, active, created_at FROM users_v5;
DROP TABLE users_v5;

CREATE TABLE integration_tokens (
    user_id    TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
) STRICT;
