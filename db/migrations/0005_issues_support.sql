-- Schools' issues and needs, followed to resolution; confidential support requests.

CREATE TABLE school_issues (
    id                INTEGER PRIMARY KEY,
    organization_id   INTEGER NOT NULL REFERENCES organizations (id),
    author_id         INTEGER NOT NULL REFERENCES users (id),
    category          TEXT NOT NULL CHECK (category IN ('staffing', 'methodology', 'inclusion',
                          'digital', 'student', 'infrastructure', 'other')),
    urgency           TEXT NOT NULL CHECK (urgency IN ('normal', 'urgent')),
    title             TEXT NOT NULL,
    description       TEXT NOT NULL,
    vacancy_subject   TEXT,              -- staffing only: what the school needs a teacher of
    vacancy_starts_on TEXT,
    status            TEXT NOT NULL DEFAULT 'new' CHECK (status IN
                          ('new', 'in_progress', 'resolved', 'closed', 'rejected')),
    assignee_id       INTEGER REFERENCES users (id),
    reject_reason     TEXT,
    version           INTEGER NOT NULL DEFAULT 1,   -- every change names the version it saw
    last_activity_at  TEXT NOT NULL,                -- stale reminders count from here
    reminded_at       TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX school_issues_triage ON school_issues (status, urgency, created_at);
CREATE INDEX school_issues_by_organization ON school_issues (organization_id, status);

CREATE TABLE issue_attachments (
    id             INTEGER PRIMARY KEY,
    issue_id       INTEGER NOT NULL REFERENCES school_issues (id),
    kind           TEXT NOT NULL CHECK (kind IN ('photo', 'document')),
    file_id        TEXT NOT NULL,
    file_name      TEXT,
    created_at     TEXT NOT NULL
);
CREATE INDEX issue_attachments_by_issue ON issue_attachments (issue_id);

CREATE TABLE issue_comments (
    id         INTEGER PRIMARY KEY,
    issue_id   INTEGER NOT NULL REFERENCES school_issues (id),
    author_id  INTEGER NOT NULL REFERENCES users (id),
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX issue_comments_by_issue ON issue_comments (issue_id, id);

ALTER TABLE users ADD COLUMN is_support INTEGER NOT NULL DEFAULT 0;

CREATE TABLE support_threads (
    id           INTEGER PRIMARY KEY,
    requester_id INTEGER NOT NULL REFERENCES users (id),
    handler_id   INTEGER REFERENCES users (id),       -- the support person who took it
    status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX support_threads_by_requester ON support_threads (requester_id, status);

CREATE TABLE support_messages (
    id         INTEGER PRIMARY KEY,
    thread_id  INTEGER NOT NULL REFERENCES support_threads (id),
    author_id  INTEGER NOT NULL REFERENCES users (id),
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX support_messages_by_thread ON support_messages (thread_id, id);
