-- Foundation: the organization directory, people and their roles, invite codes,
-- the audit log and persisted conversation (FSM) state.

CREATE TABLE organizations (
    id          INTEGER PRIMARY KEY,
    code        TEXT UNIQUE,           -- optional external key, lets a CSV re-import update rows
    kind        TEXT NOT NULL CHECK (kind IN
                    ('university', 'school', 'kindergarten', 'college', 'department', 'other')),
    name_kk     TEXT,
    name_ru     TEXT,
    name_en     TEXT,
    city        TEXT NOT NULL,
    region      TEXT NOT NULL DEFAULT '',
    address     TEXT,
    latitude    REAL CHECK (latitude BETWEEN -90 AND 90),
    longitude   REAL CHECK (longitude BETWEEN -180 AND 180),
    search_text TEXT NOT NULL,         -- casefolded names and city: SQLite's LIKE folds only ASCII
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    CHECK (coalesce(name_kk, name_ru, name_en) IS NOT NULL),
    CHECK ((latitude IS NULL) = (longitude IS NULL))
);
CREATE INDEX organizations_by_kind ON organizations (kind);

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    telegram_id     INTEGER UNIQUE,    -- NULL once the person asked for their data to be erased
    full_name       TEXT NOT NULL,
    username        TEXT,
    role            TEXT NOT NULL CHECK (role IN
                        ('student', 'mentor', 'director', 'coordinator', 'department', 'admin')),
    organization_id INTEGER REFERENCES organizations (id),
    locale          TEXT NOT NULL CHECK (locale IN ('kk', 'ru', 'en')),
    programme       TEXT,
    study_year      INTEGER CHECK (study_year BETWEEN 1 AND 7),
    consent_at      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    seen_at         TEXT NOT NULL,
    blocked_at      TEXT               -- Telegram told us the person blocked the bot
);
CREATE INDEX users_by_role ON users (role);
CREATE INDEX users_by_organization ON users (organization_id);

CREATE TABLE invites (
    id              INTEGER PRIMARY KEY,
    code_hash       TEXT NOT NULL UNIQUE,  -- sha256 of the code: a copied database leaks no codes
    code_hint       TEXT NOT NULL,         -- last characters, to tell codes apart in lists
    role            TEXT NOT NULL CHECK (role IN
                        ('mentor', 'director', 'coordinator', 'department', 'admin')),
    organization_id INTEGER NOT NULL REFERENCES organizations (id),
    max_uses        INTEGER NOT NULL CHECK (max_uses BETWEEN 1 AND 10000),
    uses            INTEGER NOT NULL DEFAULT 0,
    expires_at      TEXT NOT NULL,
    created_by      INTEGER REFERENCES users (id),   -- NULL: created from the command line
    created_at      TEXT NOT NULL,
    revoked_at      TEXT,
    CHECK (uses BETWEEN 0 AND max_uses)
);

CREATE TABLE invite_redemptions (
    invite_id INTEGER NOT NULL REFERENCES invites (id),
    user_id   INTEGER NOT NULL REFERENCES users (id),
    at        TEXT NOT NULL,
    PRIMARY KEY (invite_id, user_id)
);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor_id    INTEGER REFERENCES users (id),    -- NULL: the command line or the system
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   INTEGER,
    details     TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_by_object ON audit_log (object_type, object_id);

CREATE TABLE fsm_state (
    key        TEXT PRIMARY KEY,
    state      TEXT,
    data       TEXT NOT NULL DEFAULT '{}',
    updated_at TEXT NOT NULL
);
