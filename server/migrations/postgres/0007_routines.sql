-- Routine versions published by managers, beside those the app ships with.
-- A version is never changed; a new one gets the next number.
CREATE TABLE routine_versions (
    routine_id   TEXT NOT NULL,
    version      INTEGER NOT NULL,
    data         TEXT NOT NULL,
    published_by UUID NOT NULL REFERENCES users (id),
    published_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (routine_id, version)
);
