-- Partnership memoranda between the university, schools and the education department;
-- what reports need (time to resolution, period indexes); erasure of a person's data.

CREATE TABLE memoranda (
    id             INTEGER PRIMARY KEY,
    title          TEXT NOT NULL,
    signed_on      TEXT NOT NULL,
    expires_on     TEXT NOT NULL,
    areas          TEXT NOT NULL,                     -- JSON list of areas of cooperation
    responsible_id INTEGER REFERENCES users (id),
    document_file_id TEXT,
    document_name  TEXT,
    created_by     INTEGER REFERENCES users (id),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    reminded_at    TEXT,                              -- last reminder of the coming expiry
    CHECK (expires_on > signed_on)
);
CREATE INDEX memoranda_by_expiry ON memoranda (expires_on);

CREATE TABLE memorandum_parties (
    memorandum_id   INTEGER NOT NULL REFERENCES memoranda (id),
    organization_id INTEGER NOT NULL REFERENCES organizations (id),
    PRIMARY KEY (memorandum_id, organization_id)
);
CREATE INDEX memorandum_parties_by_organization ON memorandum_parties (organization_id);

ALTER TABLE users ADD COLUMN erased_at TEXT;   -- the person asked for their data to be erased

-- When a school's request was (last) marked resolved: reports measure time to resolution.
ALTER TABLE school_issues ADD COLUMN resolved_at TEXT;
UPDATE school_issues SET resolved_at = (
    SELECT max(a.at) FROM audit_log a
    WHERE a.object_type = 'issue' AND a.object_id = school_issues.id AND a.action = 'issue.status'
      AND json_extract(a.details, '$.after') = 'resolved'
) WHERE status IN ('resolved', 'closed');
CREATE INDEX school_issues_by_created ON school_issues (created_at);
CREATE INDEX visits_by_day ON visits (visited_on);
CREATE INDEX practice_hours_by_day ON practice_hours (worked_on);
CREATE INDEX events_by_start ON events (starts_at);
