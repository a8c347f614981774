"""End to end: a director posts a request with a photo, a coordinator assigns it, the assignee
comments, the director is told and confirms — each in their own language."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiogram.utils.i18n import I18n

from db import Database
from db.domain.models import OrgKind, Role
from tests.e2e.process import BotProcess, Person, write_config
from tests.factories import make_member, make_org, make_university
from tests.fake_telegram import FakeBotAPIServer, FakeTelegram, FakeUser, wait_until
from tests.i18n_helpers import Translator

pytestmark = pytest.mark.e2e


async def seed(path: Path) -> None:
    db = await Database.open(path)
    try:
        university = await make_university(db)
        school = await make_org(db, OrgKind.SCHOOL, name="№7 мектеп-гимназия")
        await make_member(db, Role.DIRECTOR, school, 700, name="Директор Әсел", locale="kk")
        await make_member(
            db, Role.COORDINATOR, university, 701, name="Координатор Анна", locale="ru"
        )
        await make_member(db, Role.COORDINATOR, university, 702, name="Methodist Ben", locale="en")
    finally:
        await db.close()


def received(telegram: FakeTelegram, chat_id: int, text: str) -> bool:
    return any(text in (m.text or "") for m in telegram.bot_messages(chat_id))


async def test_a_request_followed_to_resolution(
    server: tuple[FakeTelegram, FakeBotAPIServer], tmp_path: Path, i18n: I18n
) -> None:
    telegram, api = server
    await seed(tmp_path / "seriktes.db")
    kk, ru, en = (Translator(i18n, locale) for locale in ("kk", "ru", "en"))
    director = Person(telegram, FakeUser(700, "Әсел"))
    coordinator = Person(telegram, FakeUser(701, "Анна"))
    assignee = Person(telegram, FakeUser(702, "Ben"))
    bot = BotProcess(write_config(tmp_path, api.base_url), tmp_path / "bot.log")
    await bot.start(telegram)
    try:
        await director.send("/issue")
        await director.press(kk("digital skills and AI").capitalize())
        await director.press(kk("🔥 Urgent"))
        await director.send("Мұғалімдерге ЖИ бойынша семинар керек")
        await director.send("30 мұғалім, желтоқсанда, мектеп залында.")
        await director.send_update(telegram.photo_update(director.user, caption="зал"))
        sent = await director.press(kk("📤 Send the request"))
        assert (
            kk(
                "Request #{id} has been sent to the university. You will be told of every change.",
                id=1,
            )
            in sent.text
        )

        await wait_until(
            lambda: received(telegram, 701, "🔥"), what="the coordinator's urgent notice"
        )
        await coordinator.press(ru("Open the request"))
        await coordinator.press(ru("👤 Assign"))
        await coordinator.press("Methodist Ben")
        await wait_until(
            lambda: received(telegram, 702, "Мұғалімдерге ЖИ"), what="the assignee's notice"
        )
        await assignee.press(en("Open the request"))
        await assignee.press(en("💬 Comment"))
        await assignee.send("We will run the seminar on 12 December")
        await wait_until(
            lambda: received(telegram, 700, "We will run the seminar on 12 December"),
            what="the comment to reach the director",
        )
        await assignee.press(en("✅ Resolved"))
        confirm = kk("If it is solved, please confirm; if not, reopen it with a comment.")
        await wait_until(
            lambda: received(telegram, 700, confirm), what="the director to be asked to confirm"
        )
        closed = await director.press(kk("✅ Confirm it is solved"))
        assert kk("🔒 closed") in closed.text
    finally:
        assert await bot.stop() == 0, bot.log_text()
    assert "Traceback" not in bot.log_text()
