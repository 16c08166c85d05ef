-- Accounts, units, who may see which child, and device sessions.

CREATE TABLE units (
    id   TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE
) STRICT;

CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('social_worker', 'consultant',
                      'disability_officer', 'group_leader', 'unit_manager', 'administrator')),
    -- Argon2id in PHC string form; NULL for a user who signs in elsewhere (OIDC).
    password_hash TEXT,
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at    TEXT NOT NULL
) STRICT;

CREATE TABLE user_units (
    user_id TEXT NOT NULL REFERENCES users (id),
    unit_id TEXT NOT NULL REFERENCES units (id),
    PRIMARY KEY (user_id, unit_id)
) STRICT;

-- NULL only for children stored before units existed.
ALTER TABLE children ADD COLUMN unit_id TEXT REFERENCES units (id);

-- A social worker's access to one child: an assignment, or a colleague's
-- temporary cover granted by a group leader. Ended rows stay (with their
-- end): they are the history of who could see the child.
CREATE TABLE child_access (
    id         TEXT PRIMARY KEY NOT NULL,
    child_id   TEXT NOT NULL REFERENCES children (id),
    user_id    TEXT NOT NULL REFERENCES users (id),
    kind       TEXT NOT NULL CHECK (kind IN ('assigned', 'granted')),
    granted_by TEXT REFERENCES users (id),
    starts_at  TEXT NOT NULL,
    ends_at    TEXT
) STRICT;
CREATE INDEX child_access_user ON child_access (user_id);
CREATE INDEX child_access_child ON child_access (child_id);

-- One row per signed-in device. Tokens are stored as SHA-256 hashes only.
CREATE TABLE sessions (
    id                TEXT PRIMARY KEY NOT NULL,
    user_id           TEXT NOT NULL REFERENCES users (id),
    device_label      TEXT NOT NULL,
    access_hash       TEXT NOT NULL UNIQUE,
    access_expires_at TEXT NOT NULL,
    refresh_hash      TEXT NOT NULL UNIQUE,
    created_at        TEXT NOT NULL,
    last_used_at      TEXT NOT NULL,
    -- The absolute end, whatever the use.
    expires_at        TEXT NOT NULL,
    revoked_at        TEXT
) STRICT;
CREATE INDEX sessions_user ON sessions (user_id);

-- Who applied each mutation.
ALTER TABLE applied_mutations ADD COLUMN user_id TEXT;

-- A device pulls only its children's changes.
CREATE INDEX changes_child_seq ON changes (child_id, seq);
