"""People: who they are, their role and organization, their language."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

import aiosqlite

from db import audit
from db.cache import RecentRows
from db.domain.errors import AlreadyRegistered, InvalidValue, NotAllowed, NotFound
from db.domain.models import OrgKind, Role, User
from db.domain.users import (
    NewUser,
    check_locale,
    check_study_year,
    clean_full_name,
    clean_programme,
)
from db.rows import all_rows, one_row
from db.timeutil import from_db, maybe_from_db, to_db

if TYPE_CHECKING:
    from db.database import Database


def user_from_row(row: aiosqlite.Row) -> User:
    return User(
        id=row["id"],
        telegram_id=row["telegram_id"],
        full_name=row["full_name"],
        username=row["username"],
        role=Role(row["role"]),
        organization_id=row["organization_id"],
        locale=row["locale"],
        programme=row["programme"],
        study_year=row["study_year"],
        consent_at=from_db(row["consent_at"]),
        created_at=from_db(row["created_at"]),
        seen_at=from_db(row["seen_at"]),
        blocked_at=maybe_from_db(row["blocked_at"]),
        is_support=bool(row["is_support"]),
    )


async def fetch_user(conn: aiosqlite.Connection, user_id: int) -> User:
    row = await one_row(conn, "SELECT * FROM users WHERE id = ?", (user_id,))
    if row is None:
        raise NotFound("user")
    return user_from_row(row)


async def directors_of(
    conn: aiosqlite.Connection, organization_ids: Iterable[int]
) -> dict[int, list[int]]:
    """The directors (or kindergarten heads) of each organization who can be sent a message."""
    ids = sorted(set(organization_ids))
    if not ids:
        return {}
    rows = await all_rows(
        conn,
        "SELECT id, organization_id FROM users WHERE role = 'director' AND telegram_id IS NOT NULL"
        f" AND organization_id IN ({','.join('?' * len(ids))}) ORDER BY id",
        ids,
    )
    found: dict[int, list[int]] = {organization_id: [] for organization_id in ids}
    for row in rows:
        found[row["organization_id"]].append(row["id"])
    return found


async def coordinators_of(conn: aiosqlite.Connection, university_id: int | None) -> list[int]:
    """The university's coordinators who can be sent a message; every coordinator when it has
    none (a network run by one office)."""
    rows = await all_rows(
        conn,
        "SELECT id, organization_id FROM users WHERE role = 'coordinator'"
        " AND telegram_id IS NOT NULL ORDER BY id",
    )
    own = [row["id"] for row in rows if row["organization_id"] == university_id]
    return own or [row["id"] for row in rows]


async def fetch_user_by_telegram_id(conn: aiosqlite.Connection, telegram_id: int) -> User | None:
    row = await one_row(conn, "SELECT * FROM users WHERE telegram_id = ?", (telegram_id,))
    return None if row is None else user_from_row(row)


async def insert_user(
    conn: aiosqlite.Connection,
    new: NewUser,
    role: Role,
    organization_id: int | None,
    now: datetime,
    programme: str | None = None,
    study_year: int | None = None,
) -> User:
    if await fetch_user_by_telegram_id(conn, new.telegram_id) is not None:
        raise AlreadyRegistered()
    cursor = await conn.execute(
        "INSERT INTO users (telegram_id, full_name, username, role, organization_id, locale,"
        " programme, study_year, consent_at, created_at, seen_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            new.telegram_id,
            clean_full_name(new.full_name),
            new.username,
            role.value,
            organization_id,
            check_locale(new.locale),
            programme,
            study_year,
            to_db(new.consent_at),
            to_db(now),
            to_db(now),
        ),
    )
    assert cursor.lastrowid is not None
    user_id = cursor.lastrowid
    await audit.record(
        conn,
        now,
        user_id,
        "user.register",
        "user",
        user_id,
        role=role.value,
        organization_id=organization_id,
    )
    return await fetch_user(conn, user_id)


async def require_org_kind(
    conn: aiosqlite.Connection, organization_id: int, kinds: frozenset[OrgKind]
) -> None:
    row = await one_row(conn, "SELECT kind FROM organizations WHERE id = ?", (organization_id,))
    if row is None or OrgKind(row["kind"]) not in kinds:
        raise NotFound("organization")


class UserCache(RecentRows[int, "User | None"]):
    """Users recently read, by Telegram id, so an update costs no database round trip.

    Every write to `users` goes through this package, which refreshes the entry after its
    transaction commits.
    """

    def remember(self, user: User) -> User:
        if user.telegram_id is not None:
            self.put(user.telegram_id, user)
        return user


class UserRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    @property
    def _cache(self) -> UserCache:
        return self._db.user_cache

    async def by_telegram_id(self, telegram_id: int) -> User | None:
        hit, user = self._cache.get(telegram_id)
        if hit:
            return user
        row = await self._db.fetch_one("SELECT * FROM users WHERE telegram_id = ?", (telegram_id,))
        user = None if row is None else user_from_row(row)
        self._cache.put(telegram_id, user)
        return user

    async def get(self, user_id: int) -> User | None:
        row = await self._db.fetch_one("SELECT * FROM users WHERE id = ?", (user_id,))
        return None if row is None else user_from_row(row)

    async def by_ids(self, user_ids: Iterable[int | None]) -> dict[int, User]:
        wanted = sorted({user_id for user_id in user_ids if user_id is not None})
        if not wanted:
            return {}
        marks = ",".join("?" * len(wanted))
        rows = await self._db.fetch_all(f"SELECT * FROM users WHERE id IN ({marks})", wanted)
        return {row["id"]: user_from_row(row) for row in rows}

    async def register_student(
        self, new: NewUser, university_id: int, programme: str, study_year: int
    ) -> User:
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            await require_org_kind(conn, university_id, frozenset({OrgKind.UNIVERSITY}))
            user = await insert_user(
                conn,
                new,
                Role.STUDENT,
                university_id,
                now,
                programme=clean_programme(programme),
                study_year=check_study_year(study_year),
            )
        return self._cache.remember(user)

    async def register_admin(self, new: NewUser) -> User:
        """Register someone the deployment's config lists as an administrator."""
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            user = await insert_user(conn, new, Role.ADMIN, None, now)
            await audit.record(
                conn, now, None, "role.grant", "user", user.id, role="admin", via="config"
            )
        return self._cache.remember(user)

    async def promote_config_admin(self, user_id: int) -> User:
        """The config lists this user as an admin: the deployment, not the user, grants it."""
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            user = await fetch_user(conn, user_id)
            if user.role is not Role.ADMIN:
                await conn.execute("UPDATE users SET role = 'admin' WHERE id = ?", (user_id,))
                await audit.record(
                    conn,
                    now,
                    None,
                    "role.grant",
                    "user",
                    user_id,
                    role="admin",
                    previous=user.role.value,
                    via="config",
                )
                user = await fetch_user(conn, user_id)
        return self._cache.remember(user)

    async def set_locale(self, user_id: int, locale: str) -> User:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE users SET locale = ? WHERE id = ?", (check_locale(locale), user_id)
            )
            user = await fetch_user(conn, user_id)
        return self._cache.remember(user)

    async def rename(self, user_id: int, full_name: str) -> User:
        name = clean_full_name(full_name)
        async with self._db.transaction() as conn:
            await conn.execute("UPDATE users SET full_name = ? WHERE id = ?", (name, user_id))
            user = await fetch_user(conn, user_id)
        return self._cache.remember(user)

    async def update_study(
        self,
        user_id: int,
        *,
        university_id: int | None = None,
        programme: str | None = None,
        study_year: int | None = None,
    ) -> User:
        """A student's own study details; other roles' organizations come from invites only."""
        async with self._db.transaction() as conn:
            user = await fetch_user(conn, user_id)
            if user.role is not Role.STUDENT:
                raise InvalidValue("role", "not_student")
            if university_id is not None:
                await require_org_kind(conn, university_id, frozenset({OrgKind.UNIVERSITY}))
            await conn.execute(
                "UPDATE users SET organization_id = coalesce(?, organization_id),"
                " programme = coalesce(?, programme), study_year = coalesce(?, study_year)"
                " WHERE id = ?",
                (
                    university_id,
                    None if programme is None else clean_programme(programme),
                    None if study_year is None else check_study_year(study_year),
                    user_id,
                ),
            )
            user = await fetch_user(conn, user_id)
        return self._cache.remember(user)

    async def touch(self, user: User, username: str | None) -> User:
        """Record that the person was seen (and is reachable again if they had blocked us)."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE users SET seen_at = ?, username = ?, blocked_at = NULL WHERE id = ?",
                (to_db(self._db.clock.now()), username, user.id),
            )
            fresh = await fetch_user(conn, user.id)
        return self._cache.remember(fresh)

    async def set_blocked(self, telegram_id: int, blocked: bool) -> None:
        blocked_at = to_db(self._db.clock.now()) if blocked else None
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE users SET blocked_at = ? WHERE telegram_id = ?", (blocked_at, telegram_id)
            )
        self._cache.forget(telegram_id)

    async def find(
        self,
        key: str,
        role: Role,
        organization_id: int | None = None,
        exact: bool = False,
        limit: int = 10,
    ) -> list[User]:
        """People of `role` by Telegram id, @username or name (part of it, or `exact`)."""
        clauses = ["role = ?", "telegram_id IS NOT NULL"]
        params: list[object] = [role.value]
        if organization_id is not None:
            clauses.append("organization_id = ?")
            params.append(organization_id)
        key = key.strip()
        if key.isdigit():
            clauses.append("telegram_id = ?")
            params.append(int(key))
        elif key.startswith("@"):
            clauses.append("lower(username) = ?")
            params.append(key[1:].lower())
        rows = await self._db.fetch_all(
            f"SELECT * FROM users WHERE {' AND '.join(clauses)} ORDER BY full_name", params
        )
        users = [user_from_row(row) for row in rows]
        if key.isdigit() or key.startswith("@"):
            return users[:limit]
        wanted = " ".join(key.split()).casefold()
        if not wanted:
            return []
        if exact:
            return [user for user in users if user.full_name.casefold() == wanted][:limit]
        return [user for user in users if wanted in user.full_name.casefold()][:limit]

    async def set_support(self, admin: User, user_id: int, is_support: bool) -> User:
        """Admins decide who answers confidential support requests."""
        if admin.role is not Role.ADMIN:
            raise NotAllowed("role")
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE users SET is_support = ? WHERE id = ?", (int(is_support), user_id)
            )
            user = await fetch_user(conn, user_id)
            await audit.record(
                conn, now, admin.id, "support.staff", "user", user_id, is_support=is_support
            )
        return self._cache.remember(user)

    async def support_staff(self) -> list[User]:
        rows = await self._db.fetch_all(
            "SELECT * FROM users WHERE is_support = 1 AND telegram_id IS NOT NULL ORDER BY "
            "full_name"
        )
        return [user_from_row(row) for row in rows]

    async def with_roles(self, *roles: Role) -> list[User]:
        marks = ",".join("?" * len(roles))
        rows = await self._db.fetch_all(
            f"SELECT * FROM users WHERE role IN ({marks}) AND telegram_id IS NOT NULL ORDER BY "
            "full_name",
            [role.value for role in roles],
        )
        return [user_from_row(row) for row in rows]

    async def count_by_role(self) -> dict[Role, int]:
        rows = await self._db.fetch_all(
            "SELECT role, count(*) AS n FROM users WHERE telegram_id IS NOT NULL GROUP BY role"
        )
        return {Role(row["role"]): row["n"] for row in rows}
