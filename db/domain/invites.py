"""Invitation codes: which roles whom may invite, the code format, when a code is usable."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from db.domain.errors import InviteInvalid
from db.domain.models import Invite, OrgKind, Role, User

# 31 symbols without look-alikes (0/O, 1/I/L): 20 of them carry 99 bits, beyond guessing.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 20
MAX_USES_LIMIT = 10_000
VALID_DAYS_LIMIT = 365


INVITABLE_ROLES: dict[Role, frozenset[Role]] = {
    Role.COORDINATOR: frozenset({Role.MENTOR, Role.DIRECTOR, Role.COORDINATOR, Role.DEPARTMENT}),
    Role.ADMIN: frozenset(set(Role) - {Role.STUDENT}),
}


_PARTNER_KINDS = frozenset({OrgKind.SCHOOL, OrgKind.KINDERGARTEN, OrgKind.COLLEGE, OrgKind.OTHER})


ORG_KINDS_FOR_ROLE: dict[Role, frozenset[OrgKind]] = {
    Role.MENTOR: _PARTNER_KINDS,
    Role.DIRECTOR: _PARTNER_KINDS,
    Role.COORDINATOR: frozenset({OrgKind.UNIVERSITY}),
    Role.DEPARTMENT: frozenset({OrgKind.DEPARTMENT}),
    Role.ADMIN: frozenset(OrgKind),
}


def roles_invitable_by(role: Role | None) -> frozenset[Role]:
    """Roles a user with `role` may hand out; None is the deployment's command line."""
    if role is None:
        return INVITABLE_ROLES[Role.ADMIN]
    return INVITABLE_ROLES.get(role, frozenset())


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str:
    """What people type or paste: any case, with spaces or dashes between the groups."""
    return "".join(ch for ch in text.upper() if ch.isascii() and ch.isalnum())


def format_code(code: str) -> str:
    return "-".join(code[i : i + 5] for i in range(0, len(code), 5))


def hash_code(code: str) -> str:
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class CreatedInvite:
    invite: Invite
    code: str


@dataclass(frozen=True, slots=True)
class Redemption:
    user: User
    previous_role: Role | None


def check_usable(invite: Invite | None, now: datetime) -> Invite:
    if invite is None:
        raise InviteInvalid("unknown")
    if invite.revoked_at is not None:
        raise InviteInvalid("revoked")
    if invite.expires_at <= now:
        raise InviteInvalid("expired")
    if invite.uses >= invite.max_uses:
        raise InviteInvalid("used_up")
    return invite
