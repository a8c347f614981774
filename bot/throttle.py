"""One limiter for everything that leaves the process: replies first, then notifications,
then broadcasts.

Telegram allows about 30 messages a second from a bot and about one a second in a chat
(with short bursts), and answers 429 with `retry_after` beyond that; a 429 pauses the whole
bot for that long. `Throttle` grants sends in lane order (a person waiting for a reply goes
before a queued notification, which goes before a broadcast) within both budgets.
`ThrottleMiddleware`, on the bot session, makes every request pass it: a reply that meets a
429 is sent again after exactly `retry_after` (a 429 means it was not delivered, so it is
never doubled); the delivery worker's sends are not retried here, since it keeps a
persisted not-before time for them instead.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import AnswerCallbackQuery, TelegramMethod
from aiogram.methods.base import TelegramType

from bot.delivery_settings import DeliverySettings

log = logging.getLogger("seriktes.throttle")

# A little over a second per window: requests leave here and arrive there in order, but
# not at identical intervals.
WINDOW_SECONDS = 1.02
REPLY_RETRIES = 5
SEND_PREFIXES = ("Send", "Edit", "Copy", "Forward")
NOT_MESSAGES = ("SendChatAction",)
# Only a new message in a chat counts against that chat's pace: editing the message a button
# belongs to (five quick taps on scores) counts against the bot's overall budget alone.
NEW_MESSAGE_PREFIXES = ("Send", "Copy", "Forward")


class Lane(IntEnum):
    REPLY = 0  # someone is waiting for it
    NOTICE = 1  # a notification or reminder from the outbox
    BROADCAST = 2


_lane: ContextVar[Lane] = ContextVar("throttle_lane", default=Lane.REPLY)
_prepaid: ContextVar[bool] = ContextVar("throttle_prepaid", default=False)


@dataclass(order=True)
class _Waiter:
    lane: Lane
    seq: int
    chat_id: int | None = field(compare=False)
    granted: asyncio.Future[None] = field(compare=False)


class Throttle:
    """The bot's send budget: `per_second` overall, `per_chat_burst` per chat in any
    `per_chat_burst × per_chat_interval` seconds (0 turns the per-chat limit off)."""

    def __init__(
        self,
        per_second: int,
        per_chat_interval: float,
        per_chat_burst: int = 3,
        clock: Callable[[], float] = time.monotonic,
        window: float = WINDOW_SECONDS,
    ) -> None:
        self.per_second = per_second
        self.window = window
        self.per_chat_burst = per_chat_burst
        self.per_chat_window = per_chat_interval * per_chat_burst
        self._clock = clock
        self._stamps: deque[float] = deque()
        self._chats: dict[int, deque[float]] = {}
        self._paused_until = 0.0
        self.on_pause: Callable[[float], None] | None = None  # told of each 429 (metrics)
        self._queue: list[_Waiter] = []
        self._seq = itertools.count()
        self._kick = asyncio.Event()
        self._pump: asyncio.Task[None] | None = None

    @classmethod
    def from_settings(cls, settings: DeliverySettings) -> Throttle:
        return cls(
            settings.messages_per_second, settings.per_chat_interval, settings.per_chat_burst
        )

    def pause(self, seconds: float) -> None:
        """Telegram said 429: nothing leaves for `seconds`."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)
        self._kick.set()
        if self.on_pause is not None:
            self.on_pause(seconds)

    def paused_for(self) -> float:
        return max(0.0, self._paused_until - self._clock())

    def chat_ready(self, chat_id: int | None) -> bool:
        return self._chat_wait(chat_id, self._clock()) <= 0

    async def acquire(self, lane: Lane, chat_id: int | None = None) -> None:
        """Wait for this send's turn: lane order, within both budgets."""
        now = self._clock()
        self._forget_before(now)
        if not self._queue and self._global_wait(now) <= 0 and self._chat_wait(chat_id, now) <= 0:
            self._record(chat_id, now)  # nobody waits and there is room: no queue, no task
            return
        waiter = _Waiter(lane, next(self._seq), chat_id, asyncio.get_running_loop().create_future())
        heapq.heappush(self._queue, waiter)
        self._kick.set()
        if self._pump is None or self._pump.done():
            self._pump = asyncio.create_task(self._grant_in_turn(), name="throttle")
        await waiter.granted

    async def wait_unpaused(self) -> None:
        """For what is not a message (answering a button): only a 429 pause holds it."""
        wait = self.paused_for()
        while wait > 0:  # a pause can be extended while we sleep
            await asyncio.sleep(wait)
            wait = self.paused_for()

    async def _grant_in_turn(self) -> None:
        """Runs while anyone waits: grants the first waiter (by lane) whose chat is ready."""
        while self._queue:
            self._kick.clear()
            now = self._clock()
            self._forget_before(now)
            wait = self._global_wait(now)
            if wait <= 0:
                chosen = self._first_ready(now)
                if chosen is not None:
                    self._record(chosen.chat_id, now)
                    chosen.granted.set_result(None)
                    continue
                wait = min(self._chat_wait(w.chat_id, now) for w in self._queue)
            with suppress(TimeoutError):
                await asyncio.wait_for(self._kick.wait(), max(wait, 0.001))

    def _first_ready(self, now: float) -> _Waiter | None:
        self._queue = [w for w in self._queue if not w.granted.done()]
        heapq.heapify(self._queue)
        for waiter in sorted(self._queue):
            if self._chat_wait(waiter.chat_id, now) <= 0:
                self._queue.remove(waiter)
                heapq.heapify(self._queue)
                return waiter
        return None

    def _global_wait(self, now: float) -> float:
        wait = self._paused_until - now
        if len(self._stamps) >= self.per_second:
            wait = max(wait, self._stamps[0] + self.window - now)
        return wait

    def _chat_wait(self, chat_id: int | None, now: float) -> float:
        if chat_id is None or self.per_chat_window <= 0:
            return 0.0
        stamps = self._chats.get(chat_id)
        if not stamps or len(stamps) < self.per_chat_burst:
            return 0.0
        return stamps[0] + self.per_chat_window - now

    def _record(self, chat_id: int | None, now: float) -> None:
        self._stamps.append(now)
        if chat_id is not None and self.per_chat_window > 0:
            stamps = self._chats.setdefault(chat_id, deque())
            while stamps and now - stamps[0] >= self.per_chat_window:
                stamps.popleft()
            stamps.append(now)

    def _forget_before(self, now: float) -> None:
        while self._stamps and now - self._stamps[0] >= self.window:
            self._stamps.popleft()
        if len(self._chats) > 10_000:
            self._chats = {
                chat: stamps
                for chat, stamps in self._chats.items()
                if stamps and now - stamps[-1] < self.per_chat_window
            }


@contextmanager
def sending_as(lane: Lane, *, prepaid: bool = False) -> Iterator[None]:
    """Requests made inside belong to `lane`; `prepaid`: the caller already acquired a turn."""
    lane_token, prepaid_token = _lane.set(lane), _prepaid.set(prepaid)
    try:
        yield
    finally:
        _lane.reset(lane_token)
        _prepaid.reset(prepaid_token)


def counts_as_send(method: TelegramMethod[Any]) -> bool:
    name = type(method).__name__
    return name.startswith(SEND_PREFIXES) and name not in NOT_MESSAGES


class ThrottleMiddleware(BaseRequestMiddleware):
    """Session middleware: every request to the Bot API passes the throttle."""

    def __init__(self, throttle: Throttle) -> None:
        self.throttle = throttle

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        lane = _lane.get()
        send = counts_as_send(method)
        if not send and not isinstance(method, AnswerCallbackQuery):
            return await make_request(bot, method)  # polling, setup: not messages
        chat_id = getattr(method, "chat_id", None)
        new_message = type(method).__name__.startswith(NEW_MESSAGE_PREFIXES)
        chat = chat_id if isinstance(chat_id, int) and new_message else None
        prepaid = _prepaid.get()
        for attempt in range(REPLY_RETRIES + 1):
            if send and not (prepaid and attempt == 0):
                await self.throttle.acquire(lane, chat)
            else:
                await self.throttle.wait_unpaused()
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                self.throttle.pause(error.retry_after)
                if lane is not Lane.REPLY or attempt == REPLY_RETRIES:
                    raise
                log.warning(
                    "flood control on a reply: %s waits %ss",
                    method.__api_method__,
                    error.retry_after,
                )
        raise AssertionError("unreachable")  # pragma: no cover
