"""End to end: a director publishes, three students compete for two places, the waiting list
moves after a withdrawal, a mentor is assigned, and everyone hears of it in their language."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from aiogram.utils.i18n import I18n

from db import Database
from db.domain.models import OrgKind, Role
from tests.e2e.process import BotProcess, Person, write_config
from tests.factories import make_member, make_org, make_student, make_university
from tests.fake_telegram import FakeBotAPIServer, FakeTelegram, FakeUser, wait_until
from tests.i18n_helpers import Translator

pytestmark = pytest.mark.e2e

STUDENT_LOCALES = ("en", "ru", "kk")


async def seed(path: Path) -> str:
    db = await Database.open(path)
    try:
        university = await make_university(db)
        school = await make_org(
            db, OrgKind.SCHOOL, name="№7 мектеп-гимназия", address="Глинки к., 20"
        )
        await make_member(
            db, Role.COORDINATOR, university, 801, name="Координатор Анна", locale="ru"
        )
        await make_member(db, Role.DIRECTOR, school, 802, name="Директор Әсел", locale="kk")
        await make_member(db, Role.MENTOR, school, 803, name="Тәлімгер Гүлнар", locale="kk")
        for index, locale in enumerate(STUDENT_LOCALES):
            await make_student(
                db, 810 + index, university, name=f"Student {locale.upper()}", locale=locale
            )
        start = db.today() + timedelta(days=20)
        return start.strftime("%d.%m.%Y")
    finally:
        await db.close()


def has_message(telegram: FakeTelegram, chat_id: int, text: str) -> bool:
    return any(text in (m.text or m.caption or "") for m in telegram.bot_messages(chat_id))


async def test_placements_end_to_end(
    server: tuple[FakeTelegram, FakeBotAPIServer], tmp_path: Path, i18n: I18n
) -> None:
    telegram, api = server
    start = await seed(tmp_path / "seriktes.db")
    bot = BotProcess(write_config(tmp_path, api.base_url), tmp_path / "bot.log")
    kk, ru = Translator(i18n, "kk"), Translator(i18n, "ru")
    director = Person(telegram, FakeUser(802, "Әсел", language_code="kk"))
    coordinator = Person(telegram, FakeUser(801, "Анна", language_code="ru"))
    mentor_id = 803
    students = [Person(telegram, FakeUser(810 + i, f"S{i}")) for i in range(3)]
    await bot.start(telegram)
    try:
        await director.send("/newoffer")
        await director.press(kk("pedagogical practice").capitalize())
        await director.send("Информатика")
        await director.send(start)
        day, month, year = start.split(".")
        await director.send(f"{int(day) + 5 if int(day) < 20 else 28}.{month}.{year}")
        await director.send("2")
        await director.press(kk("Done ✅"))
        await director.press(kk("Skip ▶️"))
        card = await director.press(kk("✅ Publish"))
        assert kk("Published: students can now apply.") in card.text

        for index, student in enumerate(students):
            t = Translator(i18n, STUDENT_LOCALES[index])
            await student.send("/offers")
            await student.press("1")
            if index < 2:
                await student.press(t("✍️ Apply"))
                await student.send("I would love to teach informatics")
            else:
                await student.press(t("🕒 Join the waiting list"))
                reply = await student.press(t("Skip ▶️"))
                assert (
                    t(
                        "You are on the waiting list, position {position}. We will tell you as soon as a place is free.",
                        position=1,
                    )
                    in reply.text
                )

        await wait_until(
            lambda: has_message(telegram, 802, "Student EN"),
            what="the director to hear of the first application",
        )
        await coordinator.send("/review")
        await coordinator.press(ru("✅ Approve"))
        await coordinator.press(ru("✅ Approve"))
        await wait_until(
            lambda: has_message(
                telegram, 810, Translator(i18n, "en")("✅ You have a practice place!")
            ),
            what="the first student's approval",
        )
        await wait_until(
            lambda: has_message(telegram, 811, ru("✅ You have a practice place!")),
            what="the second student's approval",
        )

        first = students[0]
        en = Translator(i18n, "en")
        await first.send("/myplacement")
        await first.press(en("↩️ Withdraw application #{id}", id=1))
        await first.press(en("Yes, withdraw"))
        await wait_until(
            lambda: has_message(telegram, 812, "🎉"), what="the waiting list to move up"
        )

        await director.send("/review")
        await director.press(kk("✅ Approve"))
        await director.send("/myoffers")
        await director.press("1")
        await director.press(kk("📥 Applications ({n})", n=2))
        await director.press("2")
        await director.press(kk("👩\u200d🏫 Assign a mentor"))
        await director.press("Тәлімгер Гүлнар")
        await wait_until(
            lambda: has_message(telegram, 812, "Тәлімгер Гүлнар"),
            what="the student to hear of the mentor",
        )
        await wait_until(
            lambda: has_message(telegram, mentor_id, "Student KK"),
            what="the mentor to hear of the student",
        )
        mentor = Person(telegram, FakeUser(mentor_id, "Гүлнар"))
        listing = await mentor.send("/students")
        assert "Student KK" in listing.text
    finally:
        assert await bot.stop() == 0, bot.log_text()
    log = bot.log_text()
    assert "Traceback" not in log, log
    assert "delivery of outbox row" not in log
