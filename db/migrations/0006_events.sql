-- Events (seminars, trainings, courses, conferences, meetings, competitions), their audience,
-- registrations with a waiting list, attendance, and reminders kept as rows.

CREATE TABLE event_series (
    id         INTEGER PRIMARY KEY,
    rule       TEXT NOT NULL CHECK (rule IN ('weekly', 'monthly')),
    until_on   TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id),
    created_at TEXT NOT NULL
);

CREATE TABLE events (
    id               INTEGER PRIMARY KEY,
    series_id        INTEGER REFERENCES event_series (id),
    organizer_id     INTEGER REFERENCES users (id),
    kind             TEXT NOT NULL CHECK (kind IN
                         ('seminar', 'training', 'course', 'conference', 'meeting', 'competition')),
    title            TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    starts_at        TEXT NOT NULL,       -- UTC
    ends_at          TEXT NOT NULL,       -- UTC
    organization_id  INTEGER REFERENCES organizations (id),   -- where, when at a partner
    address          TEXT,
    online_url       TEXT,
    registration     INTEGER NOT NULL DEFAULT 1,   -- people sign up (else: the whole audience)
    capacity         INTEGER CHECK (capacity IS NULL OR capacity >= 1),
    everyone         INTEGER NOT NULL DEFAULT 0,   -- the audience is everybody
    reminder_offsets TEXT NOT NULL DEFAULT '[]',   -- minutes before the start, JSON
    status           TEXT NOT NULL DEFAULT 'published' CHECK (status IN ('published', 'cancelled')),
    version          INTEGER NOT NULL DEFAULT 1,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX events_upcoming ON events (status, ends_at, starts_at);
CREATE INDEX events_by_series ON events (series_id);

-- Who an event is for, besides `everyone`: a role, or an organization.
CREATE TABLE event_audience (
    event_id INTEGER NOT NULL REFERENCES events (id),
    kind     TEXT NOT NULL CHECK (kind IN ('role', 'organization')),
    value    TEXT NOT NULL,
    PRIMARY KEY (event_id, kind, value)
);
CREATE INDEX event_audience_lookup ON event_audience (kind, value, event_id);

CREATE TABLE event_registrations (
    event_id   INTEGER NOT NULL REFERENCES events (id),
    user_id    INTEGER NOT NULL REFERENCES users (id),
    status     TEXT NOT NULL CHECK (status IN ('going', 'waitlisted', 'declined')),
    queued_at  TEXT NOT NULL,
    attended   INTEGER,                    -- marked by the organizer afterwards
    updated_at TEXT NOT NULL,
    PRIMARY KEY (event_id, user_id)
);
CREATE INDEX event_registrations_by_user ON event_registrations (user_id, status);
CREATE INDEX event_registrations_queue ON event_registrations (event_id, status, queued_at);

-- One row per event and offset: when it falls due it is turned into outbox rows for every
-- recipient and marked sent in the same transaction, so a restart never sends it twice.
CREATE TABLE event_reminders (
    id             INTEGER PRIMARY KEY,
    event_id       INTEGER NOT NULL REFERENCES events (id),
    offset_minutes INTEGER NOT NULL,
    due_at         TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'missed', 'cancelled')),
    late           INTEGER NOT NULL DEFAULT 0,
    fired_at       TEXT,
    UNIQUE (event_id, offset_minutes)
);
CREATE INDEX event_reminders_due ON event_reminders (due_at) WHERE status = 'pending';
