"""Partnership memoranda: who signed with whom, until when, for what — and what came of it."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import aiosqlite

from db import audit
from db.domain.errors import InvalidValue, NotAllowed, NotFound
from db.domain.memoranda import (
    FIRST_YEAR,
    LAST_YEAR,
    REMIND_AGAIN_AFTER,
    TITLE_MAX,
    Area,
    Covered,
    Memorandum,
    MemorandumInput,
    PartnerActivity,
)
from db.domain.models import Role, User
from db.domain.reports import academic_year
from db.domain.roles import MEMORANDUM_KEEPERS, MEMORANDUM_VIEWERS
from db.domain.users import clean_text
from db.orgs import organization_from_row
from db.outbox import PRIORITY_REMINDER
from db.reports import OVERLAPS_PERIOD
from db.rows import all_rows, one_row
from db.timeutil import date_from_db, date_to_db, period_bounds, to_db

if TYPE_CHECKING:
    from db.database import Database


def memorandum_from_row(row: aiosqlite.Row) -> Memorandum:
    parties = row["party_list"]
    return Memorandum(
        id=row["id"],
        title=row["title"],
        signed_on=date_from_db(row["signed_on"]),
        expires_on=date_from_db(row["expires_on"]),
        areas=tuple(Area(area) for area in json.loads(row["areas"])),
        party_ids=tuple(sorted(int(p) for p in parties.split(","))) if parties else (),
        responsible_id=row["responsible_id"],
        document_file_id=row["document_file_id"],
        document_name=row["document_name"],
    )


_SELECT = """
SELECT m.*, (SELECT group_concat(p.organization_id) FROM memorandum_parties p
             WHERE p.memorandum_id = m.id) AS party_list
FROM memoranda m
"""


# A later memorandum with (at least) the same parties renews this one: no more reminders.
_RENEWED = (
    "EXISTS (SELECT 1 FROM memoranda n WHERE n.id != m.id AND n.expires_on > m.expires_on"
    " AND NOT EXISTS (SELECT 1 FROM memorandum_parties mp WHERE mp.memorandum_id = m.id"
    " AND mp.organization_id NOT IN (SELECT np.organization_id FROM memorandum_parties np"
    " WHERE np.memorandum_id = n.id)))"
)


def covers_period(organization: str, first_day: str, last_day: str) -> str:
    """SQL: a memorandum with the organization as a party, signed by the first day and valid
    through the last (each argument an SQL expression or a placeholder)."""
    return (
        "EXISTS (SELECT 1 FROM memoranda m JOIN memorandum_parties p ON p.memorandum_id = m.id"
        f" WHERE p.organization_id = {organization} AND m.signed_on <= {first_day}"
        f" AND m.expires_on >= {last_day})"
    )


class MemorandumRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, actor: User, data: MemorandumInput) -> Memorandum:
        if actor.role not in MEMORANDUM_KEEPERS:
            raise NotAllowed("role")
        title = clean_text(data.title)
        if not 3 <= len(title) <= TITLE_MAX:
            raise InvalidValue("title", "too_long" if title else "too_short")
        if data.signed_on.year < FIRST_YEAR:
            raise InvalidValue("signed_on", "out_of_range")
        if data.expires_on.year > LAST_YEAR:
            raise InvalidValue("expires_on", "out_of_range")
        if data.expires_on <= data.signed_on:
            raise InvalidValue("expires_on", "before_signed")
        if not data.areas:
            raise InvalidValue("areas", "empty")
        if not data.party_ids:
            raise InvalidValue("parties", "empty")
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            if data.responsible_id is not None:
                row = await one_row(
                    conn,
                    "SELECT role FROM users WHERE id = ? AND telegram_id IS NOT NULL",
                    (data.responsible_id,),
                )
                if row is None or Role(row["role"]) not in MEMORANDUM_KEEPERS:
                    raise InvalidValue("responsible", "not_staff")
            for org_id in data.party_ids:
                if (
                    await one_row(conn, "SELECT 1 FROM organizations WHERE id = ?", (org_id,))
                    is None
                ):
                    raise NotFound("organization")
            cursor = await conn.execute(
                "INSERT INTO memoranda (title, signed_on, expires_on, areas, responsible_id, "
                "document_file_id,"
                " document_name, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, "
                "?, ?, ?, ?)",
                (
                    title,
                    date_to_db(data.signed_on),
                    date_to_db(data.expires_on),
                    json.dumps([area.value for area in data.areas]),
                    data.responsible_id or actor.id,
                    data.document_file_id,
                    data.document_name,
                    actor.id,
                    to_db(now),
                    to_db(now),
                ),
            )
            assert cursor.lastrowid is not None
            memorandum_id = cursor.lastrowid
            await conn.executemany(
                "INSERT INTO memorandum_parties (memorandum_id, organization_id) VALUES (?, ?)",
                [(memorandum_id, org_id) for org_id in sorted(set(data.party_ids))],
            )
            await audit.record(
                conn,
                now,
                actor.id,
                "memorandum.create",
                "memorandum",
                memorandum_id,
                parties=list(data.party_ids),
            )
            row = await one_row(conn, _SELECT + " WHERE m.id = ?", (memorandum_id,))
        assert row is not None
        return memorandum_from_row(row)

    async def attach_document(
        self, actor: User, memorandum_id: int, file_id: str, file_name: str | None
    ) -> Memorandum:
        """The signed file, when it arrives after the memorandum was recorded (or replaced)."""
        if actor.role not in MEMORANDUM_KEEPERS:
            raise NotAllowed("role")
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE memoranda SET document_file_id = ?, document_name = ?, updated_at = ?"
                " WHERE id = ?",
                (file_id, file_name, to_db(now), memorandum_id),
            )
            if cursor.rowcount != 1:
                raise NotFound("memorandum")
            await audit.record(
                conn, now, actor.id, "memorandum.document", "memorandum", memorandum_id
            )
            row = await one_row(conn, _SELECT + " WHERE m.id = ?", (memorandum_id,))
        assert row is not None
        return memorandum_from_row(row)

    async def visible(self, viewer: User, memorandum_id: int) -> Memorandum:
        """The memorandum, if `viewer` may see it (a department official: their region's)."""
        if viewer.role not in MEMORANDUM_VIEWERS:
            raise NotAllowed("role")
        memorandum = await self.get(memorandum_id)
        if memorandum is None:
            raise NotFound("memorandum")
        region = await self._db.reports.viewer_region(viewer)
        if region and not await self._concerns_region(memorandum_id, region):
            raise NotAllowed("region")
        return memorandum

    async def _concerns_region(self, memorandum_id: int, region: str) -> bool:
        """Whether one of the memorandum's parties is in `region`."""
        found = await self._db.fetch_value(
            "SELECT 1 FROM memorandum_parties p JOIN organizations g ON g.id = p.organization_id"
            " WHERE p.memorandum_id = ? AND g.region = ?",
            (memorandum_id, region),
        )
        return found is not None

    async def get(self, memorandum_id: int) -> Memorandum | None:
        row = await self._db.fetch_one(_SELECT + " WHERE m.id = ?", (memorandum_id,))
        return None if row is None else memorandum_from_row(row)

    async def partners(
        self, offset: int, limit: int, viewer: User | None = None
    ) -> tuple[list[PartnerActivity], int]:
        """Organizations with memoranda and what happened with them this academic year.

        All of them, or those `viewer` may see: a department official, their region's.
        """
        if viewer is not None and viewer.role not in MEMORANDUM_VIEWERS:
            raise NotAllowed("role")
        region = None if viewer is None else await self._db.reports.viewer_region(viewer)
        params: dict[str, Any] = {
            **period_bounds(academic_year(self._db.today()), self._db.timezone),
            "limit": limit,
            "offset": offset,
            "region": region,
        }
        in_region = "(:region IS NULL OR g.region = :region)"
        total = await self._db.fetch_value(
            "SELECT count(DISTINCT p.organization_id) FROM memorandum_parties p"
            f" JOIN organizations g ON g.id = p.organization_id WHERE {in_region}",
            params,
        )
        rows = await self._db.fetch_all(
            "SELECT g.*,"
            " (SELECT count(*) FROM applications a JOIN practice_offers o ON o.id = a.offer_id"
            "  WHERE o.organization_id = g.id AND a.status = 'approved'"
            f"  AND {OVERLAPS_PERIOD}) AS placements,"
            " (SELECT count(*) FROM events e WHERE e.organization_id = g.id"
            "  AND e.status = 'published' AND e.starts_at >= :start_at AND e.starts_at < :end_at)"
            "  AS events_held,"
            " (SELECT count(*) FROM school_issues i WHERE i.organization_id = g.id"
            "  AND i.created_at >= :start_at AND i.created_at < :end_at) AS issues_posted,"
            " (SELECT count(*) FROM school_issues i WHERE i.organization_id = g.id"
            "  AND i.status IN ('resolved', 'closed')"
            "  AND i.created_at >= :start_at AND i.created_at < :end_at) AS issues_resolved"
            " FROM organizations g"
            f" WHERE g.id IN (SELECT organization_id FROM memorandum_parties) AND {in_region}"
            " ORDER BY coalesce(g.name_ru, g.name_kk, g.name_en), g.id LIMIT :limit OFFSET :offset",
            params,
        )
        activity = []
        for row in rows:
            memoranda = await self._db.fetch_all(
                _SELECT + " WHERE m.id IN (SELECT memorandum_id FROM memorandum_parties"
                " WHERE organization_id = ?) ORDER BY m.expires_on DESC",
                (row["id"],),
            )
            activity.append(
                PartnerActivity(
                    organization=organization_from_row(row),
                    memoranda=[memorandum_from_row(m) for m in memoranda],
                    placements=row["placements"],
                    events=row["events_held"],
                    issues=row["issues_posted"],
                    issues_resolved=row["issues_resolved"],
                )
            )
        return activity, int(total)

    async def covered(self, memorandum: Memorandum) -> list[Covered]:
        """Current and coming placements and open offers at its parties, earliest first."""
        parties = ",".join("?" * len(memorandum.party_ids)) or "NULL"
        today = date_to_db(self._db.today())
        rows = await self._db.fetch_all(
            "SELECT o.subject, o.organization_id, o.starts_on, o.ends_on, u.full_name AS student"
            " FROM applications a JOIN practice_offers o ON o.id = a.offer_id"
            " JOIN users u ON u.id = a.student_id"
            f" WHERE a.status = 'approved' AND o.ends_on >= ? AND o.organization_id IN ({parties})"
            " UNION ALL SELECT o.subject, o.organization_id, o.starts_on, o.ends_on, NULL"
            " FROM practice_offers o WHERE o.status = 'open' AND o.ends_on >= ?"
            f" AND o.organization_id IN ({parties}) ORDER BY 3, 5",
            (today, *memorandum.party_ids, today, *memorandum.party_ids),
        )
        return [
            Covered(
                row["subject"],
                row["organization_id"],
                date_from_db(row["starts_on"]),
                date_from_db(row["ends_on"]),
                row["student"],
            )
            for row in rows
        ]

    async def remind_expiring(self, days: int) -> int:
        """Remind of memoranda expiring within `days` (again a month later while they do),
        unless a later memorandum with the same parties has been recorded: a renewal.

        The responsible person is told; if they left (or erased their data), whoever recorded
        the memorandum; failing both, every coordinator.
        """
        now = self._db.clock.now()
        today = self._db.today()
        async with self._db.transaction() as conn:
            due: list[Any] = await all_rows(
                conn,
                "SELECT m.id, coalesce(r.id, c.id) AS recipient FROM memoranda m"
                " LEFT JOIN users r ON r.id = m.responsible_id AND r.telegram_id IS NOT NULL"
                " LEFT JOIN users c ON c.id = m.created_by AND c.telegram_id IS NOT NULL"
                " WHERE m.expires_on >= ? AND m.expires_on <= ?"
                " AND (m.reminded_at IS NULL OR m.reminded_at <= ?) AND NOT " + _RENEWED,
                (
                    date_to_db(today),
                    date_to_db(today + timedelta(days=days)),
                    to_db(now - REMIND_AGAIN_AFTER),
                ),
            )
            coordinators = [
                row["id"]
                for row in await all_rows(
                    conn,
                    "SELECT id FROM users WHERE role = 'coordinator' AND telegram_id IS NOT NULL",
                )
            ]
            for row in due:
                recipients = [row["recipient"]] if row["recipient"] is not None else coordinators
                if recipients:
                    await self._db.outbox.add(
                        conn,
                        recipients,
                        "memorandum.expiring",
                        {"memorandum_id": row["id"]},
                        PRIORITY_REMINDER,
                    )
                await conn.execute(
                    "UPDATE memoranda SET reminded_at = ? WHERE id = ?", (to_db(now), row["id"])
                )
            return len(due)
