-- The practice logbook: mentors' lesson visits with rubric scores, and students' practice
-- hours confirmed by their mentor.

CREATE TABLE visits (
    id               INTEGER PRIMARY KEY,
    application_id   INTEGER NOT NULL REFERENCES applications (id),   -- the placement visited
    author_id        INTEGER NOT NULL REFERENCES users (id),          -- the mentor (or a coordinator)
    visited_on       TEXT NOT NULL,
    topic            TEXT NOT NULL,
    class_group      TEXT NOT NULL,
    score_planning   INTEGER NOT NULL CHECK (score_planning BETWEEN 1 AND 5),
    score_delivery   INTEGER NOT NULL CHECK (score_delivery BETWEEN 1 AND 5),
    score_management INTEGER NOT NULL CHECK (score_management BETWEEN 1 AND 5),
    score_technology INTEGER NOT NULL CHECK (score_technology BETWEEN 1 AND 5),
    score_inclusion  INTEGER NOT NULL CHECK (score_inclusion BETWEEN 1 AND 5),
    comment          TEXT,
    latitude         REAL,
    longitude        REAL,
    location         TEXT NOT NULL DEFAULT 'none' CHECK (location IN ('none', 'on_site', 'not_verified')),
    distance_m       REAL,
    photo_file_id    TEXT,
    draft_token      TEXT NOT NULL UNIQUE,   -- one visit per draft: a second "Save" finds the first
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX visits_by_application ON visits (application_id, visited_on);

CREATE TABLE practice_hours (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    worked_on      TEXT NOT NULL,
    hours          REAL NOT NULL CHECK (hours > 0 AND hours <= 12),
    activity       TEXT NOT NULL CHECK (activity IN ('taught', 'observed', 'extracurricular', 'methodical')),
    note           TEXT,
    status         TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed', 'returned')),
    reviewed_by    INTEGER REFERENCES users (id),
    reviewed_at    TEXT,
    review_comment TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX practice_hours_by_application ON practice_hours (application_id, worked_on);
CREATE INDEX practice_hours_by_status ON practice_hours (status, application_id);
