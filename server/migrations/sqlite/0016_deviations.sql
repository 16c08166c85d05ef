-- Deviations (avvikelser), Lex Sarah reports and personal-data incidents
-- (issue 19, docs/deviations.md). One row per report, with the unit
-- manager's investigation, the lock and the feedback; actions and
-- follow-ups, and the attributed notes added after the lock, beside it.
CREATE TABLE deviations (
    id                   TEXT PRIMARY KEY NOT NULL,
    revision             INTEGER NOT NULL,
    unit_id              TEXT NOT NULL REFERENCES units (id),
    manager_id           TEXT NOT NULL REFERENCES users (id),
    reported_by          TEXT NOT NULL REFERENCES users (id),
    reported_at          TEXT NOT NULL,
    reported_on          TEXT NOT NULL,
    happened_on          TEXT NOT NULL,
    category             TEXT NOT NULL CHECK (category IN ('documentation', 'visits',
                             'decisions', 'placement', 'collaboration', 'information',
                             'data_protection', 'other')),
    route                TEXT NOT NULL CHECK (route IN ('deviation', 'lex_sarah', 'data_incident')),
    likelihood           INTEGER CHECK (likelihood BETWEEN 1 AND 4),
    consequence          INTEGER CHECK (consequence BETWEEN 1 AND 4),
    what_happened        TEXT NOT NULL,
    could_do_differently TEXT,
    immediate_action     TEXT,
    -- NULL: organisational (several people affected, or no open case).
    child_id             TEXT REFERENCES children (id),
    home_id              TEXT REFERENCES homes (id),
    routine_id           TEXT,
    complaint_id         TEXT REFERENCES complaints (id),
    collaboration        TEXT,
    incident_kind        TEXT CHECK (incident_kind IN ('lost_device', 'stolen_device',
                             'wrong_recipient', 'other')),
    discovered_at        TEXT,
    imy_due_at           TEXT,
    imy_reported_at      TEXT,
    reporter_name        TEXT,
    reporter_email       TEXT,
    due_on               TEXT NOT NULL,
    escalated_at         TEXT,
    escalated_by         TEXT REFERENCES users (id),
    what_went_wrong      TEXT,
    why                  TEXT,
    what_was_done        TEXT,
    prevention           TEXT,
    locked_at            TEXT,
    locked_by            TEXT REFERENCES users (id),
    feedback             TEXT,
    feedback_at          TEXT,
    feedback_by          TEXT REFERENCES users (id),
    updated_at           TEXT NOT NULL
) STRICT;
CREATE INDEX deviations_unit_reported ON deviations (unit_id, reported_on);
CREATE INDEX deviations_manager ON deviations (manager_id);
CREATE INDEX deviations_reported_by ON deviations (reported_by);
CREATE INDEX deviations_home ON deviations (home_id);

CREATE TABLE deviation_actions (
    id           TEXT PRIMARY KEY NOT NULL,
    deviation_id TEXT NOT NULL REFERENCES deviations (id),
    kind         TEXT NOT NULL CHECK (kind IN ('action', 'follow_up')),
    text         TEXT NOT NULL,
    owner        TEXT NOT NULL REFERENCES users (id),
    due_on       TEXT NOT NULL,
    done_on      TEXT,
    note         TEXT,
    created_by   TEXT NOT NULL REFERENCES users (id),
    created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX deviation_actions_deviation ON deviation_actions (deviation_id);
CREATE INDEX deviation_actions_owner ON deviation_actions (owner, done_on);

-- Attributed additions: a correction after the lock, why it was escalated,
-- when IMY was told. Never changed.
CREATE TABLE deviation_notes (
    id           TEXT PRIMARY KEY NOT NULL,
    deviation_id TEXT NOT NULL REFERENCES deviations (id),
    kind         TEXT NOT NULL CHECK (kind IN ('correction', 'escalation', 'imy_report')),
    text         TEXT NOT NULL,
    by_user      TEXT NOT NULL REFERENCES users (id),
    by_name      TEXT NOT NULL,
    at           TEXT NOT NULL
) STRICT;
CREATE INDEX deviation_notes_deviation ON deviation_notes (deviation_id, at);

-- E-mail waiting for the SMTP server (or for one to be configured).
CREATE TABLE mail_outbox (
    id          TEXT PRIMARY KEY NOT NULL,
    to_address  TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    about_id    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    sent_at     TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT
) STRICT;
CREATE INDEX mail_outbox_unsent ON mail_outbox (sent_at, created_at);
CREATE INDEX mail_outbox_about ON mail_outbox (about_id);

-- The quality role (kvalitetsutvecklare): aggregates across units, no
-- child's records. SQLite cannot change a CHECK constraint: rebuild `users`
-- as 0009 did; its rows are back within this transaction.
PRAGMA defer_foreign_keys = ON;
CREATE TEMP TABLE users_v16 AS SELECT * FROM users;
DROP TABLE users;
CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('social_worker', 'consultant',
                      'disability_officer', 'group_leader', 'unit_manager', 'administrator',
                      'integration', 'quality')),
    -- Argon2id in PHC string form; NULL for a user who signs in elsewhere
    -- (OIDC) or never with a password (an integration account).
    password_hash TEXT,
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at    TEXT NOT NULL
) STRICT;
INSERT INTO users (id, username, display_name, role, password_hash, active, created_at)
    SELECT id, username, display_name, role, password_hash, active, created_at FROM users_v16;
DROP TABLE users_v16;
