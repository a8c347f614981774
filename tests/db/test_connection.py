"""Statements run on the event loop's thread; locks held by others are waited for without
blocking it; long reads run on their own thread (db/connection.py)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading

import pytest

from db import Database
from db import connection as db_connection
from db import database as database_module


async def test_short_statements_run_on_the_loops_thread_and_long_reads_do_not(
    db: Database,
) -> None:
    loop_thread = threading.get_ident()
    for connection in (db._writer, db._reader, db._scanner):
        await connection.create_function("thread_id", 0, threading.get_ident)
    assert await db.fetch_value("SELECT thread_id()") == loop_thread
    async with db.transaction() as conn:
        row = await conn.execute_fetchall("SELECT thread_id()")
        assert next(iter(row))[0] == loop_thread
    scanned = await db.scan_one("SELECT thread_id() AS id")
    assert scanned is not None and scanned["id"] != loop_thread


async def test_another_processs_lock_is_waited_for_without_blocking_the_loop(
    db: Database,
) -> None:
    other = sqlite3.connect(db.path, isolation_level=None)  # as the CLI or a backup would
    other.execute("BEGIN IMMEDIATE")
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    beating = asyncio.create_task(ticker())
    writing = asyncio.create_task(db.write("CREATE TABLE lock_probe (id INTEGER PRIMARY KEY)"))
    await asyncio.sleep(0.3)
    assert not writing.done(), "the write waits while the other connection holds the lock"
    assert ticks >= 10, "and the loop kept running meanwhile"
    other.execute("COMMIT")
    await asyncio.wait_for(writing, 5)
    beating.cancel()
    other.close()
    assert await db.fetch_value("SELECT count(*) FROM lock_probe") == 0


async def test_a_lock_held_past_the_busy_timeout_is_an_error(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db_connection, "BUSY_TIMEOUT_S", 0.2)
    other = sqlite3.connect(db.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(sqlite3.OperationalError):
            async with db.transaction():
                pass
    finally:
        other.execute("ROLLBACK")
        other.close()
    async with db.transaction() as conn:  # nothing was left half-open
        await conn.execute("SELECT 1")


def rows_in_the_database_file(path: object) -> int:
    """Rows of checkpoint_probe in the main file alone, as if the WAL were lost."""
    frozen = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        return int(frozen.execute("SELECT count(*) FROM checkpoint_probe").fetchone()[0])
    except sqlite3.OperationalError:  # the table itself is not in the file yet
        return 0
    finally:
        frozen.close()


async def test_commits_are_checkpointed_off_the_loops_thread(db: Database) -> None:
    checkpoint_threads: set[int] = set()
    await db._checkpointer.create_function(
        "note_thread", 0, lambda: checkpoint_threads.add(threading.get_ident())
    )
    async with db._writer.execute("PRAGMA wal_autocheckpoint") as cursor:
        assert tuple(await cursor.fetchone() or ()) == (0,), "the writer never checkpoints here"
    await db.write("CREATE TABLE checkpoint_probe (id INTEGER PRIMARY KEY)")
    for number in range(database_module.CHECKPOINT_AFTER_COMMITS * 2):
        await db.write("INSERT INTO checkpoint_probe (id) VALUES (?)", (number,))
    for _ in range(200):
        if rows_in_the_database_file(db.path) >= database_module.CHECKPOINT_AFTER_COMMITS:
            break
        await asyncio.sleep(0.01)
    assert rows_in_the_database_file(db.path) >= database_module.CHECKPOINT_AFTER_COMMITS
    await db._checkpointer.execute("SELECT note_thread()")
    assert checkpoint_threads and threading.get_ident() not in checkpoint_threads
