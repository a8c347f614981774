"""Conversation state rows, so a conversation survives a restart of the bot."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from db.timeutil import to_db

if TYPE_CHECKING:
    from db.database import Database


class FsmRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def load(self, key: str) -> tuple[str | None, dict[str, Any]]:
        row = await self._db.fetch_one("SELECT state, data FROM fsm_state WHERE key = ?", (key,))
        if row is None:
            return None, {}
        return row["state"], json.loads(row["data"])

    async def save(self, key: str, state: str | None, data: dict[str, Any]) -> None:
        """Write both parts; a row with no state and no data is deleted."""
        if state is None and not data:
            await self._db.write("DELETE FROM fsm_state WHERE key = ?", (key,))
            return
        await self._db.write(
            "INSERT INTO fsm_state (key, state, data, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET state = excluded.state, data = excluded.data,"
            " updated_at = excluded.updated_at",
            (key, state, json.dumps(data, ensure_ascii=False), to_db(self._db.clock.now())),
        )
