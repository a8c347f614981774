"""A student's proposal of their own practice school: what it holds and what is accepted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from db.domain.errors import DomainError, InvalidValue
from db.domain.placements import PracticeKind
from db.domain.users import clean_text

SCHOOL_NAME_MAX = 200
CITY_MAX = 80
ADDRESS_MAX = 200
CONTACT_MAX = 200
NOTE_MAX = 1000


class ProposalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class ProposalDecided(DomainError):
    """The proposal was decided (or withdrawn) meanwhile."""

    def __init__(self, status: ProposalStatus) -> None:
        super().__init__(status.value)
        self.status = status


class ProposalPending(DomainError):
    """The student already has a proposal awaiting a decision."""


@dataclass(frozen=True, slots=True)
class NewSchool:
    """A school not in the directory yet, as the student describes it."""

    name: str
    city: str
    address: str | None
    contact: str | None


@dataclass(frozen=True, slots=True)
class SchoolProposal:
    id: int
    student_id: int
    kind: PracticeKind
    organization_id: int | None
    new_school: NewSchool | None  # set while the school is not in the directory
    starts_on: date
    ends_on: date
    note: str | None
    status: ProposalStatus
    reason: str | None
    application_id: int | None
    created_at: datetime


def clean_field(text: str, field: str, longest: int, shortest: int = 2) -> str:
    value = clean_text(text)
    if len(value) > longest:
        raise InvalidValue(field, "too_long")
    if len(value) < shortest or not any(ch.isalnum() for ch in value):
        raise InvalidValue(field, "too_short")
    return value
