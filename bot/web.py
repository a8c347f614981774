"""The bot's HTTP side: the webhook receiver, /healthz, /readyz and /metrics (aiohttp).

In webhook mode all four share one server; in polling mode the last three are served on
`[monitoring] listen` when it is set.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import ValidationError

from bot.metrics import Metrics
from bot.scheduler import Scheduler
from bot.workers.delivery import DeliveryWorker
from db import Database

log = logging.getLogger(__name__)

API_FRESH_SECONDS = 60.0  # /readyz: the Bot API must have answered within this
API_PROBE_TIMEOUT = 5.0


class LastContact(BaseRequestMiddleware):
    """Remembers when the Bot API last answered (any answer: it was reached)."""

    def __init__(self) -> None:
        self.at: float | None = None

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        try:
            response = await make_request(bot, method)
        except TelegramNetworkError:
            raise  # the server was not reached
        except TelegramAPIError:
            self.at = time.monotonic()  # an error answer: it was reached
            raise
        self.at = time.monotonic()
        return response

    def fresh(self) -> bool:
        return self.at is not None and time.monotonic() - self.at < API_FRESH_SECONDS


class Health:
    """What /readyz checks; each failing part is named in the answer."""

    def __init__(
        self,
        db: Database,
        scheduler: Scheduler,
        delivery: DeliveryWorker,
        bot: Bot,
        contact: LastContact,
    ) -> None:
        self.db = db
        self.scheduler = scheduler
        self.delivery = delivery
        self.bot = bot
        self.contact = contact

    async def failing(self) -> list[str]:
        failing = []
        if not await self._database_writable():
            failing.append("database")
        if not self.scheduler.running:
            failing.append("scheduler")
        if not self.delivery.alive:
            failing.append("delivery")
        if not await self._api_reached():
            failing.append("bot_api")
        return failing

    async def _database_writable(self) -> bool:
        try:
            async with asyncio.timeout(5), self.db.transaction():
                pass  # BEGIN IMMEDIATE takes the write lock: the file can be written
        except Exception:
            log.warning("readiness: the database cannot be written", exc_info=True)
            return False
        return True

    async def _api_reached(self) -> bool:
        if self.contact.fresh():
            return True
        try:
            async with asyncio.timeout(API_PROBE_TIMEOUT):
                await self.bot.get_me()
        except (TelegramAPIError, TimeoutError):
            return self.contact.fresh()  # an error answer still counts as reached
        return True


class WebhookReceiver(SimpleRequestHandler):
    """Telegram's POSTs: the secret checked first, a bounded number in flight, only updates.

    Each accepted update is answered 200 at once and handled in the background; shutdown
    waits for those (`drain`) before the database closes.
    """

    def __init__(
        self,
        dispatcher: Dispatcher,
        bot: Bot,
        secret: str,
        max_in_flight: int,
        metrics: Metrics | None = None,
        **data: Any,
    ) -> None:
        super().__init__(dispatcher, bot, handle_in_background=True, secret_token=secret, **data)
        self.max_in_flight = max_in_flight
        self.metrics = metrics
        self.accepting = True

    async def handle(self, request: web.Request) -> web.Response:
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not self.verify_secret(secret, self.bot):
            return self._refused("secret", web.Response(status=401, text="Unauthorized"))
        if not self.accepting or len(self._background_feed_update_tasks) >= self.max_in_flight:
            busy = web.Response(status=503, text="Busy", headers={"Retry-After": "1"})
            return self._refused("busy", busy)
        try:
            update = Update.model_validate(await request.json(), context={"bot": self.bot})
        except (ValueError, ValidationError):
            return self._refused("body", web.Response(status=400, text="Not an update"))
        task = asyncio.create_task(self.dispatcher.feed_update(self.bot, update, **self.data))
        self._background_feed_update_tasks.add(task)
        task.add_done_callback(self._background_feed_update_tasks.discard)
        return web.json_response({})

    def _refused(self, reason: str, response: web.Response) -> web.Response:
        if self.metrics is not None:
            self.metrics.webhook_refused.labels(reason).inc()
        return response

    async def drain(self, seconds: float) -> int:
        """Stop taking updates, wait for those being handled; returns how many were left."""
        self.accepting = False
        pending = set(self._background_feed_update_tasks)
        if pending:
            _, still = await asyncio.wait(pending, timeout=seconds)
            return len(still)
        return 0


def web_app(
    health: Health, metrics: Metrics, webhook: WebhookReceiver | None, path: str
) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)  # an update is a few kilobytes

    async def healthz(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def readyz(_: web.Request) -> web.Response:
        failing = await health.failing()
        if failing:
            return web.Response(status=503, text="not ready: " + ", ".join(failing))
        return web.Response(text="ready")

    async def metrics_page(_: web.Request) -> web.Response:
        body = await metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_page)
    if webhook is not None:
        app.router.add_post(path, webhook.handle)
    return app


async def serve(app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
