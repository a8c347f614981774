"""End to end: a placement round of 30 students and 6 offers in Kazakh, Russian and English.

The coordinator opens it in the chat; every student ranks three offers by taps; the deadline
passes while the bot is stopped, and the restarted process's own scheduler closes the round;
the coordinator reads the preview, publishes, and everyone hears their result once.
"""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiogram.utils.i18n import I18n

from db import Database
from db.domain.models import OrgKind, Role
from db.timeutil import to_db
from tests.e2e.process import BotProcess, Person, write_config
from tests.factories import make_member, make_offer, make_org, make_student, make_university
from tests.fake_telegram import FakeBotAPIServer, FakeTelegram, FakeUser, wait_until
from tests.i18n_helpers import Translator

pytestmark = pytest.mark.e2e

STUDENTS = 30
LOCALES = ("kk", "ru", "en")
PLACES = (6, 5, 4, 3, 3, 2)  # 23 places for 30 students
COORDINATOR, DIRECTORS, FIRST_STUDENT = 901, (902, 903), 910


def student_locale(index: int) -> str:
    return LOCALES[index % 3]


async def seed(path: Path) -> None:
    db = await Database.open(path)
    try:
        university = await make_university(db)
        schools = [
            await make_org(db, OrgKind.SCHOOL, name=name) for name in ("№7 мектеп", "№12 гимназия")
        ]
        await make_member(db, Role.COORDINATOR, university, COORDINATOR, "Анна", locale="ru")
        directors = [
            await make_member(db, Role.DIRECTOR, school, telegram_id, "Әсел", locale="kk")
            for school, telegram_id in zip(schools, DIRECTORS, strict=True)
        ]
        subjects = ("Математика", "Информатика", "Физика", "Химия", "Тарих", "Биология")
        for index, (places, subject) in enumerate(zip(PLACES, subjects, strict=True)):
            await make_offer(
                db, directors[index % 2], schools[index % 2], places=places, subject=subject
            )
        for index in range(STUDENTS):
            await make_student(
                db, FIRST_STUDENT + index, university, f"Студент {index}", student_locale(index)
            )
    finally:
        await db.close()


def preferences(index: int) -> list[int]:
    """Three offers (1–6), the popular ones more wanted: the same list on every run."""
    chooser = random.Random(index)
    return chooser.sample(range(1, 7), k=3) if index % 4 else [1, 2, 3]


def unplaced_students(database: Path) -> set[int]:
    with sqlite3.connect(database) as conn:
        rows = conn.execute(
            "SELECT u.telegram_id FROM round_results r JOIN users u ON u.id = r.student_id"
            " WHERE r.offer_id IS NULL"
        ).fetchall()
    return {telegram_id - FIRST_STUDENT for (telegram_id,) in rows}


def texts(telegram: FakeTelegram, chat_id: int) -> list[str]:
    return [m.text or "" for m in telegram.bot_messages(chat_id)]


async def test_a_placement_round_end_to_end(
    server: tuple[FakeTelegram, FakeBotAPIServer], tmp_path: Path, i18n: I18n
) -> None:
    telegram, api = server
    database = tmp_path / "seriktes.db"
    await seed(database)
    bot = BotProcess(write_config(tmp_path, api.base_url), tmp_path / "bot.log")
    ru = Translator(i18n, "ru")
    coordinator = Person(telegram, FakeUser(COORDINATOR, "Анна", language_code="ru"))
    students = [Person(telegram, FakeUser(FIRST_STUDENT + i, f"S{i}")) for i in range(STUDENTS)]
    deadline = datetime.now(UTC) + timedelta(days=2)
    await bot.start(telegram)
    try:
        await coordinator.send("/rounds")
        await coordinator.press(ru("➕ New round"))
        await coordinator.press(ru("pedagogical practice").capitalize())
        await coordinator.send("3")
        await coordinator.press(ru("All programmes ▶️"))
        await coordinator.send(deadline.strftime("%d.%m.%Y") + " 23:00")
        confirm = await coordinator.press(ru("🎲 A lottery"))
        assert (
            ru.plural(
                "It covers {n} open offer that starts after the deadline",
                "It covers {n} open offers that start after the deadline",
                6,
            )
            in confirm.text
        )
        card = await coordinator.press(ru("✅ Open the round"))
        assert ru("Ranked their choices: {ranked} of {cohort}", ranked=0, cohort=30) in card.text

        for index, student in enumerate(students):
            t = Translator(i18n, student_locale(index))
            await wait_until(
                lambda chat=FIRST_STUDENT + index: any(
                    text.startswith("🗳") for text in texts(telegram, chat)
                ),
                what="the round's invitation",
            )
            view = await student.press(t("🗳 Rank the offers"))
            assert t("You have not ranked any offer yet.") in view.text
            for number in preferences(index):
                view = await student.press(f"➕ {number}")
            assert t("<b>Your choices</b>:") in view.text
    finally:
        assert await bot.stop() == 0, bot.log_text()

    with sqlite3.connect(database) as conn:  # the deadline passes while the bot is stopped
        conn.execute(
            "UPDATE placement_rounds SET deadline_at = ?",
            (to_db(datetime.now(UTC) - timedelta(minutes=1)),),
        )
    ready = ru(
        "🗳 Ranking in round #{id} has closed. The allocation is ready for you to check and"
        " publish.",
        id=1,
    )
    await bot.start(telegram)
    try:
        await wait_until(
            lambda: ready in texts(telegram, COORDINATOR), what="the deadline job", timeout=30
        )
        card = await coordinator.press(ru("🗳 Open the round"))
        with sqlite3.connect(database) as conn:
            unplaced = conn.execute(
                "SELECT count(*) FROM round_results WHERE offer_id IS NULL"
            ).fetchone()[0]
        assert unplaced >= STUDENTS - sum(PLACES)
        assert ru.plural("Unplaced: {n} student.", "Unplaced: {n} students.", unplaced) in card.text
        await coordinator.press(ru("✅ Publish the result"))
        await coordinator.press(ru("✅ Yes, publish"))
        for index in range(STUDENTS):
            told = Translator(i18n, student_locale(index))("🗳 Placement round result.")
            await wait_until(
                lambda chat=FIRST_STUDENT + index, result=told: any(
                    result in text for text in texts(telegram, chat)
                ),
                what=f"student {index}'s result",
            )
        for director in DIRECTORS:
            await wait_until(
                lambda chat=director: any("🗳" in text for text in texts(telegram, chat)),
                what="the directors' summary",
            )
    finally:
        assert await bot.stop() == 0, bot.log_text()

    for index in range(STUDENTS):
        t = Translator(i18n, student_locale(index))
        told = [
            text
            for text in texts(telegram, FIRST_STUDENT + index)
            if t("🗳 Placement round result.") in text
        ]
        assert len(told) == 1, f"student {index} is told once: {told}"
        assert ("/offers" in told[0]) == (index in unplaced_students(database))
    with sqlite3.connect(database) as conn:
        approved = conn.execute(
            "SELECT count(*) FROM applications WHERE status = 'approved'"
        ).fetchone()[0]
    assert approved == STUDENTS - unplaced
    log = bot.log_text()
    assert "Traceback" not in log, log
