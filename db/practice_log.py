"""The practice logbook: mentors' lesson visits (rubric, location, photo) and practice hours.

Rules kept here, in transactions:
- only the placement's mentor, or a coordinator, logs a visit; a mentor edits it for 24 hours;
- visit and hours dates are never in the future and always inside the placement's period;
- one visit per draft (a second "Save" returns the first), at most 12 hours a day per student;
- a shared location proves presence only when fresh, not forwarded, and near the school.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import aiosqlite

from db import audit
from db.domain.errors import InvalidValue, NotAllowed, NotFound
from db.domain.models import User
from db.domain.placements import Application, Offer
from db.domain.practice_log import (
    CLASS_MAX,
    CRITERIA,
    MAX_HOURS_PER_DAY,
    NOTE_MAX,
    TOPIC_MAX,
    Activity,
    EntryDecided,
    HoursEntry,
    LocationCheck,
    Progress,
    Visit,
    VisitChanges,
    VisitInput,
    VisitLocked,
    check_hours,
    check_practice_day,
    check_scores,
    clean_comment,
    clean_field,
    judge_location,
    may_edit_visit,
    may_visit,
)
from db.domain.roles import STAFF
from db.placements import application_from_row, approved_placement
from db.rows import one_row
from db.timeutil import date_from_db, date_to_db, from_db, maybe_from_db, to_db

if TYPE_CHECKING:
    from db.database import Database


def visit_from_row(row: aiosqlite.Row) -> Visit:
    return Visit(
        id=row["id"],
        application_id=row["application_id"],
        author_id=row["author_id"],
        visited_on=date_from_db(row["visited_on"]),
        topic=row["topic"],
        class_group=row["class_group"],
        scores={name: row[f"score_{name}"] for name in CRITERIA},
        comment=row["comment"],
        location=LocationCheck(row["location"]),
        distance_m=row["distance_m"],
        photo_file_id=row["photo_file_id"],
        created_at=from_db(row["created_at"]),
    )


def hours_from_row(row: aiosqlite.Row) -> HoursEntry:
    return HoursEntry(
        id=row["id"],
        application_id=row["application_id"],
        worked_on=date_from_db(row["worked_on"]),
        hours=row["hours"],
        activity=Activity(row["activity"]),
        note=row["note"],
        status=row["status"],
        review_comment=row["review_comment"],
        reviewed_at=maybe_from_db(row["reviewed_at"]),
    )


class PracticeLogRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # ----- who may log what ------------------------------------------------------------------

    def _check_day(self, day: date, offer: Offer, name: str) -> None:
        check_practice_day(day, offer, self._db.today(), name)

    # ----- visits ------------------------------------------------------------------------------

    async def log_visit(self, actor: User, data: VisitInput, radius_m: float) -> tuple[Visit, bool]:
        """Record a visit; (visit, False) when this draft was already saved (a second Save)."""
        existing = await self._db.fetch_one(
            "SELECT * FROM visits WHERE draft_token = ?", (data.draft_token,)
        )
        if existing is not None:
            return visit_from_row(existing), False
        topic = clean_field(data.topic, "topic", TOPIC_MAX)
        class_group = clean_field(data.class_group, "class_group", CLASS_MAX)
        comment = clean_comment(data.comment)
        scores = check_scores(data.scores)
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            application, offer = await approved_placement(conn, data.application_id)
            if not may_visit(actor, application):
                raise NotAllowed("placement")
            self._check_day(data.visited_on, offer, "visited_on")
            school = await one_row(
                conn,
                "SELECT latitude, longitude FROM organizations WHERE id = ?",
                (offer.organization_id,),
            )
            coordinates = None
            if school is not None and school["latitude"] is not None:
                coordinates = (float(school["latitude"]), float(school["longitude"]))
            check, distance = judge_location(data.location, coordinates, radius_m)
            cursor = await conn.execute(
                "INSERT INTO visits (application_id, author_id, visited_on, topic, class_group,"
                " score_planning, score_delivery, score_management, score_technology,"
                " score_inclusion, comment, latitude, longitude, location, distance_m,"
                " photo_file_id, draft_token, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (draft_token) DO NOTHING",
                (
                    application.id,
                    actor.id,
                    date_to_db(data.visited_on),
                    topic,
                    class_group,
                    *scores.values(),
                    comment,
                    data.location.latitude if data.location else None,
                    data.location.longitude if data.location else None,
                    check.value,
                    distance,
                    data.photo_file_id,
                    data.draft_token,
                    to_db(now),
                    to_db(now),
                ),
            )
            saved = await one_row(
                conn, "SELECT * FROM visits WHERE draft_token = ?", (data.draft_token,)
            )
            assert saved is not None
            visit = visit_from_row(saved)
            if cursor.rowcount != 1:
                return visit, False
            await self._db.outbox.add(
                conn, [application.student_id], "visit.logged", {"visit_id": visit.id}
            )
            await audit.record(
                conn,
                now,
                actor.id,
                "visit.create",
                "visit",
                visit.id,
                application_id=application.id,
                location=check.value,
            )
            return visit, True

    async def update_visit(self, actor: User, visit_id: int, changes: VisitChanges) -> Visit:
        """The author edits a visit within 24 hours of logging it; the student is told."""
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            row = await one_row(conn, "SELECT * FROM visits WHERE id = ?", (visit_id,))
            if row is None:
                raise NotFound("visit")
            visit = visit_from_row(row)
            if not may_edit_visit(actor, visit):
                raise NotAllowed("visit")
            if now > visit.editable_until:
                raise VisitLocked()
            updated = replace(
                visit,
                topic=visit.topic
                if changes.topic is None
                else clean_field(changes.topic, "topic", TOPIC_MAX),
                class_group=visit.class_group
                if changes.class_group is None
                else clean_field(changes.class_group, "class_group", CLASS_MAX),
                comment=visit.comment
                if changes.comment is None
                else clean_comment(changes.comment),
                scores=visit.scores if changes.scores is None else check_scores(changes.scores),
            )
            await conn.execute(
                "UPDATE visits SET topic = ?, class_group = ?, comment = ?, score_planning = ?,"
                " score_delivery = ?, score_management = ?, score_technology = ?,"
                " score_inclusion = ?, updated_at = ? WHERE id = ?",
                (
                    updated.topic,
                    updated.class_group,
                    updated.comment,
                    *updated.scores.values(),
                    to_db(now),
                    visit_id,
                ),
            )
            application_row = await one_row(
                conn, "SELECT student_id FROM applications WHERE id = ?", (visit.application_id,)
            )
            assert application_row is not None
            await self._db.outbox.add(
                conn, [application_row["student_id"]], "visit.updated", {"visit_id": visit_id}
            )
            await audit.record(
                conn,
                now,
                actor.id,
                "visit.update",
                "visit",
                visit_id,
                before=_visit_facts(visit),
                after=_visit_facts(updated),
            )
            return updated

    async def visit(self, visit_id: int) -> Visit | None:
        row = await self._db.fetch_one("SELECT * FROM visits WHERE id = ?", (visit_id,))
        return None if row is None else visit_from_row(row)

    async def visits_for(self, application_id: int, limit: int = 50) -> list[Visit]:
        rows = await self._db.fetch_all(
            "SELECT * FROM visits WHERE application_id = ? ORDER BY visited_on DESC, id DESC "
            "LIMIT ?",
            (application_id, limit),
        )
        return [visit_from_row(row) for row in rows]

    async def last_class_group(self, application_id: int) -> str | None:
        value = await self._db.fetch_value(
            "SELECT class_group FROM visits WHERE application_id = ? ORDER BY id DESC LIMIT 1",
            (application_id,),
        )
        return None if value is None else str(value)

    # ----- hours -------------------------------------------------------------------------------

    async def current_placement(self, student: User) -> Application | None:
        """The student's placement now running, else the latest one that has started."""
        row = await self._db.fetch_one(
            "SELECT a.* FROM applications a JOIN practice_offers o ON o.id = a.offer_id"
            " WHERE a.student_id = ? AND a.status = 'approved' AND o.starts_on <= ?"
            " ORDER BY o.ends_on >= ? DESC, o.starts_on DESC LIMIT 1",
            (student.id, date_to_db(self._db.today()), date_to_db(self._db.today())),
        )
        return None if row is None else application_from_row(row)

    async def log_hours(
        self,
        student: User,
        worked_on: date,
        hours: float,
        activity: Activity,
        note: str | None = None,
    ) -> HoursEntry:
        check_hours(hours)
        text = clean_comment(note, "note", NOTE_MAX)
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            row = await one_row(
                conn,
                "SELECT a.id FROM applications a JOIN practice_offers o ON o.id = a.offer_id"
                " WHERE a.student_id = ? AND a.status = 'approved' AND o.starts_on <= ? AND "
                "o.ends_on >= ?",
                (student.id, date_to_db(worked_on), date_to_db(worked_on)),
            )
            if worked_on > self._db.today():
                raise InvalidValue("worked_on", "future")
            if row is None:
                raise InvalidValue("worked_on", "outside_period")
            application, _ = await approved_placement(conn, row["id"])
            logged = await one_row(
                conn,
                "SELECT coalesce(sum(hours), 0) AS total FROM practice_hours"
                " WHERE application_id = ? AND worked_on = ? AND status != 'returned'",
                (row["id"], date_to_db(worked_on)),
            )
            if logged is not None and float(logged["total"]) + hours > MAX_HOURS_PER_DAY:
                raise InvalidValue("hours", "over_day")
            cursor = await conn.execute(
                "INSERT INTO practice_hours (application_id, worked_on, hours, activity, note,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    application.id,
                    date_to_db(worked_on),
                    hours,
                    activity.value,
                    text,
                    to_db(now),
                    to_db(now),
                ),
            )
            assert cursor.lastrowid is not None
            entry_id = cursor.lastrowid
            await self._db.outbox.add(
                conn,
                [application.mentor_id] if application.mentor_id else [],
                "hours.logged",
                {"entry_id": entry_id},
            )
            saved = await one_row(conn, "SELECT * FROM practice_hours WHERE id = ?", (entry_id,))
            assert saved is not None
            return hours_from_row(saved)

    async def hours_entry(self, entry_id: int) -> HoursEntry | None:
        row = await self._db.fetch_one("SELECT * FROM practice_hours WHERE id = ?", (entry_id,))
        return None if row is None else hours_from_row(row)

    async def hours_for(self, application_id: int, limit: int = 30) -> list[HoursEntry]:
        rows = await self._db.fetch_all(
            "SELECT * FROM practice_hours WHERE application_id = ? ORDER BY worked_on DESC, id "
            "DESC LIMIT ?",
            (application_id, limit),
        )
        return [hours_from_row(row) for row in rows]

    async def pending_hours(self, reviewer: User, limit: int = 10) -> tuple[list[HoursEntry], int]:
        """Entries awaiting this mentor's confirmation (all of them, for coordinators)."""
        where, params = "h.status = 'pending'", []
        if reviewer.role not in STAFF:
            where += " AND a.mentor_id = ?"
            params.append(reviewer.id)
        base = f"FROM practice_hours h JOIN applications a ON a.id = h.application_id WHERE {where}"
        total = await self._db.fetch_value(f"SELECT count(*) {base}", params)
        rows = await self._db.fetch_all(
            f"SELECT h.* {base} ORDER BY h.worked_on, h.id LIMIT ?", (*params, limit)
        )
        return [hours_from_row(row) for row in rows], int(total)

    async def review_hours(
        self, reviewer: User, entry_id: int, confirm: bool, comment: str | None = None
    ) -> HoursEntry:
        """Confirm, or return with a comment; only the placement's mentor or a coordinator."""
        text = clean_comment(comment, "review_comment", NOTE_MAX)
        if not confirm and not text:
            raise InvalidValue("review_comment", "empty")
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            row = await one_row(conn, "SELECT * FROM practice_hours WHERE id = ?", (entry_id,))
            if row is None:
                raise NotFound("hours")
            entry = hours_from_row(row)
            application, _ = await approved_placement(conn, entry.application_id)
            if not may_visit(reviewer, application):
                raise NotAllowed("hours")
            if entry.status != "pending":
                raise EntryDecided(entry.status)
            status = "confirmed" if confirm else "returned"
            await conn.execute(
                "UPDATE practice_hours SET status = ?, reviewed_by = ?, reviewed_at = ?,"
                " review_comment = ?, updated_at = ? WHERE id = ?",
                (status, reviewer.id, to_db(now), text, to_db(now), entry_id),
            )
            if not confirm:
                await self._db.outbox.add(
                    conn, [application.student_id], "hours.returned", {"entry_id": entry_id}
                )
            await audit.record(conn, now, reviewer.id, f"hours.{status}", "hours", entry_id)
            saved = await one_row(conn, "SELECT * FROM practice_hours WHERE id = ?", (entry_id,))
            assert saved is not None
            return hours_from_row(saved)

    # ----- progress ----------------------------------------------------------------------------

    async def progress(self, application: Application, required: Mapping[str, int]) -> Progress:
        offer = await self._db.placements.offer(application.offer_id)
        visit_row = await self._db.fetch_one(
            "SELECT count(*) AS n, max(visited_on) AS last,"
            + ", ".join(f" avg(score_{name}) AS {name}" for name in CRITERIA)
            + " FROM visits WHERE application_id = ?",
            (application.id,),
        )
        hours_row = await self._db.fetch_one(
            "SELECT coalesce(sum(CASE WHEN status = 'confirmed' THEN hours END), 0)"
            " AS confirmed,"
            " coalesce(sum(CASE WHEN status = 'pending' THEN hours END), 0) AS pending"
            " FROM practice_hours WHERE application_id = ?",
            (application.id,),
        )
        assert offer is not None
        assert visit_row is not None
        assert hours_row is not None
        return Progress(
            application=application,
            offer=offer,
            visits=visit_row["n"],
            last_visit=None if visit_row["last"] is None else date_from_db(visit_row["last"]),
            averages={name: visit_row[name] for name in CRITERIA},
            hours_confirmed=float(hours_row["confirmed"]),
            hours_pending=float(hours_row["pending"]),
            hours_required=required.get(offer.kind.value, 0),
        )

    async def placements_at(self, organization_id: int) -> list[Application]:
        """Placements at a school that are running now or ended in the last 30 days."""
        rows = await self._db.fetch_all(
            "SELECT a.* FROM applications a JOIN practice_offers o ON o.id = a.offer_id"
            " WHERE o.organization_id = ? AND a.status = 'approved' AND o.starts_on <= ? AND "
            "o.ends_on >= ?"
            " ORDER BY o.starts_on, a.id",
            (
                organization_id,
                date_to_db(self._db.today()),
                date_to_db(self._db.today() - timedelta(days=30)),
            ),
        )
        return [application_from_row(row) for row in rows]

    async def without_recent_visit(
        self, days: int, organization_id: int | None = None
    ) -> list[tuple[Application, date | None]]:
        """Running placements whose last visit is older than `days` (or that have none)."""
        today = self._db.today()
        clauses = ["a.status = 'approved'", "o.starts_on <= ?", "o.ends_on >= ?"]
        params: list[Any] = [date_to_db(today), date_to_db(today)]
        if organization_id is not None:
            clauses.append("o.organization_id = ?")
            params.append(organization_id)
        rows = await self._db.fetch_all(
            "SELECT a.*, (SELECT max(v.visited_on) FROM visits v WHERE v.application_id = a.id) "
            "AS last_visit"
            " FROM applications a JOIN practice_offers o ON o.id = a.offer_id"
            f" WHERE {' AND '.join(clauses)} ORDER BY last_visit IS NOT NULL, last_visit, a.id",
            params,
        )
        horizon = today - timedelta(days=days)
        found = []
        for row in rows:
            last = None if row["last_visit"] is None else date_from_db(row["last_visit"])
            if last is None or last < horizon:
                found.append((application_from_row(row), last))
        return found


def _visit_facts(visit: Visit) -> dict[str, Any]:
    return {
        "topic": visit.topic,
        "class_group": visit.class_group,
        "comment": visit.comment,
        "scores": visit.scores,
    }
