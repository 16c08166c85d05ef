-- The register (issue 15): homes with their checks, children's and
-- placements' fields from the case-management system, the decision on each
-- placement, and "förd till akt" marks on filed visits.

CREATE TABLE homes (
    id          UUID PRIMARY KEY,
    unit_id     UUID NOT NULL REFERENCES units (id),
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    external_id TEXT UNIQUE,
    contact     JSONB NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX homes_unit ON homes (unit_id);

CREATE TABLE home_checks (
    home_id     UUID NOT NULL REFERENCES homes (id),
    kind        TEXT NOT NULL,
    check_date  DATE NOT NULL,
    result      TEXT NOT NULL CHECK (result IN ('no_remarks', 'remarks', 'not_approved')),
    made_by     TEXT NOT NULL,
    note        TEXT NOT NULL,
    recorded_by UUID REFERENCES users (id),
    recorded_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (home_id, kind, check_date)
);

ALTER TABLE children ADD COLUMN sex TEXT NOT NULL DEFAULT 'not_recorded'
    CHECK (sex IN ('girl', 'boy', 'other', 'not_recorded'));
ALTER TABLE children ADD COLUMN has_disability BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE children ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX children_external_id ON children (external_id);

ALTER TABLE placements ADD COLUMN home_id UUID REFERENCES homes (id);
ALTER TABLE placements ADD COLUMN decision_date DATE;
ALTER TABLE placements ADD COLUMN decided_by TEXT;
ALTER TABLE placements ADD COLUMN decision_until DATE;
ALTER TABLE placements ADD COLUMN last_consideration DATE;
ALTER TABLE placements ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX placements_external_id ON placements (external_id);
CREATE INDEX placements_home ON placements (home_id);

CREATE TABLE visit_filings (
    visit_id      UUID PRIMARY KEY REFERENCES visits (id),
    child_id      UUID NOT NULL REFERENCES children (id),
    filed_by      UUID NOT NULL REFERENCES users (id),
    filed_by_name TEXT NOT NULL,
    filed_at      TIMESTAMPTZ NOT NULL
);

ALTER TABLE changes DROP CONSTRAINT changes_kind_check;
ALTER TABLE changes ADD CONSTRAINT changes_kind_check
    CHECK (kind IN ('child', 'placement', 'visit', 'visit_amendment', 'conflict', 'deleted',
                    'placement_closing', 'checklist_tick', 'visit_filed'));

-- Integration accounts (the case-management system): users with the role
-- 'integration', no password, one long-lived API token stored as its
-- SHA-256.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('social_worker', 'consultant', 'disability_officer', 'group_leader',
                    'unit_manager', 'administrator', 'integration'));

CREATE TABLE integration_tokens (
    user_id    UUID PRIMARY KEY REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);
