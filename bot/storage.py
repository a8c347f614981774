"""aiogram FSM storage on SQLite: a conversation survives a restart of the bot."""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey
from aiogram.types import TelegramObject

from db.fsm import FsmRepository

Entry = tuple[str | None, str]  # (state, data as JSON): decoding gives every reader its own copy


def storage_key(key: StorageKey) -> str:
    thread = key.thread_id or ""
    business = key.business_connection_id or ""
    return f"{key.bot_id}:{key.chat_id}:{key.user_id}:{thread}:{business}:{key.destiny}"


class SQLiteStorage(BaseStorage):
    """Rows in `fsm_state`, with a write-through cache of recent keys.

    The cache is exact because this process is the only writer of conversation state;
    it spares a database round trip on every update. Data must be JSON: what could not
    be written to the row fails here, at once, rather than after a restart.

    Inside `batched_writes()` (one update, see bot/app.py) the row is written once, when the
    update is done, however many times the handler changed state and data; a change that
    leaves the row as it was is not written at all.
    """

    def __init__(self, repository: FsmRepository, cache_size: int = 10_000) -> None:
        self._repository = repository
        self._cache: OrderedDict[str, Entry] = OrderedDict()
        self._cache_size = cache_size
        self._pending: ContextVar[dict[str, Entry] | None] = ContextVar(
            "fsm_pending_writes", default=None
        )

    @asynccontextmanager
    async def batched_writes(self) -> AsyncIterator[None]:
        pending: dict[str, Entry] = {}
        token = self._pending.set(pending)
        try:
            yield
        finally:
            self._pending.reset(token)
            await self._write(pending)

    async def _write(self, entries: dict[str, Entry]) -> None:
        for key, (state, data) in entries.items():
            try:
                await self._repository.save(key, state, json.loads(data))
            except BaseException:
                for unsaved in entries:  # the cache must not claim what the table lacks
                    self._cache.pop(unsaved, None)
                raise

    async def _load(self, key: str) -> Entry:
        entry = self._cache.get(key)
        pending = self._pending.get()
        if entry is None and pending:
            entry = pending.get(key)
        if entry is None:
            state, data = await self._repository.load(key)
            entry = (state, json.dumps(data, ensure_ascii=False))
        self._remember(key, entry)
        return entry

    def _remember(self, key: str, entry: Entry) -> None:
        self._cache[key] = entry
        self._cache.move_to_end(key)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    async def _save(self, key: str, state: str | None, data: dict[str, Any]) -> None:
        encoded = json.dumps(data, ensure_ascii=False)  # fails here, on what JSON cannot hold
        entry = (state, encoded)
        if self._cache.get(key) == entry:
            return
        pending = self._pending.get()
        if pending is None:
            await self._repository.save(key, state, json.loads(encoded))
        else:
            pending[key] = entry
        self._remember(key, entry)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        name = state.state if isinstance(state, State) else state
        cache_key = storage_key(key)
        _, data = await self._load(cache_key)
        await self._save(cache_key, name, json.loads(data))

    async def get_state(self, key: StorageKey) -> str | None:
        state, _ = await self._load(storage_key(key))
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        cache_key = storage_key(key)
        state, _ = await self._load(cache_key)
        await self._save(cache_key, state, dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        _, data = await self._load(storage_key(key))
        decoded: dict[str, Any] = json.loads(data)
        return decoded

    async def close(self) -> None:
        self._cache.clear()


class BatchedFsmWrites(BaseMiddleware):
    """Update middleware: an update's conversation-state changes reach the table once, at its end.

    Registered inside aiogram's FSM middleware, so the per-chat lock is still held while the
    row is written.
    """

    def __init__(self, storage: SQLiteStorage) -> None:
        self.storage = storage

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        async with self.storage.batched_writes():
            return await handler(event, data)
