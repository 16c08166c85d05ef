-- Deviations (avvikelser), Lex Sarah reports and personal-data incidents
-- (issue 19, docs/deviations.md). One row per report, with the unit
-- manager's investigation, the lock and the feedback; actions and
-- follow-ups, and the attributed notes added after the lock, beside it.
CREATE TABLE deviations (
    id                   UUID PRIMARY KEY,
    revision             BIGINT NOT NULL,
    unit_id              UUID NOT NULL REFERENCES units (id),
    manager_id           UUID NOT NULL REFERENCES users (id),
    reported_by          UUID NOT NULL REFERENCES users (id),
    reported_at          TIMESTAMPTZ NOT NULL,
    reported_on          DATE NOT NULL,
    happened_on          DATE NOT NULL,
    category             TEXT NOT NULL CHECK (category IN ('documentation', 'visits',
                             'decisions', 'placement', 'collaboration', 'information',
                             'data_protection', 'other')),
    route                TEXT NOT NULL CHECK (route IN ('deviation', 'lex_sarah', 'data_incident')),
    likelihood           BIGINT CHECK (likelihood BETWEEN 1 AND 4),
    consequence          BIGINT CHECK (consequence BETWEEN 1 AND 4),
    what_happened        TEXT NOT NULL,
    could_do_differently TEXT,
    immediate_action     TEXT,
    -- NULL: organisational (several people affected, or no open case).
    child_id             UUID REFERENCES children (id),
    home_id              UUID REFERENCES homes (id),
    routine_id           TEXT,
    complaint_id         UUID REFERENCES complaints (id),
    collaboration        TEXT,
    incident_kind        TEXT CHECK (incident_kind IN ('lost_device', 'stolen_device',
                             'wrong_recipient', 'other')),
    discovered_at        TIMESTAMPTZ,
    imy_due_at           TIMESTAMPTZ,
    imy_reported_at      TIMESTAMPTZ,
    reporter_name        TEXT,
    reporter_email       TEXT,
    due_on               DATE NOT NULL,
    escalated_at         TIMESTAMPTZ,
    escalated_by         UUID REFERENCES users (id),
    what_went_wrong      TEXT,
    why                  TEXT,
    what_was_done        TEXT,
    prevention           TEXT,
    locked_at            TIMESTAMPTZ,
    locked_by            UUID REFERENCES users (id),
    feedback             TEXT,
    feedback_at          TIMESTAMPTZ,
    feedback_by          UUID REFERENCES users (id),
    updated_at           TIMESTAMPTZ NOT NULL
);
CREATE INDEX deviations_unit_reported ON deviations (unit_id, reported_on);
CREATE INDEX deviations_manager ON deviations (manager_id);
CREATE INDEX deviations_reported_by ON deviations (reported_by);
CREATE INDEX deviations_home ON deviations (home_id);

CREATE TABLE deviation_actions (
    id           UUID PRIMARY KEY,
    deviation_id UUID NOT NULL REFERENCES deviations (id),
    kind         TEXT NOT NULL CHECK (kind IN ('action', 'follow_up')),
    text         TEXT NOT NULL,
    owner        UUID NOT NULL REFERENCES users (id),
    due_on       DATE NOT NULL,
    done_on      DATE,
    note         TEXT,
    created_by   UUID NOT NULL REFERENCES users (id),
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX deviation_actions_deviation ON deviation_actions (deviation_id);
CREATE INDEX deviation_actions_owner ON deviation_actions (owner, done_on);

-- Attributed additions: a correction after the lock, why it was escalated,
-- when IMY was told. Never changed.
CREATE TABLE deviation_notes (
    id           UUID PRIMARY KEY,
    deviation_id UUID NOT NULL REFERENCES deviations (id),
    kind         TEXT NOT NULL CHECK (kind IN ('correction', 'escalation', 'imy_report')),
    text         TEXT NOT NULL,
    by_user      UUID NOT NULL REFERENCES users (id),
    by_name      TEXT NOT NULL,
    at           TIMESTAMPTZ NOT NULL
);
CREATE INDEX deviation_notes_deviation ON deviation_notes (deviation_id, at);

-- E-mail waiting for the SMTP server (or for one to be configured).
CREATE TABLE mail_outbox (
    id          UUID PRIMARY KEY,
    to_address  TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    about_id    UUID NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    sent_at     TIMESTAMPTZ,
    attempts    BIGINT NOT NULL DEFAULT 0,
    last_error  TEXT
);
CREATE INDEX mail_outbox_unsent ON mail_outbox (sent_at, created_at);
CREATE INDEX mail_outbox_about ON mail_outbox (about_id);

-- The quality role (kvalitetsutvecklare): aggregates across units, no
-- child's records.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('social_worker', 'consultant', 'disability_officer', 'group_leader',
                    'unit_manager', 'administrator', 'integration', 'quality'));
