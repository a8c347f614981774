"""The SQLite connections: short statements on the event loop's thread, long reads on their own.

aiosqlite hands every statement to a worker thread and waits for its answer: a queue put, two
thread switches and a wake-up of the event loop, about 0.15 ms on a 2-core machine, while the
indexed statements of a conversation take 5–20 µs in SQLite itself (bench/flow_cost.py). An
update makes two to nine of them, so the hops were most of its cost.

`InlineConnection` keeps aiosqlite's API (rows, cursors, `await conn.execute(...)`, so every
repository reads the same) but runs each statement at once on the calling thread. What may
run there is bounded:
- statements are short: point reads and writes by index, a conversation's few rows, a
  transaction of them; reads that scan a year of data (reports) use `scan_connection`, a plain
  threaded aiosqlite connection, and exports read a snapshot in a worker process;
- nothing ever waits for a lock on the loop's thread: busy_timeout is 0 here, and a statement
  that finds another process's write lock (SQLITE_BUSY: the CLI, a backup) is retried after an
  asyncio sleep until BUSY_TIMEOUT_S, as SQLite's own busy handler would, without blocking
  the bot. Inside a transaction the write lock is held (WAL readers never block it), so a
  statement there is never retried.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import aiosqlite

BUSY_TIMEOUT_S = 10.0
_FIRST_RETRY_S = 0.002
_LONGEST_RETRY_S = 0.1
_WAIT_FOR_LOCK = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class InlineConnection(aiosqlite.Connection):
    """An aiosqlite connection whose statements run on the event loop's thread (see above)."""

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        connection = self._connection
        if not self._running or connection is None:
            raise ValueError("Connection closed")
        if connection.in_transaction:
            return fn(*args, **kwargs)
        return await _retry_while_locked(partial(fn, *args, **kwargs))


async def _retry_while_locked(statement: Callable[[], Any]) -> Any:
    """Run `statement`; while another process holds the lock, sleep (not block) and retry.

    A statement outside a transaction that meets SQLITE_BUSY has changed nothing yet (its own
    transaction could not begin), so running it again is safe.
    """
    deadline, delay = time.monotonic() + BUSY_TIMEOUT_S, _FIRST_RETRY_S
    while True:
        try:
            return statement()
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode not in _WAIT_FOR_LOCK or time.monotonic() >= deadline:
                raise
        await asyncio.sleep(delay)
        delay = min(delay * 2, _LONGEST_RETRY_S)


async def inline_connection(path: Path) -> aiosqlite.Connection:
    """Opened (and closed) by aiosqlite's thread; used only from the event loop's thread."""

    def connector() -> sqlite3.Connection:
        return sqlite3.connect(path, isolation_level=None, check_same_thread=False)

    connection = InlineConnection(connector, iter_chunk_size=64)
    await connection
    await connection.execute("PRAGMA busy_timeout = 0")
    return connection


async def scan_connection(path: Path, busy_timeout_ms: int) -> aiosqlite.Connection:
    """A plain aiosqlite connection: its statements run on its own thread, however long."""
    connection = await aiosqlite.connect(path, isolation_level=None)
    await connection.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
    return connection
