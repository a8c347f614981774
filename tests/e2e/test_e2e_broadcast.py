"""End to end: a broadcast killed mid-way (SIGKILL) and restarted reaches everyone once.

The fake Bot API enforces 30 messages per second with 429 answers (the bot is configured to
try 40, so it must honour retry_after). Nobody receives the
announcement twice; at most the messages in flight at the moment of the kill (the delivery
window, `[delivery] max_in_flight`) may be lost — they are recorded as 'unknown', never resent.
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest

from db import Database
from db.domain.broadcasts import BroadcastAudience, BroadcastDraft
from db.domain.models import Role
from tests.e2e.process import FAST_CHATS, BotProcess, write_config
from tests.factories import make_member, make_student, make_university
from tests.fake_telegram import FakeBotAPIServer, FakeTelegram, wait_until

pytestmark = pytest.mark.e2e
RECIPIENTS = 240
TEXTS = {
    "kk": "Хабарландыру: практика басталады",
    "ru": "Объявление: практика начинается",
    "en": "Announcement: practice begins",
}


async def seed(path: Path) -> dict[int, str]:
    db = await Database.open(path)
    try:
        university = await make_university(db)
        coordinator = await make_member(db, Role.COORDINATOR, university, 1, locale="ru")
        people = {}
        for index in range(RECIPIENTS):
            locale = ("kk", "ru", "en")[index % 3]
            student = await make_student(
                db, 10_000 + index, university, name=f"Студент {index}", locale=locale
            )
            people[student.telegram_id or 0] = locale
        await db.broadcasts.send(
            coordinator,
            BroadcastDraft(
                BroadcastAudience(roles=frozenset({Role.STUDENT})), TEXTS, "ru", "crash-test"
            ),
        )
        return people
    finally:
        await db.close()


def received(telegram: FakeTelegram) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for request in telegram.calls("sendMessage"):
        if request in telegram.refused_requests:
            continue
        found.setdefault(int(request.params["chat_id"]), []).append(str(request.params["text"]))
    return found


async def test_killed_broadcast_finishes_without_duplicates(
    server: tuple[FakeTelegram, FakeBotAPIServer], tmp_path: Path
) -> None:
    telegram, api = server
    telegram.limit_rate(30)
    people = await seed(tmp_path / "seriktes.db")
    # Configured above Telegram's limit on purpose: the fake answers 429 and the bot must wait.
    config = write_config(
        tmp_path, api.base_url, delivery={**FAST_CHATS, "messages_per_second": 40}
    )
    bot = BotProcess(config, tmp_path / "bot.log")
    await bot.start(telegram)
    await wait_until(
        lambda: len(received(telegram)) >= RECIPIENTS // 3, timeout=30, what="a third to be sent"
    )
    assert await bot.stop(signal.SIGKILL) == -signal.SIGKILL
    await bot.start(telegram)
    try:
        db = await Database.open(tmp_path / "seriktes.db")
        try:

            async def settled() -> bool:
                counts = await db.outbox.counts()
                return counts.pending + counts.sending == 0

            for _ in range(600):
                if await settled():
                    break
                await asyncio.sleep(0.1)
            counts = await db.outbox.counts()
        finally:
            await db.close()
    finally:
        assert await bot.stop() == 0, bot.log_text()

    delivered = received(telegram)
    assert all(len(texts) == 1 for texts in delivered.values()), "nobody gets it twice"
    assert all(texts[0] == TEXTS[people[chat]] for chat, texts in delivered.items()), (
        "each in their language"
    )
    lost = set(people) - set(delivered)
    assert len(lost) <= counts.unknown <= 4, (len(lost), counts)
    assert counts.sent + counts.unknown == RECIPIENTS
    assert "Traceback" not in bot.log_text()
    assert telegram.refused > 0, "the bot went too fast and was told to wait"
