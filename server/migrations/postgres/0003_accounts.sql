-- Accounts, units, who may see which child, and device sessions.

CREATE TABLE units (
    id   UUID PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE users (
    id            UUID PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('social_worker', 'consultant',
                      'disability_officer', 'group_leader', 'unit_manager', 'administrator')),
    -- Argon2id in PHC string form; NULL for a user who signs in elsewhere (OIDC).
    password_hash TEXT,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE user_units (
    user_id UUID NOT NULL REFERENCES users (id),
    unit_id UUID NOT NULL REFERENCES units (id),
    PRIMARY KEY (user_id, unit_id)
);

-- NULL only for children stored before units existed.
ALTER TABLE children ADD COLUMN unit_id UUID REFERENCES units (id);

-- A social worker's access to one child: an assignment, or a colleague's
-- temporary cover granted by a group leader. Ended rows stay (with their
-- end): they are the history of who could see the child.
CREATE TABLE child_access (
    id         UUID PRIMARY KEY,
    child_id   UUID NOT NULL REFERENCES children (id),
    user_id    UUID NOT NULL REFERENCES users (id),
    kind       TEXT NOT NULL CHECK (kind IN ('assigned', 'granted')),
    granted_by UUID REFERENCES users (id),
    starts_at  TIMESTAMPTZ NOT NULL,
    ends_at    TIMESTAMPTZ
);
CREATE INDEX child_access_user ON child_access (user_id);
CREATE INDEX child_access_child ON child_access (child_id);

-- One row per signed-in device. Tokens are stored as SHA-256 hashes only.
CREATE TABLE sessions (
    id                UUID PRIMARY KEY,
    user_id           UUID NOT NULL REFERENCES users (id),
    device_label      TEXT NOT NULL,
    access_hash       TEXT NOT NULL UNIQUE,
    access_expires_at TIMESTAMPTZ NOT NULL,
    refresh_hash      TEXT NOT NULL UNIQUE,
    created_at        TIMESTAMPTZ NOT NULL,
    last_used_at      TIMESTAMPTZ NOT NULL,
    -- The absolute end, whatever the use.
    expires_at        TIMESTAMPTZ NOT NULL,
    revoked_at        TIMESTAMPTZ
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Who applied each mutation.
ALTER TABLE applied_mutations ADD COLUMN user_id UUID;

-- A device pulls only its children's changes.
CREATE INDEX changes_child_seq ON changes (child_id, seq);
