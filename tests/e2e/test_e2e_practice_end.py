"""End to end: a whole dual practice is closed, in Kazakh, Russian and English.

A visit, the reminder halfway and the mid-term evaluation, the diary and the report; the
reminder in the last week, the final evaluation and the characteristic, the director's stamp;
the coordinator's grade, the student's rating and the mentor's certificate. Time passes
between the stages by moving the practice's dates while the bot is stopped: the reminders
come from the real scheduler of the restarted process. Every Word file is opened and read.
"""

from __future__ import annotations

import io
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from aiogram.utils.i18n import I18n
from docx import Document

from bot.config import BotSettings
from db import Database
from db.domain.models import OrgKind, Role
from db.domain.placements import OfferInput, PracticeKind
from tests.e2e.process import BotProcess, Person, write_config
from tests.factories import make_member, make_org, make_student, make_university
from tests.fake_telegram import FakeBotAPIServer, FakeTelegram, FakeUser, wait_until
from tests.i18n_helpers import Translator

pytestmark = pytest.mark.e2e
LOCALES = ("kk", "ru", "en")
SCHOOL = (50.4200, 80.2500)
# Telegram ids by locale index: the coordinator, the mentor, the director and the student.
COORDINATOR, MENTOR, DIRECTOR, STUDENT = 700, 710, 720, 730
CHARACTERISTIC_TITLE = {"kk": "МІНЕЗДЕМЕ", "ru": "ХАРАКТЕРИСТИКА", "en": "ХАРАКТЕРИСТИКА"}


async def seed(path: Path) -> None:
    """One school per language, each with a mentor, a director and one student on dual practice."""
    db = await Database.open(path)
    try:
        university = await make_university(db)
        for index, locale in enumerate(LOCALES):
            school = await make_org(
                db, OrgKind.SCHOOL, name=f"№{7 + index} мектеп", latitude=SCHOOL[0],
                longitude=SCHOOL[1],
            )  # fmt: skip
            coordinator = await make_member(
                db, Role.COORDINATOR, university, COORDINATOR + index, locale=locale
            )
            mentor = await make_member(
                db, Role.MENTOR, school, MENTOR + index, name=f"Mentor {locale}", locale=locale
            )
            await make_member(db, Role.DIRECTOR, school, DIRECTOR + index, locale=locale)
            student = await make_student(
                db, STUDENT + index, university, name=f"Student {locale}", locale=locale
            )
            offer = await db.placements.create_offer(
                coordinator,
                OfferInput(
                    school.id, PracticeKind.DUAL, "Информатика", db.today(),
                    db.today() + timedelta(days=69), 1, mentor_ids=(mentor.id,),
                ),
            )  # fmt: skip
            await db.placements.place(coordinator, offer.id, student.id)
    finally:
        await db.close()


def move_practice(path: Path, started_days_ago: int) -> None:
    """Time passes: every offer now began `started_days_ago` days ago and lasts 70 days."""
    today = datetime.now(BotSettings().tz).date()  # the bot's day, not this machine's
    start = today - timedelta(days=started_days_ago)
    with sqlite3.connect(path) as conn:
        conn.execute(
            "UPDATE practice_offers SET starts_on = ?, ends_on = ?",
            (start.isoformat(), (start + timedelta(days=69)).isoformat()),
        )


def people(telegram: FakeTelegram, index: int) -> tuple[Person, Person, Person, Person]:
    return (
        Person(telegram, FakeUser(COORDINATOR + index, "Coordinator")),
        Person(telegram, FakeUser(MENTOR + index, "Mentor")),
        Person(telegram, FakeUser(DIRECTOR + index, "Director")),
        Person(telegram, FakeUser(STUDENT + index, "Student")),
    )


async def button_arrives(telegram: FakeTelegram, person: Person, label: str, what: str) -> None:
    def arrived() -> bool:
        messages = telegram.bot_messages(person.user.id)
        return any(message.find_button(label) is not None for message in messages)

    await wait_until(arrived, timeout=30, what=what)


def word_lines(telegram: FakeTelegram, chat_id: int, name: str) -> list[str]:
    """The paragraphs of the Word file `name` last sent to `chat_id`."""
    for call in reversed(telegram.calls("sendDocument")):
        if int(call.params["chat_id"]) != chat_id:
            continue
        for file_name, content in call.files.values():
            if file_name == name:
                document = Document(io.BytesIO(content))
                cells = [
                    cell.text
                    for table in document.tables
                    for row in table.rows
                    for cell in row.cells
                ]
                return [paragraph.text for paragraph in document.paragraphs] + cells
    raise AssertionError(f"no {name} sent to {chat_id}")


async def first_half(telegram: FakeTelegram, i18n: I18n, index: int, locale: str) -> None:
    t = Translator(i18n, locale)
    _, mentor, _, student = people(telegram, index)
    await button_arrives(telegram, mentor, t("📋 Evaluate"), f"the {locale} mid-term reminder")
    await mentor.send("/visit")
    await mentor.send("Бөлшектер")
    await mentor.send("5Б")
    for score in "54435":
        await mentor.press(score)
    await mentor.send("Жарайсың!")
    await mentor.send_update(telegram.location_update(mentor.user, SCHOOL[0], SCHOOL[1]))
    await mentor.press(t("✅ Save"))
    form = telegram.last_message_with_button(mentor.user.id, t("📋 Evaluate"))
    await mentor.press(t("📋 Evaluate"), message=form)
    for score in "44354453":  # the reminder became the form; the visit's old one is above it
        await mentor.press(score, message=form)
    saved = await mentor.send("Сабақтың қарқыны / темп урока")
    assert saved.text == t("Saved. The student sees your mid-term evaluation.")
    heading = t("📋 Your mentor's mid-term evaluation:")
    await wait_until(
        lambda: any(text.startswith(heading) for text in texts(telegram, student.user.id)),
        what=f"the {locale} student's mid-term evaluation",
    )
    await student.send("/diary")
    await student.press(t("✍️ Today"))
    await student.send("Провела два урока в 5Б")
    diary = await student.send("Групповая работа удалась")
    assert "Групповая работа удалась" in (diary.text or "")
    await student.send("/report")
    uploaded = await student.send_update(
        telegram.document_update(student.user, f"report-{locale}.pdf", b"%PDF-1.4 report")
    )
    assert f"report-{locale}.pdf" in (uploaded.text or "")


async def last_week(telegram: FakeTelegram, i18n: I18n, index: int, locale: str) -> None:
    t = Translator(i18n, locale)
    _, mentor, director, _ = people(telegram, index)
    await button_arrives(telegram, mentor, t("🏁 Evaluate"), f"the {locale} final reminder")
    form = telegram.last_message_with_button(mentor.user.id, t("🏁 Evaluate"))
    await mentor.press(t("🏁 Evaluate"), message=form)
    assert t("Final evaluation") in (form.text or "")
    for score in "54435544":
        await mentor.press(score, message=form)
    await mentor.send("Сабақты мұқият жоспарлайды")
    await mentor.send("Уақытты бөлу")
    draft = await mentor.send("92")
    assert "92 (A−)" in (draft.text or "")
    await mentor.press(t("✍️ Sign"))
    await button_arrives(telegram, director, t("✅ Confirm"), f"the {locale} director's request")
    await director.press(t("✅ Confirm"))
    name = f"characteristic-{index + 1}.docx"
    await wait_until(
        lambda: any(
            name in [file for file, _ in call.files.values()]
            for call in telegram.calls("sendDocument")
        ),
        what=f"the {locale} characteristic",
    )
    lines = word_lines(telegram, director.user.id, name)
    assert lines[0] == CHARACTERISTIC_TITLE[locale]
    assert any("Сабақты мұқият жоспарлайды" in line for line in lines)


async def after_the_end(telegram: FakeTelegram, i18n: I18n, index: int, locale: str) -> None:
    t = Translator(i18n, locale)
    coordinator, mentor, _, student = people(telegram, index)
    listing = await coordinator.send("/grade")
    assert f"Student {locale}" in (listing.text or "")
    waiting = len(LOCALES) - index  # the earlier languages' coordinators graded theirs
    marks = " ".join(["92"] + ["-"] * (waiting - 1))
    await coordinator.send(marks)
    assert f"Student {locale} — 92 (A−)" in "\n".join(texts(telegram, coordinator.user.id))
    sheet = word_lines(telegram, coordinator.user.id, "grade-sheet.docx")
    assert sheet[0] == t("GRADE SHEET") and f"Student {locale}" in sheet

    await button_arrives(
        telegram, student, t("⭐ Rate the school and the mentor"), f"the {locale} grade"
    )
    await student.press(t("⭐ Rate the school and the mentor"))
    for _ in range(6):
        await student.press("4")
    thanks = await student.press(t("Skip ▶️"))
    assert thanks.text

    certificate = t("📄 Certificate of mentoring")
    await button_arrives(telegram, mentor, certificate, f"the {locale} mentor's certificate")
    await mentor.press(certificate)
    await wait_until(
        lambda: any(
            int(call.params["chat_id"]) == mentor.user.id for call in telegram.calls("sendDocument")
        ),
        what=f"the {locale} certificate",
    )
    lines = word_lines(telegram, mentor.user.id, f"certificate-{index + 1}.docx")
    assert lines[0] == Translator(i18n, "kk" if locale == "kk" else "ru")(
        "CERTIFICATE OF MENTORING"
    )
    assert any(f"Mentor {locale}" in line and f"Student {locale}" in line for line in lines)


def texts(telegram: FakeTelegram, chat_id: int) -> list[str]:
    return [message.text or "" for message in telegram.bot_messages(chat_id)]


async def test_a_whole_practice_is_closed_in_each_language(
    server: tuple[FakeTelegram, FakeBotAPIServer], tmp_path: Path, i18n: I18n
) -> None:
    telegram, api = server
    database = tmp_path / "seriktes.db"
    await seed(database)
    bot = BotProcess(write_config(tmp_path, api.base_url), tmp_path / "bot.log")
    stages = ((35, first_half), (66, last_week), (70, after_the_end))
    for started_days_ago, stage in stages:
        move_practice(database, started_days_ago)
        await bot.start(telegram)
        try:
            for index, locale in enumerate(LOCALES):
                await stage(telegram, i18n, index, locale)
        finally:
            assert await bot.stop() == 0, bot.log_text()
    assert "Traceback" not in bot.log_text()
    with sqlite3.connect(database) as conn:
        marks = conn.execute("SELECT count(*) FROM final_marks").fetchone()[0]
        ratings = conn.execute("SELECT count(*) FROM placement_ratings").fetchone()[0]
        reminders = conn.execute("SELECT kind, count(*) FROM practice_reminders GROUP BY kind")
        assert (marks, ratings) == (3, 3)
        assert dict(reminders.fetchall()) == {"mid_due": 3, "final_due": 3}
