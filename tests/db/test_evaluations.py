"""The end of a practice on a real SQLite file: who evaluates, confirms, grades and rates."""

from __future__ import annotations

from datetime import timedelta

import pytest

from db import Database, ManualClock
from db.domain.errors import InvalidValue, NotFound
from db.domain.evaluations import (
    MENTOR_ASPECTS,
    RUBRIC,
    SCHOOL_ASPECTS,
    AlreadySubmitted,
    EvaluationInput,
    EvaluationKind,
    NotReady,
)
from db.domain.models import OrgKind, Role, User
from db.domain.placements import Application
from tests.factories import make_member, make_offer, make_org, make_student, make_university

FINAL = EvaluationInput(dict.fromkeys(RUBRIC, 5), "Plans lessons well", "Time management", 92)
RATINGS = dict.fromkeys(SCHOOL_ASPECTS + MENTOR_ASPECTS, 4)


class Practice:
    async def build(self, db: Database, clock: ManualClock) -> Practice:
        university = await make_university(db)
        self.school = await make_org(db, OrgKind.SCHOOL)
        other_school = await make_org(db, OrgKind.SCHOOL)
        self.coordinator = await make_member(db, Role.COORDINATOR, university, 1)
        self.mentor = await make_member(db, Role.MENTOR, self.school, 2)
        self.other_mentor = await make_member(db, Role.MENTOR, self.school, 3)
        self.director = await make_member(db, Role.DIRECTOR, self.school, 4)
        self.other_director = await make_member(db, Role.DIRECTOR, other_school, 5)
        self.students: list[User] = []
        self.placements: list[Application] = []
        offer = await make_offer(
            db, self.coordinator, self.school, places=5, starts_in_days=1,
            mentor_ids=(self.mentor.id,),
        )  # fmt: skip
        for number in range(4):
            student = await make_student(db, 10 + number, university)
            self.students.append(student)
            self.placements.append(
                await db.placements.place(self.coordinator, offer.id, student.id)
            )
        clock.advance(timedelta(days=29))  # the practice is over
        return self


@pytest.fixture
async def practice(db: Database, clock: ManualClock) -> Practice:
    return await Practice().build(db, clock)


async def test_the_whole_ending_of_one_placement(
    db: Database, clock: ManualClock, practice: Practice
) -> None:
    dual = await make_offer(
        db, practice.coordinator, practice.school, places=1, starts_in_days=1, days=69,
        kind="dual", mentor_ids=(practice.mentor.id,),
    )  # fmt: skip
    student = practice.students[0]
    placement = (await db.placements.place(practice.coordinator, dual.id, student.id)).id
    mid = EvaluationInput(dict.fromkeys(RUBRIC, 4), "", "Pace")
    with pytest.raises(NotReady):  # before the midpoint
        await db.evaluations.evaluate(practice.mentor, placement, EvaluationKind.MID, mid)
    clock.advance(timedelta(days=36))
    await db.evaluations.evaluate(practice.mentor, placement, EvaluationKind.MID, mid)
    clock.advance(timedelta(days=35))
    final = await db.evaluations.evaluate(practice.mentor, placement, EvaluationKind.FINAL, FINAL)
    assert final.recommended_mark == 92 and final.signed_at is None
    signed = await db.evaluations.sign(
        practice.mentor, placement, "Айгерім сабақты жақсы жоспарлайды."
    )
    assert signed.characteristic == "Айгерім сабақты жақсы жоспарлайды."
    confirmed = await db.evaluations.confirm(practice.director, placement)
    assert confirmed.confirmed_by == practice.director.id
    [mark] = await db.evaluations.grade(practice.coordinator, {placement: 91})
    assert (mark.mark, mark.letter) == (91, "A−")
    await db.evaluations.rate(student, placement, RATINGS, "Helpful school")
    assert set(await db.evaluations.of(placement)) == {EvaluationKind.MID, EvaluationKind.FINAL}
    assert (await db.evaluations.final_mark(placement)) == mark


async def test_only_the_placements_own_mentor_evaluates(db: Database, practice: Practice) -> None:
    placement = practice.placements[0].id
    for stranger in (practice.other_mentor, practice.director, practice.students[0]):
        with pytest.raises(NotFound):  # the same answer as for a placement that does not exist
            await db.evaluations.evaluate(stranger, placement, EvaluationKind.FINAL, FINAL)
    with pytest.raises(NotFound):
        await db.evaluations.evaluate(practice.mentor, 99_999, EvaluationKind.FINAL, FINAL)
    assert await db.evaluations.of(placement) == {}


async def test_a_second_final_evaluation_changes_nothing(db: Database, practice: Practice) -> None:
    placement = practice.placements[0].id
    first = await db.evaluations.evaluate(practice.mentor, placement, EvaluationKind.FINAL, FINAL)
    other = EvaluationInput(dict.fromkeys(RUBRIC, 2), "Other", "Other", 40)
    with pytest.raises(AlreadySubmitted):
        await db.evaluations.evaluate(practice.mentor, placement, EvaluationKind.FINAL, other)
    assert (await db.evaluations.of(placement))[EvaluationKind.FINAL] == first


async def test_a_director_confirms_only_a_signed_characteristic_of_their_school(
    db: Database, practice: Practice
) -> None:
    placement = practice.placements[0].id
    await db.evaluations.evaluate(practice.mentor, placement, EvaluationKind.FINAL, FINAL)
    with pytest.raises(NotReady):
        await db.evaluations.confirm(practice.director, placement)  # not signed yet
    await db.evaluations.sign(practice.mentor, placement, "Text")
    with pytest.raises(NotFound):
        await db.evaluations.confirm(practice.other_director, placement)
    await db.evaluations.confirm(practice.director, placement)
    with pytest.raises(AlreadySubmitted):
        await db.evaluations.confirm(practice.director, placement)
    with pytest.raises(AlreadySubmitted):
        await db.evaluations.sign(practice.mentor, placement, "Changed after the stamp")


async def test_grading_a_group_is_all_or_nothing(db: Database, practice: Practice) -> None:
    first, second, third, _ = (p.id for p in practice.placements)
    await db.evaluations.grade(practice.coordinator, {first: 70})
    with pytest.raises(AlreadySubmitted):  # a stale list that grades `first` again
        await db.evaluations.grade(practice.coordinator, {second: 80, first: 90, third: 60})
    assert await db.evaluations.final_mark(second) is None
    with pytest.raises(InvalidValue):
        await db.evaluations.grade(practice.coordinator, {second: 101})
    with pytest.raises(NotFound):
        await db.evaluations.grade(practice.mentor, {second: 80})
    marks = await db.evaluations.grade(practice.coordinator, {second: 80, third: 24})
    assert [(m.mark, m.letter) for m in marks] == [(80, "B"), (24, "F")]
    assert (await db.evaluations.final_mark(first)).mark == 70  # type: ignore[union-attr]


async def test_ratings_come_once_from_the_placed_student_and_show_only_in_aggregate(
    db: Database, practice: Practice
) -> None:
    ids = [p.id for p in practice.placements]
    with pytest.raises(NotReady):  # the practice is not graded yet
        await db.evaluations.rate(practice.students[0], ids[0], RATINGS, None)
    await db.evaluations.grade(practice.coordinator, dict.fromkeys(ids, 85))
    with pytest.raises(NotFound):  # someone who was not placed there
        await db.evaluations.rate(practice.students[1], ids[0], RATINGS, None)
    await db.evaluations.rate(practice.students[0], ids[0], RATINGS, None)
    with pytest.raises(AlreadySubmitted):
        await db.evaluations.rate(practice.students[0], ids[0], {**RATINGS, "support": 1}, None)
    await db.evaluations.rate(practice.students[1], ids[1], {**RATINGS, "support": 2}, None)
    assert await db.evaluations.school_feedback(practice.school.id) is None  # two answers
    await db.evaluations.rate(practice.students[2], ids[2], {**RATINGS, "support": 3}, "Fine")
    summary = await db.evaluations.school_feedback(practice.school.id)
    assert summary is not None and summary.responses == 3
    assert summary.school["support"] == 3.0 and summary.mentors["example"] == 4.0


async def test_mydata_shows_the_ending_and_deleteme_keeps_only_the_figures(
    db: Database, practice: Practice
) -> None:
    student, placement = practice.students[0], practice.placements[0].id
    await db.evaluations.evaluate(practice.mentor, placement, EvaluationKind.FINAL, FINAL)
    await db.evaluations.sign(practice.mentor, placement, "Айгерім Бекова сабақты жоспарлайды.")
    await db.evaluations.grade(practice.coordinator, {placement: 88})
    await db.evaluations.rate(student, placement, RATINGS, "Мектеп жақсы қарсы алды")
    data = await db.personal.collect(student)
    assert data["evaluations_of_my_practice"][0]["strengths"] == "Plans lessons well"
    assert data["final_marks"][0]["mark"] == 88
    assert data["my_ratings_of_schools"][0]["comment"] == "Мектеп жақсы қарсы алды"
    await db.personal.erase(student)
    final = (await db.evaluations.of(placement))[EvaluationKind.FINAL]
    assert (final.strengths, final.to_improve, final.characteristic) == ("", "", None)
    assert final.scores == dict.fromkeys(RUBRIC, 5)
    assert (await db.evaluations.final_mark(placement)).mark == 88  # type: ignore[union-attr]
    assert (await db.evaluations.school_feedback(practice.school.id)) is None  # one answer


async def test_the_placements_export_carries_the_final_mark_and_letter(
    db: Database, practice: Practice
) -> None:
    from db.domain.reports import Period, ReportScope
    from db.exports import SHEETS, open_snapshot, table_rows

    graded, ungraded = practice.placements[0].id, practice.placements[1].id
    await db.evaluations.grade(practice.coordinator, {graded: 87})
    sheet = next(sheet for sheet in SHEETS if sheet.key == "placements")
    keys = [column.key for column in sheet.columns]
    year = Period(db.today() - timedelta(days=365), db.today() + timedelta(days=365))
    conn = open_snapshot(db.path)
    try:
        rows = {
            row[0]: dict(zip(keys, row, strict=True))
            for row in table_rows(conn, sheet, ReportScope(), year, db.timezone, "ru")
        }
    finally:
        conn.close()
    assert (rows[graded]["final_mark"], rows[graded]["letter_grade"]) == (87, "B+")
    assert (rows[ungraded]["final_mark"], rows[ungraded]["letter_grade"]) == (None, None)
