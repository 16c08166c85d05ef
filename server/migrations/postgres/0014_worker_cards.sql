-- "Min socialsekreterare": how a child reaches their social worker. Kept
-- by the worker; nothing about any child.
CREATE TABLE worker_cards (
    user_id    UUID PRIMARY KEY NOT NULL REFERENCES users (id),
    phone      TEXT,
    email      TEXT,
    hours      TEXT,
    updated_at TIMESTAMPTZ NOT NULL
);
