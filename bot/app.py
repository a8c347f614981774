"""The app factory: Bot, Dispatcher with its middlewares and routers, and the polling run."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.dispatcher.event.telegram import TelegramEventObserver
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError, TelegramUnauthorizedError
from aiogram.fsm.storage.base import BaseEventIsolation
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.utils.i18n import I18n
from aiohttp import web

from bot.config import Address, Settings
from bot.errors import StartupError
from bot.i18n import load_i18n
from bot.jobs import register_jobs
from bot.metrics import Metrics
from bot.middlewares import (
    AnsweredCallbackTracker,
    CallbackSpinnerMiddleware,
    HandlerNameMiddleware,
    InFlightUpdates,
    KeepResponseModels,
    LocaleMiddleware,
    UpdateLogMiddleware,
    UserMiddleware,
)
from bot.routing import gate_routers
from bot.scheduler import Scheduler
from bot.storage import BatchedFsmWrites, SQLiteStorage
from bot.throttle import Throttle, ThrottleMiddleware
from bot.web import Health, LastContact, WebhookReceiver, serve, web_app
from bot.workers.broadcast_progress import PROGRESS_JOB, BroadcastProgress
from bot.workers.delivery import DeliveryWorker
from bot.workers.reminders import ReminderEngine
from bot.workers.reports import ReportWorker
from db import Clock, Database, SystemClock
from db.backup import BackupError, hold_database
from handlers import get_routers, renderers
from handlers.kit.commands import publish_default_commands
from handlers.kit.settings import HandlerSettings, NoReminderPlanner, ReminderPlanner
from handlers.kit.steps import LeaveBrowsingOnCommand
from handlers.reports.port import ReportBuilder

log = logging.getLogger("seriktes")

SHUTDOWN_GRACE_SECONDS = 20.0
PROGRESS_EVERY = timedelta(seconds=5)
REPORT_WORKERS = 2  # one long export does not hold up someone else's charts


def create_bot(
    settings: Settings,
    session: BaseSession | None = None,
    throttle: Throttle | None = None,
    contact: LastContact | None = None,
) -> Bot:
    """A Bot for the configured server; `session` lets tests record requests instead.

    Every request passes `throttle` (one per process: the delivery worker shares it).
    """
    if session is None:
        api_base = settings.telegram.api_base
        session = (
            AiohttpSession(
                api=TelegramAPIServer.from_base(api_base, is_local=settings.telegram.local_mode)
            )
            if api_base
            else AiohttpSession()
        )
    session.middleware(AnsweredCallbackTracker())
    session.middleware(KeepResponseModels())
    session.middleware(ThrottleMiddleware(throttle or Throttle.from_settings(settings.delivery)))
    if contact is not None:
        session.middleware(contact)
    return Bot(
        token=settings.telegram.require_token(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def handler_settings(settings: Settings) -> HandlerSettings:
    return HandlerSettings(
        timezone=settings.bot.tz,
        default_locale=settings.bot.default_locale,
        admins=settings.bot.admins,
        required_hours=settings.practice.required_hours,
        visit_radius_m=settings.practice.visit_radius_m,
        no_visit_days=settings.practice.no_visit_days,
        mid_term_weeks=settings.practice.mid_term_weeks,
        round_choices=settings.placements.round_choices,
        required_documents=settings.placements.documents,
        memorandum_warn_days=settings.memoranda.warn_days,
        operator=settings.privacy.operator,
    )


def create_dispatcher(
    settings: Settings,
    db: Database,
    i18n: I18n,
    in_flight: InFlightUpdates | None = None,
    events_isolation: BaseEventIsolation | None = None,
    routers: list[Router] | None = None,
    reminders: ReminderPlanner | None = None,
    reports: ReportBuilder | None = None,
    metrics: Metrics | None = None,
) -> Dispatcher:
    """A fresh Dispatcher wired to `db`; everything handlers need arrives as workflow data.

    Without `reports`, one is made here and its worker processes stop with the dispatcher.
    """
    in_flight = in_flight or InFlightUpdates()
    own_reports = None
    if reports is None:
        reports = own_reports = ReportWorker(db.path, settings.bot.tz)
    storage = SQLiteStorage(db.fsm)
    dispatcher = Dispatcher(
        storage=storage,
        events_isolation=events_isolation or SimpleEventIsolation(),
        db=db,
        settings=handler_settings(settings),
        in_flight=in_flight,
        reminders=reminders or NoReminderPlanner(),
        reports=reports,
    )
    if own_reports is not None:
        dispatcher.shutdown.register(own_reports.close)
    dispatcher.update.outer_middleware(UpdateLogMiddleware(in_flight, metrics))
    dispatcher.update.outer_middleware(BatchedFsmWrites(storage))
    dispatcher.update.outer_middleware(UserMiddleware(db, settings.bot.admins))
    LocaleMiddleware(i18n).setup(dispatcher)
    for name, observer in dispatcher.observers.items():
        if name not in ("update", "callback_query"):
            observer.middleware(HandlerNameMiddleware())
    dispatcher.callback_query.middleware(CallbackSpinnerMiddleware())  # names the handler too
    dispatcher.message.outer_middleware(LeaveBrowsingOnCommand())
    dispatcher.include_routers(*(get_routers() if routers is None else routers))
    gate_routers(dispatcher)
    run_sync_filters_inline(dispatcher)
    return dispatcher


def settle_heap() -> None:
    """Move everything built at startup out of the garbage collector's sight.

    Routers, translations and pydantic's models live as long as the process; without this,
    every full collection walks them again — a pause of about 0.1 s in the middle of some
    update (bench/flow_cost.py). An update allocates thousands of short-lived objects
    (pydantic models, rows), so the youngest generation is collected every 20,000 allocations
    instead of every 700: 5–10 % of an update's time, for a few megabytes more at most.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 50, 100)


def run_sync_filters_inline(dispatcher: Dispatcher) -> None:
    """Evaluate synchronous filters in the event loop instead of a worker thread.

    aiogram runs every synchronous filter with asyncio.to_thread. Ours are pure, instant
    checks — a State (VisitFlow.topic), an F-expression (F.text, F.action == "open") — and an
    update meets dozens of them on its way through the routers: a thread hop each was most of
    an update's cost (bench/flow_cost.py). A filter that does I/O must be async.
    """
    for router in dispatcher.chain_tail:
        for observer in router.observers.values():
            if not isinstance(observer, TelegramEventObserver):
                continue
            for handler in (observer._handler, *observer.handlers):
                for check in handler.filters or ():
                    if not check.awaitable:
                        check.callback = _in_loop(check.callback)
                        check.awaitable = True


def _in_loop(resolve: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    async def resolved(*args: Any, **kwargs: Any) -> Any:
        return resolve(*args, **kwargs)

    return resolved


async def _check_bot(bot: Bot, settings: Settings) -> str:
    where = settings.telegram.api_base or "api.telegram.org"
    try:
        me = await bot.me()
    except TelegramUnauthorizedError:
        raise StartupError(f"{where} rejected the bot token: check [telegram] token") from None
    except TelegramNetworkError as error:
        raise StartupError(f"cannot reach the Bot API at {where}: {error.message}") from None
    except TelegramAPIError as error:
        raise StartupError(
            f"the Bot API at {where} answered getMe with an error: {error.message}"
        ) from None
    return me.username or str(me.id)


async def _confirm_handled_updates(bot: Bot, in_flight: InFlightUpdates) -> None:
    """Tell the server which updates were handled, so a restart does not replay them."""
    if in_flight.last_update_id is None:
        return
    try:
        await bot.get_updates(offset=in_flight.last_update_id + 1, limit=1, timeout=0)
    except TelegramAPIError as error:
        log.warning("could not confirm the last handled update: %s", error.message)


async def run_bot(settings: Settings, clock: Clock | None = None) -> None:
    """Until SIGTERM/SIGINT, by long polling or (with `[webhook] url`) webhook; updates being
    handled finish before the database closes. One process per database (a lock file)."""
    try:
        with hold_database(settings.database.path):
            await _run(settings, clock)
    except BackupError as error:
        raise StartupError(str(error)) from None


async def _run(settings: Settings, clock: Clock | None) -> None:
    i18n = load_i18n(settings.bot.default_locale)
    try:
        db = await Database.open(
            settings.database.path,
            clock or SystemClock(),
            settings.bot.tz,
            settings.placements.policy,
        )
    except sqlite3.Error as error:
        raise StartupError(f"cannot open the database {settings.database.path}: {error}") from None
    throttle = Throttle.from_settings(settings.delivery)
    contact = LastContact()
    bot = create_bot(settings, throttle=throttle, contact=contact)
    in_flight = InFlightUpdates()
    try:
        username = await _check_bot(bot, settings)
        runtime = Runtime(settings, db, bot, i18n, throttle, contact, in_flight, username)
        if settings.webhook.url:
            await runtime.run_webhook()
        else:
            await runtime.run_polling()
    finally:
        await bot.session.close()
        await db.close()
        await asyncio.sleep(0)
        log.info("Seriktes stopped")


class Runtime:
    """The workers around the Dispatcher, started and stopped the same in either mode."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        bot: Bot,
        i18n: I18n,
        throttle: Throttle,
        contact: LastContact,
        in_flight: InFlightUpdates,
        username: str,
    ) -> None:
        self.settings, self.db, self.bot, self.i18n = settings, db, bot, i18n
        self.in_flight, self.username = in_flight, username
        self.metrics = Metrics(db, settings.backup.folder(settings.database.path))
        throttle.on_pause = self.metrics.pause
        self.scheduler = Scheduler()
        self.reminders = ReminderEngine(db, self.scheduler, fired=self.metrics.reminder_fired)
        self.progress = BroadcastProgress(bot, db, i18n)
        self.reports = ReportWorker(db.path, settings.bot.tz, workers=REPORT_WORKERS)
        self.dispatcher = create_dispatcher(
            settings,
            db,
            i18n,
            in_flight,
            reminders=self.reminders,
            reports=self.reports,
            metrics=self.metrics,
        )
        self.delivery = DeliveryWorker(
            bot,
            db,
            i18n,
            handler_settings(settings),
            renderers(),
            settings.delivery,
            throttle,
            outcome=self.metrics.sent,
        )
        self.health = Health(db, self.scheduler, self.delivery, bot, contact)
        self.webhook: WebhookReceiver | None = None
        self._web: web.AppRunner | None = None

    async def started(self) -> None:
        try:
            await publish_default_commands(self.bot, self.i18n)
        except TelegramAPIError as error:
            log.warning("setMyCommands failed: %s", error.message)
        await self.delivery.start()
        self.scheduler.start()
        register_jobs(self.scheduler, self.db, self.settings)
        await self.reminders.start()
        self.scheduler.every(PROGRESS_JOB, PROGRESS_EVERY, self.progress.tick)
        settle_heap()
        log.info("Seriktes is running as @%s", self.username)

    async def stopping(self) -> None:
        if self.webhook is not None:
            left = await self.webhook.drain(SHUTDOWN_GRACE_SECONDS)
            if left:
                log.warning("%d webhook updates were still running at shutdown", left)
        if not await self.in_flight.wait_idle(SHUTDOWN_GRACE_SECONDS):
            log.warning("%d updates were still running at shutdown", self.in_flight.count)
        await self.scheduler.shutdown()
        await self.reports.close()
        await self.delivery.stop()
        if self._web is not None:
            await self._web.cleanup()

    async def serve(self, address: Address | None) -> None:
        if address is None:
            return
        path = self.settings.webhook.path
        app = web_app(self.health, self.metrics, self.webhook, path)
        self._web = await serve(app, address.host, address.port)
        log.info("serving %s on %s", "the webhook" if self.webhook else "health checks", address)

    async def run_polling(self) -> None:
        async def on_startup(**_: Any) -> None:
            await self.started()
            await self.serve(self.settings.monitoring.listen)

        async def on_shutdown(**_: Any) -> None:
            await self.stopping()
            await _confirm_handled_updates(self.bot, self.in_flight)

        self.dispatcher.startup.register(on_startup)
        self.dispatcher.shutdown.register(on_shutdown)
        await self.bot.delete_webhook(drop_pending_updates=False)
        await self.dispatcher.start_polling(
            self.bot,
            allowed_updates=self.dispatcher.resolve_used_update_types(),
            handle_signals=True,
            close_bot_session=False,
        )

    async def run_webhook(self) -> None:
        hook = self.settings.webhook
        assert hook.url is not None  # run only when it is set
        assert hook.secret is not None  # the config requires one with url
        self.webhook = WebhookReceiver(
            self.dispatcher, self.bot, hook.secret, hook.max_in_flight, self.metrics
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await self.dispatcher.emit_startup(bot=self.bot)
        await self.started()
        await self.serve(hook.listen)
        try:
            await self.bot.set_webhook(
                hook.url,
                secret_token=hook.secret,
                allowed_updates=self.dispatcher.resolve_used_update_types(),
                drop_pending_updates=False,
            )
            await stop.wait()
        finally:
            await self.stopping()
            await self.dispatcher.emit_shutdown(bot=self.bot)
