"""Outgoing messages as rows: written with the change they report, sent by one worker."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import aiosqlite

from db.rows import one_row
from db.timeutil import from_db, maybe_from_db, to_db

if TYPE_CHECKING:
    from db.database import Database

# Lower goes first, so a broadcast to thousands never delays "your placement was approved".
PRIORITY_PERSONAL = 0
PRIORITY_REMINDER = 5
PRIORITY_BROADCAST = 9


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    user_id: int
    telegram_id: int | None
    locale: str
    blocked: bool
    kind: str
    payload: dict[str, Any]
    priority: int
    attempts: int
    not_before: datetime


@dataclass(frozen=True, slots=True)
class OutboxCounts:
    pending: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    unknown: int = 0
    cancelled: int = 0


class OutboxRepository:
    def __init__(self, db: Database) -> None:
        self._db = db
        self.wakeup = asyncio.Event()

    async def add(
        self,
        conn: aiosqlite.Connection,
        user_ids: Iterable[int],
        kind: str,
        payload: dict[str, Any] | None = None,
        priority: int = PRIORITY_PERSONAL,
        not_before: datetime | None = None,
        broadcast_id: int | None = None,
    ) -> int:
        """Queue one message per user in the caller's transaction; wakes the worker on commit."""
        return await self.add_many(
            conn, [(user_ids, kind, payload)], priority, not_before, broadcast_id
        )

    async def add_many(
        self,
        conn: aiosqlite.Connection,
        messages: Iterable[tuple[Iterable[int], str, dict[str, Any] | None]],
        priority: int = PRIORITY_PERSONAL,
        not_before: datetime | None = None,
        broadcast_id: int | None = None,
    ) -> int:
        """Several kinds of message (recipients, kind, payload) in one statement."""
        now = self._db.clock.now()
        created, due = to_db(now), to_db(not_before or now)  # once, not per recipient
        rows: list[tuple[Any, ...]] = []
        for user_ids, kind, payload in messages:
            body = json.dumps(payload or {}, ensure_ascii=False, default=str)
            rows.extend(
                (user_id, kind, body, priority, due, created, broadcast_id)
                for user_id in dict.fromkeys(user_ids)
            )
        if not rows:
            return 0
        await conn.executemany(
            "INSERT INTO outbox (user_id, kind, payload, priority, not_before, created_at, "
            "broadcast_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        self._db.after_commit(self.wakeup.set)
        return len(rows)

    async def recover_interrupted(self) -> int:
        """Rows left 'sending' by a crash may or may not have reached Telegram: never resend."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE outbox SET status = 'unknown', error = 'interrupted while sending'"
                " WHERE status = 'sending'"
            )
            return cursor.rowcount

    async def due(self, limit: int) -> list[OutboxItem]:
        rows = await self._db.fetch_all(
            "SELECT o.*, u.telegram_id, u.locale, u.blocked_at FROM outbox o"
            " JOIN users u ON u.id = o.user_id"
            " WHERE o.status = 'pending' AND o.not_before <= ?"
            " ORDER BY o.priority, o.not_before, o.id LIMIT ?",
            (to_db(self._db.clock.now()), limit),
        )
        return [_item(row) for row in rows]

    async def next_due_at(self) -> datetime | None:
        value = await self._db.fetch_value(
            "SELECT min(not_before) FROM outbox WHERE status = 'pending'"
        )
        return maybe_from_db(value)

    async def mark_sending(self, item_id: int) -> bool:
        """Claim a row; False if it is no longer pending (cancelled meanwhile)."""
        changed = await self._db.write(
            "UPDATE outbox SET status = 'sending', attempts = attempts + 1"
            " WHERE id = ? AND status = 'pending'",
            (item_id,),
        )
        return changed == 1

    async def mark_sent(self, item_id: int) -> None:
        await self._finish(item_id, "sent", None)

    async def mark_unknown(self, item_id: int, error: str) -> None:
        """Telegram may or may not have the message: recorded as such, never resent."""
        await self._finish(item_id, "unknown", error[:500])

    async def mark_failed(self, item_id: int, error: str) -> None:
        await self._finish(item_id, "failed", error[:500])

    async def _finish(self, item_id: int, status: str, error: str | None) -> None:
        await self._db.write(
            "UPDATE outbox SET status = ?, error = ?, sent_at = ? WHERE id = ?",
            (status, error, to_db(self._db.clock.now()), item_id),
        )

    async def retry_later(self, item_id: int, not_before: datetime, error: str) -> None:
        await self._db.write(
            "UPDATE outbox SET status = 'pending', not_before = ?, error = ? WHERE id = ?",
            (to_db(not_before), error[:500], item_id),
        )

    async def mark_user_blocked(self, user_id: int) -> int:
        """The person blocked the bot: record it and drop everything still queued for them."""
        now = to_db(self._db.clock.now())
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE outbox SET status = 'blocked', error = 'blocked by the user', sent_at = ?"
                " WHERE user_id = ? AND status IN ('pending', 'sending')",
                (now, user_id),
            )
            await conn.execute(
                "UPDATE users SET blocked_at = ? WHERE id = ? AND blocked_at IS NULL",
                (now, user_id),
            )
            row = await one_row(conn, "SELECT telegram_id FROM users WHERE id = ?", (user_id,))
        if row is not None:
            self._db.user_cache.forget(row["telegram_id"])
        return cursor.rowcount

    async def counts(self, where: str = "1", params: tuple[Any, ...] = ()) -> OutboxCounts:
        rows = await self._db.fetch_all(
            f"SELECT status, count(*) AS n FROM outbox WHERE {where} GROUP BY status", params
        )
        return OutboxCounts(**{row["status"]: row["n"] for row in rows})

    async def depth(self) -> dict[int, int]:
        """Messages waiting to be sent, by priority (the partial index of pending rows)."""
        rows = await self._db.fetch_all(
            "SELECT priority, count(*) AS n FROM outbox WHERE status = 'pending' GROUP BY priority"
        )
        return {row["priority"]: row["n"] for row in rows}

    async def for_user(self, user_id: int) -> list[tuple[str, dict[str, Any], str]]:
        """(kind, payload, status) of everything queued for a person, oldest first."""
        rows = await self._db.fetch_all(
            "SELECT kind, payload, status FROM outbox WHERE user_id = ? ORDER BY id", (user_id,)
        )
        return [(row["kind"], json.loads(row["payload"]), row["status"]) for row in rows]


def _item(row: aiosqlite.Row) -> OutboxItem:
    return OutboxItem(
        id=row["id"],
        user_id=row["user_id"],
        telegram_id=row["telegram_id"],
        locale=row["locale"],
        blocked=row["blocked_at"] is not None,
        kind=row["kind"],
        payload=json.loads(row["payload"]),
        priority=row["priority"],
        attempts=row["attempts"],
        not_before=from_db(row["not_before"]),
    )
