"""The end of practice around the final evaluation: the mid-term evaluation, the diary and the
report, the reminders, the documents, and the students' feedback in /stats."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from aiogram.utils.i18n import I18n
from docx import Document

from db import Database, ManualClock
from db.domain.evaluations import (
    MENTOR_ASPECTS,
    RUBRIC,
    SCHOOL_ASPECTS,
    EvaluationInput,
    EvaluationKind,
)
from db.domain.models import Role
from db.domain.practice_log import Activity
from tests.factories import Placed, make_member, make_placements
from tests.fake_telegram import ChatMessage, FakeUser
from tests.harness import ChatDriver
from tests.i18n_helpers import Translator

TEN_WEEKS = 69  # longer than the default six weeks: the practice has a mid-term evaluation
WEEKS = 6
MENTOR, DIRECTOR, OTHER_MENTOR, COORDINATOR = (
    FakeUser(2, "Mentor"),
    FakeUser(3, "Director"),
    FakeUser(5, "Other mentor"),
    FakeUser(1, "Coordinator"),
)
FINAL = EvaluationInput(dict.fromkeys(RUBRIC, 5), "Plans lessons well", "Pace", 92)


async def school_staff(db: Database, placed: Placed, locale: str) -> None:
    await make_member(db, Role.DIRECTOR, placed.school, 3, locale=locale)
    await make_member(db, Role.MENTOR, placed.school, 5, locale=locale)


def message_about(chat: ChatDriver, user: FakeUser, name: str, label: str) -> ChatMessage:
    """The latest message to `user` that names `name` and has a button `label`."""
    for message in reversed(chat.telegram.bot_messages(user.id)):
        if name in message.text and message.find_button(label) is not None:
            return message
    raise AssertionError(f"no message about {name!r} with {label!r}")


@pytest.mark.parametrize("locale", ["kk", "ru", "en"])
async def test_the_mentor_is_asked_halfway_and_the_student_sees_the_mid_term(
    chat: ChatDriver, db: Database, clock: ManualClock, i18n: I18n, locale: str
) -> None:
    t = Translator(i18n, locale)
    placed = await make_placements(db, locale, (locale, locale), days=TEN_WEEKS)
    await school_staff(db, placed, locale)
    first = placed.placements[0]
    clock.advance(timedelta(days=20))  # the practice runs, its midpoint is still ahead
    assert await db.evaluations.remind_due(WEEKS) == 0
    early = await chat.send(MENTOR, "/evaluate")
    assert "Студент 0" not in early.text
    clock.advance(timedelta(days=16))
    assert await db.evaluations.remind_due(WEEKS) == 2  # one per student
    assert await db.evaluations.remind_due(WEEKS) == 0  # and only once
    await chat.deliver()
    asked = message_about(chat, MENTOR, "Студент 0", t("📋 Evaluate"))
    step = await chat.press(MENTOR, t("📋 Evaluate"), asked)
    assert t("Mid-term evaluation") in step.text and "Студент 0" in step.text
    for score in ("4", "4", "3", "5", "4", "4", "5", "3"):
        ask = await chat.press(MENTOR, score)
    assert ask.text == t("What should the student improve in the second half of the practice?")
    saved = await chat.send(MENTOR, "Сабақтың қарқыны")
    assert saved.text == t("Saved. The student sees your mid-term evaluation.")
    mid = (await db.evaluations.of(first))[EvaluationKind.MID]
    assert list(mid.scores.values()) == [4, 4, 3, 5, 4, 4, 5, 3] and mid.strengths == ""
    await chat.deliver()
    student = FakeUser(10, "Студент 0")
    told = chat.telegram.last_bot_message(student.id).text
    assert t("📋 Your mentor's mid-term evaluation:") in told
    assert t("To improve: {text}", text="Сабақтың қарқыны") in told
    card = await chat.send(student, "/progress")
    assert t("📋 <b>Mid-term evaluation</b>") in card.text
    assert "Сабақтың қарқыны" in card.text
    await chat.press_data(MENTOR, f"fe:mid:{first}")  # the reminder's button, again
    assert chat.last_answer()["text"] == t("The mid-term evaluation is not open for this student.")
    await chat.send(OTHER_MENTOR, "/menu")
    await chat.press_data(OTHER_MENTOR, f"fe:mid:{placed.placements[1]}")  # not their student
    assert chat.last_answer()["show_alert"] is True
    assert await db.evaluations.of(placed.placements[1]) == {}


async def test_a_short_practice_has_no_mid_term(
    chat: ChatDriver, db: Database, clock: ManualClock, i18n: I18n
) -> None:
    placed = await make_placements(db, "ru", ("ru",))
    clock.advance(timedelta(days=15))  # the midpoint of four weeks
    assert await db.evaluations.remind_due(WEEKS) == 0
    await chat.send(MENTOR, "/menu")
    await chat.press_data(MENTOR, f"fe:mid:{placed.placements[0]}")
    assert chat.last_answer()["show_alert"] is True
    assert await db.evaluations.of(placed.placements[0]) == {}


@pytest.mark.parametrize("locale", ["kk", "ru"])
async def test_the_student_keeps_a_diary_and_uploads_the_report_the_mentor_reads_both(
    chat: ChatDriver, db: Database, clock: ManualClock, i18n: I18n, locale: str
) -> None:
    t = Translator(i18n, locale)
    placed = await make_placements(db, locale, (locale,))
    await school_staff(db, placed, locale)
    placement = placed.placements[0]
    student = FakeUser(10, "Студент 0")
    clock.advance(timedelta(days=3))
    person = await db.users.by_telegram_id(student.id)
    assert person is not None
    await db.practice.log_hours(person, db.today() - timedelta(days=1), 4, Activity.TAUGHT)
    diary = await chat.send(student, "/diary")
    assert t("{hours} h", hours=4) in diary.text and t("not written yet") in diary.text
    await chat.press(student, t("✍️ Today"))
    await chat.send(student, "5Б сыныбында бөлшектер тақырыбына сабақ бердім")
    reflection = chat.telegram.last_bot_message(student.id)
    assert reflection.text == t("A short reflection: what worked, what would you do differently?")
    saved = await chat.send(student, "Топтық жұмыс жақсы өтті, уақыт жетпеді")
    assert saved.text.startswith(t("Saved."))
    assert "Топтық жұмыс жақсы өтті" in saved.text
    entry = await db.diary.entry(placement, db.today())
    assert entry is not None and entry.did.startswith("5Б сыныбында")

    await chat.send(student, "/report")
    refused = await chat.send(student, "here it is")
    assert refused.text == t("The report must be a PDF or Word file (.pdf, .doc, .docx).")
    await chat.feed(chat.telegram.document_update(student, "report.exe", b"MZ", "application/pdf"))
    assert chat.telegram.last_bot_message(student.id).text == refused.text
    await chat.feed(chat.telegram.document_update(student, "Есеп.pdf", b"%PDF-1.4 report"))
    assert chat.telegram.last_bot_message(student.id).text == t(
        "Report saved: {name}. Your mentor and the practice supervisor can open it.",
        name="Есеп.pdf",
    )
    report = await db.diary.report(placement)
    assert report is not None and report.file.mime_type == "application/pdf"
    await chat.deliver()
    told = chat.telegram.last_bot_message(MENTOR.id)
    assert told.text == t(
        "📎 {student} uploaded the practice report: {name}", student="Студент 0", name="Есеп.pdf"
    )
    assert t("📎 Report") in told.button_labels()

    await chat.send(MENTOR, "/progress")
    card = await chat.press(MENTOR, "1")
    assert t("Report: {name}", name="Есеп.pdf") in card.text
    assert t.plural("Diary: {n} day written", "Diary: {n} days written", 1) in card.text
    await chat.press(MENTOR, t("📎 Report"))
    sent = chat.telegram.calls("sendDocument")[-1]
    assert (sent.params["chat_id"], sent.params["document"]) == (MENTOR.id, report.file.file_id)
    read = await chat.press(MENTOR, t("📓 Diary"))
    assert "Топтық жұмыс жақсы өтті" in read.text
    assert t("✍️ Today") not in read.button_labels()  # the mentor reads, does not write

    await chat.send(OTHER_MENTOR, "/menu")
    await chat.press_data(OTHER_MENTOR, f"pd:report:{placement}")
    assert chat.last_answer()["show_alert"] is True
    await chat.press_data(OTHER_MENTOR, f"dy:page:{placement}:0")
    assert chat.last_answer()["show_alert"] is True
    await chat.press_data(MENTOR, f"dy:write:{placement}:{db.today().toordinal()}")
    assert chat.last_answer()["show_alert"] is True  # only the student writes
    before = await db.diary.count(placement)
    await chat.press_data(student, f"dy:write:{placement}:{2**31 - 1}")  # no such day exists
    assert chat.last_answer()["text"] == t("This button is out of date. Send /menu to start again.")
    assert await db.diary.count(placement) == before


async def test_nothing_changes_in_the_diary_after_the_mark(
    chat: ChatDriver, db: Database, clock: ManualClock, i18n: I18n
) -> None:
    t = Translator(i18n, "ru")
    placed = await make_placements(db, "ru", ("ru",))
    student = FakeUser(10, "Студент 0")
    clock.advance(timedelta(days=27))
    await chat.send(student, "/diary")
    await chat.press(student, t("✍️ Today"))
    clock.advance(timedelta(days=3))
    await db.evaluations.grade(placed.coordinator, {placed.placements[0]: 80})
    await chat.send(student, "Провела урок")
    answer = await chat.send(student, "Всё получилось")
    assert answer.text == t("The practice is graded; its diary and report can no longer change.")
    assert await db.diary.count(placed.placements[0]) == 0


@pytest.mark.parametrize("locale", ["kk", "ru", "en"])
async def test_reminders_reach_the_right_people_once(
    chat: ChatDriver, db: Database, clock: ManualClock, i18n: I18n, locale: str
) -> None:
    t = Translator(i18n, locale)
    placed = await make_placements(db, locale, (locale, locale))
    await school_staff(db, placed, locale)
    first = placed.placements[0]
    clock.advance(timedelta(days=21))
    assert await db.evaluations.remind_due(WEEKS) == 0  # a week and a day before the end
    clock.advance(timedelta(days=1))
    assert await db.evaluations.remind_due(WEEKS) == 2  # the last week: the final evaluation
    await db.evaluations.evaluate(placed.mentor, first, EvaluationKind.FINAL, FINAL)
    await db.evaluations.sign(placed.mentor, first, "Жақсы студент.")
    await chat.deliver()
    asked = chat.texts(MENTOR)
    assert any(
        t(
            "⏰ The practice of {student} ends within a week: please give your final evaluation"
            " and sign the characteristic.",
            student="Студент 1",
        )
        == text
        for text in asked
    )
    clock.advance(timedelta(days=3))  # the director has not confirmed for three days
    assert await db.evaluations.remind_due(WEEKS) == 1
    await chat.deliver()
    assert "Жақсы студент." in chat.telegram.last_bot_message(DIRECTOR.id).text
    await chat.press(DIRECTOR, t("✅ Confirm"))
    clock.advance(timedelta(days=11))  # a week after the end, nothing graded
    assert await db.evaluations.remind_due(WEEKS) == 2
    assert await db.evaluations.remind_due(WEEKS) == 0
    await chat.deliver()
    ungraded = chat.telegram.last_bot_message(COORDINATOR.id).text
    assert ungraded == t.plural(
        "⏰ {count} practice ended more than a week ago and has no mark yet: /grade",
        "⏰ {count} practices ended more than a week ago and have no mark yet: /grade",
        2,
        count=2,
    )  # both placements, in one message


@pytest.mark.parametrize("locale", ["kk", "ru"])
async def test_the_documents_of_a_closed_practice(
    chat: ChatDriver, db: Database, clock: ManualClock, i18n: I18n, locale: str
) -> None:
    t = Translator(i18n, locale)
    placed = await make_placements(db, locale, (locale,))
    await school_staff(db, placed, locale)
    placement = placed.placements[0]
    student = await db.users.by_telegram_id(10)
    director = await db.users.by_telegram_id(DIRECTOR.id)
    assert student is not None and director is not None
    clock.advance(timedelta(days=5))
    entry = await db.practice.log_hours(student, db.today(), 6, Activity.TAUGHT)
    await db.practice.review_hours(placed.mentor, entry.id, True)
    clock.advance(timedelta(days=25))
    await db.evaluations.evaluate(placed.mentor, placement, EvaluationKind.FINAL, FINAL)
    await db.evaluations.sign(placed.mentor, placement, "Жақсы студент.")
    await db.evaluations.confirm(director, placement)
    await db.evaluations.grade(placed.coordinator, {placement: 92})
    await chat.deliver()
    await chat.press(MENTOR, t("📄 Certificate of mentoring"))
    sent = chat.telegram.calls("sendDocument")[-1]
    [(name, content)] = sent.files.values()
    assert (sent.params["chat_id"], name) == (MENTOR.id, f"certificate-{placement}.docx")
    lines = [paragraph.text for paragraph in Document(io.BytesIO(content)).paragraphs]
    assert lines[0] == t("CERTIFICATE OF MENTORING")
    assert any("Гүлнар Сапарова" in line and "6" in line for line in lines)

    await chat.send(COORDINATOR, "/menu")
    card = await chat.press_data(COORDINATOR, f"pg:app:{placement}")
    assert t("🎓 Final mark: {mark} out of 100 ({letter})", mark=92, letter="A−") in card.text
    await chat.press(COORDINATOR, t("📄 Evaluation sheet"))
    [(name, content)] = chat.telegram.calls("sendDocument")[-1].files.values()
    sheet = Document(io.BytesIO(content))
    assert sheet.paragraphs[0].text == t("EVALUATION SHEET")
    rows = [[cell.text for cell in row.cells] for row in sheet.tables[0].rows]
    assert rows[0] == [t("Criterion"), t("Mid-term"), t("Final")]
    assert len(rows) == 1 + len(RUBRIC) and all(row[1:] == ["—", "5"] for row in rows[1:])

    await chat.send(FakeUser(10, "Студент 0"), "/menu")
    await chat.press_data(FakeUser(10, "Студент 0"), f"pd:certificate:{placement}")
    assert chat.last_answer()["show_alert"] is True  # the mentor's, not the student's


async def test_feedback_per_school_in_stats_only_from_three_answers(
    chat: ChatDriver, db: Database, clock: ManualClock, i18n: I18n
) -> None:
    t = Translator(i18n, "ru")
    placed = await make_placements(db, "ru", ("ru",) * 3)
    await school_staff(db, placed, "ru")
    clock.advance(timedelta(days=30))
    await db.evaluations.grade(placed.coordinator, dict.fromkeys(placed.placements, 85))
    ratings = dict.fromkeys(SCHOOL_ASPECTS, 4) | dict.fromkeys(MENTOR_ASPECTS, 5)
    for index, placement in enumerate(placed.placements[:2]):
        student = await db.users.by_telegram_id(10 + index)
        assert student is not None
        await db.evaluations.rate(student, placement, ratings, None)

    async def feedback_after_stats(viewer: FakeUser) -> str:
        """The feedback message that follows the report's summary, or "" when none came."""
        await chat.send(viewer, "/stats")
        sent_before = len(chat.texts(viewer))
        await chat.press(viewer, t("This month"))
        heading = t("⭐ <b>Students' feedback on schools and mentors</b>")
        after = chat.texts(viewer)[sent_before:]
        return next((text for text in after if text.startswith(heading)), "")

    two = await feedback_after_stats(COORDINATOR)
    assert t("Not enough answers in this period yet.") in two
    third = await db.users.by_telegram_id(12)
    assert third is not None
    await db.evaluations.rate(third, placed.placements[2], ratings, "Спасибо школе")
    three = await feedback_after_stats(COORDINATOR)
    assert "№7 мектеп" in three
    assert t.plural("{n} answer", "{n} answers", 3) in three
    assert "Спасибо школе" not in three  # comments are never shown
    assert await feedback_after_stats(DIRECTOR) == ""  # the rated school's own director
