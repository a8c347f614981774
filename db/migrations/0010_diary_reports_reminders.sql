-- The student's practice diary and final report, and the end-of-practice reminders (one row
-- per placement and kind: a reminder is queued once, and its row says when).

CREATE TABLE diary_entries (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    written_on     TEXT NOT NULL,   -- the day of practice it is about
    did            TEXT NOT NULL,
    reflection     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    UNIQUE (application_id, written_on)
);

CREATE TABLE practice_reports (
    application_id INTEGER PRIMARY KEY REFERENCES applications (id),
    file_id        TEXT NOT NULL,
    file_name      TEXT NOT NULL,
    mime_type      TEXT NOT NULL,
    size           INTEGER NOT NULL,
    uploaded_at    TEXT NOT NULL
);

CREATE TABLE practice_reminders (
    application_id INTEGER NOT NULL REFERENCES applications (id),
    kind           TEXT NOT NULL CHECK (kind IN ('mid_due', 'final_due', 'confirm_due', 'ungraded')),
    sent_at        TEXT NOT NULL,
    PRIMARY KEY (application_id, kind)
);
