-- The outbox: every message the bot sends on its own initiative (notifications, reminders,
-- broadcasts) is a row first, written in the same transaction as the change it reports.
-- A single delivery worker sends them within Telegram's limits.

CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    kind       TEXT NOT NULL,                  -- how to render it, e.g. 'placement.approved'
    payload    TEXT NOT NULL DEFAULT '{}',     -- facts of the event (ids, reasons), JSON
    priority   INTEGER NOT NULL,               -- lower goes first: personal notices before broadcasts
    status     TEXT NOT NULL DEFAULT 'pending' CHECK (status IN
                   ('pending', 'sending', 'sent', 'failed', 'blocked', 'unknown', 'cancelled')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    not_before TEXT NOT NULL,                  -- not sent earlier (retry_after, backoff)
    created_at TEXT NOT NULL,
    sent_at    TEXT,
    error      TEXT
);
CREATE INDEX outbox_due ON outbox (priority, not_before, id) WHERE status = 'pending';
CREATE INDEX outbox_by_user ON outbox (user_id, status);
