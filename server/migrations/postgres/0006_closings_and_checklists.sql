-- Placement closings (avslut with the closing note) and checklist ticks:
-- both signed once and never changed. At most one closing per placement.
CREATE TABLE placement_closings (
    id           UUID PRIMARY KEY,
    placement_id UUID NOT NULL UNIQUE REFERENCES placements (id),
    child_id     UUID NOT NULL REFERENCES children (id),
    end_date     DATE NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('planned', 'unplanned')),
    replacement  BOOLEAN NOT NULL,
    reason       TEXT,
    signed_by    UUID NOT NULL REFERENCES users (id),
    details      JSONB NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL,
    mutation_id  UUID UNIQUE
);
CREATE INDEX placement_closings_child ON placement_closings (child_id);

CREATE TABLE checklist_ticks (
    id               UUID PRIMARY KEY,
    placement_id     UUID NOT NULL REFERENCES placements (id),
    child_id         UUID NOT NULL REFERENCES children (id),
    template_kind    TEXT NOT NULL,
    template_version INTEGER NOT NULL,
    item_key         TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('done', 'not_applicable', 'open')),
    ticked_by        UUID NOT NULL REFERENCES users (id),
    ticked_at        TIMESTAMPTZ NOT NULL,
    received_at      TIMESTAMPTZ NOT NULL,
    mutation_id      UUID UNIQUE
);
CREATE INDEX checklist_ticks_placement ON checklist_ticks (placement_id, item_key);

-- Checklist templates published by managers, beside the versions the app
-- ships with (version 1 of each placement type).
CREATE TABLE checklist_templates (
    kind         TEXT NOT NULL,
    version      INTEGER NOT NULL,
    valid_from   DATE NOT NULL,
    data         JSONB NOT NULL,
    published_by UUID NOT NULL REFERENCES users (id),
    published_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (kind, version)
);

ALTER TABLE changes DROP CONSTRAINT changes_kind_check;
ALTER TABLE changes ADD CONSTRAINT changes_kind_check
    CHECK (kind IN ('child', 'placement', 'visit', 'visit_amendment', 'conflict', 'deleted',
                    'placement_closing', 'checklist_tick'));
