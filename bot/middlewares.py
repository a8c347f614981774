"""Middlewares: logging and in-flight tracking, the user row, the locale, answered callbacks."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.methods import AnswerCallbackQuery, Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import CallbackQuery, Chat, TelegramObject, Update
from aiogram.types import User as TgUser
from aiogram.utils.i18n import I18nMiddleware

from bot.metrics import Metrics
from db import Database
from db.domain.models import LOCALES, Role, User

log = logging.getLogger("seriktes.updates")

SEEN_RESOLUTION = timedelta(minutes=10)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class InFlightUpdates:
    """Counts updates being handled so shutdown can wait for them to finish."""

    def __init__(self) -> None:
        self._count = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self.last_update_id: int | None = None

    def started(self, update_id: int) -> None:
        self._count += 1
        self._idle.clear()
        if self.last_update_id is None or update_id > self.last_update_id:
            self.last_update_id = update_id

    def finished(self) -> None:
        self._count -= 1
        if self._count == 0:
            self._idle.set()

    @property
    def count(self) -> int:
        return self._count

    async def wait_idle(self, seconds: float) -> bool:
        try:
            async with asyncio.timeout(seconds):
                await self._idle.wait()
        except TimeoutError:
            return False
        return True


class UpdateLogMiddleware(BaseMiddleware):
    """One log line per update: id, user, handler, duration. Never message text or tokens."""

    def __init__(self, in_flight: InFlightUpdates, metrics: Metrics | None = None) -> None:
        self.in_flight = in_flight
        self.metrics = metrics

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        started = time.perf_counter()
        context = data["log_context"] = {"handler": "-"}
        sender: TgUser | None = data.get("event_from_user")
        self.in_flight.started(event.update_id)
        outcome = "ok"
        try:
            return await handler(event, data)
        except BaseException:
            outcome = "error"
            raise
        finally:
            self.in_flight.finished()
            seconds = time.perf_counter() - started
            log.info(
                "update=%s user=%s handler=%s duration_ms=%.1f outcome=%s",
                event.update_id,
                sender.id if sender else "-",
                context["handler"],
                seconds * 1000,
                outcome,
                extra={"update_id": event.update_id, "handler": context["handler"]},
            )
            if self.metrics is not None:
                self.metrics.update_handled(event.event_type, context["handler"], seconds, outcome)


def handler_name(handler_object: HandlerObject) -> str:
    callback = handler_object.callback
    module = getattr(callback, "__module__", "?").removeprefix("handlers.")
    return f"{module}.{getattr(callback, '__name__', '?')}"


def note_handler(data: dict[str, Any]) -> None:
    """Tell the update's log line which handler took it."""
    context = data.get("log_context")
    handler_object: HandlerObject | None = data.get("handler")
    if context is not None and handler_object is not None:
        context["handler"] = handler_name(handler_object)


class HandlerNameMiddleware(BaseMiddleware):
    """Inner middleware: tells the log line which handler took the update."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        note_handler(data)
        return await handler(event, data)


class UserMiddleware(BaseMiddleware):
    """Private chats only; loads the person's row as `user` (None before registration)."""

    def __init__(self, db: Database, admins: frozenset[int]) -> None:
        self.db = db
        self.admins = admins

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        chat: Chat | None = data.get("event_chat")
        if chat is not None and chat.type != "private":
            return None  # by design: the bot works in private chats only
        sender: TgUser | None = data.get("event_from_user")
        user = None
        if sender is not None and not sender.is_bot:
            user = await self._load(sender)
        data["user"] = user
        return await handler(event, data)

    async def _load(self, sender: TgUser) -> User | None:
        user = await self.db.users.by_telegram_id(sender.id)
        if user is None:
            return None
        if sender.id in self.admins and user.role is not Role.ADMIN:
            user = await self.db.users.promote_config_admin(user.id)
        stale = self.db.clock.now() - user.seen_at > SEEN_RESOLUTION
        if stale or user.username != sender.username or user.blocked_at is not None:
            user = await self.db.users.touch(user, sender.username)
        return user


class LocaleMiddleware(I18nMiddleware):
    """The user's saved language; before registration the one chosen so far, else Telegram's."""

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        user: User | None = data.get("user")
        if user is not None:
            return user.locale
        state: FSMContext | None = data.get("state")
        if state is not None:
            chosen = (await state.get_data()).get("locale")
            if chosen in LOCALES:
                return str(chosen)
        sender: TgUser | None = data.get("event_from_user")
        return locale_from_language_code(
            sender.language_code if sender else None, self.i18n.default_locale
        )

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        locale = await self.get_locale(event, data)
        data["locale"] = locale
        data["i18n"] = self.i18n
        with self.i18n.context(), self.i18n.use_locale(locale):
            return await handler(event, data)


def locale_from_language_code(code: str | None, default: str) -> str:
    language = (code or "").split("-")[0].lower()
    return language if language in LOCALES else default


_answered_callbacks: ContextVar[set[str] | None] = ContextVar("answered_callbacks", default=None)


class AnsweredCallbackTracker(BaseRequestMiddleware):
    """Session middleware: notes every answerCallbackQuery made while handling an update."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        answered = _answered_callbacks.get()
        if answered is not None and isinstance(method, AnswerCallbackQuery):
            answered.add(method.callback_query_id)
        return await make_request(bot, method)


class KeepResponseModels(BaseRequestMiddleware):
    """Session middleware: holds the parsed-response model of every method the bot calls.

    aiogram parses each answer with `Response[method.__returning__]`, and pydantic caches such
    generic models only weakly: once collected, the next request builds the model again (about
    a millisecond, a fifth of a visit-form update in bench/flow_cost.py). One strong reference
    per result type, kept as long as the bot's session, makes every later lookup a cache hit.
    """

    def __init__(self) -> None:
        self._models: dict[Any, type[Response[Any]]] = {}

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        returning = method.__returning__
        if returning not in self._models:
            self._models[returning] = Response[returning]  # type: ignore[valid-type]
        return await make_request(bot, method)


class CallbackSpinnerMiddleware(BaseMiddleware):
    """Every button press gets an answer, so the phone's spinner never hangs.

    Handlers answer with a text or an alert when they have something to say; whatever they
    leave unanswered is answered empty here. Failures are left to the error handler.
    """

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        note_handler(data)  # in place of HandlerNameMiddleware: aiogram wraps one, not two
        if not isinstance(event, CallbackQuery):
            return await handler(event, data)
        token = _answered_callbacks.set(set())
        try:
            result = await handler(event, data)
            answered = _answered_callbacks.get() or set()
        finally:
            _answered_callbacks.reset(token)
        if event.id not in answered:
            try:
                await event.answer()
            except TelegramBadRequest as error:
                log.info("callback %s could not be answered: %s", event.id, error.message)
        return result
