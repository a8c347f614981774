-- A student proposes where to do their practice (common for dual practice in a home town):
-- a school from the directory, or a new one; a coordinator approves (placing them there, the
-- new school added to the directory as a candidate partner) or declines with a reason.

CREATE TABLE school_proposals (
    id              INTEGER PRIMARY KEY,
    student_id      INTEGER NOT NULL REFERENCES users (id),
    kind            TEXT NOT NULL,
    organization_id INTEGER REFERENCES organizations (id),  -- NULL until a new school is added
    school_name     TEXT,                   -- a school not in the directory yet, as proposed
    school_city     TEXT,
    school_address  TEXT,
    school_contact  TEXT,                   -- who to call there: a name, a phone
    starts_on       TEXT NOT NULL,
    ends_on         TEXT NOT NULL,
    note            TEXT,
    status          TEXT NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'approved', 'declined', 'withdrawn')),
    reason          TEXT,
    application_id  INTEGER REFERENCES applications (id),
    decided_by      INTEGER REFERENCES users (id),
    decided_at      TEXT,
    created_at      TEXT NOT NULL,
    CHECK (ends_on >= starts_on),
    CHECK (organization_id IS NOT NULL OR (school_name IS NOT NULL AND school_city IS NOT NULL))
);
CREATE INDEX school_proposals_by_status ON school_proposals (status, created_at);
CREATE INDEX school_proposals_by_student ON school_proposals (student_id, status);
