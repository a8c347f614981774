from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiogram.utils.i18n import I18n

from bot.app import create_bot, create_dispatcher, handler_settings
from bot.config import BotSettings, DatabaseSettings, Settings, TelegramSettings
from bot.delivery_settings import DeliverySettings
from bot.i18n import load_i18n
from bot.workers.delivery import DeliveryWorker
from bot.workers.reports import ReportWorker, new_pool
from db import Database, ManualClock
from handlers import renderers
from tests.datagen import ALMATY, Network, generate
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
        # Flow tests click faster than people; the limits have tests and benches of their own.
        delivery=DeliverySettings(per_chat_interval=0, messages_per_second=1000),
    )


@pytest.fixture(scope="session")
def i18n() -> I18n:
    return load_i18n("kk")


@pytest.fixture
def telegram(clock: ManualClock) -> FakeTelegram:
    return FakeTelegram(now=lambda: clock.now().timestamp())


@pytest.fixture(scope="session")
def report_pool() -> Iterator[ProcessPoolExecutor]:
    """Chart and export workers, spawned once for the whole run (on first use)."""
    pool = new_pool(2)
    yield pool
    pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture
def reports(db_path: Path, report_pool: ProcessPoolExecutor) -> ReportWorker:
    return ReportWorker(db_path, ALMATY, pool=report_pool)


@pytest.fixture(scope="session")
def network_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Network]:
    """A year of a 60-school, 400-student network, generated once per test run."""
    path = tmp_path_factory.mktemp("network") / "network.db"
    return path, asyncio.run(generate(path))


@pytest.fixture
async def chat(
    settings: Settings, db: Database, i18n: I18n, telegram: FakeTelegram, reports: ReportWorker
) -> AsyncIterator[ChatDriver]:
    bot = create_bot(settings, session=RecordingSession(telegram))
    dispatcher = create_dispatcher(settings, db, i18n, reports=reports)
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
