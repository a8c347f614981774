-- Teaching-practice placements: offers published by schools, applications by students,
-- waiting lists, and the mentor assigned to each placed student.

CREATE TABLE practice_offers (
    id              INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations (id),
    kind            TEXT NOT NULL CHECK (kind IN
                        ('observation', 'pedagogical', 'pre_graduation', 'dual', 'internship')),
    subject         TEXT NOT NULL,          -- subject or age group, as the school writes it
    subject_key     TEXT NOT NULL,          -- casefolded subject, for filtering
    starts_on       TEXT NOT NULL,
    ends_on         TEXT NOT NULL,
    places          INTEGER NOT NULL CHECK (places BETWEEN 1 AND 500),
    taken           INTEGER NOT NULL DEFAULT 0,     -- approved placements, kept in step by db/
    notes           TEXT,
    status          TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_by      INTEGER REFERENCES users (id),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    CHECK (ends_on >= starts_on),
    CHECK (taken BETWEEN 0 AND places)
);
CREATE INDEX practice_offers_browse ON practice_offers (status, starts_on, id);
CREATE INDEX practice_offers_by_organization ON practice_offers (organization_id);

CREATE TABLE offer_mentors (
    offer_id  INTEGER NOT NULL REFERENCES practice_offers (id),
    mentor_id INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (offer_id, mentor_id)
);

-- pending: holds one of the offer's free places until decided; waitlisted: queued for a
-- place; approved: placed (counted in practice_offers.taken).
CREATE TABLE applications (
    id           INTEGER PRIMARY KEY,
    offer_id     INTEGER NOT NULL REFERENCES practice_offers (id),
    student_id   INTEGER NOT NULL REFERENCES users (id),
    status       TEXT NOT NULL CHECK (status IN
                     ('pending', 'waitlisted', 'approved', 'rejected', 'withdrawn', 'cancelled')),
    motivation   TEXT,
    queued_at    TEXT NOT NULL,         -- order on the waiting list
    mentor_id    INTEGER REFERENCES users (id),
    decided_by   INTEGER REFERENCES users (id),
    decided_at   TEXT,
    reason       TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE UNIQUE INDEX applications_one_active_per_offer ON applications (offer_id, student_id)
    WHERE status IN ('pending', 'waitlisted', 'approved');
CREATE INDEX applications_by_offer ON applications (offer_id, status, queued_at);
CREATE INDEX applications_by_student ON applications (student_id, status);
CREATE INDEX applications_by_mentor ON applications (mentor_id, status);
