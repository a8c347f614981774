"""/grade: a supervisor grades a finished practice for a whole list in one message."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from aiogram.utils.i18n import I18n
from docx import Document

from db import Database, ManualClock
from db.domain.evaluations import RUBRIC, EvaluationInput, EvaluationKind
from tests.factories import make_placements
from tests.fake_telegram import FakeUser
from tests.harness import ChatDriver
from tests.i18n_helpers import Translator


async def finished(db: Database, clock: ManualClock, locale: str) -> list[int]:
    placed = await make_placements(db, locale, (locale,) * 3)
    clock.advance(timedelta(days=30))  # the practice has ended
    final = EvaluationInput(dict.fromkeys(RUBRIC, 5), "Plans well", "Pace", 92)
    await db.evaluations.evaluate(placed.mentor, placed.placements[0], EvaluationKind.FINAL, final)
    return placed.placements


@pytest.mark.parametrize("locale", ["kk", "ru", "en"])
async def test_a_list_is_graded_in_one_message_and_the_students_are_told(
    chat: ChatDriver, db: Database, clock: ManualClock, i18n: I18n, locale: str
) -> None:
    t = Translator(i18n, locale)
    placements = await finished(db, clock, locale)
    coordinator = FakeUser(1, "Coordinator")
    listing = await chat.send(coordinator, "/grade")
    assert "Студент 0" in listing.text and "Студент 2" in listing.text
    assert t("mentor's recommended mark: {mark}", mark=92) in listing.text
    assert t("⚠️ no final evaluation from the mentor yet") in listing.text  # the warning
    wrong = await chat.send(coordinator, "88 75")
    assert wrong.text == t.plural(
        "Please send exactly {count} mark (or {skip}), one for each student in the list.",
        "Please send exactly {count} marks (or {skip}), one for each student in the list.",
        3,
        count=3,
        skip="-",
    )
    over = await chat.send(coordinator, "88 101 -")
    assert over.text == t(
        "A mark is a whole number from 0 to {max}, or {skip} to skip a student.", max=100, skip="-"
    )
    assert await db.evaluations.final_mark(placements[0]) is None  # nothing saved yet
    await chat.send(coordinator, "91\n-\n24")
    *_, saved, _sheet = chat.telegram.bot_messages(1)  # the summary, then the grade sheet
    assert t("Saved, and the students are told:") in (saved.text or "")
    assert "91 (A−)" in (saved.text or "") and "24 (F)" in (saved.text or "")
    assert (await db.evaluations.final_mark(placements[2])).letter == "F"  # type: ignore[union-attr]
    [(name, content)] = chat.telegram.calls("sendDocument")[-1].files.values()
    assert name == "grade-sheet.docx"
    [table] = Document(io.BytesIO(content)).tables
    assert [cell.text for cell in table.rows[1].cells] == ["1", "Студент 0", "91", "A−"]
    assert [cell.text for cell in table.rows[2].cells] == ["2", "Студент 2", "24", "F"]
    assert await db.evaluations.final_mark(placements[1]) is None  # skipped
    await chat.deliver()
    told = chat.texts(FakeUser(10, "S"))[-1]
    assert told == t(
        "🎓 Your practice at {school} is graded: {mark} out of 100 ({letter}).",
        school="№7 мектеп",
        mark=91,
        letter="A−",
    )
    again = await chat.send(coordinator, "/grade")
    assert "Студент 1" in again.text and "Студент 0" not in again.text  # only the skipped one


async def test_a_stale_list_changes_nothing(
    chat: ChatDriver, db: Database, clock: ManualClock, i18n: I18n
) -> None:
    t = Translator(i18n, "ru")
    placements = await finished(db, clock, "ru")
    coordinator = FakeUser(1, "Coordinator")
    await chat.send(coordinator, "/grade")
    admin_meanwhile = await db.users.by_telegram_id(1)
    assert admin_meanwhile is not None
    await db.evaluations.grade(admin_meanwhile, {placements[0]: 70})
    answer = await chat.send(coordinator, "90 80 60")
    assert t("Some of these were graded meanwhile, so nothing was saved. The list now:") in (
        answer.text
    )
    assert await db.evaluations.final_mark(placements[1]) is None
    assert (await db.evaluations.final_mark(placements[0])).mark == 70  # type: ignore[union-attr]


async def test_only_a_supervisor_may_grade(
    chat: ChatDriver, db: Database, clock: ManualClock, i18n: I18n
) -> None:
    await finished(db, clock, "kk")
    mentor = FakeUser(2, "Mentor")
    answer = await chat.send(mentor, "/grade")
    assert "Студент" not in answer.text
    assert await db.evaluations.to_grade(10)  # still all waiting


@pytest.mark.parametrize("locale", ["kk", "ru", "en"])
async def test_the_student_rates_the_school_and_the_mentor_once(
    chat: ChatDriver, db: Database, clock: ManualClock, i18n: I18n, locale: str
) -> None:
    t = Translator(i18n, locale)
    placements = await finished(db, clock, locale)
    coordinator = FakeUser(1, "Coordinator")
    await chat.send(coordinator, "/grade")
    await chat.send(coordinator, "91 80 75")
    await chat.deliver()
    students = [FakeUser(10 + index, "S", language_code=locale) for index in range(3)]
    for student, comment in zip(students, ("Жақсы мектеп", None, None), strict=True):
        await chat.press(student, t("⭐ Rate the school and the mentor"))
        for point in ("5", "4", "3", "5", "4", "3"):
            await chat.press(student, point)
        if comment:
            done = await chat.send(student, comment)
        else:
            done = await chat.press(student, t("Skip ▶️"))
            done = chat.telegram.bot_messages(student.id)[-1]
        assert t(
            "Thank you. Your answers are shown only together with other students' answers,"
            " never on their own."
        ) in (done.text or "")
    await chat.press_data(students[0], f"rt:start:{placements[0]}")  # the old button again
    assert chat.last_answer()["text"] == t("You have already rated this practice.")
    forged = f"rt:start:{placements[1]}"  # another student's placement
    await chat.press_data(students[0], forged)
    assert chat.last_answer()["show_alert"] is True
    school = await db.placements.offer((await db.placements.application(placements[0])).offer_id)  # type: ignore[union-attr]
    summary = await db.evaluations.school_feedback(school.organization_id)  # type: ignore[union-attr]
    assert summary is not None and summary.responses == 3
    assert summary.school == {"conditions": 5.0, "support": 4.0, "workload": 3.0}
