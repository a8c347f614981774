"""The end of a practice, in transactions: evaluations, the characteristic, marks, ratings."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

import aiosqlite

from db import audit
from db.domain.errors import NotFound
from db.domain.evaluations import (
    CHARACTERISTIC_MAX,
    DUE_LIST_SIZE,
    LAST_WEEK,
    AlreadySubmitted,
    Evaluation,
    EvaluationInput,
    EvaluationKind,
    FeedbackSummary,
    FinalMark,
    NotReady,
    Ungraded,
    check_evaluation,
    check_mark,
    check_ratings,
    letter_grade,
    may_confirm,
    may_evaluate,
    may_grade,
    summarize,
)
from db.domain.models import User
from db.domain.placements import Application
from db.domain.practice_log import clean_comment, clean_field
from db.placements import application_from_row, approved_placement
from db.rows import all_rows, first_column, one_row
from db.timeutil import date_to_db, from_db, maybe_from_db, to_db

if TYPE_CHECKING:
    from db.database import Database


def evaluation_from_row(row: aiosqlite.Row) -> Evaluation:
    return Evaluation(
        id=row["id"],
        application_id=row["application_id"],
        kind=EvaluationKind(row["kind"]),
        author_id=row["author_id"],
        scores=json.loads(row["scores"]),
        strengths=row["strengths"],
        to_improve=row["to_improve"],
        recommended_mark=row["recommended_mark"],
        characteristic=row["characteristic"],
        signed_at=maybe_from_db(row["signed_at"]),
        confirmed_by=row["confirmed_by"],
        confirmed_at=maybe_from_db(row["confirmed_at"]),
        created_at=from_db(row["created_at"]),
    )


def mark_from_row(row: aiosqlite.Row) -> FinalMark:
    return FinalMark(
        application_id=row["application_id"],
        mark=row["mark"],
        letter=letter_grade(row["mark"]),
        graded_by=row["graded_by"],
        graded_at=from_db(row["graded_at"]),
    )


async def _evaluation(
    conn: aiosqlite.Connection, application_id: int, kind: EvaluationKind
) -> Evaluation | None:
    row = await one_row(
        conn,
        "SELECT * FROM evaluations WHERE application_id = ? AND kind = ?",
        (application_id, kind.value),
    )
    return None if row is None else evaluation_from_row(row)


class EvaluationRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # ----- reading ----------------------------------------------------------------------------

    async def of(self, application_id: int) -> dict[EvaluationKind, Evaluation]:
        rows = await self._db.fetch_all(
            "SELECT * FROM evaluations WHERE application_id = ?", (application_id,)
        )
        return {EvaluationKind(row["kind"]): evaluation_from_row(row) for row in rows}

    async def final_mark(self, application_id: int) -> FinalMark | None:
        row = await self._db.fetch_one(
            "SELECT * FROM final_marks WHERE application_id = ?", (application_id,)
        )
        return None if row is None else mark_from_row(row)

    async def to_grade(self, limit: int) -> list[Ungraded]:
        """Placements whose practice has ended and that have no mark, the earliest end first."""
        rows = await self._db.fetch_all(
            "SELECT a.id, a.student_id, a.offer_id, o.organization_id, ev.recommended_mark"
            " FROM applications a JOIN practice_offers o ON o.id = a.offer_id"
            " LEFT JOIN evaluations ev ON ev.application_id = a.id AND ev.kind = 'final'"
            " WHERE a.status = 'approved' AND o.ends_on < ?"
            " AND NOT EXISTS (SELECT 1 FROM final_marks m WHERE m.application_id = a.id)"
            " ORDER BY o.ends_on, a.id LIMIT ?",
            (date_to_db(self._db.today()), limit),
        )
        return [
            Ungraded(
                row["id"],
                row["student_id"],
                row["offer_id"],
                row["organization_id"],
                row["recommended_mark"],
            )
            for row in rows
        ]

    async def due_for(self, mentor: User) -> list[Application]:
        """The mentor's placements in their last week or over, without a signed characteristic."""
        rows = await self._db.fetch_all(
            "SELECT a.* FROM applications a JOIN practice_offers o ON o.id = a.offer_id"
            " LEFT JOIN evaluations ev ON ev.application_id = a.id AND ev.kind = 'final'"
            " WHERE a.mentor_id = ? AND a.status = 'approved' AND o.ends_on <= ?"
            " AND ev.signed_at IS NULL ORDER BY o.ends_on, a.id LIMIT ?",
            (mentor.id, date_to_db(self._db.today() + LAST_WEEK), DUE_LIST_SIZE),
        )
        return [application_from_row(row) for row in rows]

    async def rated(self, application_id: int) -> bool:
        row = await self._db.fetch_one(
            "SELECT 1 FROM placement_ratings WHERE application_id = ?", (application_id,)
        )
        return row is not None

    async def school_feedback(self, organization_id: int) -> FeedbackSummary | None:
        """The students' ratings of one school and its mentors, only in aggregate."""
        rows = await self._db.fetch_all(
            "SELECT ratings FROM placement_ratings WHERE organization_id = ?", (organization_id,)
        )
        return summarize([json.loads(row["ratings"]) for row in rows])

    # ----- the mentor ---------------------------------------------------------------------------

    async def evaluate(
        self, mentor: User, application_id: int, kind: EvaluationKind, data: EvaluationInput
    ) -> Evaluation:
        """A mid-term or final evaluation by the placement's own mentor, once each."""
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            application, _ = await approved_placement(conn, application_id)
            if not may_evaluate(mentor, application):
                raise NotFound("placement")  # as for a placement that does not exist
            clean = check_evaluation(kind, data)
            cursor = await conn.execute(
                "INSERT INTO evaluations (application_id, kind, author_id, scores, strengths,"
                " to_improve, recommended_mark, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (application_id, kind) DO NOTHING",
                (
                    application_id,
                    kind.value,
                    mentor.id,
                    json.dumps(clean.scores),
                    clean.strengths,
                    clean.to_improve,
                    clean.recommended_mark,
                    to_db(now),
                ),
            )
            if cursor.rowcount != 1:
                raise AlreadySubmitted()
            await audit.record(
                conn, now, mentor.id, f"evaluation.{kind.value}", "application", application_id
            )
            found = await _evaluation(conn, application_id, kind)
        assert found is not None
        return found

    async def sign(self, mentor: User, application_id: int, characteristic: str) -> Evaluation:
        """The characteristic drafted from the final evaluation, as edited and signed."""
        text = clean_field(characteristic, "characteristic", CHARACTERISTIC_MAX)
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            application, offer = await approved_placement(conn, application_id)
            if not may_evaluate(mentor, application):
                raise NotFound("placement")
            final = await _evaluation(conn, application_id, EvaluationKind.FINAL)
            if final is None:
                raise NotReady("final_evaluation")
            if final.signed_at is not None:
                raise AlreadySubmitted()
            await conn.execute(
                "UPDATE evaluations SET characteristic = ?, signed_at = ? WHERE id = ?",
                (text, to_db(now), final.id),
            )
            await audit.record(conn, now, mentor.id, "characteristic.sign", "application", final.id)
            directors = await first_column(
                conn,
                "SELECT id FROM users WHERE role = 'director' AND organization_id = ?"
                " AND telegram_id IS NOT NULL ORDER BY id",
                (offer.organization_id,),
            )
            await self._db.outbox.add(
                conn, directors, "characteristic.signed", {"application_id": application_id}
            )
            signed = await _evaluation(conn, application_id, EvaluationKind.FINAL)
        assert signed is not None
        return signed

    # ----- the school's director ----------------------------------------------------------------

    async def confirm(self, director: User, application_id: int) -> Evaluation:
        """The school's stamp on a signed characteristic: its own director, one tap, once."""
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            _, offer = await approved_placement(conn, application_id)
            if not may_confirm(director, offer.organization_id):
                raise NotFound("placement")
            final = await _evaluation(conn, application_id, EvaluationKind.FINAL)
            if final is None or final.signed_at is None:
                raise NotReady("signature")
            if final.confirmed_at is not None:
                raise AlreadySubmitted()
            await conn.execute(
                "UPDATE evaluations SET confirmed_by = ?, confirmed_at = ? WHERE id = ?",
                (director.id, to_db(now), final.id),
            )
            await audit.record(
                conn, now, director.id, "characteristic.confirm", "application", application_id
            )
            confirmed = await _evaluation(conn, application_id, EvaluationKind.FINAL)
        assert confirmed is not None
        return confirmed

    # ----- the coordinator ----------------------------------------------------------------------

    async def grade(self, coordinator: User, marks: Mapping[int, int]) -> list[FinalMark]:
        """Final marks out of 100 by placement, all in one transaction or none.

        Allowed before the final evaluation (the conversation warns); a placement already
        graded is refused, so a second press or a stale list changes nothing.
        """
        if not may_grade(coordinator):
            raise NotFound("placement")
        for mark in marks.values():
            check_mark(mark)
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            placements = await asyncio.gather(*(approved_placement(conn, i) for i in marks))
            cursor = await conn.executemany(
                "INSERT INTO final_marks (application_id, mark, graded_by, graded_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (application_id) DO NOTHING",
                [(app_id, mark, coordinator.id, to_db(now)) for app_id, mark in marks.items()],
            )
            if cursor.rowcount != len(marks):  # one of them was graded already
                raise AlreadySubmitted()
            for application_id in marks:
                await audit.record(
                    conn, now, coordinator.id, "placement.grade", "application", application_id
                )
            await self._db.outbox.add_many(
                conn,
                [
                    (
                        [application.student_id],
                        "practice.graded",
                        {"application_id": application.id},
                    )
                    for application, _ in placements
                ],
            )
            rows = await all_rows(
                conn,
                "SELECT * FROM final_marks WHERE application_id IN"
                f" ({','.join('?' * len(marks))}) ORDER BY application_id",
                tuple(marks),
            )
        return [mark_from_row(row) for row in rows]

    # ----- the student --------------------------------------------------------------------------

    async def rate(
        self, student: User, application_id: int, ratings: Mapping[str, int], comment: str | None
    ) -> None:
        """The student rates the school and the mentor once, after the practice is graded."""
        clean = check_ratings(ratings)
        text = clean_comment(comment)
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            application, offer = await approved_placement(conn, application_id)
            if application.student_id != student.id:
                raise NotFound("placement")
            graded = await one_row(
                conn, "SELECT 1 FROM final_marks WHERE application_id = ?", (application_id,)
            )
            if graded is None:
                raise NotReady("mark")
            cursor = await conn.execute(
                "INSERT INTO placement_ratings (application_id, organization_id, ratings, comment,"
                " created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (application_id) DO NOTHING",
                (application_id, offer.organization_id, json.dumps(clean), text, to_db(now)),
            )
            if cursor.rowcount != 1:
                raise AlreadySubmitted()
