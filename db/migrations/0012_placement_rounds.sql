-- Placement rounds: students of a cohort rank a round's offers until its deadline; one
-- allocation (db/domain/rounds.py) then places them. The lottery's seed is kept, so the same
-- preferences and places always give the same result.

CREATE TABLE placement_rounds (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,             -- practice kind of its offers
    study_years  TEXT NOT NULL,             -- the cohort: comma-separated years, e.g. "3,4"
    university_id INTEGER REFERENCES organizations (id),  -- the cohort's university, if any
    choices      INTEGER NOT NULL CHECK (choices BETWEEN 1 AND 20),
    deadline_at  TEXT NOT NULL,
    seed         INTEGER NOT NULL,
    priority     TEXT NOT NULL DEFAULT 'lottery' CHECK (priority IN ('lottery', 'score')),
    status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed', 'published')),
    created_by   INTEGER REFERENCES users (id),
    created_at   TEXT NOT NULL,
    closed_at    TEXT,
    published_at TEXT
);
CREATE INDEX placement_rounds_by_status ON placement_rounds (status, deadline_at);

CREATE TABLE round_offers (
    round_id INTEGER NOT NULL REFERENCES placement_rounds (id),
    offer_id INTEGER NOT NULL REFERENCES practice_offers (id),
    PRIMARY KEY (round_id, offer_id)
) WITHOUT ROWID;

-- With priority 'score': the coordinator's imported scores (higher first; ties and students
-- without a score by the lottery, after those with one).
CREATE TABLE round_scores (
    round_id   INTEGER NOT NULL REFERENCES placement_rounds (id),
    student_id INTEGER NOT NULL REFERENCES users (id),
    score      REAL NOT NULL,
    PRIMARY KEY (round_id, student_id)
) WITHOUT ROWID;

CREATE TABLE round_preferences (
    round_id   INTEGER NOT NULL REFERENCES placement_rounds (id),
    student_id INTEGER NOT NULL REFERENCES users (id),
    position   INTEGER NOT NULL,            -- 1 for the first choice
    offer_id   INTEGER NOT NULL REFERENCES practice_offers (id),
    PRIMARY KEY (round_id, student_id, position),
    UNIQUE (round_id, student_id, offer_id)
) WITHOUT ROWID;

-- The allocation of the last preview (replaced by a rerun) and, once published, the result.
CREATE TABLE round_results (
    round_id       INTEGER NOT NULL REFERENCES placement_rounds (id),
    student_id     INTEGER NOT NULL REFERENCES users (id),
    offer_id       INTEGER REFERENCES practice_offers (id),   -- NULL: unplaced
    choice         INTEGER,                 -- which of their choices they got
    outranked      TEXT NOT NULL DEFAULT '', -- their better choices' positions, e.g. "1,2"
    lost_reason    TEXT NOT NULL DEFAULT '',  -- why publishing could not place them:
                                             -- 'full' (taken meanwhile), 'overlap' (placed
                                             -- elsewhere for these dates meanwhile)
    application_id INTEGER REFERENCES applications (id),      -- set when published
    PRIMARY KEY (round_id, student_id)
) WITHOUT ROWID;
