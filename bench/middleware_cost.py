"""Per-update cost of Seriktes' full middleware stack against a bare aiogram echo bot.

Both dispatchers get the same pre-built updates through `feed_update` and answer through the
same recording session (no network), measured in the same run, interleaved, so the ratio
reflects only what the stack adds: the per-update log line (logging configured as in
production, to /dev/null), the user row, persisted FSM state, locale, the answered-callback
guard. Target: at most 1.5x the echo bot's cost per update.

    .venv/bin/python bench/middleware_cost.py [--updates 4000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from aiogram import Bot, Dispatcher, F, Router
from aiogram.types import Message, Update

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import create_bot, create_dispatcher
from bot.config import DatabaseSettings, Settings, TelegramSettings
from bot.delivery_settings import DeliverySettings
from bot.i18n import load_i18n
from db import Database
from db.domain.models import OrgKind
from db.domain.orgs import OrgInput
from db.domain.users import NewUser
from tests.fake_telegram import TEST_TOKEN, FakeTelegram, FakeUser, RecordingSession

PEOPLE = 300

# These benches measure what an update costs, not how long Telegram's pace makes people wait
# (bench/reply_burst.py does that): the throttle is opened wide.
UNPACED = DeliverySettings(per_chat_interval=0, messages_per_second=1_000_000)


def echo_router() -> Router:
    router = Router(name="echo")

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    return router


def build_updates(telegram: FakeTelegram, count: int, bot: Bot) -> list[Update]:
    people = [FakeUser(10_000 + i, f"Person {i}", language_code="ru") for i in range(PEOPLE)]
    raw = [telegram.message_update(people[i % PEOPLE], f"hello {i}") for i in range(count)]
    telegram.pending_updates.clear()
    return [Update.model_validate(update, context={"bot": bot}) for update in raw]


async def per_update_us(dispatcher: Dispatcher, bot: Bot, updates: list[Update]) -> float:
    started = time.perf_counter()
    for update in updates:
        await dispatcher.feed_update(bot, update)
    return (time.perf_counter() - started) / len(updates) * 1e6


async def main(count: int, rounds: int) -> None:
    # Logging as in production (one INFO line per update from our stack), written nowhere.
    logging.basicConfig(level=logging.INFO, stream=open(os.devnull, "w"))  # noqa: SIM115
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(
            telegram=TelegramSettings(token=TEST_TOKEN),
            database=DatabaseSettings(path=Path(directory) / "bench.db"),
            delivery=UNPACED,
        )
        db = await Database.open(settings.database.path)
        university = await db.orgs.create(
            OrgInput(OrgKind.UNIVERSITY, "Университет", None, None, "Семей")
        )
        for i in range(PEOPLE):
            person = NewUser(10_000 + i, f"Студент {i}", None, "ru", datetime.now(UTC))
            await db.users.register_student(person, university.id, "Педагогика", 3)
        i18n = load_i18n("kk")

        telegram = FakeTelegram()
        bot = create_bot(settings, session=RecordingSession(telegram))
        bare = Dispatcher()
        bare.include_router(echo_router())
        stack = create_dispatcher(settings, db, i18n, routers=[echo_router()])
        real = create_dispatcher(settings, db, i18n)
        updates = build_updates(telegram, count, bot)
        help_updates = [
            Update.model_validate(
                telegram.message_update(FakeUser(10_000 + i % PEOPLE, "P"), "/help"),
                context={"bot": bot},
            )
            for i in range(count)
        ]
        telegram.pending_updates.clear()

        await per_update_us(bare, bot, updates[: count // 4])  # warm-up: imports, caches
        await per_update_us(stack, bot, updates[: count // 4])
        figures: dict[str, list[float]] = {
            "bare echo": [],
            "full stack echo": [],
            "full app /help": [],
        }
        for _ in range(rounds):
            figures["bare echo"].append(await per_update_us(bare, bot, updates))
            figures["full stack echo"].append(await per_update_us(stack, bot, updates))
            figures["full app /help"].append(await per_update_us(real, bot, help_updates))
        await db.close()

    baseline = statistics.median(figures["bare echo"])
    print(f"updates per round: {count}, rounds: {rounds}, people: {PEOPLE}")
    for name, values in figures.items():
        median = statistics.median(values)
        print(f"{name:>18}: {median:8.1f} µs/update  ({median / baseline:4.2f}x bare echo)")
    ratio = statistics.median(figures["full stack echo"]) / baseline
    print(
        f"middleware stack ratio: {ratio:.2f}x (target <= 1.50x): {'OK' if ratio <= 1.5 else 'OVER'}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--updates", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.updates, arguments.rounds))
