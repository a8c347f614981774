-- Documents a student must have verified before a placement starts (which ones: the config).
-- One row per student and document: an upload replaces the last one and awaits a new check.

CREATE TABLE student_documents (
    student_id  INTEGER NOT NULL REFERENCES users (id),
    doc_key     TEXT NOT NULL,               -- [[placements.documents]] key
    file_id     TEXT NOT NULL,               -- Telegram's, to send the same file again
    file_type   TEXT NOT NULL CHECK (file_type IN ('pdf', 'photo')),
    expires_on  TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'submitted'
                    CHECK (status IN ('submitted', 'verified', 'returned')),
    reason      TEXT,
    uploaded_at TEXT NOT NULL,
    checked_by  INTEGER REFERENCES users (id),
    checked_at  TEXT,
    PRIMARY KEY (student_id, doc_key)
) WITHOUT ROWID;
CREATE INDEX student_documents_to_check ON student_documents (status, uploaded_at);

-- A placement whose student (and the coordinators) heard that documents are missing: once.
CREATE TABLE document_reminders (
    application_id INTEGER PRIMARY KEY REFERENCES applications (id),
    sent_at        TEXT NOT NULL
);
