"""The delivery worker: sends outbox rows within Telegram's limits, one state change per row.

Guarantees, and their window:
- a row is marked 'sending' (committed) before its request leaves and 'sent' after Telegram
  accepts it; rows found 'sending' at start are marked 'unknown' and never resent, so a crash
  can lose at most `max_in_flight` messages and never doubles one;
- at most `messages_per_second` requests in any sliding second, at most one per chat per
  `per_chat_interval`; a 429 pauses all sending for exactly `retry_after` and the row keeps a
  persisted not-before time;
- network and 5xx errors retry with exponential backoff up to `max_attempts`; a 403 marks the
  person as having blocked the bot and drops what is queued for them; other errors are
  recorded with their reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from datetime import timedelta

from aiogram import Bot
from aiogram.exceptions import (
    RestartingTelegram,
    TelegramAPIError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.utils.i18n import I18n

from bot.delivery_settings import DeliverySettings
from db import Database
from db.outbox import OutboxItem
from handlers.kit.notices import Notice, NoticeContext, Renderer, UnknownNotice, render
from handlers.kit.settings import HandlerSettings

log = logging.getLogger("seriktes.delivery")

IDLE_POLL_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 300


class SlidingWindowLimiter:
    """At most `limit` acquisitions in any `window` seconds; can be paused (HTTP 429)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._stamps: deque[float] = deque()
        self._paused_until = 0.0

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    async def acquire(self) -> None:
        while True:
            now = time.monotonic()
            while self._stamps and now - self._stamps[0] >= self.window:
                self._stamps.popleft()
            wait = self._paused_until - now
            if len(self._stamps) >= self.limit:
                wait = max(wait, self._stamps[0] + self.window - now)
            if wait <= 0:
                self._stamps.append(now)
                return
            await asyncio.sleep(wait)


class DeliveryWorker:
    def __init__(
        self,
        bot: Bot,
        db: Database,
        i18n: I18n,
        settings: HandlerSettings,
        renderers: dict[str, Renderer],
        config: DeliverySettings | None = None,
    ) -> None:
        self.bot = bot
        self.db = db
        self.i18n = i18n
        self.settings = settings
        self.renderers = renderers
        self.config = config or DeliverySettings()
        # A little over a second per window: requests leave here and arrive there in order,
        # but not at identical intervals.
        self._limiter = SlidingWindowLimiter(self.config.messages_per_second, 1.02)
        self._slots = asyncio.Semaphore(self.config.max_in_flight)
        self._last_sent: dict[int, float] = {}
        self._busy_users: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = False
        self._runner: asyncio.Task[None] | None = None

    async def start(self) -> None:
        interrupted = await self.db.outbox.recover_interrupted()
        if interrupted:
            log.warning(
                "%d messages were being sent when the bot stopped; not resending", interrupted
            )
        self._runner = asyncio.create_task(self._run(), name="delivery")

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Stop taking rows; let the requests in flight finish and be recorded."""
        self._stopping = True
        self.db.outbox.wakeup.set()
        if self._runner is not None:
            await self._runner
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=grace_seconds)

    async def drain(self) -> None:
        """Send everything due now, then return (tests, benches, one-shot runs)."""
        while True:
            batch = await self.db.outbox.due(self.config.batch_size)
            if not batch:
                if self._tasks:
                    await asyncio.wait(set(self._tasks))
                    continue
                return
            started = sum([await self._start(item) for item in batch])
            if self._tasks:
                await asyncio.wait(set(self._tasks))
            elif not started:
                await asyncio.sleep(0.01)

    async def _run(self) -> None:
        while not self._stopping:
            self.db.outbox.wakeup.clear()
            batch = await self.db.outbox.due(self.config.batch_size)
            started = 0
            for item in batch:
                if self._stopping:
                    break
                started += await self._start(item)
            if started == 0 and not self._stopping:
                await self._idle(batch)

    async def _start(self, item: OutboxItem) -> int:
        if item.user_id in self._busy_users or self._cooling(item):
            return 0
        if item.blocked or item.telegram_id is None:
            await self.db.outbox.mark_user_blocked(item.user_id)
            return 0
        await self._limiter.acquire()
        await self._slots.acquire()
        if not await self.db.outbox.mark_sending(item.id):
            self._slots.release()
            return 0
        self._busy_users.add(item.user_id)
        task = asyncio.create_task(self._deliver(item))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return 1

    def _cooling(self, item: OutboxItem) -> bool:
        last = self._last_sent.get(item.user_id)
        return last is not None and time.monotonic() - last < self.config.per_chat_interval

    async def _idle(self, batch: list[OutboxItem]) -> None:
        if batch:  # everything due is waiting for its chat's interval or for a slot
            await asyncio.sleep(0.02)
            return
        timeout = IDLE_POLL_SECONDS
        next_due = await self.db.outbox.next_due_at()
        if next_due is not None:
            timeout = min(timeout, max(0.0, (next_due - self.db.clock.now()).total_seconds()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.db.outbox.wakeup.wait(), timeout)

    async def _deliver(self, item: OutboxItem) -> None:
        try:
            await self._attempt(item)
        except Exception:  # a bug must not stop delivery; the row says what happened
            log.exception("delivery of outbox row %s failed", item.id)
            await self.db.outbox.mark_failed(item.id, "internal error")
        finally:
            self._last_sent[item.user_id] = time.monotonic()
            self._busy_users.discard(item.user_id)
            self._slots.release()
            if len(self._last_sent) > 10_000:
                self._forget_old_chats()

    async def _attempt(self, item: OutboxItem) -> None:
        try:
            notice = await self._render(item)
            if notice is None:
                await self.db.outbox.mark_failed(item.id, "nothing to send any more")
                return
            assert item.telegram_id is not None
            await self._send(item.telegram_id, notice)
        except UnknownNotice:
            await self.db.outbox.mark_failed(item.id, f"unknown kind {item.kind}")
        except TelegramRetryAfter as error:
            self._limiter.pause(error.retry_after)
            not_before = self.db.clock.now() + timedelta(seconds=error.retry_after)
            log.warning("flood control: pausing %ss", error.retry_after)
            await self.db.outbox.retry_later(
                item.id, not_before, f"retry after {error.retry_after}s"
            )
        except TelegramForbiddenError:
            await self.db.outbox.mark_user_blocked(item.user_id)
        except (TelegramNetworkError, TelegramServerError, RestartingTelegram) as error:
            await self._retry_or_fail(item, f"{type(error).__name__}: {error.message}")
        except TelegramAPIError as error:
            await self.db.outbox.mark_failed(item.id, f"{type(error).__name__}: {error.message}")
        else:
            await self.db.outbox.mark_sent(item.id)

    async def _retry_or_fail(self, item: OutboxItem, error: str) -> None:
        if item.attempts + 1 >= self.config.max_attempts:
            await self.db.outbox.mark_failed(item.id, error)
            return
        delay = min(MAX_BACKOFF_SECONDS, 2 ** (item.attempts + 1))
        await self.db.outbox.retry_later(
            item.id, self.db.clock.now() + timedelta(seconds=delay), error
        )

    async def _render(self, item: OutboxItem) -> Notice | None:
        context = NoticeContext(self.db, self.settings, item.user_id, item.locale)
        with self.i18n.context(), self.i18n.use_locale(item.locale):
            return await render(self.renderers, context, item.kind, item.payload)

    async def _send(self, chat_id: int, notice: Notice) -> None:
        if notice.photo:
            await self.bot.send_photo(
                chat_id, notice.photo, caption=notice.text, reply_markup=notice.reply_markup
            )
        elif notice.document:
            await self.bot.send_document(
                chat_id, notice.document, caption=notice.text, reply_markup=notice.reply_markup
            )
        else:
            await self.bot.send_message(chat_id, notice.text, reply_markup=notice.reply_markup)

    def _forget_old_chats(self) -> None:
        horizon = time.monotonic() - self.config.per_chat_interval
        self._last_sent = {user: at for user, at in self._last_sent.items() if at >= horizon}
