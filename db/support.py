"""Confidential support: a person writes, only support staff see it, one of them answers.

Once a support person takes a request, the conversation is between the two of them. Message
bodies never enter the audit log.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import aiosqlite

from db import audit
from db.domain.errors import NotAllowed, NotFound
from db.domain.models import User
from db.domain.support import SupportMessage, SupportThread, ThreadTaken, clean_message
from db.rows import all_rows, one_row
from db.timeutil import from_db, to_db

if TYPE_CHECKING:
    from db.database import Database


def _thread(row: aiosqlite.Row) -> SupportThread:
    return SupportThread(
        row["id"], row["requester_id"], row["handler_id"], row["status"], from_db(row["created_at"])
    )


def _message(row: aiosqlite.Row) -> SupportMessage:
    return SupportMessage(
        row["id"], row["thread_id"], row["author_id"], row["body"], from_db(row["created_at"])
    )


class SupportRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def may_read(self, viewer: User, thread: SupportThread) -> bool:
        """The requester; the support person who took it; any support person before that."""
        if viewer.id == thread.requester_id:
            return True
        return viewer.is_support and thread.handler_id in (None, viewer.id)

    async def thread(
        self, thread_id: int, conn: aiosqlite.Connection | None = None
    ) -> SupportThread | None:
        row = await self._db.fetch_one(
            "SELECT * FROM support_threads WHERE id = ?", (thread_id,), conn
        )
        return None if row is None else _thread(row)

    async def open_thread_of(self, requester: User) -> SupportThread | None:
        row = await self._db.fetch_one(
            "SELECT * FROM support_threads WHERE requester_id = ? AND status = 'open' ORDER BY "
            "id DESC LIMIT 1",
            (requester.id,),
        )
        return None if row is None else _thread(row)

    async def messages(self, viewer: User, thread_id: int, limit: int = 20) -> list[SupportMessage]:
        thread = await self.thread(thread_id)
        if thread is None or not self.may_read(viewer, thread):
            raise NotFound("thread")
        rows = await self._db.fetch_all(
            "SELECT * FROM (SELECT * FROM support_messages WHERE thread_id = ? ORDER BY id DESC "
            "LIMIT ?) ORDER BY id",
            (thread_id, limit),
        )
        return [_message(row) for row in rows]

    async def message(self, message_id: int) -> SupportMessage | None:
        row = await self._db.fetch_one("SELECT * FROM support_messages WHERE id = ?", (message_id,))
        return None if row is None else _message(row)

    async def threads_for_staff(self, staff: User, limit: int = 20) -> list[SupportThread]:
        if not staff.is_support:
            return []
        rows = await self._db.fetch_all(
            "SELECT * FROM support_threads WHERE status = 'open' AND (handler_id IS NULL OR "
            "handler_id = ?)"
            " ORDER BY handler_id IS NOT NULL, updated_at DESC LIMIT ?",
            (staff.id, limit),
        )
        return [_thread(row) for row in rows]

    async def write(self, author: User, text: str, thread_id: int | None = None) -> SupportMessage:
        """A request (new thread when `thread_id` is None) or a reply in an existing one."""
        body = clean_message(text)
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            if thread_id is None:
                cursor = await conn.execute(
                    "INSERT INTO support_threads (requester_id, created_at, updated_at) VALUES "
                    "(?, ?, ?)",
                    (author.id, to_db(now), to_db(now)),
                )
                assert cursor.lastrowid is not None
                thread_id = cursor.lastrowid
                await audit.record(conn, now, author.id, "support.open", "support", thread_id)
            row = await one_row(conn, "SELECT * FROM support_threads WHERE id = ?", (thread_id,))
            if row is None:
                raise NotFound("thread")
            thread = _thread(row)
            if (
                author.is_support
                and author.id != thread.requester_id
                and thread.handler_id not in (None, author.id)
            ):
                raise ThreadTaken()
            if not self.may_read(author, thread) or thread.status != "open":
                raise NotAllowed("thread")
            if author.id != thread.requester_id and thread.handler_id is None:
                await conn.execute(
                    "UPDATE support_threads SET handler_id = ? WHERE id = ?", (author.id, thread.id)
                )
                thread = SupportThread(
                    thread.id, thread.requester_id, author.id, thread.status, thread.created_at
                )
            cursor = await conn.execute(
                "INSERT INTO support_messages (thread_id, author_id, body, created_at) VALUES "
                "(?, ?, ?, ?)",
                (thread.id, author.id, body, to_db(now)),
            )
            assert cursor.lastrowid is not None
            message = SupportMessage(cursor.lastrowid, thread.id, author.id, body, now)
            await conn.execute(
                "UPDATE support_threads SET updated_at = ? WHERE id = ?", (to_db(now), thread.id)
            )
            await self._db.outbox.add(
                conn,
                await self._others(conn, thread, author),
                "support.message",
                {"message_id": message.id},
            )
            return message

    async def _others(
        self, conn: aiosqlite.Connection, thread: SupportThread, author: User
    ) -> list[int]:
        if author.id != thread.requester_id:
            return [thread.requester_id]
        if thread.handler_id is not None:
            return [thread.handler_id]
        return [
            row[0]
            for row in await all_rows(
                conn,
                "SELECT id FROM users WHERE is_support = 1 AND telegram_id IS NOT NULL AND id != ?",
                (author.id,),
            )
        ]

    async def take(self, staff: User, thread_id: int) -> SupportThread:
        if not staff.is_support:
            raise NotAllowed("support")
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE support_threads SET handler_id = ? WHERE id = ? AND status = 'open'"
                " AND (handler_id IS NULL OR handler_id = ?)",
                (staff.id, thread_id, staff.id),
            )
            if cursor.rowcount != 1:
                raise ThreadTaken()
            await audit.record(
                conn, self._db.clock.now(), staff.id, "support.take", "support", thread_id
            )
            thread = await self.thread(thread_id, conn)
        if thread is None:
            raise NotFound("thread")
        return thread

    async def close(self, actor: User, thread_id: int) -> SupportThread:
        thread = await self.thread(thread_id)
        if (
            thread is None
            or not self.may_read(actor, thread)
            or (actor.id != thread.requester_id and thread.handler_id != actor.id)
        ):
            raise NotFound("thread")
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE support_threads SET status = 'closed', updated_at = ? WHERE id = ?",
                (to_db(now), thread_id),
            )
            other = thread.handler_id if actor.id == thread.requester_id else thread.requester_id
            if other is not None:
                await self._db.outbox.add(conn, [other], "support.closed", {"thread_id": thread_id})
            await audit.record(conn, now, actor.id, "support.close", "support", thread_id)
            closed = await self.thread(thread_id, conn)
        if closed is None:
            raise NotFound("thread")
        return closed
