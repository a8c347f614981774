-- Announcements to an audience: one row per broadcast, one outbox row per recipient.

CREATE TABLE broadcasts (
    id                  INTEGER PRIMARY KEY,
    author_id           INTEGER NOT NULL REFERENCES users (id),
    audience            TEXT NOT NULL,              -- JSON: who it was for, as chosen
    texts               TEXT NOT NULL,              -- JSON: {"kk": "...", "ru": "..."}, HTML
    author_locale       TEXT NOT NULL,              -- whose version goes to other languages
    media_kind          TEXT CHECK (media_kind IN ('photo', 'document')),
    media_file_id       TEXT,
    recipients          INTEGER NOT NULL,
    status              TEXT NOT NULL DEFAULT 'sending' CHECK (status IN ('sending', 'done')),
    progress_chat_id    INTEGER,                    -- the author's message edited with progress
    progress_message_id INTEGER,
    draft_token         TEXT NOT NULL UNIQUE,       -- a second "Send" finds the first broadcast
    created_at          TEXT NOT NULL,
    finished_at         TEXT
);
CREATE INDEX broadcasts_by_author ON broadcasts (author_id, id);

ALTER TABLE outbox ADD COLUMN broadcast_id INTEGER REFERENCES broadcasts (id);
CREATE INDEX outbox_by_broadcast ON outbox (broadcast_id, status);
