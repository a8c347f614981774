"""Announcements: a message for an audience becomes one outbox row per recipient, at once.

The whole broadcast is written in one transaction (the broadcast row and every recipient's
outbox row), so a crash never leaves half an audience queued; the delivery worker then sends
the rows at the Bot API's pace, after any personal notification. A draft token makes a
second press of "Send" return the first broadcast instead of starting another.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import aiosqlite

from db import audit
from db.domain.broadcasts import (
    Broadcast,
    BroadcastAudience,
    BroadcastDraft,
    EmptyAudience,
    check_texts,
)
from db.domain.errors import NotAllowed
from db.domain.models import Role, User
from db.domain.roles import MENTORS, NETWORK_BROADCASTERS
from db.outbox import PRIORITY_BROADCAST, OutboxCounts
from db.rows import all_rows, one_row
from db.timeutil import from_db, maybe_from_db, to_db

if TYPE_CHECKING:
    from db.database import Database


@dataclass(slots=True)
class _Query:
    clauses: list[str] = field(default_factory=lambda: ["u.telegram_id IS NOT NULL"])
    params: list[Any] = field(default_factory=list)

    def add(self, clause: str, *params: Any) -> None:
        self.clauses.append(clause)
        self.params.extend(params)


def broadcast_from_row(row: aiosqlite.Row) -> Broadcast:
    return Broadcast(
        id=row["id"],
        author_id=row["author_id"],
        audience=BroadcastAudience.from_json(row["audience"]),
        texts=json.loads(row["texts"]),
        author_locale=row["author_locale"],
        media_kind=row["media_kind"],
        media_file_id=row["media_file_id"],
        recipients=row["recipients"],
        status=row["status"],
        progress_chat_id=row["progress_chat_id"],
        progress_message_id=row["progress_message_id"],
        created_at=from_db(row["created_at"]),
        finished_at=maybe_from_db(row["finished_at"]),
    )


class BroadcastRepository:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._content: dict[int, Broadcast] = {}  # texts and media never change once sent

    async def content(self, broadcast_id: int) -> Broadcast | None:
        """The broadcast as recipients get it, cached: it is read once per recipient."""
        found = self._content.get(broadcast_id)
        if found is None:
            found = await self.get(broadcast_id)
            if found is not None:
                if len(self._content) >= 32:
                    self._content.pop(next(iter(self._content)))
                self._content[broadcast_id] = found
        return found

    @staticmethod
    def may_send(author: User) -> bool:
        return author.role in NETWORK_BROADCASTERS or author.role is Role.DIRECTOR

    def allowed_audience(self, author: User, audience: BroadcastAudience) -> BroadcastAudience:
        """Directors reach their own school's mentors, whatever else was chosen."""
        if author.role is Role.DIRECTOR and author.organization_id is not None:
            return BroadcastAudience(
                roles=MENTORS, organization_ids=frozenset({author.organization_id})
            )
        if author.role not in NETWORK_BROADCASTERS:
            raise NotAllowed("role")
        return audience

    async def _recipients(
        self, conn: aiosqlite.Connection, audience: BroadcastAudience
    ) -> list[int]:
        query = _Query()
        if audience.event_id is not None:
            query.add(
                "u.id IN (SELECT user_id FROM event_registrations WHERE event_id = ? AND status "
                "= 'going')",
                audience.event_id,
            )
        if not audience.everyone:
            if audience.roles:
                query.add(
                    f"u.role IN ({','.join('?' * len(audience.roles))})",
                    *sorted(r.value for r in audience.roles),
                )
            place_clauses: list[str] = []
            place_params: list[Any] = []
            if audience.organization_ids:
                place_clauses.append(
                    f"u.organization_id IN ({','.join('?' * len(audience.organization_ids))})"
                )
                place_params += sorted(audience.organization_ids)
            if audience.places:
                marks = ",".join("?" * len(audience.places))
                place_clauses.append(f"g.city IN ({marks}) OR g.region IN ({marks})")
                place_params += sorted(audience.places) * 2
            if place_clauses:
                query.add("(" + " OR ".join(place_clauses) + ")", *place_params)
        return [
            row[0]
            for row in await all_rows(
                conn,
                "SELECT u.id FROM users u LEFT JOIN organizations g ON g.id = u.organization_id"
                f" WHERE {' AND '.join(query.clauses)} ORDER BY u.id",
                query.params,
            )
        ]

    async def count(self, author: User, audience: BroadcastAudience) -> int:
        allowed = self.allowed_audience(author, audience)
        async with self._db.transaction() as conn:
            recipients = await self._recipients(conn, allowed)
        return len([r for r in recipients if r != author.id])

    async def send(self, author: User, draft: BroadcastDraft) -> tuple[Broadcast, bool]:
        """Queue the broadcast for everyone in the audience; (broadcast, False) if already sent."""
        existing = await self._db.fetch_one(
            "SELECT * FROM broadcasts WHERE draft_token = ?", (draft.draft_token,)
        )
        if existing is not None:
            return broadcast_from_row(existing), False
        audience = self.allowed_audience(author, draft.audience)
        if audience.is_empty():
            raise EmptyAudience()
        check_texts(draft.texts, draft.author_locale, draft.media_kind is not None)
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            recipients = [r for r in await self._recipients(conn, audience) if r != author.id]
            if not recipients:
                raise EmptyAudience()
            cursor = await conn.execute(
                "INSERT INTO broadcasts (author_id, audience, texts, author_locale, media_kind, "
                "media_file_id,"
                " recipients, draft_token, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (draft_token) DO NOTHING",
                (
                    author.id,
                    audience.to_json(),
                    json.dumps(draft.texts, ensure_ascii=False),
                    draft.author_locale,
                    draft.media_kind,
                    draft.media_file_id,
                    len(recipients),
                    draft.draft_token,
                    to_db(now),
                ),
            )
            if cursor.rowcount != 1:  # a concurrent press of the same draft won
                row = await one_row(
                    conn, "SELECT * FROM broadcasts WHERE draft_token = ?", (draft.draft_token,)
                )
                assert row is not None
                return broadcast_from_row(row), False
            broadcast_id = cursor.lastrowid
            assert broadcast_id is not None
            await self._db.outbox.add(
                conn,
                recipients,
                "broadcast",
                {"broadcast_id": broadcast_id},
                PRIORITY_BROADCAST,
                broadcast_id=broadcast_id,
            )
            await audit.record(
                conn,
                now,
                author.id,
                "broadcast.send",
                "broadcast",
                broadcast_id,
                recipients=len(recipients),
            )
            row = await one_row(conn, "SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
        assert row is not None
        return broadcast_from_row(row), True

    async def get(self, broadcast_id: int) -> Broadcast | None:
        row = await self._db.fetch_one("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
        return None if row is None else broadcast_from_row(row)

    async def set_progress_message(self, broadcast_id: int, chat_id: int, message_id: int) -> None:
        await self._db.write(
            "UPDATE broadcasts SET progress_chat_id = ?, progress_message_id = ? WHERE id = ?",
            (chat_id, message_id, broadcast_id),
        )

    async def sending(self) -> list[Broadcast]:
        rows = await self._db.fetch_all(
            "SELECT * FROM broadcasts WHERE status = 'sending' ORDER BY id"
        )
        return [broadcast_from_row(row) for row in rows]

    async def counts(self, broadcast_id: int) -> OutboxCounts:
        return await self._db.outbox.counts("broadcast_id = ?", (broadcast_id,))

    async def finish(self, broadcast_id: int) -> None:
        await self._db.write(
            "UPDATE broadcasts SET status = 'done', finished_at = ? WHERE id = ? AND status = "
            "'sending'",
            (to_db(self._db.clock.now()), broadcast_id),
        )

    async def recent(self, viewer: User, limit: int = 10) -> list[Broadcast]:
        """Admins see every broadcast; others their own."""
        where, params = ("1", ()) if viewer.role is Role.ADMIN else ("author_id = ?", (viewer.id,))
        rows = await self._db.fetch_all(
            f"SELECT * FROM broadcasts WHERE {where} ORDER BY id DESC LIMIT ?", (*params, limit)
        )
        return [broadcast_from_row(row) for row in rows]

    async def places(self) -> list[tuple[str, int]]:
        """Cities and regions people are in, with how many registered people each has."""
        rows = await self._db.fetch_all(
            "SELECT place, count(*) AS n FROM (SELECT g.city AS place FROM users u JOIN "
            "organizations g"
            " ON g.id = u.organization_id WHERE u.telegram_id IS NOT NULL UNION ALL SELECT g.region"
            " FROM users u JOIN organizations g ON g.id = u.organization_id"
            " WHERE u.telegram_id IS NOT NULL AND g.region != '') GROUP BY place ORDER BY n "
            "DESC, place LIMIT 30"
        )
        return [(row["place"], row["n"]) for row in rows]
