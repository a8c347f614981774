"""The audit log: who changed what, when. Written inside the transaction that made the change."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import aiosqlite

from db.timeutil import from_db, to_db

if TYPE_CHECKING:
    from db.database import Database


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor_id: int | None
    action: str
    object_type: str
    object_id: int | None
    details: dict[str, Any]


async def record(
    conn: aiosqlite.Connection,
    at: datetime,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: int | None,
    **details: Any,
) -> None:
    await conn.execute(
        "INSERT INTO audit_log (at, actor_id, action, object_type, object_id, details)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (to_db(at), actor_id, action, object_type, object_id, json.dumps(details, default=str)),
    )


class AuditRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def for_object(self, object_type: str, object_id: int) -> list[AuditEntry]:
        rows = await self._db.fetch_all(
            "SELECT * FROM audit_log WHERE object_type = ? AND object_id = ? ORDER BY id",
            (object_type, object_id),
        )
        return [_entry(row) for row in rows]

    async def recent(self, limit: int = 50) -> list[AuditEntry]:
        rows = await self._db.fetch_all(
            "SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [_entry(row) for row in rows]


def _entry(row: aiosqlite.Row) -> AuditEntry:
    return AuditEntry(
        id=row["id"],
        at=from_db(row["at"]),
        actor_id=row["actor_id"],
        action=row["action"],
        object_type=row["object_type"],
        object_id=row["object_id"],
        details=json.loads(row["details"]),
    )
