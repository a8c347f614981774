"""The tables of an export, streamed row by row from one consistent snapshot of the database.

Exports run in a worker process (see bot/workers/reports.py) with the standard sqlite3 module, so a
50,000-row export neither blocks the bot's event loop nor holds all rows in memory. What each
table contains, and for whom, is decided here with the same scope rules as the reports.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from db.domain.evaluations import LETTER_GRADES
from db.domain.practice_log import CRITERIA
from db.domain.reports import Period, ReportScope
from db.orgs import name_sql
from db.reports import (
    OVERLAPS_PERIOD,
    PLACEMENTS_FROM,
    hosted_where,
    issues_where,
    organizations_where,
    people_where,
    placements_where,
)
from db.timeutil import period_bounds

FETCH_SIZE = 500


@dataclass(frozen=True, slots=True)
class Column:
    """`kind`: text, int, number, date, moment (stored UTC), or enum:<family> / bool."""

    key: str
    kind: str = "text"
    width: int = 14


@dataclass(frozen=True, slots=True)
class Sheet:
    key: str
    columns: tuple[Column, ...]
    data: bool = True  # counts towards "is there anything to export in this period"


NAME = 28
PERSON = ("person_id", "int", 10)


def letter_sql(mark: str) -> str:
    """The credit system's letter of `mark` in SQL, built from the domain's own table."""
    cases = " ".join(f"WHEN {mark} >= {lowest} THEN '{letter}'" for lowest, letter in LETTER_GRADES)
    return f"CASE {cases} END"


def _c(key: str, kind: str = "text", width: int = 14) -> Column:
    return Column(key, kind, width)


SHEETS: tuple[Sheet, ...] = (
    Sheet(
        "organizations",
        (
            _c("id", "int", 8),
            _c("code", width=12),
            _c("kind", "enum:org_kind", 16),
            _c("name_kk", width=NAME),
            _c("name_ru", width=NAME),
            _c("name_en", width=NAME),
            _c("city", width=16),
            _c("region", width=18),
            _c("address", width=30),
            _c("memorandum_until", "date", 14),
        ),
        data=False,
    ),
    Sheet(
        "placements",
        (
            _c("id", "int", 8),
            _c("student_id", "int", 10),
            _c("student", width=NAME),
            _c("university", width=NAME),
            _c("programme", width=24),
            _c("study_year", "int", 8),
            _c("school", width=NAME),
            _c("city", width=16),
            _c("practice_kind", "enum:practice_kind", 20),
            _c("subject", width=20),
            _c("starts_on", "date", 12),
            _c("ends_on", "date", 12),
            _c("status", "enum:application_status", 16),
            _c("mentor", width=NAME),
            _c("applied_at", "moment", 17),
            _c("decided_at", "moment", 17),
            _c("final_mark", "int", 10),
            _c("letter_grade", width=8),
        ),
    ),
    Sheet(
        "visits",
        (
            _c("id", "int", 8),
            _c("visited_on", "date", 12),
            _c("student_id", "int", 10),
            _c("student", width=NAME),
            _c("school", width=NAME),
            _c("mentor", width=NAME),
            _c("topic", width=30),
            _c("class_group", width=10),
            *(_c(f"score_{name}", "int", 12) for name in CRITERIA),
            _c("score_average", "number", 10),
            _c("location", "enum:location", 18),
            _c("comment", width=40),
        ),
    ),
    Sheet(
        "hours",
        (
            _c("id", "int", 8),
            _c("worked_on", "date", 12),
            _c("student_id", "int", 10),
            _c("student", width=NAME),
            _c("school", width=NAME),
            _c("hours", "number", 8),
            _c("activity", "enum:activity", 20),
            _c("status", "enum:hours_status", 16),
            _c("reviewer", width=NAME),
            _c("reviewed_at", "moment", 17),
            _c("note", width=30),
        ),
    ),
    Sheet(
        "issues",
        (
            _c("id", "int", 8),
            _c("school", width=NAME),
            _c("city", width=16),
            _c("category", "enum:issue_category", 20),
            _c("urgency", "enum:urgency", 12),
            _c("title", width=36),
            _c("status", "enum:issue_status", 16),
            _c("author", width=NAME),
            _c("assignee", width=NAME),
            _c("created_at", "moment", 17),
            _c("resolved_at", "moment", 17),
            _c("days_to_resolve", "number", 12),
        ),
    ),
    Sheet(
        "events",
        (
            _c("id", "int", 8),
            _c("title", width=36),
            _c("kind", "enum:event_kind", 16),
            _c("starts_at", "moment", 17),
            _c("ends_at", "moment", 17),
            _c("place", width=NAME),
            _c("online_url", width=24),
            _c("capacity", "int", 10),
            _c("registered", "int", 12),
            _c("attended", "int", 12),
            _c("status", "enum:event_status", 14),
        ),
    ),
    Sheet(
        "attendance",
        (
            _c("event_id", "int", 8),
            _c("event", width=36),
            _c("starts_at", "moment", 17),
            _c(*PERSON),
            _c("person", width=NAME),
            _c("role", "enum:role", 18),
            _c("organization", width=NAME),
            _c("answer", "enum:rsvp", 14),
            _c("attended", "bool", 10),
        ),
    ),
)


def _queries(scope: ReportScope, locale: str) -> dict[str, str]:
    school, person_org = name_sql("g", locale), name_sql("ug", locale)
    # An event's registrations count when the person is in scope or the event is held there.
    registrations_in_scope = (
        f"WITH sr AS (SELECT r.*, {people_where(scope)} AS in_scope FROM event_registrations r"
        " JOIN users u ON u.id = r.user_id"
        " LEFT JOIN organizations ug ON ug.id = u.organization_id) "
    )
    counted = f"(sr.in_scope OR {hosted_where(scope)})"
    scores = ", ".join(f"v.score_{name}" for name in CRITERIA)
    average = " + ".join(f"v.score_{name}" for name in CRITERIA)
    return {
        "organizations": "SELECT g.id, g.code, g.kind, g.name_kk, g.name_ru, g.name_en, g.city,"
        " g.region, g.address, (SELECT max(m.expires_on) FROM memorandum_parties p"
        " JOIN memoranda m ON m.id = p.memorandum_id WHERE p.organization_id = g.id)"
        f" FROM organizations g WHERE {organizations_where(scope)} ORDER BY g.kind, g.city, g.id",
        "placements": f"SELECT a.id, s.id, s.full_name, {name_sql('sg', locale)}, s.programme,"
        f" s.study_year, {school}, g.city, o.kind, o.subject, o.starts_on, o.ends_on, a.status,"
        f" mu.full_name, a.created_at, a.decided_at, fm.mark, {letter_sql('fm.mark')}"
        + PLACEMENTS_FROM
        + " LEFT JOIN organizations sg ON sg.id = s.organization_id"
        " LEFT JOIN users mu ON mu.id = a.mentor_id"
        " LEFT JOIN final_marks fm ON fm.application_id = a.id"
        f" WHERE {OVERLAPS_PERIOD} AND {placements_where(scope)} ORDER BY o.starts_on, g.id, a.id",
        "visits": f"SELECT v.id, v.visited_on, s.id, s.full_name, {school}, mu.full_name,"
        f" v.topic, v.class_group, {scores}, round(({average}) / {len(CRITERIA)}.0, 2),"
        " v.location, v.comment"
        + PLACEMENTS_FROM
        + " JOIN visits v ON v.application_id = a.id JOIN users mu ON mu.id = v.author_id"
        f" WHERE v.visited_on BETWEEN :start AND :end AND {placements_where(scope)}"
        " ORDER BY v.visited_on, v.id",
        "hours": f"SELECT h.id, h.worked_on, s.id, s.full_name, {school}, h.hours, h.activity,"
        " h.status, ru.full_name, h.reviewed_at, h.note"
        + PLACEMENTS_FROM
        + " JOIN practice_hours h ON h.application_id = a.id"
        " LEFT JOIN users ru ON ru.id = h.reviewed_by"
        f" WHERE h.worked_on BETWEEN :start AND :end AND {placements_where(scope)}"
        " ORDER BY h.worked_on, h.id",
        "issues": f"SELECT i.id, {school}, g.city, i.category, i.urgency, i.title, i.status,"
        " au.full_name, asg.full_name, i.created_at, i.resolved_at,"
        " round(julianday(i.resolved_at) - julianday(i.created_at), 1)"
        " FROM school_issues i JOIN organizations g ON g.id = i.organization_id"
        " JOIN users au ON au.id = i.author_id LEFT JOIN users asg ON asg.id = i.assignee_id"
        f" WHERE i.created_at >= :start_at AND i.created_at < :end_at AND {issues_where(scope)}"
        " ORDER BY i.created_at, i.id",
        "events": registrations_in_scope
        + "SELECT e.id, e.title, e.kind, e.starts_at, e.ends_at,"
        + f" coalesce({name_sql('eg', locale)}, e.address), e.online_url, e.capacity,"
        f" (SELECT count(*) FROM sr WHERE sr.event_id = e.id AND {counted}"
        " AND sr.status = 'going'),"
        f" (SELECT count(*) FROM sr WHERE sr.event_id = e.id AND {counted}"
        " AND sr.attended = 1), e.status"
        " FROM events e LEFT JOIN organizations eg ON eg.id = e.organization_id"
        " WHERE e.starts_at >= :start_at AND e.starts_at < :end_at"
        f" AND ({hosted_where(scope)} OR EXISTS (SELECT 1 FROM sr WHERE sr.event_id = e.id"
        " AND sr.in_scope))"
        " ORDER BY e.starts_at, e.id",
        "attendance": f"SELECT e.id, e.title, e.starts_at, u.id, u.full_name, u.role,"
        f" {person_org}, r.status, r.attended"
        " FROM event_registrations r JOIN events e ON e.id = r.event_id"
        " JOIN users u ON u.id = r.user_id LEFT JOIN organizations ug ON ug.id = u.organization_id"
        " LEFT JOIN organizations eg ON eg.id = e.organization_id"
        " WHERE e.starts_at >= :start_at AND e.starts_at < :end_at"
        f" AND ({people_where(scope)} OR {hosted_where(scope)}) ORDER BY e.starts_at, e.id, u.id",
    }


def open_snapshot(path: Path) -> sqlite3.Connection:
    """A read-only connection holding one read transaction: every table sees the same moment."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 10000")
    conn.execute("BEGIN")
    return conn


def table_rows(
    conn: sqlite3.Connection,
    sheet: Sheet,
    scope: ReportScope,
    period: Period,
    timezone: ZoneInfo,
    locale: str,
) -> Iterator[tuple[object, ...]]:
    """The rows of one sheet, as stored (UTC text for moments, ISO text for dates)."""
    sql = _queries(scope, locale)[sheet.key]
    cursor = conn.execute(sql, {**scope.params(), **period_bounds(period, timezone)})
    while batch := cursor.fetchmany(FETCH_SIZE):
        yield from batch
