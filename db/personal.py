"""A person's own data: everything stored about them, and erasing it on request.

Erasure removes what identifies the person (name, Telegram account and username, what they
wrote about themselves, confidential messages, photos of their lessons) and keeps the records
they took part in, linked to an anonymous row, so the network's figures stay right.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiosqlite

from db import audit
from db.domain.errors import DomainError, NotFound
from db.domain.models import User
from db.orgs import name_sql
from db.rows import one_value
from db.timeutil import date_to_db, to_db

if TYPE_CHECKING:
    from db.database import Database

ERASED_NAME = "—"


@dataclass(frozen=True, slots=True)
class ErasureReport:
    """What was kept (anonymised) after an erasure, to tell the person."""

    applications: int
    visits: int
    hours: int
    issues: int
    comments: int
    registrations: int
    support_messages_deleted: int
    withdrawn: int  # applications still ahead, withdrawn so the waiting list moves up
    places_given_back: int  # places at coming events


# (section, SQL with :me) in the order a person would look for them.
_SECTIONS: tuple[tuple[str, str], ...] = (
    (
        "applications",
        "SELECT a.id, a.status, a.motivation, a.created_at, a.decided_at, a.reason,"
        " o.kind AS practice_kind, o.subject, o.starts_on, o.ends_on,"
        " {school} AS school, mu.full_name AS mentor"
        " FROM applications a JOIN practice_offers o ON o.id = a.offer_id"
        " JOIN organizations g ON g.id = o.organization_id"
        " LEFT JOIN users mu ON mu.id = a.mentor_id WHERE a.student_id = :me ORDER BY a.id",
    ),
    (
        "visits_to_my_lessons",
        "SELECT v.visited_on, v.topic, v.class_group, v.score_planning, v.score_delivery,"
        " v.score_management, v.score_technology, v.score_inclusion, v.comment, v.location,"
        " v.photo_file_id IS NOT NULL AS has_photo, mu.full_name AS mentor"
        " FROM visits v JOIN applications a ON a.id = v.application_id"
        " JOIN users mu ON mu.id = v.author_id WHERE a.student_id = :me ORDER BY v.visited_on",
    ),
    (
        "visits_i_logged",
        "SELECT v.visited_on, v.topic, v.class_group, v.location, v.latitude, v.longitude,"
        " su.full_name AS student FROM visits v JOIN applications a ON a.id = v.application_id"
        " JOIN users su ON su.id = a.student_id WHERE v.author_id = :me ORDER BY v.visited_on",
    ),
    (
        "practice_hours",
        "SELECT h.worked_on, h.hours, h.activity, h.note, h.status, h.review_comment"
        " FROM practice_hours h JOIN applications a ON a.id = h.application_id"
        " WHERE a.student_id = :me ORDER BY h.worked_on",
    ),
    (
        "evaluations_of_my_practice",
        "SELECT ev.kind, ev.scores, ev.strengths, ev.to_improve, ev.recommended_mark,"
        " ev.characteristic, ev.signed_at, ev.confirmed_at FROM evaluations ev"
        " JOIN applications a ON a.id = ev.application_id WHERE a.student_id = :me"
        " ORDER BY ev.id",
    ),
    (
        "practice_diary",
        "SELECT d.written_on, d.did, d.reflection, d.updated_at FROM diary_entries d"
        " JOIN applications a ON a.id = d.application_id WHERE a.student_id = :me"
        " ORDER BY d.written_on",
    ),
    (
        "practice_reports",
        "SELECT r.file_name, r.size, r.uploaded_at FROM practice_reports r"
        " JOIN applications a ON a.id = r.application_id WHERE a.student_id = :me",
    ),
    (
        "final_marks",
        "SELECT a.id AS placement, m.mark, m.graded_at FROM final_marks m"
        " JOIN applications a ON a.id = m.application_id WHERE a.student_id = :me",
    ),
    (
        "my_ratings_of_schools",
        "SELECT r.ratings, r.comment, r.created_at FROM placement_ratings r"
        " JOIN applications a ON a.id = r.application_id WHERE a.student_id = :me",
    ),
    (
        "school_requests",
        "SELECT i.id, i.category, i.urgency, i.title, i.description, i.status, i.created_at"
        " FROM school_issues i WHERE i.author_id = :me ORDER BY i.id",
    ),
    (
        "comments",
        "SELECT c.issue_id, c.body, c.created_at FROM issue_comments c"
        " WHERE c.author_id = :me ORDER BY c.id",
    ),
    (
        "confidential_support",
        "SELECT m.thread_id, m.author_id = :me AS written_by_me, m.body, m.created_at"
        " FROM support_messages m JOIN support_threads t ON t.id = m.thread_id"
        " WHERE t.requester_id = :me OR m.author_id = :me ORDER BY m.id",
    ),
    (
        "event_registrations",
        "SELECT e.title, e.starts_at, r.status, r.attended FROM event_registrations r"
        " JOIN events e ON e.id = r.event_id WHERE r.user_id = :me ORDER BY e.starts_at",
    ),
    (
        "events_organized",
        "SELECT e.title, e.kind, e.starts_at, e.status FROM events e"
        " WHERE e.organizer_id = :me ORDER BY e.starts_at",
    ),
    (
        "announcements_sent",
        "SELECT b.created_at, b.texts, b.recipients FROM broadcasts b"
        " WHERE b.author_id = :me ORDER BY b.id",
    ),
    (
        "invitation_codes_created",
        "SELECT i.role, i.code_hint, i.max_uses, i.uses, i.created_at, i.expires_at"
        " FROM invites i WHERE i.created_by = :me ORDER BY i.id",
    ),
    (
        "memoranda_responsible_for",
        "SELECT m.title, m.signed_on, m.expires_on FROM memoranda m"
        " WHERE m.responsible_id = :me ORDER BY m.id",
    ),
    (
        "memoranda_recorded",
        "SELECT m.title, m.signed_on, m.expires_on, m.created_at FROM memoranda m"
        " WHERE m.created_by = :me ORDER BY m.id",
    ),
    (
        "practice_offers_published",
        "SELECT o.id, o.kind, o.subject, o.starts_on, o.ends_on, o.places, o.notes, o.created_at"
        " FROM practice_offers o WHERE o.created_by = :me ORDER BY o.id",
    ),
    (
        "applications_decided",
        "SELECT a.id, a.status, a.decided_at, a.reason FROM applications a"
        " WHERE a.decided_by = :me ORDER BY a.id",
    ),
    (
        "hours_reviewed",
        "SELECT h.id, h.worked_on, h.hours, h.status, h.reviewed_at, h.review_comment"
        " FROM practice_hours h WHERE h.reviewed_by = :me ORDER BY h.id",
    ),
    (
        "school_requests_assigned_to_me",
        "SELECT i.id, i.title, i.status, i.created_at FROM school_issues i"
        " WHERE i.assignee_id = :me ORDER BY i.id",
    ),
    (
        "support_conversations_handled",
        "SELECT t.id, t.status, t.created_at FROM support_threads t"
        " WHERE t.handler_id = :me ORDER BY t.id",
    ),
    (
        "invitation_used",
        "SELECT i.role, i.organization_id, r.at FROM invite_redemptions r"
        " JOIN invites i ON i.id = r.invite_id WHERE r.user_id = :me",
    ),
    (
        "notifications",
        "SELECT o.kind, o.status, o.created_at, o.sent_at FROM outbox o"
        " WHERE o.user_id = :me ORDER BY o.id DESC",
    ),
    (
        "actions_log",
        "SELECT a.at, a.action, a.object_type, a.object_id FROM audit_log a"
        " WHERE a.actor_id = :me OR (a.object_type = 'user' AND a.object_id = :me)"
        " ORDER BY a.id DESC",
    ),
)


class PersonalDataRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def collect(self, user: User) -> dict[str, Any]:
        """Everything stored about `user`, as plain JSON-ready values, names in their locale."""
        school = name_sql("g", user.locale)
        row = await self._db.fetch_one(
            f"SELECT u.*, {school} AS organization"
            " FROM users u LEFT JOIN organizations g ON g.id = u.organization_id WHERE u.id = ?",
            (user.id,),
        )
        if row is None:
            raise NotFound("user")
        profile = _plain(row)
        data: dict[str, Any] = {"generated_at": to_db(self._db.clock.now()), "profile": profile}
        for section, sql in _SECTIONS:
            rows = await self._db.fetch_all(sql.replace("{school}", school), {"me": user.id})
            data[section] = [_plain(item) for item in rows]
        conversation = await self._db.fetch_value(
            "SELECT count(*) FROM fsm_state WHERE key LIKE ?", (_fsm_pattern(user),)
        )
        data["unfinished_conversations"] = int(conversation or 0)
        return data

    async def erase(self, user: User) -> ErasureReport:
        """Remove what identifies `user`; keep (anonymised) what the network's figures need.

        What is still ahead is let go first, through the domain's own operations, so that
        waiting lists move up: applications not yet started are withdrawn, places at coming
        events given back. Work waiting on them (students to mentor, requests, support
        conversations) goes back to be reassigned.
        """
        if await self._db.fetch_value(_ERASED_AT, (user.id,)) is not None:
            raise NotFound("user")
        withdrawn = await self._withdraw_applications(user)
        released = await self._give_back_places(user)
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            if await one_value(conn, _ERASED_AT, (user.id,)) is not None:  # erased meanwhile
                raise NotFound("user")
            report = await _kept(conn, user.id)
            deleted = await _erase_support(conn, user.id)
            await self._db.placements.release_mentor(conn, user.id)
            for sql in _ERASE:
                await conn.execute(sql, {"me": user.id, "now": to_db(now), "name": ERASED_NAME})
            await conn.execute("DELETE FROM fsm_state WHERE key LIKE ?", (_fsm_pattern(user),))
            await audit.record(conn, now, user.id, "user.erase", "user", user.id)
            self._db.after_commit(lambda: self._db.user_cache.forget(user.telegram_id))
        return ErasureReport(
            **report,
            support_messages_deleted=deleted,
            withdrawn=withdrawn,
            places_given_back=released,
        )

    async def _withdraw_applications(self, user: User) -> int:
        rows = await self._db.fetch_all(
            "SELECT a.id FROM applications a JOIN practice_offers o ON o.id = a.offer_id"
            " WHERE a.student_id = ? AND (a.status IN ('pending', 'waitlisted')"
            " OR (a.status = 'approved' AND o.starts_on > ?))",
            (user.id, date_to_db(self._db.today())),
        )
        return await _each(rows, lambda row: self._db.placements.withdraw(user, row["id"]))

    async def _give_back_places(self, user: User) -> int:
        rows = await self._db.fetch_all(
            "SELECT r.event_id FROM event_registrations r JOIN events e ON e.id = r.event_id"
            " WHERE r.user_id = ? AND r.status IN ('going', 'waitlisted')"
            " AND e.status = 'published' AND e.starts_at > ?",
            (user.id, to_db(self._db.clock.now())),
        )
        return await _each(
            rows, lambda row: self._db.events.answer(user, row["event_id"], going=False)
        )


async def _each(rows: list[aiosqlite.Row], operation: Callable[[Any], Awaitable[Any]]) -> int:
    """Run `operation` on each row; how many succeeded (one decided meanwhile stays as it is)."""
    done = 0
    for row in rows:
        with contextlib.suppress(DomainError):
            await operation(row)
            done += 1
    return done


_ERASED_AT = "SELECT erased_at FROM users WHERE id = ?"

# Run in one transaction with :me, :now and :name. Kept rows lose what identifies the person.
_ERASE = (
    "UPDATE users SET full_name = :name, username = NULL, telegram_id = NULL, is_support = 0,"
    " erased_at = :now WHERE id = :me",
    "UPDATE applications SET motivation = NULL, reason = NULL WHERE student_id = :me",
    "UPDATE visits SET comment = NULL, photo_file_id = NULL"
    " WHERE application_id IN (SELECT id FROM applications WHERE student_id = :me)",
    "UPDATE visits SET latitude = NULL, longitude = NULL WHERE author_id = :me",
    "UPDATE practice_hours SET note = NULL, review_comment = NULL"
    " WHERE application_id IN (SELECT id FROM applications WHERE student_id = :me)",
    # the marks and scores stay for the figures; the texts about the student go
    "UPDATE evaluations SET strengths = '', to_improve = '', characteristic = NULL"
    " WHERE application_id IN (SELECT id FROM applications WHERE student_id = :me)",
    "UPDATE placement_ratings SET comment = NULL"
    " WHERE application_id IN (SELECT id FROM applications WHERE student_id = :me)",
    "DELETE FROM diary_entries"
    " WHERE application_id IN (SELECT id FROM applications WHERE student_id = :me)",
    "DELETE FROM practice_reports"
    " WHERE application_id IN (SELECT id FROM applications WHERE student_id = :me)",
    "UPDATE broadcasts SET progress_chat_id = NULL, progress_message_id = NULL"
    " WHERE author_id = :me",
    "UPDATE outbox SET status = 'cancelled', payload = '{}'"
    " WHERE user_id = :me AND status = 'pending'",
    # work that waited on them goes back to be handed to someone else
    "DELETE FROM offer_mentors WHERE mentor_id = :me",
    "UPDATE school_issues SET assignee_id = NULL"
    " WHERE assignee_id = :me AND status IN ('new', 'in_progress')",
    "UPDATE support_threads SET handler_id = NULL WHERE handler_id = :me AND status = 'open'",
)


def _plain(row: aiosqlite.Row) -> dict[str, Any]:
    return dict(zip(row.keys(), row, strict=True))


def _fsm_pattern(user: User) -> str:
    # storage keys are bot:chat:user:thread:business:destiny; private chat id = user id
    return f"%:{user.telegram_id}:{user.telegram_id}:%"


async def _kept(conn: aiosqlite.Connection, user_id: int) -> dict[str, int]:
    counts = {
        "applications": "SELECT count(*) FROM applications WHERE student_id = ?",
        "visits": "SELECT count(*) FROM visits v JOIN applications a ON a.id = v.application_id"
        " WHERE a.student_id = ?1 OR v.author_id = ?1",
        "hours": "SELECT count(*) FROM practice_hours h JOIN applications a"
        " ON a.id = h.application_id WHERE a.student_id = ?",
        "issues": "SELECT count(*) FROM school_issues WHERE author_id = ?",
        "comments": "SELECT count(*) FROM issue_comments WHERE author_id = ?",
        "registrations": "SELECT count(*) FROM event_registrations WHERE user_id = ?",
    }
    return {name: int(await one_value(conn, sql, (user_id,))) for name, sql in counts.items()}


async def _erase_support(conn: aiosqlite.Connection, user_id: int) -> int:
    """Confidential conversations they asked for go entirely.

    What a support person answered in someone else's conversation stays: it is that
    person's conversation, and the answer is signed by the anonymous row.
    """
    cursor = await conn.execute(
        "DELETE FROM support_messages"
        " WHERE thread_id IN (SELECT id FROM support_threads WHERE requester_id = ?)",
        (user_id,),
    )
    await conn.execute(
        "UPDATE support_threads SET status = 'closed' WHERE requester_id = ?", (user_id,)
    )
    return cursor.rowcount
