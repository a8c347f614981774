"""Partnership memoranda: areas, years, who keeps and who sees them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from db.domain.models import Organization

TITLE_MAX = 200
FIRST_YEAR, LAST_YEAR = 1991, 2100  # signed no earlier than independence, valid to this year
REMIND_AGAIN_AFTER = timedelta(days=30)


class Area(StrEnum):
    PRACTICE = "practice"
    EMPLOYMENT = "employment"
    PROGRAMMES = "programmes"
    RESEARCH = "research"
    TRAINING = "training"
    EVENTS = "events"


@dataclass(frozen=True, slots=True)
class MemorandumInput:
    title: str
    signed_on: date
    expires_on: date
    areas: tuple[Area, ...]
    party_ids: tuple[int, ...]
    responsible_id: int | None = None
    document_file_id: str | None = None
    document_name: str | None = None


@dataclass(frozen=True, slots=True)
class Memorandum:
    id: int
    title: str
    signed_on: date
    expires_on: date
    areas: tuple[Area, ...]
    party_ids: tuple[int, ...]
    responsible_id: int | None
    document_file_id: str | None
    document_name: str | None

    def state(self, today: date, warn_days: int) -> str:
        if self.expires_on < today:
            return "expired"
        if self.expires_on <= today + timedelta(days=warn_days):
            return "expiring"
        return "active"


@dataclass(frozen=True, slots=True)
class PartnerActivity:
    organization: Organization
    memoranda: list[Memorandum]
    placements: int
    events: int
    issues: int
    issues_resolved: int


@dataclass(frozen=True, slots=True)
class Covered:
    """A placement (with its student) or an open offer at a memorandum's party."""

    subject: str
    organization_id: int
    starts_on: date
    ends_on: date
    student: str | None  # None: an open offer

    def outlives(self, memorandum: Memorandum) -> bool:
        return self.ends_on > memorandum.expires_on
