"""Plain records read from the database, and the enumerations of the domain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

LOCALES: tuple[str, ...] = ("kk", "ru", "en")


class Role(StrEnum):
    STUDENT = "student"
    MENTOR = "mentor"
    DIRECTOR = "director"
    COORDINATOR = "coordinator"
    DEPARTMENT = "department"
    ADMIN = "admin"


class OrgKind(StrEnum):
    UNIVERSITY = "university"
    SCHOOL = "school"
    KINDERGARTEN = "kindergarten"
    COLLEGE = "college"
    DEPARTMENT = "department"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Organization:
    id: int
    code: str | None
    kind: OrgKind
    name_kk: str | None
    name_ru: str | None
    name_en: str | None
    city: str
    region: str
    address: str | None
    latitude: float | None
    longitude: float | None

    def name(self, locale: str) -> str:
        """The name in `locale`, else in the other languages, in a fixed order."""
        by_locale = {"kk": self.name_kk, "ru": self.name_ru, "en": self.name_en}
        preferred = [by_locale.get(locale)]
        fallbacks = [self.name_ru, self.name_kk, self.name_en]
        return next(name for name in [*preferred, *fallbacks] if name)


@dataclass(frozen=True, slots=True)
class User:
    id: int
    telegram_id: int | None
    full_name: str
    username: str | None
    role: Role
    organization_id: int | None
    locale: str
    programme: str | None
    study_year: int | None
    consent_at: datetime
    created_at: datetime
    seen_at: datetime
    blocked_at: datetime | None
    is_support: bool = False  # answers confidential support requests (set by an admin)

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles


@dataclass(frozen=True, slots=True)
class Invite:
    id: int
    code_hint: str
    role: Role
    organization_id: int
    max_uses: int
    uses: int
    expires_at: datetime
    created_by: int | None
    created_at: datetime
    revoked_at: datetime | None

    @property
    def uses_left(self) -> int:
        return self.max_uses - self.uses
