"""/metrics counts what the bot does: sends by result, 429 pauses, reminders, outbox depth,
backup age; and the JSON log format carries the update's id and handler."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from aiogram import Bot
from aiogram.utils.i18n import I18n

from bot.app import handler_settings
from bot.cli import JsonLogFormatter
from bot.config import Settings
from bot.delivery_settings import DeliverySettings
from bot.metrics import Metrics
from bot.throttle import Throttle
from bot.workers.delivery import DeliveryWorker
from db import Database
from db.backup import take_backup
from db.outbox import PRIORITY_BROADCAST
from tests.bot.test_delivery import RENDERERS, bot, people, queue  # noqa: F401 - the fixture
from tests.fake_telegram import FakeTelegram


def sample(text: str, name: str, label: str = "") -> float:
    for line in text.splitlines():
        if line.startswith(name) and label in line and not line.startswith("#"):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_sends_pauses_depth_and_backup_age_change_as_the_bot_works(
    bot: Bot,  # noqa: F811 - the fixture from test_delivery
    db: Database,
    i18n: I18n,
    settings: Settings,
    telegram: FakeTelegram,
    tmp_path: Path,
) -> None:
    metrics = Metrics(db, tmp_path / "backups")
    users = await people(db, 4)
    await queue(db, users[:3], "hello")
    await queue(db, users[3:], "later", PRIORITY_BROADCAST)
    first = (await metrics.exposition()).decode()
    assert sample(first, "seriktes_outbox_depth", 'priority="personal"') == 3
    assert sample(first, "seriktes_outbox_depth", 'priority="broadcast"') == 1
    assert sample(first, "seriktes_backup_age_seconds") == -1

    telegram.blocked.add(users[0].telegram_id or 0)
    throttle = Throttle(1000, 0.0)
    throttle.on_pause = metrics.pause
    config = DeliverySettings(per_chat_interval=0.0, messages_per_second=1000)
    worker = DeliveryWorker(
        bot, db, i18n, handler_settings(settings), RENDERERS, config, throttle, metrics.sent
    )
    await worker.drain()
    throttle.pause(2.5)  # as a 429 does
    take_backup(db.path, tmp_path / "backups")
    after = (await metrics.exposition()).decode()
    assert sample(after, "seriktes_sends_total", 'result="sent"') == 3
    assert sample(after, "seriktes_sends_total", 'result="blocked"') == 1
    assert sample(after, "seriktes_telegram_429_total") == 1
    assert sample(after, "seriktes_telegram_pause_seconds_total") == 2.5
    assert sample(after, "seriktes_outbox_depth", 'priority="personal"') == 0
    assert 0 <= sample(after, "seriktes_backup_age_seconds") < 60
    metrics.reminder_fired(42.0)
    assert sample((await metrics.exposition()).decode(), "seriktes_reminders_fired_total") == 1


def test_json_logs_are_one_object_per_line_with_the_update() -> None:
    record = logging.LogRecord("seriktes.updates", logging.INFO, "x", 1, "update=%s", (7,), None)
    record.update_id = 7
    record.handler = "placements.decide.approve"
    entry = json.loads(JsonLogFormatter().format(record))
    assert entry["message"] == "update=7" and entry["level"] == "INFO"
    assert (entry["update_id"], entry["handler"]) == (7, "placements.decide.approve")
