from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiogram.utils.i18n import I18n

from bot.app import create_bot, create_dispatcher, handler_settings
from bot.config import BotSettings, DatabaseSettings, Settings, TelegramSettings
from bot.delivery import DeliveryWorker
from bot.delivery_settings import DeliverySettings
from bot.i18n import load_i18n
from db import Database, ManualClock
from handlers.notices import renderers
from tests.fake_telegram import TEST_TOKEN, FakeTelegram, RecordingSession
from tests.harness import ChatDriver

ADMIN_ID = 9000001
START = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # 09:00 in Almaty


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "seriktes.db"


@pytest.fixture
async def db(db_path: Path, clock: ManualClock) -> AsyncIterator[Database]:
    database = await Database.open(db_path, clock)
    yield database
    await database.close()


@pytest.fixture
def settings(db_path: Path) -> Settings:
    return Settings(
        telegram=TelegramSettings(token=TEST_TOKEN),
        bot=BotSettings(admins=frozenset({ADMIN_ID}), default_locale="kk"),
        database=DatabaseSettings(path=db_path),
    )


@pytest.fixture(scope="session")
def i18n() -> I18n:
    return load_i18n("kk")


@pytest.fixture
def telegram(clock: ManualClock) -> FakeTelegram:
    return FakeTelegram(now=lambda: clock.now().timestamp())


@pytest.fixture
async def chat(
    settings: Settings, db: Database, i18n: I18n, telegram: FakeTelegram
) -> AsyncIterator[ChatDriver]:
    bot = create_bot(settings, session=RecordingSession(telegram))
    dispatcher = create_dispatcher(settings, db, i18n)
    delivery = DeliveryWorker(
        bot,
        db,
        i18n,
        handler_settings(settings),
        renderers(),
        DeliverySettings(per_chat_interval=0, messages_per_second=1000),
    )
    yield ChatDriver(dispatcher, bot, telegram, delivery)
    await bot.session.close()
