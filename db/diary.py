"""The practice diary and the final report, in transactions: only the placement's student writes."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import aiosqlite

from db import audit
from db.domain.diary import (
    DiaryDay,
    DiaryEntry,
    PracticeReport,
    ReportFile,
    check_diary_day,
    check_diary_text,
    check_report,
)
from db.domain.errors import NotFound
from db.domain.evaluations import AlreadySubmitted
from db.domain.models import User
from db.placements import approved_placement
from db.rows import one_row
from db.timeutil import date_from_db, date_to_db, from_db, to_db

if TYPE_CHECKING:
    from db.database import Database


def entry_from_row(row: aiosqlite.Row) -> DiaryEntry:
    return DiaryEntry(
        application_id=row["application_id"],
        day=date_from_db(row["written_on"]),
        did=row["did"],
        reflection=row["reflection"],
        updated_at=from_db(row["updated_at"]),
    )


def report_from_row(row: aiosqlite.Row) -> PracticeReport:
    return PracticeReport(
        application_id=row["application_id"],
        file=ReportFile(row["file_id"], row["file_name"], row["mime_type"], row["size"]),
        uploaded_at=from_db(row["uploaded_at"]),
    )


async def _graded(conn: aiosqlite.Connection, application_id: int) -> bool:
    row = await one_row(
        conn, "SELECT 1 FROM final_marks WHERE application_id = ?", (application_id,)
    )
    return row is not None


class DiaryRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def write(
        self, student: User, application_id: int, day: date, did: str, reflection: str
    ) -> DiaryEntry:
        """The day's entry, new or rewritten, until the practice is graded."""
        clean_did, clean_reflection = check_diary_text(did, reflection)
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            application, offer = await approved_placement(conn, application_id)
            if application.student_id != student.id:
                raise NotFound("placement")
            check_diary_day(offer, day, self._db.today())
            if await _graded(conn, application_id):
                raise AlreadySubmitted()
            await conn.execute(
                "INSERT INTO diary_entries (application_id, written_on, did, reflection,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (application_id, written_on) DO UPDATE SET did = excluded.did,"
                " reflection = excluded.reflection, updated_at = excluded.updated_at",
                (
                    application_id,
                    date_to_db(day),
                    clean_did,
                    clean_reflection,
                    to_db(now),
                    to_db(now),
                ),
            )
            row = await one_row(
                conn,
                "SELECT * FROM diary_entries WHERE application_id = ? AND written_on = ?",
                (application_id, date_to_db(day)),
            )
        assert row is not None
        return entry_from_row(row)

    async def days(self, application_id: int, before: date, limit: int) -> list[DiaryDay]:
        """The latest `limit` days before `before` that have hours or an entry, newest first."""
        rows = await self._db.fetch_all(
            "WITH days AS ("
            " SELECT worked_on AS day, sum(hours) AS hours FROM practice_hours"
            " WHERE application_id = ? AND status != 'returned' GROUP BY worked_on"
            " UNION ALL SELECT written_on, 0 FROM diary_entries WHERE application_id = ?)"
            " SELECT d.day, sum(d.hours) AS hours, e.* FROM days d"
            " LEFT JOIN diary_entries e ON e.application_id = ? AND e.written_on = d.day"
            " WHERE d.day < ? GROUP BY d.day ORDER BY d.day DESC LIMIT ?",
            (application_id, application_id, application_id, date_to_db(before), limit),
        )
        return [
            DiaryDay(
                day=date_from_db(row["day"]),
                hours=float(row["hours"]),
                entry=None if row["written_on"] is None else entry_from_row(row),
            )
            for row in rows
        ]

    async def entry(self, application_id: int, day: date) -> DiaryEntry | None:
        row = await self._db.fetch_one(
            "SELECT * FROM diary_entries WHERE application_id = ? AND written_on = ?",
            (application_id, date_to_db(day)),
        )
        return None if row is None else entry_from_row(row)

    async def count(self, application_id: int) -> int:
        row = await self._db.fetch_one(
            "SELECT count(*) AS n FROM diary_entries WHERE application_id = ?", (application_id,)
        )
        return 0 if row is None else int(row["n"])

    async def attach_report(
        self, student: User, application_id: int, file: ReportFile
    ) -> PracticeReport:
        """The student's final report; a new file replaces the old one until the mark is set."""
        clean = check_report(file)
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            application, _ = await approved_placement(conn, application_id)
            if application.student_id != student.id:
                raise NotFound("placement")
            if await _graded(conn, application_id):
                raise AlreadySubmitted()
            await conn.execute(
                "INSERT INTO practice_reports (application_id, file_id, file_name, mime_type,"
                " size, uploaded_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (application_id) DO"
                " UPDATE SET file_id = excluded.file_id, file_name = excluded.file_name,"
                " mime_type = excluded.mime_type, size = excluded.size,"
                " uploaded_at = excluded.uploaded_at",
                (
                    application_id,
                    clean.file_id,
                    clean.file_name,
                    clean.mime_type,
                    clean.size,
                    to_db(now),
                ),
            )
            await audit.record(
                conn, now, student.id, "report.upload", "application", application_id
            )
            if application.mentor_id is not None:  # the mentor reads it before evaluating
                await self._db.outbox.add(
                    conn,
                    [application.mentor_id],
                    "report.uploaded",
                    {"application_id": application_id},
                )
            row = await one_row(
                conn, "SELECT * FROM practice_reports WHERE application_id = ?", (application_id,)
            )
        assert row is not None
        return report_from_row(row)

    async def report(self, application_id: int) -> PracticeReport | None:
        row = await self._db.fetch_one(
            "SELECT * FROM practice_reports WHERE application_id = ?", (application_id,)
        )
        return None if row is None else report_from_row(row)
