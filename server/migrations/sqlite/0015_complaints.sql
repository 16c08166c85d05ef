-- The unit's register of complaints (klagomålsregister, issue 18), and the
-- children's messages from "Säg vad du tycker". A child's message has no unit
-- until someone takes it into one, and only the SHA-256 of its receipt code:
-- the child keeps the code.
CREATE TABLE complaints (
    id          TEXT PRIMARY KEY NOT NULL,
    revision    INTEGER NOT NULL,
    received_on TEXT NOT NULL,
    -- When the server received it: the flood guard counts a day's by this.
    received_at TEXT NOT NULL,
    source      TEXT NOT NULL
        CHECK (source IN ('child', 'relative', 'other_person', 'ivo', 'staff')),
    kind        TEXT NOT NULL CHECK (kind IN ('message', 'wish', 'complaint')),
    channel     TEXT NOT NULL CHECK (channel IN ('public', 'tablet', 'staff')),
    text        TEXT NOT NULL,
    from_name   TEXT,
    reach       TEXT,
    unit_id     TEXT REFERENCES units (id),
    status      TEXT NOT NULL CHECK (status IN ('new', 'investigating', 'answered', 'closed')),
    responsible TEXT REFERENCES users (id),
    answer      TEXT,
    answered_on TEXT,
    due_on      TEXT NOT NULL,
    child_id    TEXT REFERENCES children (id),
    home_id     TEXT REFERENCES homes (id),
    code_hash   TEXT UNIQUE,
    recorded_by TEXT REFERENCES users (id),
    updated_by  TEXT REFERENCES users (id),
    updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX complaints_unit_status ON complaints (unit_id, status);
CREATE INDEX complaints_responsible ON complaints (responsible);
CREATE INDEX complaints_channel_received ON complaints (channel, received_at);
