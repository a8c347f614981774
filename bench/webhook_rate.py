"""Webhook against long polling on the same handler, and the cost of the metrics per update.

1. Updates per second through the real network path on 127.0.0.1: the fake Bot API server
   (tests/fake_telegram.py) serves getUpdates to a polling Dispatcher; for the webhook, the
   bench posts the same updates to the bot's WebhookReceiver (bot/web.py) with `--parallel`
   connections at once, as Telegram does (its default is up to 40). The handler answers each
   update with sendMessage to the same fake server; an update counts when its answer arrived.
2. The metrics: µs per update through the Dispatcher with the update-log middleware counting
   into a Metrics registry, against the same without, and the time to render /metrics.

    .venv/bin/python bench/webhook_rate.py [--updates 2000] [--parallel 40]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from aiogram import Dispatcher
from aiogram.types import Update
from aiohttp import ClientSession, web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.middleware_cost import UNPACED, echo_router
from bot.app import create_bot
from bot.config import Settings, TelegramSettings
from bot.metrics import Metrics
from bot.middlewares import InFlightUpdates, UpdateLogMiddleware
from bot.web import WebhookReceiver, serve
from db import Database
from tests.fake_telegram import (
    TEST_TOKEN,
    FakeBotAPIServer,
    FakeTelegram,
    FakeUser,
    RecordingSession,
    wait_until,
)

SECRET = "bench-secret-0123456789"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def dispatcher(metrics: Metrics | None = None) -> Dispatcher:
    built = Dispatcher()
    built.update.outer_middleware(UpdateLogMiddleware(InFlightUpdates(), metrics))
    built.include_router(echo_router())
    return built


def make_updates(telegram: FakeTelegram, count: int) -> list[dict[str, Any]]:
    people = [FakeUser(20_000 + i, f"P{i}") for i in range(200)]
    return [telegram.message_update(people[i % 200], f"hi {i}") for i in range(count)]


async def polling_rate(updates: int) -> float:
    telegram = FakeTelegram()
    api = FakeBotAPIServer(telegram)
    await api.start()
    bot = create_bot(
        Settings(telegram=TelegramSettings(TEST_TOKEN, api.base_url), delivery=UNPACED)
    )
    polled = dispatcher()
    make_updates(telegram, updates)
    started = time.perf_counter()
    running = asyncio.create_task(
        polled.start_polling(bot, handle_signals=False, polling_timeout=1)
    )
    await wait_until(
        lambda: len(telegram.calls("sendMessage")) >= updates, timeout=300, what="polling"
    )
    elapsed = time.perf_counter() - started
    await polled.stop_polling()
    await running
    await bot.session.close()
    await api.stop()
    return updates / elapsed


async def webhook_rate(updates: int, parallel: int) -> float:
    telegram = FakeTelegram()
    api = FakeBotAPIServer(telegram)
    await api.start()
    bot = create_bot(
        Settings(telegram=TelegramSettings(TEST_TOKEN, api.base_url), delivery=UNPACED)
    )
    receiver = WebhookReceiver(dispatcher(), bot, SECRET, max_in_flight=10_000)
    app = web.Application()
    app.router.add_post("/telegram", receiver.handle)
    port = free_port()
    runner = await serve(app, "127.0.0.1", port)
    pending = make_updates(telegram, updates)
    telegram.pending_updates.clear()
    url = f"http://127.0.0.1:{port}/telegram"
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for update in pending:
        queue.put_nowait(update)
    async with ClientSession() as session:

        async def connection() -> None:
            while not queue.empty():
                update = queue.get_nowait()
                async with session.post(url, json=update, headers=headers) as reply:
                    assert reply.status == 200

        started = time.perf_counter()
        await asyncio.gather(*(connection() for _ in range(parallel)))
        await wait_until(
            lambda: len(telegram.calls("sendMessage")) >= updates, timeout=300, what="webhook"
        )
        elapsed = time.perf_counter() - started
    await receiver.drain(10)
    await runner.cleanup()
    await bot.session.close()
    await api.stop()
    return updates / elapsed


async def metrics_cost(updates: int) -> tuple[float, float, float]:
    """(µs/update without metrics, with them, ms to render /metrics)."""
    telegram = FakeTelegram()
    settings = Settings(telegram=TelegramSettings(TEST_TOKEN), delivery=UNPACED)
    bot = create_bot(settings, session=RecordingSession(telegram))
    raw = make_updates(telegram, updates)
    parsed = [Update.model_validate(update, context={"bot": bot}) for update in raw]
    with tempfile.TemporaryDirectory() as directory:
        db = await Database.open(Path(directory) / "bench.db")
        metrics = Metrics(db, None)
        timings = []
        for built in (dispatcher(), dispatcher(metrics), dispatcher(), dispatcher(metrics)):
            for update in parsed[:50]:  # warm up
                await built.feed_update(bot, update)
            started = time.perf_counter()
            for update in parsed:
                await built.feed_update(bot, update)
            timings.append((time.perf_counter() - started) / updates * 1e6)
        started = time.perf_counter()
        for _ in range(20):
            await metrics.exposition()
        render = (time.perf_counter() - started) / 20 * 1000
        await db.close()
    await bot.session.close()
    return min(timings[0], timings[2]), min(timings[1], timings[3]), render


async def main(updates: int, parallel: int) -> None:
    logging.basicConfig(level=logging.INFO, stream=open(os.devnull, "w"))  # noqa: SIM115
    polling = await polling_rate(updates)
    webhook = await webhook_rate(updates, parallel)
    print(f"{updates} updates, echo handler, fake Bot API on 127.0.0.1")
    print(f"long polling: {polling:8.0f} updates/s")
    print(
        f"webhook ({parallel} connections): {webhook:8.0f} updates/s ({webhook / polling:.2f}x polling)"
    )
    bare, counted, render = await metrics_cost(updates)
    print(
        f"per update: {bare:.0f} µs without metrics, {counted:.0f} µs with them"
        f" ({counted / bare:.2f}x, +{counted - bare:.0f} µs); /metrics rendered in {render:.1f} ms"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--parallel", type=int, default=40)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.updates, arguments.parallel))
