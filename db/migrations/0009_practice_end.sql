-- The end of a practice: the mentor's evaluations and characteristic, the final mark, and the
-- student's ratings of the school and the mentor.

CREATE TABLE evaluations (
    id               INTEGER PRIMARY KEY,
    application_id   INTEGER NOT NULL REFERENCES applications (id),
    kind             TEXT NOT NULL CHECK (kind IN ('mid', 'final')),
    author_id        INTEGER NOT NULL REFERENCES users (id),
    scores           TEXT NOT NULL,            -- JSON: rubric criterion -> 1..5
    strengths        TEXT NOT NULL,
    to_improve       TEXT NOT NULL,
    recommended_mark INTEGER CHECK (recommended_mark BETWEEN 0 AND 100),
    characteristic   TEXT,                     -- final only: the signed text
    signed_at        TEXT,
    confirmed_by     INTEGER REFERENCES users (id),  -- the school's director (the stamp)
    confirmed_at     TEXT,
    created_at       TEXT NOT NULL,
    UNIQUE (application_id, kind)
);

CREATE TABLE final_marks (
    application_id INTEGER PRIMARY KEY REFERENCES applications (id),
    mark           INTEGER NOT NULL CHECK (mark BETWEEN 0 AND 100),
    graded_by      INTEGER NOT NULL REFERENCES users (id),
    graded_at      TEXT NOT NULL
);

CREATE TABLE placement_ratings (
    application_id INTEGER PRIMARY KEY REFERENCES applications (id),
    organization_id INTEGER NOT NULL REFERENCES organizations (id),
    ratings        TEXT NOT NULL,              -- JSON: aspect -> 1..5
    comment        TEXT,
    created_at     TEXT NOT NULL
);
CREATE INDEX placement_ratings_by_school ON placement_ratings (organization_id);
