"""The SQLite connection pair, transactions, migrations and the repositories."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiosqlite

from db.audit import AuditRepository
from db.broadcasts import BroadcastRepository
from db.clearance import ClearanceRepository
from db.connection import inline_connection, scan_connection
from db.diary import DiaryRepository
from db.domain.clock import Clock, SystemClock
from db.domain.placements import PlacementPolicy
from db.evaluations import EvaluationRepository
from db.events import EventRepository
from db.fsm import FsmRepository
from db.invites import InviteRepository
from db.issues import IssueRepository
from db.memoranda import MemorandumRepository
from db.orgs import OrganizationRepository
from db.outbox import OutboxRepository
from db.personal import PersonalDataRepository
from db.placements import PlacementRepository
from db.practice_log import PracticeLogRepository
from db.proposals import ProposalRepository
from db.reports import ReportRepository
from db.rounds import RoundRepository
from db.rows import all_rows, one_row, one_value
from db.support import SupportRepository
from db.users import UserCache, UserRepository

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000
# The writer commits on the event loop's thread, so it must never checkpoint there: copying
# a thousand WAL pages into the database stalled the loop for ~4 ms on every thousandth page.
# The checkpointer does it on its own thread after this many commits.
CHECKPOINT_AFTER_COMMITS = 100
DEFAULT_TIMEZONE = ZoneInfo("Asia/Almaty")
Params = Sequence[Any] | dict[str, Any]


def migration_scripts() -> list[tuple[int, str]]:
    """(version, sql) for every numbered file in db/migrations, in order."""
    scripts = []
    for entry in resources.files("db.migrations").iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            scripts.append((int(name[:4]), entry.read_text(encoding="utf-8")))
    scripts.sort()
    versions = [version for version, _ in scripts]
    if versions != list(range(1, len(versions) + 1)):
        raise RuntimeError(f"migrations must be numbered 0001, 0002, … without gaps: {versions}")
    return scripts


async def _connect(path: Path, *, read_only: bool, scans: bool = False) -> aiosqlite.Connection:
    """Inline (see db/connection.py), or threaded for `scans`: reads that may take long."""
    if scans:
        conn = await scan_connection(path, BUSY_TIMEOUT_MS)
    else:
        conn = await inline_connection(path)
    conn.row_factory = aiosqlite.Row
    await conn.execute("PRAGMA foreign_keys = ON")
    await conn.execute("PRAGMA synchronous = NORMAL")
    if read_only:
        await conn.execute("PRAGMA query_only = ON")
    return conn


class Database:
    """One writer connection (serialised by a lock), one reader, and one for long reads.

    WAL lets the readers see every committed write without waiting for the writer.
    Domain operations run in `transaction()`; they must not nest.

    The writer and the reader run their statements on the event loop's thread (db/connection.py:
    no thread hop per statement), so they take only short statements. A read that scans much
    data (a report over a year) goes through `scan_all`/`scan_one`, on its own thread, so the
    bot keeps answering meanwhile.
    """

    def __init__(
        self,
        path: Path,
        writer: aiosqlite.Connection,
        reader: aiosqlite.Connection,
        scanner: aiosqlite.Connection,
        checkpointer: aiosqlite.Connection,
        clock: Clock,
        timezone: ZoneInfo,
        placement_policy: PlacementPolicy,
    ) -> None:
        self.path = path
        self.clock = clock
        self.timezone = timezone
        self._writer = writer
        self._reader = reader
        self._scanner = scanner
        self._checkpointer = checkpointer
        self._commits_since_checkpoint = 0
        self._checkpointing: asyncio.Task[None] | None = None
        self._write_lock = asyncio.Lock()
        self.user_cache = UserCache()
        self._after_commit: list[Callable[[], None]] = []
        self.audit = AuditRepository(self)
        self.fsm = FsmRepository(self)
        self.orgs = OrganizationRepository(self)
        self.users = UserRepository(self)
        self.invites = InviteRepository(self)
        self.outbox = OutboxRepository(self)
        self.placements = PlacementRepository(self, placement_policy)
        self.rounds = RoundRepository(self)
        self.proposals = ProposalRepository(self)
        self.clearance = ClearanceRepository(self)
        self.practice = PracticeLogRepository(self)
        self.evaluations = EvaluationRepository(self)
        self.diary = DiaryRepository(self)
        self.issues = IssueRepository(self)
        self.support = SupportRepository(self)
        self.events = EventRepository(self)
        self.broadcasts = BroadcastRepository(self)
        self.memoranda = MemorandumRepository(self)
        self.reports = ReportRepository(self)
        self.personal = PersonalDataRepository(self)

    @classmethod
    async def open(
        cls,
        path: Path | str,
        clock: Clock | None = None,
        timezone: ZoneInfo | None = None,
        placement_policy: PlacementPolicy | None = None,
    ) -> Database:
        """Open (creating and migrating) the file; `timezone` decides what "today" means."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = await _connect(path, read_only=False)
        try:
            await writer.execute("PRAGMA journal_mode = WAL")
            await writer.execute("PRAGMA wal_autocheckpoint = 0")
            await apply_migrations(writer)
            reader = await _connect(path, read_only=True)
            scanner = await _connect(path, read_only=True, scans=True)
            checkpointer = await scan_connection(path, BUSY_TIMEOUT_MS)
        except BaseException:
            await writer.close()
            raise
        return cls(
            path,
            writer,
            reader,
            scanner,
            checkpointer,
            clock or SystemClock(),
            timezone or DEFAULT_TIMEZONE,
            placement_policy or PlacementPolicy(),
        )

    def today(self) -> date:
        """The deployment's local date: practice periods and deadlines are local days."""
        return self.clock.now().astimezone(self.timezone).date()

    async def close(self) -> None:
        async with self._write_lock:
            if self._checkpointing is not None:
                await self._checkpointing
            await self._checkpointer.close()
            await self._scanner.close()
            await self._reader.close()
            await self._writer.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE … COMMIT on the writer; ROLLBACK on any exception."""
        async with self._write_lock:
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
            except BaseException:
                self._after_commit.clear()
                await self._writer.execute("ROLLBACK")
                raise
            await self._writer.execute("COMMIT")
            callbacks, self._after_commit = self._after_commit, []
            self._committed()
        for callback in callbacks:
            callback()

    async def write(self, sql: str, params: Params = ()) -> int:
        """One statement on its own (SQLite commits it atomically); returns the rows changed.

        A single round trip instead of BEGIN/statement/COMMIT: for the many one-row writes
        (conversation state, delivery marks) that need no other statement with them.
        """
        async with self._write_lock:
            cursor = await self._writer.execute(sql, params)
            self._committed()
            return cursor.rowcount

    def _committed(self) -> None:
        self._commits_since_checkpoint += 1
        if self._commits_since_checkpoint >= CHECKPOINT_AFTER_COMMITS and (
            self._checkpointing is None or self._checkpointing.done()
        ):
            self._commits_since_checkpoint = 0
            self._checkpointing = asyncio.create_task(self.checkpoint())

    async def checkpoint(self) -> None:
        """Copy committed WAL pages into the database file, on the checkpointer's thread.

        PASSIVE: it never waits for readers or the writer, so the bot goes on meanwhile; pages
        a reader still needs are copied by a later checkpoint.
        """
        try:
            await self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error:
            log.exception("WAL checkpoint failed; the next one will try again")

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the current transaction commits (dropped on rollback)."""
        self._after_commit.append(callback)

    async def fetch_all(
        self, sql: str, params: Params = (), conn: aiosqlite.Connection | None = None
    ) -> list[aiosqlite.Row]:
        """All rows in one round trip to the database thread.

        No cursor stays open across an await: on the shared reader an open statement keeps
        its snapshot, and a read that follows on the same connection would not see rows
        committed meanwhile. Pass the transaction's `conn` to read its own writes.
        """
        return await all_rows(conn or self._reader, sql, params)

    async def fetch_one(
        self, sql: str, params: Params = (), conn: aiosqlite.Connection | None = None
    ) -> aiosqlite.Row | None:
        return await one_row(conn or self._reader, sql, params)

    async def fetch_value(
        self, sql: str, params: Params = (), conn: aiosqlite.Connection | None = None
    ) -> Any:
        return await one_value(conn or self._reader, sql, params)

    async def scan_all(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        """A read that may take long (a report's aggregate over a year), off the loop's thread."""
        return await all_rows(self._scanner, sql, params)

    async def scan_one(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        return await one_row(self._scanner, sql, params)

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None:
        async with self.transaction() as conn:
            await conn.executemany(sql, rows)


async def schema_version(conn: aiosqlite.Connection) -> int:
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def apply_migrations(conn: aiosqlite.Connection) -> int:
    """Bring the schema up to date; each migration commits with its version or not at all."""
    current = await schema_version(conn)
    scripts = migration_scripts()
    if current > len(scripts):
        raise RuntimeError(
            f"the database schema (version {current}) is newer than this code knows "
            f"({len(scripts)}); upgrade Seriktes before opening it"
        )
    for version, sql in scripts[current:]:
        try:
            await conn.executescript(
                f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {version};\nCOMMIT;"
            )
        except BaseException:
            if conn.in_transaction:
                await conn.execute("ROLLBACK")
            raise
        log.info("database migrated to version %d", version)
    return len(scripts)
