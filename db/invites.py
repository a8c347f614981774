"""Invite codes: the only way to a role other than student (besides the config's admin list)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import aiosqlite

from db import audit
from db.domain.errors import InvalidValue, InviteInvalid, NotAllowed
from db.domain.invites import (
    CODE_LENGTH,
    MAX_USES_LIMIT,
    ORG_KINDS_FOR_ROLE,
    VALID_DAYS_LIMIT,
    CreatedInvite,
    Redemption,
    check_usable,
    hash_code,
    new_code,
    normalize_code,
    roles_invitable_by,
)
from db.domain.models import Invite, Role, User
from db.domain.users import NewUser
from db.rows import one_row
from db.timeutil import from_db, maybe_from_db, to_db
from db.users import fetch_user, fetch_user_by_telegram_id, insert_user, require_org_kind

if TYPE_CHECKING:
    from db.database import Database


def invite_from_row(row: aiosqlite.Row) -> Invite:
    return Invite(
        id=row["id"],
        code_hint=row["code_hint"],
        role=Role(row["role"]),
        organization_id=row["organization_id"],
        max_uses=row["max_uses"],
        uses=row["uses"],
        expires_at=from_db(row["expires_at"]),
        created_by=row["created_by"],
        created_at=from_db(row["created_at"]),
        revoked_at=maybe_from_db(row["revoked_at"]),
    )


async def _find(conn: aiosqlite.Connection, code: str) -> Invite | None:
    if len(normalize_code(code)) != CODE_LENGTH:
        return None
    row = await one_row(conn, "SELECT * FROM invites WHERE code_hash = ?", (hash_code(code),))
    return None if row is None else invite_from_row(row)


class InviteRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self,
        creator: User | None,
        role: Role,
        organization_id: int,
        max_uses: int = 1,
        valid_days: int = 30,
    ) -> CreatedInvite:
        """A new code; `creator` None means the deployment's command line."""
        if role not in roles_invitable_by(None if creator is None else creator.role):
            raise NotAllowed("role")
        if not 1 <= max_uses <= MAX_USES_LIMIT:
            raise InvalidValue("max_uses", "out_of_range")
        if not 1 <= valid_days <= VALID_DAYS_LIMIT:
            raise InvalidValue("valid_days", "out_of_range")
        code = new_code()
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            await require_org_kind(conn, organization_id, ORG_KINDS_FOR_ROLE[role])
            cursor = await conn.execute(
                "INSERT INTO invites (code_hash, code_hint, role, organization_id, max_uses,"
                " expires_at, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    hash_code(code),
                    code[-4:],
                    role.value,
                    organization_id,
                    max_uses,
                    to_db(now + timedelta(days=valid_days)),
                    None if creator is None else creator.id,
                    to_db(now),
                ),
            )
            assert cursor.lastrowid is not None
            invite_id = cursor.lastrowid
            await audit.record(
                conn,
                now,
                None if creator is None else creator.id,
                "invite.create",
                "invite",
                invite_id,
                role=role.value,
                organization_id=organization_id,
                max_uses=max_uses,
                valid_days=valid_days,
            )
            row = await one_row(conn, "SELECT * FROM invites WHERE id = ?", (invite_id,))
        assert row is not None
        return CreatedInvite(invite=invite_from_row(row), code=code)

    async def peek(self, code: str) -> Invite:
        """The invite behind `code` if it can still be used; raises InviteInvalid otherwise."""
        row = None
        if len(normalize_code(code)) == CODE_LENGTH:
            row = await self._db.fetch_one(
                "SELECT * FROM invites WHERE code_hash = ?", (hash_code(code),)
            )
        return check_usable(None if row is None else invite_from_row(row), self._db.clock.now())

    async def redeem(self, code: str, person: NewUser) -> Redemption:
        """Use one of the code's uses and give the person its role, atomically.

        A person who is already registered changes to the code's role and organization:
        somebody with the right to grant it issued the code, so this is not self-promotion.
        """
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            invite = check_usable(await _find(conn, code), now)
            existing = await fetch_user_by_telegram_id(conn, person.telegram_id)
            if existing is None:
                user = await insert_user(conn, person, invite.role, invite.organization_id, now)
                previous = None
            else:
                user = await self._switch_role(conn, existing, invite, now)
                previous = existing.role
            # The WHERE keeps the count exact when two people redeem the last use at once.
            cursor = await conn.execute(
                "UPDATE invites SET uses = uses + 1 WHERE id = ? AND uses < max_uses", (invite.id,)
            )
            if cursor.rowcount != 1:
                raise InviteInvalid("used_up")
            await conn.execute(
                "INSERT INTO invite_redemptions (invite_id, user_id, at) VALUES (?, ?, ?)",
                (invite.id, user.id, to_db(now)),
            )
            await audit.record(
                conn,
                now,
                invite.created_by,
                "role.grant",
                "user",
                user.id,
                role=invite.role.value,
                organization_id=invite.organization_id,
                previous=None if previous is None else previous.value,
                invite_id=invite.id,
            )
        self._db.user_cache.remember(user)
        return Redemption(user=user, previous_role=previous)

    async def _switch_role(
        self, conn: aiosqlite.Connection, user: User, invite: Invite, now: datetime
    ) -> User:
        if (
            await one_row(
                conn,
                "SELECT 1 FROM invite_redemptions WHERE invite_id = ? AND user_id = ?",
                (invite.id, user.id),
            )
            is not None
        ):
            raise InviteInvalid("already_used_by_you")
        await conn.execute(
            "UPDATE users SET role = ?, organization_id = ?, programme = NULL, study_year = NULL"
            " WHERE id = ?",
            (invite.role.value, invite.organization_id, user.id),
        )
        return await fetch_user(conn, user.id)

    async def active_created_by(self, creator: User, limit: int = 20) -> list[Invite]:
        rows = await self._db.fetch_all(
            "SELECT * FROM invites WHERE created_by = ? AND revoked_at IS NULL AND uses < max_uses"
            " AND expires_at > ? ORDER BY id DESC LIMIT ?",
            (creator.id, to_db(self._db.clock.now()), limit),
        )
        return [invite_from_row(row) for row in rows]

    async def revoke(self, actor: User, invite_id: int) -> Invite:
        """Admins revoke any code; coordinators the codes they created."""
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            row = await one_row(conn, "SELECT * FROM invites WHERE id = ?", (invite_id,))
            if row is None:
                raise InviteInvalid("unknown")
            invite = invite_from_row(row)
            if actor.role is not Role.ADMIN and invite.created_by != actor.id:
                raise NotAllowed("invite")
            if invite.revoked_at is None:
                await conn.execute(
                    "UPDATE invites SET revoked_at = ? WHERE id = ?", (to_db(now), invite_id)
                )
                await audit.record(conn, now, actor.id, "invite.revoke", "invite", invite_id)
            row = await one_row(conn, "SELECT * FROM invites WHERE id = ?", (invite_id,))
        assert row is not None
        return invite_from_row(row)
