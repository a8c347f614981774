"""Students' required documents: upload, a coordinator's check, reminders before a start."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import aiosqlite

from db import audit
from db.domain.clearance import (
    CLEARANCE_DAYS,
    DocumentChanged,
    DocumentStatus,
    RequiredDocument,
    Standing,
    StudentDocument,
    check_document_file,
    check_expiry,
    required_for,
    standing,
)
from db.domain.errors import NotFound
from db.domain.models import User
from db.domain.placements import PracticeKind, clean_reason
from db.domain.roles import STAFF, STUDENTS, require_role
from db.rows import all_rows, one_row
from db.timeutil import date_from_db, date_to_db, from_db, to_db
from db.users import coordinators_of

if TYPE_CHECKING:
    from db.database import Database


@dataclass(frozen=True, slots=True)
class UpcomingPractice:
    """A placement (or an application that may become one) the documents are needed for."""

    application_id: int
    kind: PracticeKind
    starts_on: date
    ends_on: date


def document_from_row(row: aiosqlite.Row) -> StudentDocument:
    return StudentDocument(
        student_id=row["student_id"],
        key=row["doc_key"],
        file_id=row["file_id"],
        file_type=row["file_type"],
        expires_on=date_from_db(row["expires_on"]),
        status=DocumentStatus(row["status"]),
        reason=row["reason"],
        uploaded_at=from_db(row["uploaded_at"]),
    )


class ClearanceRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def held(
        self, student_id: int, conn: aiosqlite.Connection | None = None
    ) -> dict[str, StudentDocument]:
        rows = await self._db.fetch_all(
            "SELECT * FROM student_documents WHERE student_id = ?", (student_id,), conn
        )
        return {row["doc_key"]: document_from_row(row) for row in rows}

    async def upcoming(self, student_id: int) -> list[UpcomingPractice]:
        """The student's active applications and placements that have not ended."""
        rows = await self._db.fetch_all(
            "SELECT a.id, o.kind, o.starts_on, o.ends_on FROM applications a"
            " JOIN practice_offers o ON o.id = a.offer_id WHERE a.student_id = ?"
            " AND a.status IN ('pending', 'waitlisted', 'approved') AND o.ends_on >= ?"
            " ORDER BY o.starts_on",
            (student_id, date_to_db(self._db.today())),
        )
        return [
            UpcomingPractice(
                row["id"],
                PracticeKind(row["kind"]),
                date_from_db(row["starts_on"]),
                date_from_db(row["ends_on"]),
            )
            for row in rows
        ]

    async def upload(
        self,
        student: User,
        document: RequiredDocument,
        file_id: str,
        file_name: str | None,
        size: int,
        expires_on: date,
    ) -> StudentDocument:
        """Replace the student's copy of `document`; it awaits a coordinator's check again."""
        require_role(student, STUDENTS)
        file_type = check_document_file(file_name, size)
        check_expiry(expires_on, self._db.today())
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            row = await one_row(
                conn,
                "INSERT INTO student_documents (student_id, doc_key, file_id, file_type,"
                " expires_on, status, uploaded_at) VALUES (?, ?, ?, ?, ?, 'submitted', ?)"
                " ON CONFLICT (student_id, doc_key) DO UPDATE SET file_id = excluded.file_id,"
                " file_type = excluded.file_type, expires_on = excluded.expires_on,"
                " status = 'submitted', reason = NULL, uploaded_at = excluded.uploaded_at,"
                " checked_by = NULL, checked_at = NULL RETURNING *",
                (student.id, document.key, file_id, file_type, date_to_db(expires_on), to_db(now)),
            )
            await audit.record(
                conn, now, student.id, "document.upload", "user", student.id, key=document.key
            )
        assert row is not None  # the row just written
        return document_from_row(row)

    async def to_check(self, offset: int) -> tuple[StudentDocument | None, int]:
        """The `offset`-th document awaiting a check (oldest first), and how many await."""
        total = await self._db.fetch_value(
            "SELECT count(*) FROM student_documents WHERE status = 'submitted'"
        )
        row = await self._db.fetch_one(
            "SELECT * FROM student_documents WHERE status = 'submitted'"
            " ORDER BY uploaded_at, student_id, doc_key LIMIT 1 OFFSET ?",
            (max(0, offset),),
        )
        return (None if row is None else document_from_row(row)), int(total)

    async def check(
        self,
        actor: User,
        student_id: int,
        key: str,
        version: int,
        reason: str | None = None,
    ) -> StudentDocument:
        """Verify (no reason) or return with a reason the student reads.

        `version` is the upload the coordinator looked at: a newer upload meanwhile is refused
        (DocumentChanged), never verified unseen.
        """
        require_role(actor, STAFF)
        text = None if reason is None else clean_reason(reason)
        now = self._db.clock.now()
        status = DocumentStatus.VERIFIED if text is None else DocumentStatus.RETURNED
        async with self._db.transaction() as conn:
            row = await one_row(
                conn,
                "SELECT * FROM student_documents WHERE student_id = ? AND doc_key = ?",
                (student_id, key),
            )
            if row is None:
                raise NotFound("document")
            current = document_from_row(row)
            if current.status is not DocumentStatus.SUBMITTED or current.version != version:
                raise DocumentChanged()
            checked = await one_row(
                conn,
                "UPDATE student_documents SET status = ?, reason = ?, checked_by = ?,"
                " checked_at = ? WHERE student_id = ? AND doc_key = ? RETURNING *",
                (status.value, text, actor.id, to_db(now), student_id, key),
            )
            await self._db.outbox.add_many(
                conn, [([student_id], f"document.{status.value}", {"key": key})]
            )
            await audit.record(
                conn, now, actor.id, f"document.{status.value}", "user", student_id, key=key
            )
        assert checked is not None  # read in this transaction just above
        return document_from_row(checked)

    async def remind_uncleared(self, documents: Sequence[RequiredDocument]) -> int:
        """Placements starting within CLEARANCE_DAYS whose student lacks a required document in
        order: the student is told what is missing, and their university's coordinators get
        one list. Once per placement."""
        if not documents:
            return 0
        today = self._db.today()
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            rows = await all_rows(
                conn,
                "SELECT a.id, a.student_id, o.kind, o.ends_on, u.organization_id AS university"
                " FROM applications a JOIN practice_offers o ON o.id = a.offer_id"
                " JOIN users u ON u.id = a.student_id"
                " WHERE a.status = 'approved' AND o.starts_on >= ? AND o.starts_on <= ?"
                " AND NOT EXISTS (SELECT 1 FROM document_reminders r WHERE r.application_id = a.id)"
                " ORDER BY o.starts_on, a.id",
                (date_to_db(today), date_to_db(today + timedelta(days=CLEARANCE_DAYS))),
            )
            held = await self._held_by_student([row["student_id"] for row in rows], conn)
            uncleared: dict[int | None, list[int]] = {}
            messages: list[tuple[list[int], str, dict[str, object] | None]] = []
            for row in rows:
                needed = required_for(documents, [PracticeKind(row["kind"])])
                theirs = held.get(row["student_id"], {})
                ends_on = date_from_db(row["ends_on"])
                if all(
                    standing(theirs.get(doc.key), ends_on) is Standing.CLEARED for doc in needed
                ):
                    continue
                await conn.execute(
                    "INSERT INTO document_reminders (application_id, sent_at) VALUES (?, ?)",
                    (row["id"], to_db(now)),
                )
                messages.append(
                    ([row["student_id"]], "documents.missing", {"application": row["id"]})
                )
                uncleared.setdefault(row["university"], []).append(row["id"])
            for university, applications in uncleared.items():
                coordinators = await coordinators_of(conn, university)
                messages.append(
                    (coordinators, "documents.uncleared", {"applications": applications})
                )
            await self._db.outbox.add_many(conn, messages)
        return sum(len(applications) for applications in uncleared.values())

    async def _held_by_student(
        self, student_ids: Sequence[int], conn: aiosqlite.Connection
    ) -> dict[int, dict[str, StudentDocument]]:
        """Every document of these students, in one query per 500 (not one per student)."""
        held: dict[int, dict[str, StudentDocument]] = {}
        ids = sorted(set(student_ids))
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = await all_rows(
                conn, f"SELECT * FROM student_documents WHERE student_id IN ({marks})", chunk
            )
            for row in rows:
                held.setdefault(row["student_id"], {})[row["doc_key"]] = document_from_row(row)
        return held
