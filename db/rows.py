"""Reading on a given connection (a transaction's) in one round trip.

`async with conn.execute(...) as cursor: await cursor.fetchone()` costs three trips to the
connection's thread (execute, fetch, close); these cost one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aiosqlite

Params = Sequence[Any] | dict[str, Any]


async def all_rows(
    conn: aiosqlite.Connection, sql: str, params: Params = ()
) -> list[aiosqlite.Row]:
    return list(await conn.execute_fetchall(sql, params))


async def one_row(
    conn: aiosqlite.Connection, sql: str, params: Params = ()
) -> aiosqlite.Row | None:
    rows = await all_rows(conn, sql, params)
    return rows[0] if rows else None


async def one_value(conn: aiosqlite.Connection, sql: str, params: Params = ()) -> Any:
    row = await one_row(conn, sql, params)
    return None if row is None else row[0]


async def first_column(conn: aiosqlite.Connection, sql: str, params: Params = ()) -> list[Any]:
    return [row[0] for row in await all_rows(conn, sql, params)]
