"""The end of a practice, in transactions: evaluations, the characteristic, marks, ratings."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import aiosqlite

from db import audit
from db.domain.errors import NotFound
from db.domain.evaluations import (
    CHARACTERISTIC_MAX,
    CONFIRM_WAIT,
    DUE_LIST_SIZE,
    LAST_WEEK,
    MID_TERM_WEEKS,
    UNGRADED_AFTER,
    AlreadySubmitted,
    Evaluation,
    EvaluationInput,
    EvaluationKind,
    FeedbackSummary,
    FinalMark,
    NotReady,
    PracticeReminder,
    Ungraded,
    check_evaluation,
    check_mark,
    check_ratings,
    letter_grade,
    may_confirm,
    may_evaluate,
    may_grade,
    mid_term_open,
    summarize,
)
from db.domain.models import User
from db.domain.placements import Application
from db.domain.practice_log import clean_comment, clean_field
from db.outbox import PRIORITY_REMINDER
from db.placements import application_from_row, approved_placement
from db.rows import all_rows, first_column, one_row
from db.timeutil import date_from_db, date_to_db, from_db, maybe_from_db, to_db
from db.users import directors_of

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


@dataclass(frozen=True, slots=True)
class _Period:
    starts_on: date
    ends_on: date

    @classmethod
    def of(cls, row: aiosqlite.Row) -> _Period:
        return cls(date_from_db(row["o_starts"]), date_from_db(row["o_ends"]))


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

    async def mid_due_for(self, mentor: User, weeks: int) -> list[Application]:
        """The mentor's long placements past their midpoint, without a mid-term evaluation."""
        today = self._db.today()
        rows = await self._db.fetch_all(
            "SELECT a.*, o.starts_on AS o_starts, o.ends_on AS o_ends FROM applications a"
            " JOIN practice_offers o ON o.id = a.offer_id WHERE a.mentor_id = ?"
            " AND a.status = 'approved' AND o.starts_on <= ? AND o.ends_on >= ?"
            " AND NOT EXISTS (SELECT 1 FROM evaluations ev WHERE ev.application_id = a.id)"
            " ORDER BY o.ends_on, a.id",
            (mentor.id, date_to_db(today), date_to_db(today)),
        )
        return [
            application_from_row(row)
            for row in rows
            if mid_term_open(_Period.of(row), today, weeks)
        ][:DUE_LIST_SIZE]

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
        self,
        mentor: User,
        application_id: int,
        kind: EvaluationKind,
        data: EvaluationInput,
        mid_term_weeks: int = MID_TERM_WEEKS,
    ) -> Evaluation:
        """A mid-term or final evaluation by the placement's own mentor, once each."""
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            application, offer = await approved_placement(conn, application_id)
            if not may_evaluate(mentor, application):
                raise NotFound("placement")  # as for a placement that does not exist
            clean = check_evaluation(kind, data)
            if kind is EvaluationKind.MID:
                final = await _evaluation(conn, application_id, EvaluationKind.FINAL)
                if final is not None or not mid_term_open(offer, self._db.today(), mid_term_weeks):
                    raise NotReady("mid_term")
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
            if kind is EvaluationKind.MID:
                await self._db.outbox.add(
                    conn,
                    [application.student_id],
                    "evaluation.mid",
                    {"application_id": application_id},
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
            directors = await directors_of(conn, [offer.organization_id])
            await self._db.outbox.add(
                conn,
                directors[offer.organization_id],
                "characteristic.signed",
                {"application_id": application_id},
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
            placements = [await approved_placement(conn, i) for i in marks]
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
                ]
                + [
                    ([application.mentor_id], "practice.closed", {"application_id": application.id})
                    for application, _ in placements
                    if application.mentor_id is not None
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

    # ----- reminders ----------------------------------------------------------------------------

    async def remind_due(self, mid_term_weeks: int) -> int:
        """Queue the end-of-practice reminders that have fallen due; each at most once.

        The mentor at the midpoint of a long practice and in its last week, the school's
        directors when a signed characteristic waits CONFIRM_WAIT, and the coordinators (one
        message with the count) when practices ended UNGRADED_AFTER ago without a mark.
        Returns how many placements were reminded about.
        """
        now, today = self._db.clock.now(), self._db.today()
        async with self._db.transaction() as conn:
            mid = [
                row
                for row in await all_rows(
                    conn,
                    "SELECT a.id, a.mentor_id, o.starts_on AS o_starts, o.ends_on AS o_ends"
                    " FROM applications a JOIN practice_offers o ON o.id = a.offer_id"
                    " WHERE a.status = 'approved' AND a.mentor_id IS NOT NULL"
                    " AND o.starts_on <= ? AND o.ends_on >= ?"
                    " AND NOT EXISTS (SELECT 1 FROM evaluations ev WHERE ev.application_id = a.id)"
                    + _NOT_REMINDED,
                    (date_to_db(today), date_to_db(today), PracticeReminder.MID_DUE.value),
                )
                if mid_term_open(_Period.of(row), today, mid_term_weeks)
            ]
            final = await all_rows(
                conn,
                "SELECT a.id, a.mentor_id FROM applications a"
                " JOIN practice_offers o ON o.id = a.offer_id"
                " WHERE a.status = 'approved' AND a.mentor_id IS NOT NULL AND o.ends_on <= ?"
                " AND NOT EXISTS (SELECT 1 FROM evaluations ev WHERE ev.application_id = a.id"
                " AND ev.kind = 'final' AND ev.signed_at IS NOT NULL)"
                " AND NOT EXISTS (SELECT 1 FROM final_marks m WHERE m.application_id = a.id)"
                + _NOT_REMINDED,
                (date_to_db(today + LAST_WEEK), PracticeReminder.FINAL_DUE.value),
            )
            unconfirmed = await all_rows(
                conn,
                "SELECT a.id, o.organization_id FROM applications a"
                " JOIN practice_offers o ON o.id = a.offer_id"
                " JOIN evaluations ev ON ev.application_id = a.id AND ev.kind = 'final'"
                " WHERE a.status = 'approved' AND ev.signed_at <= ? AND ev.confirmed_at IS NULL"
                + _NOT_REMINDED,
                (to_db(now - CONFIRM_WAIT), PracticeReminder.CONFIRM_DUE.value),
            )
            ungraded = await first_column(
                conn,
                "SELECT a.id FROM applications a JOIN practice_offers o ON o.id = a.offer_id"
                " WHERE a.status = 'approved' AND o.ends_on <= ?"
                " AND NOT EXISTS (SELECT 1 FROM final_marks m WHERE m.application_id = a.id)"
                + _NOT_REMINDED,
                (date_to_db(today - UNGRADED_AFTER), PracticeReminder.UNGRADED.value),
            )
            messages = [
                ([row["mentor_id"]], "evaluation.mid_due", {"application_id": row["id"]})
                for row in mid
            ] + [
                ([row["mentor_id"]], "evaluation.final_due", {"application_id": row["id"]})
                for row in final
            ]
            directors = await directors_of(conn, (row["organization_id"] for row in unconfirmed))
            messages += [
                (
                    directors[row["organization_id"]],
                    "characteristic.signed",
                    {"application_id": row["id"]},
                )
                for row in unconfirmed
            ]
            if ungraded:
                coordinators = await first_column(
                    conn,
                    "SELECT id FROM users WHERE role = 'coordinator' AND telegram_id IS NOT NULL",
                    (),
                )
                messages.append((coordinators, "practice.ungraded", {"count": len(ungraded)}))
            reminded = [(row["id"], PracticeReminder.MID_DUE.value, to_db(now)) for row in mid] + [
                (row["id"], PracticeReminder.FINAL_DUE.value, to_db(now)) for row in final
            ]
            reminded += [
                (row["id"], PracticeReminder.CONFIRM_DUE.value, to_db(now)) for row in unconfirmed
            ]
            reminded += [
                (app_id, PracticeReminder.UNGRADED.value, to_db(now)) for app_id in ungraded
            ]
            if not reminded:
                return 0
            await conn.executemany(
                "INSERT INTO practice_reminders (application_id, kind, sent_at) VALUES (?, ?, ?)",
                reminded,
            )
            await self._db.outbox.add_many(conn, messages, PRIORITY_REMINDER)
        return len(reminded)


_NOT_REMINDED = (
    " AND NOT EXISTS (SELECT 1 FROM practice_reminders r WHERE r.application_id = a.id"
    " AND r.kind = ?)"
)
