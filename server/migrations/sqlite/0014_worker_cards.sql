-- "Min socialsekreterare": how a child reaches their social worker. Kept
-- by the worker; nothing about any child.
CREATE TABLE worker_cards (
    user_id    TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    phone      TEXT,
    email      TEXT,
    hours      TEXT,
    updated_at TEXT NOT NULL
) STRICT;
