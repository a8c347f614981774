"""End to end: reminders survive a killed bot — none lost, none doubled.

Three events each have a reminder due a few seconds apart. The first falls due while the bot
runs, the second while it is killed (SIGKILL, no goodbye), the third after it is restarted.
Every registered person must get each reminder exactly once, in their own language.
"""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiogram.utils.i18n import I18n

from db import Database
from db.domain.events import Audience, EventInput, EventKind
from db.domain.models import OrgKind, Role
from tests.e2e.process import BotProcess, write_config
from tests.factories import make_member, make_org, make_university
from tests.fake_telegram import FakeBotAPIServer, FakeTelegram, wait_until
from tests.i18n_helpers import Translator

pytestmark = pytest.mark.e2e
PEOPLE = {801: "kk", 802: "ru"}


async def seed(path: Path, due_in: list[int]) -> datetime:
    """Events whose one-minute reminders fall due `due_in` seconds from now."""
    db = await Database.open(path)
    try:
        university = await make_university(db)
        school = await make_org(db, OrgKind.SCHOOL)
        coordinator = await make_member(db, Role.COORDINATOR, university, 800, locale="en")
        people = [
            await make_member(db, Role.MENTOR, school, telegram_id, locale=locale)
            for telegram_id, locale in PEOPLE.items()
        ]
        now = datetime.now(UTC).replace(microsecond=0)
        for index, seconds in enumerate(due_in):
            start = now + timedelta(minutes=1, seconds=seconds)
            (event,) = await db.events.create(
                coordinator,
                EventInput(
                    EventKind.SEMINAR,
                    f"Seminar {'ABC'[index]}",
                    start,
                    start + timedelta(hours=1),
                    Audience(roles=frozenset({Role.MENTOR})),
                    address="Room 1",
                    reminder_offsets=(1,),
                ),
            )
            for person in people:
                await db.events.answer(person, event.id, True)
        return now
    finally:
        await db.close()


def reminders_for(telegram: FakeTelegram, chat_id: int, heading: str) -> list[str]:
    return [
        m.text or "" for m in telegram.bot_messages(chat_id) if (m.text or "").startswith(heading)
    ]


async def test_reminders_are_neither_lost_nor_doubled_by_a_crash(
    server: tuple[FakeTelegram, FakeBotAPIServer], tmp_path: Path, i18n: I18n
) -> None:
    telegram, api = server
    start = await seed(tmp_path / "seriktes.db", [6, 16, 26])
    headings = {chat: Translator(i18n, locale)("⏰ Reminder:") for chat, locale in PEOPLE.items()}
    bot = BotProcess(write_config(tmp_path, api.base_url), tmp_path / "bot.log")

    def got(seminar: str) -> bool:
        return all(
            any(seminar in text for text in reminders_for(telegram, chat, heading))
            for chat, heading in headings.items()
        )

    await bot.start(telegram)
    await wait_until(lambda: got("Seminar A"), timeout=30, what="the first reminder while running")
    assert await bot.stop(signal.SIGKILL) == -signal.SIGKILL
    await asyncio.sleep(
        max(0.0, (start + timedelta(seconds=18) - datetime.now(UTC)).total_seconds())
    )
    assert not got("Seminar B"), "nobody is there to send it while the bot is down"

    await bot.start(telegram)
    try:
        await wait_until(
            lambda: got("Seminar B"), timeout=30, what="the reminder that fell due while down"
        )
        await wait_until(
            lambda: got("Seminar C"), timeout=40, what="the reminder after the restart"
        )
        await asyncio.sleep(1.5)  # anything doubled would arrive now
    finally:
        assert await bot.stop() == 0, bot.log_text()
    for chat, heading in headings.items():
        texts = reminders_for(telegram, chat, heading)
        assert sorted(
            seminar
            for text in texts
            for seminar in ("Seminar A", "Seminar B", "Seminar C")
            if seminar in text
        ) == ["Seminar A", "Seminar B", "Seminar C"], texts
    assert "Traceback" not in bot.log_text()
