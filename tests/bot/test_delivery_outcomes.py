"""Delivery states that tell the truth (issue 14, part 7), against a real HTTP fake server.

A message Telegram accepted whose answer was lost is resent only with on_unknown =
"resend"; with "skip" it is recorded 'unknown'. A request that never left (connection
refused) is retried whatever on_unknown says.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiogram import Bot
from aiogram.utils.i18n import I18n

from bot.app import create_bot, handler_settings
from bot.config import Settings, TelegramSettings
from bot.delivery_settings import DeliverySettings, OnUnknown
from bot.workers.delivery import DeliveryWorker
from db import Database, ManualClock
from db.domain.models import User
from handlers.kit.notices import Notice, NoticeContext, Renderer
from tests.factories import make_student, make_university
from tests.fake_telegram import TEST_TOKEN, FakeBotAPIServer, FakeTelegram


async def say(context: NoticeContext, payload: dict[str, str]) -> Notice:
    return Notice(payload["text"])


RENDERERS: dict[str, Renderer] = {"test.say": say}  # type: ignore[dict-item]


def settings_for(base: Settings, api_base: str) -> Settings:
    return Settings(
        telegram=TelegramSettings(token=TEST_TOKEN, api_base=api_base),
        bot=base.bot,
        database=base.database,
        delivery=base.delivery,
    )


@pytest.fixture
async def server() -> AsyncIterator[FakeBotAPIServer]:
    fake = FakeBotAPIServer(FakeTelegram())
    await fake.start()
    yield fake
    await fake.stop()


async def one_queued(db: Database) -> User:
    university = await make_university(db)
    student = await make_student(db, 7100, university)
    async with db.transaction() as conn:
        await db.outbox.add(conn, [student.id], "test.say", {"text": "Seminar tomorrow"})
    return student


async def statuses(db: Database, person: User) -> list[str]:
    return [status for _, _, status in await db.outbox.for_user(person.id)]


async def deliver(
    bot: Bot, db: Database, i18n: I18n, settings: Settings, on_unknown: OnUnknown
) -> None:
    config = DeliverySettings(per_chat_interval=0, messages_per_second=1000, on_unknown=on_unknown)
    worker = DeliveryWorker(bot, db, i18n, handler_settings(settings), RENDERERS, config)
    await worker.drain()


@pytest.mark.parametrize(
    ("on_unknown", "arrived", "status"), [("resend", 2, "sent"), ("skip", 1, "unknown")]
)
async def test_an_accepted_message_whose_answer_is_lost(
    db: Database,
    clock: ManualClock,
    i18n: I18n,
    settings: Settings,
    server: FakeBotAPIServer,
    on_unknown: OnUnknown,
    arrived: int,
    status: str,
) -> None:
    student = await one_queued(db)
    server.drop_answers = 1
    bot = create_bot(settings_for(settings, server.base_url))
    try:
        await deliver(bot, db, i18n, settings, on_unknown)
        if on_unknown == "resend":  # the retry waits out its back-off
            clock.advance(timedelta(seconds=5))
            await deliver(bot, db, i18n, settings, on_unknown)
    finally:
        await bot.session.close()
    texts = [m.text for m in server.telegram.bot_messages(student.telegram_id or 0)]
    assert texts == ["Seminar tomorrow"] * arrived
    assert await statuses(db, student) == [status]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("on_unknown", ["resend", "skip"])
async def test_a_request_that_never_left_is_retried(
    db: Database, i18n: I18n, settings: Settings, on_unknown: OnUnknown
) -> None:
    student = await one_queued(db)
    bot = create_bot(settings_for(settings, f"http://127.0.0.1:{closed_port()}"))
    try:
        await deliver(bot, db, i18n, settings, on_unknown)
    finally:
        await bot.session.close()
    assert await statuses(db, student) == ["pending"], (
        "connection refused: Telegram cannot have it, so it is queued again"
    )
