"""The delivery worker: sends outbox rows within Telegram's limits, one state change per row.

What it guarantees, and the windows where it cannot:
- a row is marked 'sending' (committed) before its request leaves and 'sent' after Telegram
  accepts it. Rows found 'sending' at start (the process died mid-request) are marked
  'unknown' and not resent: a crash can leave at most `max_in_flight` messages unknown;
- a request that never left (connection refused, DNS) is retried, up to `max_attempts`;
- a request that left but got no answer (timeout, connection lost, a 5xx) may or may not
  have reached the person: `on_unknown = "resend"` retries it (it may then arrive twice),
  `"skip"` records it 'unknown' (it may then not have arrived); reports show 'unknown' apart
  from 'failed';
- pacing is the shared throttle's (bot/throttle.py): replies first, then notifications, then
  broadcasts; a 429 pauses all sending for exactly `retry_after` and the row keeps a
  persisted not-before time;
- a 403 marks the person as having blocked the bot and drops what is queued for them; other
  errors are recorded with their reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import timedelta

import aiohttp
from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.utils.i18n import I18n

from bot.delivery_settings import DeliverySettings
from bot.throttle import Lane, Throttle, sending_as
from db import Database
from db.outbox import PRIORITY_BROADCAST, OutboxItem
from handlers.kit.notices import Notice, NoticeContext, Renderer, UnknownNotice, render
from handlers.kit.settings import HandlerSettings

log = logging.getLogger("seriktes.delivery")

IDLE_POLL_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 300


def never_left(error: TelegramNetworkError) -> bool:
    """The connection was never made (refused, DNS): Telegram cannot have the message."""
    return isinstance(error.__cause__, aiohttp.ClientConnectorError)


def lane_of(item: OutboxItem) -> Lane:
    return Lane.BROADCAST if item.priority >= PRIORITY_BROADCAST else Lane.NOTICE


class DeliveryWorker:
    def __init__(
        self,
        bot: Bot,
        db: Database,
        i18n: I18n,
        settings: HandlerSettings,
        renderers: dict[str, Renderer],
        config: DeliverySettings | None = None,
        throttle: Throttle | None = None,
        outcome: Callable[[str], None] | None = None,
    ) -> None:
        self.bot = bot
        self.db = db
        self.i18n = i18n
        self.settings = settings
        self.renderers = renderers
        self.config = config or DeliverySettings()
        # Shared with the bot's session (bot/throttle.py): replies go first.
        self._throttle = throttle or Throttle.from_settings(self.config)
        self._slots = asyncio.Semaphore(self.config.max_in_flight)
        self._busy_users: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = False
        self._runner: asyncio.Task[None] | None = None
        self._outcome = outcome or (lambda result: None)  # each send's result (metrics)

    @property
    def alive(self) -> bool:
        """Running, for /readyz: started and not ended."""
        return self._runner is not None and not self._runner.done()

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
        if item.user_id in self._busy_users or not self._throttle.chat_ready(item.telegram_id):
            return 0
        if item.blocked or item.telegram_id is None:
            await self.db.outbox.mark_user_blocked(item.user_id)
            return 0
        await self._throttle.acquire(lane_of(item), item.telegram_id)
        await self._slots.acquire()
        if not await self.db.outbox.mark_sending(item.id):
            self._slots.release()
            return 0
        self._busy_users.add(item.user_id)
        task = asyncio.create_task(self._deliver(item))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return 1

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
            self._busy_users.discard(item.user_id)
            self._slots.release()

    async def _attempt(self, item: OutboxItem) -> None:
        try:
            notice = await self._render(item)
            if notice is None:
                await self.db.outbox.mark_failed(item.id, "nothing to send any more")
                self._outcome("failed")
                return
            assert item.telegram_id is not None
            with sending_as(lane_of(item), prepaid=True):
                await self._send(item.telegram_id, notice)
        except UnknownNotice:
            await self.db.outbox.mark_failed(item.id, f"unknown kind {item.kind}")
            self._outcome("failed")
        except TelegramRetryAfter as error:
            self._throttle.pause(error.retry_after)
            not_before = self.db.clock.now() + timedelta(seconds=error.retry_after)
            log.warning("flood control: pausing %ss", error.retry_after)
            await self.db.outbox.retry_later(
                item.id, not_before, f"retry after {error.retry_after}s"
            )
            self._outcome("retry")
        except TelegramForbiddenError:
            await self.db.outbox.mark_user_blocked(item.user_id)
            self._outcome("blocked")
        except TelegramNetworkError as error:
            reason = f"{type(error).__name__}: {error.message}"
            if never_left(error):
                await self._retry_or_fail(item, reason)
            else:
                await self._unknown_outcome(item, reason)
        except TelegramServerError as error:  # RestartingTelegram too: it may have the message
            await self._unknown_outcome(item, f"{type(error).__name__}: {error.message}")
        except TelegramAPIError as error:
            await self.db.outbox.mark_failed(item.id, f"{type(error).__name__}: {error.message}")
            self._outcome("failed")
        else:
            await self.db.outbox.mark_sent(item.id)
            self._outcome("sent")

    async def _unknown_outcome(self, item: OutboxItem, error: str) -> None:
        """The request left but no answer came back: [delivery] on_unknown decides."""
        if self.config.on_unknown == "resend":
            await self._retry_or_fail(item, error)
        else:
            await self.db.outbox.mark_unknown(item.id, error)
            self._outcome("unknown")

    async def _retry_or_fail(self, item: OutboxItem, error: str) -> None:
        if item.attempts + 1 >= self.config.max_attempts:
            await self.db.outbox.mark_failed(item.id, error)
            self._outcome("failed")
            return
        self._outcome("retry")
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
