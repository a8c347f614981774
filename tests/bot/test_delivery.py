"""The delivery worker against the fake Bot API: limits, retries, blocked people, crashes."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiogram import Bot
from aiogram.utils.i18n import I18n

from bot.app import create_bot, handler_settings
from bot.config import Settings
from bot.delivery_settings import DeliverySettings
from bot.throttle import Lane, Throttle
from bot.workers.delivery import DeliveryWorker
from db import Database, ManualClock
from db.domain.models import User
from db.outbox import PRIORITY_BROADCAST, PRIORITY_PERSONAL
from handlers.kit.notices import Notice, NoticeContext, Renderer
from tests.factories import make_student, make_university
from tests.fake_telegram import ApiError, FakeTelegram, RecordingSession


async def say(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    return Notice(str(payload["text"]))


RENDERERS: dict[str, Renderer] = {"test.say": say}


@pytest.fixture
async def bot(settings: Settings, telegram: FakeTelegram) -> AsyncIterator[Bot]:
    bot = create_bot(settings, session=RecordingSession(telegram))
    yield bot
    await bot.session.close()


def worker(bot: Bot, db: Database, i18n: I18n, settings: Settings, **limits: Any) -> DeliveryWorker:
    config = DeliverySettings(**{"per_chat_interval": 0.0, "messages_per_second": 1000, **limits})
    return DeliveryWorker(bot, db, i18n, handler_settings(settings), RENDERERS, config)


async def people(db: Database, count: int) -> list[User]:
    university = await make_university(db)
    return [await make_student(db, 7000 + i, university) for i in range(count)]


async def queue(
    db: Database, users: list[User], text: str, priority: int = PRIORITY_PERSONAL
) -> None:
    async with db.transaction() as conn:
        await db.outbox.add(conn, [u.id for u in users], "test.say", {"text": text}, priority)


async def test_every_row_is_sent_once_and_marked(
    bot: Bot, db: Database, i18n: I18n, settings: Settings, telegram: FakeTelegram
) -> None:
    users = await people(db, 5)
    await queue(db, users, "hello")
    await worker(bot, db, i18n, settings).drain()
    assert sorted(r.params["chat_id"] for r in telegram.calls("sendMessage")) == [
        u.telegram_id for u in users
    ]
    counts = await db.outbox.counts()
    assert (counts.sent, counts.pending, counts.sending) == (5, 0, 0)


async def test_personal_notices_overtake_a_broadcast(
    bot: Bot, db: Database, i18n: I18n, settings: Settings, telegram: FakeTelegram
) -> None:
    users = await people(db, 40)
    await queue(db, users, "broadcast", PRIORITY_BROADCAST)
    await queue(db, users[:1], "approved", PRIORITY_PERSONAL)
    await worker(bot, db, i18n, settings, max_in_flight=1, batch_size=10).drain()
    texts = [r.params["text"] for r in telegram.calls("sendMessage")]
    assert texts[0] == "approved"


async def test_a_blocked_person_is_marked_and_skipped(
    bot: Bot, db: Database, i18n: I18n, settings: Settings, telegram: FakeTelegram
) -> None:
    users = await people(db, 2)
    telegram.blocked.add(users[0].telegram_id or 0)
    await queue(db, users, "one")
    await queue(db, users, "two")
    await worker(bot, db, i18n, settings, max_in_flight=1).drain()
    blocked = await db.users.get(users[0].id)
    assert blocked is not None and blocked.blocked_at is not None
    assert [
        r.params["chat_id"]
        for r in telegram.calls("sendMessage")
        if r.params["chat_id"] == users[0].telegram_id
    ] == [users[0].telegram_id]
    assert (await db.outbox.counts()).blocked == 2, "nothing more is tried once Telegram said 403"
    assert (await db.outbox.counts()).sent == 2


async def test_retry_after_is_honoured_and_persisted(
    bot: Bot,
    db: Database,
    i18n: I18n,
    settings: Settings,
    telegram: FakeTelegram,
    clock: ManualClock,
) -> None:
    users = await people(db, 1)
    refused = []

    def flood(method: str, params: dict[str, Any]) -> ApiError | None:
        if method == "sendMessage" and not refused:
            refused.append(time.monotonic())
            return ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        return None

    telegram.failures.append(flood)
    await queue(db, users, "later")
    delivery = worker(bot, db, i18n, settings)
    await delivery.drain()
    row = await db.fetch_one("SELECT status, not_before, error FROM outbox")
    assert row is not None and row["status"] == "pending" and row["error"] == "retry after 1s"
    assert row["not_before"] > await db.fetch_value("SELECT created_at FROM outbox")
    clock.advance(timedelta(seconds=1))
    await delivery.drain()
    sends = telegram.calls("sendMessage")
    assert len(sends) == 2 and sends[1].at - refused[0] >= 0.99, (
        "no request before retry_after passed"
    )
    assert (await db.outbox.counts()).sent == 1


async def test_server_errors_retry_with_backoff_then_fail(
    bot: Bot,
    db: Database,
    i18n: I18n,
    settings: Settings,
    telegram: FakeTelegram,
    clock: ManualClock,
) -> None:
    users = await people(db, 1)
    telegram.failures.append(
        lambda method, params: ApiError(502, "Bad Gateway") if method == "sendMessage" else None
    )
    await queue(db, users, "unlucky")
    delivery = worker(bot, db, i18n, settings, max_attempts=3)
    waits = []
    for _ in range(3):
        await delivery.drain()
        row = await db.fetch_one("SELECT status, attempts, not_before FROM outbox")
        assert row is not None
        waits.append(row["not_before"])
        clock.advance(timedelta(minutes=10))
    assert row["status"] == "failed" and row["attempts"] == 3
    assert waits[0] < waits[1], "each retry waits longer"
    assert len(telegram.calls("sendMessage")) == 3


async def test_bad_requests_are_recorded_not_retried(
    bot: Bot, db: Database, i18n: I18n, settings: Settings, telegram: FakeTelegram
) -> None:
    users = await people(db, 1)
    await queue(db, users, "x" * 5000)
    await worker(bot, db, i18n, settings).drain()
    row = await db.fetch_one("SELECT status, error FROM outbox")
    assert row is not None and row["status"] == "failed" and "too long" in row["error"]


async def test_rows_interrupted_by_a_crash_are_never_resent(
    bot: Bot, db: Database, i18n: I18n, settings: Settings, telegram: FakeTelegram
) -> None:
    users = await people(db, 3)
    await queue(db, users, "hi")
    first = (await db.outbox.due(1))[0]
    assert await db.outbox.mark_sending(first.id)  # the process died here, mid-request
    delivery = worker(bot, db, i18n, settings)
    await delivery.start()
    await asyncio.sleep(0.2)
    await delivery.stop()
    counts = await db.outbox.counts()
    assert (counts.unknown, counts.sent) == (1, 2)
    assert first.telegram_id not in [r.params["chat_id"] for r in telegram.calls("sendMessage")]


async def test_the_sliding_window_keeps_to_the_rate() -> None:
    limiter = Throttle(10, per_chat_interval=0, window=0.2)
    started = time.monotonic()
    stamps = []
    for _ in range(30):
        await limiter.acquire(Lane.BROADCAST)
        stamps.append(time.monotonic() - started)
    for i in range(10, 30):
        assert stamps[i] - stamps[i - 10] >= 0.2 - 1e-3


async def test_one_message_per_chat_per_interval(
    bot: Bot, db: Database, i18n: I18n, settings: Settings, telegram: FakeTelegram
) -> None:
    users = await people(db, 1)
    for text in ("a", "b", "c"):
        await queue(db, users, text)
    await worker(bot, db, i18n, settings, per_chat_interval=0.2, per_chat_burst=1).drain()
    times = [r.at for r in telegram.calls("sendMessage")]
    assert [r.params["text"] for r in telegram.calls("sendMessage")] == ["a", "b", "c"]
    assert all(later - earlier >= 0.19 for earlier, later in itertools.pairwise(times))
