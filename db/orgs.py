"""The organization directory: universities, schools, kindergartens, departments."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import aiosqlite

from db import audit
from db.cache import RecentRows
from db.domain.errors import NotFound
from db.domain.models import Organization, OrgKind
from db.domain.orgs import ImportResult, OrgInput
from db.rows import one_row
from db.timeutil import to_db

if TYPE_CHECKING:
    from db.database import Database


def organization_from_row(row: aiosqlite.Row) -> Organization:
    return Organization(
        id=row["id"],
        code=row["code"],
        kind=OrgKind(row["kind"]),
        name_kk=row["name_kk"],
        name_ru=row["name_ru"],
        name_en=row["name_en"],
        city=row["city"],
        region=row["region"],
        address=row["address"],
        latitude=row["latitude"],
        longitude=row["longitude"],
    )


_INSERT = """
INSERT INTO organizations (code, kind, name_kk, name_ru, name_en, city, region, address,
                           latitude, longitude, search_text, created_at, updated_at)
VALUES (:code, :kind, :name_kk, :name_ru, :name_en, :city, :region, :address,
        :latitude, :longitude, :search_text, :now, :now)
"""

_UPDATE = """
UPDATE organizations SET
    kind = :kind, name_kk = :name_kk, name_ru = :name_ru, name_en = :name_en, city = :city,
    region = :region, address = :address, latitude = :latitude, longitude = :longitude,
    search_text = :search_text, updated_at = :now
WHERE id = :id
"""


class OrganizationRepository:
    """The directory; organizations read by id are kept in `_recent` (names change rarely)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._recent: RecentRows[int, Organization | None] = RecentRows()

    async def get(
        self, org_id: int, conn: aiosqlite.Connection | None = None
    ) -> Organization | None:
        if conn is None:
            found, org = self._recent.get(org_id)
            if found:
                return org
        row = await self._db.fetch_one("SELECT * FROM organizations WHERE id = ?", (org_id,), conn)
        org = None if row is None else organization_from_row(row)
        if conn is None:
            self._recent.put(org_id, org)
        return org

    async def by_code(self, code: str) -> Organization | None:
        row = await self._db.fetch_one("SELECT * FROM organizations WHERE code = ?", (code,))
        return None if row is None else organization_from_row(row)

    async def by_ids(self, org_ids: Sequence[int]) -> dict[int, Organization]:
        found: dict[int, Organization] = {}
        missing = []
        for org_id in dict.fromkeys(org_ids):
            known, org = self._recent.get(org_id)
            if not known:
                missing.append(org_id)
            elif org is not None:
                found[org_id] = org
        if missing:
            marks = ",".join("?" * len(missing))
            rows = await self._db.fetch_all(
                f"SELECT * FROM organizations WHERE id IN ({marks})", tuple(missing)
            )
            for row in rows:
                found[row["id"]] = organization_from_row(row)
            for org_id in missing:
                self._recent.put(org_id, found.get(org_id))
        return found

    async def page(
        self,
        kinds: Sequence[OrgKind],
        offset: int,
        limit: int,
        query: str = "",
        locale: str = "ru",
        region: str | None = None,
    ) -> tuple[list[Organization], int]:
        """One page of organizations of these kinds (matching `query`, in `region` when given),
        and the total count."""
        where, params = _filter(kinds, query, region)
        total = await self._db.fetch_value(
            f"SELECT count(*) FROM organizations WHERE {where}", params
        )
        order = (
            f"coalesce(name_{locale}, name_ru, name_kk, name_en)"
            if locale in ("kk", "ru", "en")
            else "id"
        )
        rows = await self._db.fetch_all(
            f"SELECT * FROM organizations WHERE {where} ORDER BY {order} COLLATE NOCASE, id"
            " LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return [organization_from_row(row) for row in rows], int(total)

    def forget_cached(self) -> None:
        """After a write elsewhere changed the directory (run it after that commit)."""
        self._recent.clear()

    async def create(self, org: OrgInput, actor_id: int | None = None) -> Organization:
        """Add one organization (or update the one with the same code)."""
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            self._db.after_commit(self._recent.clear)
            org_id, created = await upsert_organization(conn, org, to_db(now))
            action = "org.create" if created else "org.update"
            await audit.record(conn, now, actor_id, action, "organization", org_id, code=org.code)
            found = await self.get(org_id, conn)
        if found is None:
            raise NotFound("organization")
        return found

    async def import_many(
        self, orgs: Sequence[OrgInput], actor_id: int | None = None
    ) -> ImportResult:
        """Insert (or, by code, update) all rows in one transaction: all or nothing."""
        now = self._db.clock.now()
        created = updated = 0
        async with self._db.transaction() as conn:
            self._db.after_commit(self._recent.clear)
            for org in orgs:
                _, was_created = await upsert_organization(conn, org, to_db(now))
                created += was_created
                updated += not was_created
            await audit.record(
                conn,
                now,
                actor_id,
                "org.import",
                "organization",
                None,
                created=created,
                updated=updated,
            )
        return ImportResult(created=created, updated=updated)


async def upsert_organization(
    conn: aiosqlite.Connection, org: OrgInput, now: str
) -> tuple[int, bool]:
    """(id, created?) of the row written for `org`; an existing code is updated in place."""
    existing = None
    if org.code is not None:
        existing = await one_row(conn, "SELECT id FROM organizations WHERE code = ?", (org.code,))
    params = _params(org, now)
    if existing is None:
        cursor = await conn.execute(_INSERT, params)
        assert cursor.lastrowid is not None
        return cursor.lastrowid, True
    await conn.execute(_UPDATE, {**params, "id": existing["id"]})
    return int(existing["id"]), False


def _params(org: OrgInput, now: str) -> dict[str, object]:
    return {
        "code": org.code,
        "kind": org.kind.value,
        "name_kk": org.name_kk,
        "name_ru": org.name_ru,
        "name_en": org.name_en,
        "city": org.city,
        "region": org.region,
        "address": org.address,
        "latitude": org.latitude,
        "longitude": org.longitude,
        "search_text": org.search_text(),
        "now": now,
    }


def _filter(
    kinds: Sequence[OrgKind], query: str, region: str | None
) -> tuple[str, tuple[object, ...]]:
    clauses = [f"kind IN ({','.join('?' * len(kinds))})"] if kinds else ["1"]
    params: list[object] = [kind.value for kind in kinds]
    if region is not None:
        clauses.append("region = ?")
        params.append(region)
    for word in query.casefold().split()[:5]:
        clauses.append("instr(search_text, ?) > 0")
        params.append(word)
    return " AND ".join(clauses), tuple(params)


def name_sql(alias: str, locale: str) -> str:
    """An organization's name in `locale`, else in the other languages, as Organization.name."""
    order = [locale, *(other for other in ("ru", "kk", "en") if other != locale)]
    columns = ", ".join(f"nullif({alias}.name_{code}, '')" for code in order)
    return f"coalesce({columns})"
