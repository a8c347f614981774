"""Schools' issues and needs: posted by directors (and mentors), triaged by the university.

Status flow: new → in_progress → resolved → closed, or rejected with a reason; the school
confirms a resolution (closed) or reopens it. Every change names the version of the issue
it was made on, so when two coordinators act at the same moment the second one is told what
the first did instead of silently overwriting it. Every change is audited and tells the
people concerned; untouched issues remind their assignee (or the coordinators) periodically.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import aiosqlite

from db import audit
from db.domain.errors import InvalidValue, NotAllowed, NotFound
from db.domain.issues import (
    ATTACHMENTS_MAX,
    COMMENT_MAX,
    DESCRIPTION_MAX,
    REASON_MAX,
    TRANSITIONS,
    Attachment,
    Comment,
    Issue,
    IssueCategory,
    IssueChanged,
    IssueClosed,
    IssueFilter,
    IssueInput,
    IssueStatus,
    clean_body,
    clean_title,
    is_school_side,
    is_staff_side,
    may_move,
)
from db.domain.models import Role, User
from db.domain.roles import REQUEST_POSTERS, STAFF
from db.outbox import PRIORITY_PERSONAL, PRIORITY_REMINDER
from db.rows import all_rows, first_column, one_row
from db.timeutil import date_from_db, date_to_db, from_db, to_db
from db.users import directors_of

if TYPE_CHECKING:
    from db.database import Database


def issue_from_row(row: aiosqlite.Row) -> Issue:
    return Issue(
        id=row["id"],
        organization_id=row["organization_id"],
        author_id=row["author_id"],
        category=IssueCategory(row["category"]),
        urgency=row["urgency"],
        title=row["title"],
        description=row["description"],
        vacancy_subject=row["vacancy_subject"],
        vacancy_starts_on=None
        if row["vacancy_starts_on"] is None
        else date_from_db(row["vacancy_starts_on"]),
        status=IssueStatus(row["status"]),
        assignee_id=row["assignee_id"],
        reject_reason=row["reject_reason"],
        version=row["version"],
        last_activity_at=from_db(row["last_activity_at"]),
        created_at=from_db(row["created_at"]),
    )


class IssueRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # ----- who sees what --------------------------------------------------------------------------

    async def _region_of(self, user: User) -> str | None:
        if user.organization_id is None:
            return None
        value = await self._db.fetch_value(
            "SELECT region FROM organizations WHERE id = ?", (user.organization_id,)
        )
        return None if value is None else str(value)

    async def visibility(self, viewer: User) -> tuple[str, list[Any]] | None:
        """SQL over `i` (issues) and `g` (their organization) for what `viewer` may see."""
        if viewer.role in STAFF:
            return "1", []
        if viewer.role is Role.DEPARTMENT:
            region = await self._region_of(viewer)
            return ("g.region = ?", [region]) if region else ("1", [])
        if viewer.role is Role.DIRECTOR:
            return "i.organization_id = ?", [viewer.organization_id]
        if viewer.role is Role.MENTOR:
            return "i.author_id = ?", [viewer.id]
        return None

    async def may_see(self, viewer: User, issue: Issue) -> bool:
        if viewer.role in STAFF or issue.assignee_id == viewer.id or issue.author_id == viewer.id:
            return True
        if viewer.role is Role.DIRECTOR:
            return viewer.organization_id == issue.organization_id
        if viewer.role is Role.DEPARTMENT:
            region = await self._region_of(viewer)
            school_region = await self._db.fetch_value(
                "SELECT region FROM organizations WHERE id = ?", (issue.organization_id,)
            )
            return not region or region == school_region
        return False

    # ----- reading --------------------------------------------------------------------------------

    async def get(self, issue_id: int) -> Issue | None:
        row = await self._db.fetch_one("SELECT * FROM school_issues WHERE id = ?", (issue_id,))
        return None if row is None else issue_from_row(row)

    async def page(
        self, viewer: User, filters: IssueFilter, offset: int, limit: int
    ) -> tuple[list[Issue], int]:
        """Issues this person may see, urgent and open first, newest first; paged in SQL."""
        visible = await self.visibility(viewer)
        if visible is None:
            return [], 0
        clauses, params = [visible[0]], list(visible[1])
        if filters.status is not None:
            clauses.append("i.status = ?")
            params.append(filters.status.value)
        if filters.open_only:
            clauses.append("i.status IN ('new', 'in_progress')")
        if filters.category is not None:
            clauses.append("i.category = ?")
            params.append(filters.category.value)
        if filters.organization_id is not None:
            clauses.append("i.organization_id = ?")
            params.append(filters.organization_id)
        if filters.urgent_only:
            clauses.append("i.urgency = 'urgent'")
        where = " AND ".join(clauses)
        base = (
            f"FROM school_issues i JOIN organizations g ON g.id = i.organization_id WHERE {where}"
        )
        total = await self._db.fetch_value(f"SELECT count(*) {base}", params)
        rows = await self._db.fetch_all(
            f"SELECT i.* {base} ORDER BY i.status IN ('new', 'in_progress') DESC,"
            " i.urgency = 'urgent' DESC, i.created_at DESC, i.id DESC LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return [issue_from_row(row) for row in rows], int(total)

    async def attachments(self, issue_id: int) -> list[Attachment]:
        rows = await self._db.fetch_all(
            "SELECT kind, file_id, file_name FROM issue_attachments WHERE issue_id = ? ORDER BY id",
            (issue_id,),
        )
        return [Attachment(row["kind"], row["file_id"], row["file_name"]) for row in rows]

    async def comments(self, issue_id: int, limit: int = 20) -> list[Comment]:
        rows = await self._db.fetch_all(
            "SELECT * FROM (SELECT * FROM issue_comments WHERE issue_id = ? ORDER BY id DESC "
            "LIMIT ?) ORDER BY id",
            (issue_id, limit),
        )
        return [
            Comment(
                row["id"],
                row["issue_id"],
                row["author_id"],
                row["body"],
                from_db(row["created_at"]),
            )
            for row in rows
        ]

    async def staff(self) -> list[User]:
        """People issues can be assigned to: the university's coordinators and admins."""
        return await self._db.users.with_roles(*STAFF)

    # ----- posting --------------------------------------------------------------------------------

    async def post(self, author: User, data: IssueInput) -> Issue:
        if author.role not in REQUEST_POSTERS or author.organization_id is None:
            raise NotAllowed("role")
        title = clean_title(data.title)
        description = clean_body(data.description, "description", DESCRIPTION_MAX)
        if data.urgency not in ("normal", "urgent"):
            raise InvalidValue("urgency", "unknown")
        if len(data.attachments) > ATTACHMENTS_MAX:
            raise InvalidValue("attachments", "too_many")
        subject, starts_on = None, None
        if data.category is IssueCategory.STAFFING:
            subject = clean_body(data.vacancy_subject or "", "vacancy_subject", 100)
            if data.vacancy_starts_on is None:
                raise InvalidValue("vacancy_starts_on", "empty")
            starts_on = data.vacancy_starts_on
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO school_issues (organization_id, author_id, category, urgency, title,"
                " description, vacancy_subject, vacancy_starts_on, last_activity_at, "
                "created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    author.organization_id,
                    author.id,
                    data.category.value,
                    data.urgency,
                    title,
                    description,
                    subject,
                    None if starts_on is None else date_to_db(starts_on),
                    to_db(now),
                    to_db(now),
                    to_db(now),
                ),
            )
            assert cursor.lastrowid is not None
            issue_id = cursor.lastrowid
            await conn.executemany(
                "INSERT INTO issue_attachments (issue_id, kind, file_id, file_name, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [(issue_id, a.kind, a.file_id, a.file_name, to_db(now)) for a in data.attachments],
            )
            if data.urgency == "urgent":
                coordinators = await first_column(
                    conn,
                    "SELECT id FROM users WHERE role = 'coordinator' AND telegram_id IS NOT NULL",
                    (),
                )
                await self._db.outbox.add(
                    conn, coordinators, "issue.urgent", {"issue_id": issue_id}, PRIORITY_PERSONAL
                )
            await audit.record(
                conn,
                now,
                author.id,
                "issue.create",
                "issue",
                issue_id,
                category=data.category.value,
                urgency=data.urgency,
            )
            row = await one_row(conn, "SELECT * FROM school_issues WHERE id = ?", (issue_id,))
        assert row is not None
        return issue_from_row(row)

    # ----- changing -------------------------------------------------------------------------------

    async def _current(
        self, conn: aiosqlite.Connection, actor: User, issue_id: int, seen_version: int
    ) -> Issue:
        """The issue as it is now, if `actor` may see it at all; then its version.

        Permission comes first: someone who may not see the request gets NotFound whether
        or not it exists, and never learns its status from an IssueChanged.
        """
        row = await one_row(conn, "SELECT * FROM school_issues WHERE id = ?", (issue_id,))
        issue = None if row is None else issue_from_row(row)
        if issue is None or not await self.may_see(actor, issue):
            raise NotFound("issue")
        if issue.version != seen_version:
            raise IssueChanged(issue)
        return issue

    async def _bump(
        self, conn: aiosqlite.Connection, issue: Issue, now: datetime, **columns: Any
    ) -> Issue:
        assignments = "".join(f", {name} = ?" for name in columns)
        cursor = await conn.execute(
            "UPDATE school_issues SET version = version + 1, updated_at = ?, last_activity_at "
            f"= ?{assignments}"
            " WHERE id = ? AND version = ?",
            (to_db(now), to_db(now), *columns.values(), issue.id, issue.version),
        )
        assert cursor.rowcount == 1  # we hold the write lock and checked the version
        row = await one_row(conn, "SELECT * FROM school_issues WHERE id = ?", (issue.id,))
        assert row is not None
        return issue_from_row(row)

    async def _school_people(self, conn: aiosqlite.Connection, issue: Issue) -> list[int]:
        directors = (await directors_of(conn, [issue.organization_id]))[issue.organization_id]
        return list(dict.fromkeys([issue.author_id, *directors]))

    async def change_status(
        self,
        actor: User,
        issue_id: int,
        seen_version: int,
        status: IssueStatus,
        note: str | None = None,
    ) -> Issue:
        """Move an issue along its flow; a reason is required to reject, a comment to reopen."""
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            issue = await self._current(conn, actor, issue_id, seen_version)
            if (issue.status, status) not in TRANSITIONS:
                raise InvalidValue("status", "not_allowed_now")
            if not may_move(actor, issue, status):
                raise NotAllowed("issue")
            text = None
            if status is IssueStatus.REJECTED or (
                status is IssueStatus.IN_PROGRESS and issue.status is IssueStatus.RESOLVED
            ):
                text = clean_body(note or "", "reason", REASON_MAX)
            columns: dict[str, Any] = {"status": status.value, "reminded_at": None}
            if status is IssueStatus.REJECTED:
                columns["reject_reason"] = text
            if status is IssueStatus.RESOLVED:
                columns["resolved_at"] = to_db(now)
            elif status is IssueStatus.IN_PROGRESS:
                columns["resolved_at"] = None  # reopened: the clock runs again
            updated = await self._bump(conn, issue, now, **columns)
            if text and status is not IssueStatus.REJECTED:
                await self._insert_comment(conn, issue.id, actor.id, text, now)
            recipients = await self._school_people(conn, issue) + (
                [issue.assignee_id] if issue.assignee_id else []
            )
            others = [user_id for user_id in dict.fromkeys(recipients) if user_id != actor.id]
            await self._db.outbox.add(
                conn,
                others,
                "issue.status",
                {"issue_id": issue.id, "status": status.value, "by": actor.id},
            )
            await audit.record(
                conn,
                now,
                actor.id,
                "issue.status",
                "issue",
                issue.id,
                before=issue.status.value,
                after=status.value,
                reason=text if status is IssueStatus.REJECTED else None,
            )
            return updated

    async def assign(
        self, actor: User, issue_id: int, seen_version: int, assignee_id: int
    ) -> Issue:
        if actor.role not in STAFF:
            raise NotAllowed("role")
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            issue = await self._current(conn, actor, issue_id, seen_version)
            if issue.finished:
                raise IssueClosed()
            assignee = await one_row(
                conn,
                "SELECT role FROM users WHERE id = ? AND telegram_id IS NOT NULL",
                (assignee_id,),
            )
            if assignee is None or Role(assignee["role"]) not in STAFF:
                raise InvalidValue("assignee", "not_staff")
            columns: dict[str, Any] = {"assignee_id": assignee_id, "reminded_at": None}
            if issue.status is IssueStatus.NEW:
                columns["status"] = IssueStatus.IN_PROGRESS.value
            updated = await self._bump(conn, issue, now, **columns)
            if assignee_id != actor.id:
                await self._db.outbox.add(
                    conn, [assignee_id], "issue.assigned", {"issue_id": issue.id, "by": actor.id}
                )
            if issue.status is IssueStatus.NEW:
                school = [u for u in await self._school_people(conn, issue) if u != actor.id]
                await self._db.outbox.add(
                    conn,
                    school,
                    "issue.status",
                    {"issue_id": issue.id, "status": "in_progress", "by": actor.id},
                )
            await audit.record(
                conn,
                now,
                actor.id,
                "issue.assign",
                "issue",
                issue.id,
                assignee_id=assignee_id,
                previous=issue.assignee_id,
            )
            return updated

    async def comment(self, actor: User, issue_id: int, body: str) -> Comment:
        """Add to the thread; the school and the assignee (except the writer) are told."""
        text = clean_body(body, "comment", COMMENT_MAX)
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            row = await one_row(conn, "SELECT * FROM school_issues WHERE id = ?", (issue_id,))
            if row is None:
                raise NotFound("issue")
            issue = issue_from_row(row)
            if not (is_staff_side(actor, issue) or is_school_side(actor, issue)):
                raise NotAllowed("issue")
            if issue.finished:
                raise IssueClosed()
            comment = await self._insert_comment(conn, issue.id, actor.id, text, now)
            await conn.execute(
                "UPDATE school_issues SET last_activity_at = ?, reminded_at = NULL WHERE id = ?",
                (to_db(now), issue.id),
            )
            recipients = await self._school_people(conn, issue) + (
                [issue.assignee_id] if issue.assignee_id else []
            )
            others = [user_id for user_id in dict.fromkeys(recipients) if user_id != actor.id]
            await self._db.outbox.add(
                conn, others, "issue.comment", {"issue_id": issue.id, "comment_id": comment.id}
            )
            await audit.record(
                conn, now, actor.id, "issue.comment", "issue", issue.id, comment_id=comment.id
            )
            return comment

    async def _insert_comment(
        self, conn: aiosqlite.Connection, issue_id: int, author_id: int, text: str, now: datetime
    ) -> Comment:
        cursor = await conn.execute(
            "INSERT INTO issue_comments (issue_id, author_id, body, created_at) VALUES (?, ?, "
            "?, ?)",
            (issue_id, author_id, text, to_db(now)),
        )
        assert cursor.lastrowid is not None
        return Comment(cursor.lastrowid, issue_id, author_id, text, now)

    async def comment_by_id(self, comment_id: int) -> Comment | None:
        row = await self._db.fetch_one("SELECT * FROM issue_comments WHERE id = ?", (comment_id,))
        if row is None:
            return None
        return Comment(
            row["id"], row["issue_id"], row["author_id"], row["body"], from_db(row["created_at"])
        )

    # ----- reminders ------------------------------------------------------------------------------

    async def remind_stale(self, days: int) -> int:
        """Remind about open issues untouched for `days` (again every `days` while untouched).

        The assignee is reminded, or every coordinator when nobody is assigned. Returns how
        many issues were reminded about.
        """
        now = self._db.clock.now()
        horizon = to_db(now - timedelta(days=days))
        async with self._db.transaction() as conn:
            stale = [
                issue_from_row(row)
                for row in await all_rows(
                    conn,
                    "SELECT * FROM school_issues WHERE status IN ('new', 'in_progress')"
                    " AND last_activity_at <= ? AND (reminded_at IS NULL OR reminded_at <= ?)",
                    (horizon, horizon),
                )
            ]
            if not stale:
                return 0
            coordinators = await first_column(
                conn,
                "SELECT id FROM users WHERE role = 'coordinator' AND telegram_id IS NOT NULL",
                (),
            )
            for issue in stale:
                recipients = [issue.assignee_id] if issue.assignee_id else coordinators
                idle = (now - issue.last_activity_at).days
                await self._db.outbox.add(
                    conn,
                    recipients,
                    "issue.stale",
                    {"issue_id": issue.id, "days": idle},
                    PRIORITY_REMINDER,
                )
                await conn.execute(
                    "UPDATE school_issues SET reminded_at = ? WHERE id = ?", (to_db(now), issue.id)
                )
            return len(stale)
