"""The one limiter for everything that leaves the process (issue 14, part 1)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from aiogram.exceptions import TelegramRetryAfter

from bot.app import create_bot
from bot.config import Settings
from bot.throttle import Lane, Throttle, sending_as
from tests.fake_telegram import ApiError, FakeTelegram, RecordingSession


async def test_replies_go_before_queued_notifications_and_broadcasts() -> None:
    throttle = Throttle(2, per_chat_interval=0, window=0.2)
    granted: list[str] = []

    async def take(name: str, lane: Lane) -> None:
        await throttle.acquire(lane)
        granted.append(name)

    broadcasts = [asyncio.create_task(take(f"b{i}", Lane.BROADCAST)) for i in range(6)]
    await asyncio.sleep(0.05)  # two broadcasts got the first window
    notices = [asyncio.create_task(take(f"n{i}", Lane.NOTICE)) for i in range(2)]
    replies = [asyncio.create_task(take(f"r{i}", Lane.REPLY)) for i in range(3)]
    await asyncio.gather(*broadcasts, *notices, *replies)
    assert granted[:2] == ["b0", "b1"]
    assert granted[2:7] == ["r0", "r1", "r2", "n0", "n1"]
    assert granted[7:] == ["b2", "b3", "b4", "b5"]


async def test_a_chat_gets_a_short_burst_then_one_message_per_interval() -> None:
    throttle = Throttle(1000, per_chat_interval=0.1, per_chat_burst=2)
    started = time.monotonic()
    stamps = []
    for _ in range(4):
        await throttle.acquire(Lane.REPLY, chat_id=7)
        stamps.append(time.monotonic() - started)
    await throttle.acquire(Lane.REPLY, chat_id=8)  # another chat is not held up
    assert stamps[1] < 0.05, "a burst of two goes at once"
    assert stamps[2] >= 0.2 - 1e-3 and stamps[3] >= 0.2 - 1e-3
    assert time.monotonic() - started - stamps[3] < 0.05
    assert throttle.chat_ready(8) and not throttle.chat_ready(7)


def flood_once(telegram: FakeTelegram, retry_after: int = 1) -> list[float]:
    """The next sendMessage is refused with a 429; returns when each send was tried."""
    tries: list[float] = []

    def check(method: str, params: dict[str, Any]) -> ApiError | None:
        if method != "sendMessage":
            return None
        tries.append(time.monotonic())
        if len(tries) == 1:
            return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
        return None

    telegram.failures.append(check)
    return tries


async def test_a_reply_that_meets_a_429_waits_exactly_and_is_sent_once(
    settings: Settings, telegram: FakeTelegram
) -> None:
    bot = create_bot(settings, session=RecordingSession(telegram))
    tries = flood_once(telegram)
    try:
        await bot.send_message(5, "Hello")
    finally:
        await bot.session.close()
    assert len(tries) == 2 and tries[1] - tries[0] >= 1.0
    assert [m.text for m in telegram.bot_messages(5)] == ["Hello"], "sent once, not dropped"


async def test_a_notification_429_is_left_to_the_delivery_worker(
    settings: Settings, telegram: FakeTelegram
) -> None:
    throttle = Throttle(1000, per_chat_interval=0)
    bot = create_bot(settings, session=RecordingSession(telegram), throttle=throttle)
    tries = flood_once(telegram, retry_after=3)
    try:
        # The worker keeps a persisted not-before time instead of waiting in memory.
        with sending_as(Lane.NOTICE), pytest.raises(TelegramRetryAfter):
            await bot.send_message(5, "Notice")
    finally:
        await bot.session.close()
    assert len(tries) == 1 and throttle.paused_for() > 2.5, "everything pauses"
