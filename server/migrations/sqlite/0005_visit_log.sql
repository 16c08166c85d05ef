-- The full visit log: how and where the child was met, in what role, why not
-- alone, whether feedback was given, which conversation tools, and who signed.
-- The narrative (what the child was asked and said, its influence, follow-ups,
-- tool results) is kept whole as JSON in `details`; the columns are what
-- follow-up (egenkontroll) counts by. Older rows get the defaults an older
-- app version meant: an in-person visit by the municipality's own staff.
ALTER TABLE visits ADD COLUMN contact TEXT NOT NULL DEFAULT 'in_person'
    CHECK (contact IN ('in_person', 'phone', 'video'));
ALTER TABLE visits ADD COLUMN visitor_role TEXT NOT NULL DEFAULT 'employee'
    CHECK (visitor_role IN ('employee', 'consultant', 'disability_officer'));
ALTER TABLE visits ADD COLUMN place TEXT NOT NULL DEFAULT 'in_the_home'
    CHECK (place IN ('in_the_home', 'elsewhere'));
ALTER TABLE visits ADD COLUMN not_alone_reason TEXT;
ALTER TABLE visits ADD COLUMN feedback_given INTEGER NOT NULL DEFAULT 0
    CHECK (feedback_given IN (0, 1));
ALTER TABLE visits ADD COLUMN tools TEXT NOT NULL DEFAULT '';
ALTER TABLE visits ADD COLUMN signed_by TEXT REFERENCES users (id);
ALTER TABLE visits ADD COLUMN details TEXT NOT NULL DEFAULT '{}';
CREATE INDEX visits_child_date ON visits (child_id, visit_date);
