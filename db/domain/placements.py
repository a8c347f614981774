"""Placement rules: practice kinds, offers, applications, their limits, who may manage them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from db.domain.errors import DomainError, InvalidValue
from db.domain.models import OrgKind, Role, User
from db.domain.roles import STAFF
from db.domain.users import clean_text

SUBJECT_MAX = 100
NOTES_MAX = 1000
MOTIVATION_MAX = 1000
REASON_MIN = 3
REASON_MAX = 500
PLACES_MAX = 500
PERIOD_MAX_DAYS = 366
PARTNER_KINDS = frozenset({OrgKind.SCHOOL, OrgKind.KINDERGARTEN, OrgKind.COLLEGE, OrgKind.OTHER})


class PracticeKind(StrEnum):
    OBSERVATION = "observation"
    PEDAGOGICAL = "pedagogical"
    PRE_GRADUATION = "pre_graduation"
    DUAL = "dual"
    INTERNSHIP = "internship"


_KIND_VALUES = frozenset(kind.value for kind in PracticeKind)


def parse_kind(value: str | None) -> PracticeKind | None:
    """The practice kind a button or a saved filter names; None for anything else."""
    return PracticeKind(value) if value in _KIND_VALUES else None


class ApplicationStatus(StrEnum):
    PENDING = "pending"
    WAITLISTED = "waitlisted"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"


ACTIVE = (ApplicationStatus.PENDING, ApplicationStatus.WAITLISTED, ApplicationStatus.APPROVED)
# An approver may decide on these: approve, reject.
DECIDABLE = (ApplicationStatus.PENDING, ApplicationStatus.WAITLISTED)


class OfferFull(DomainError):
    """No place is free for this application or approval."""


class OfferClosed(DomainError):
    """The offer does not take applications (closed, or its period has begun)."""


class AlreadyApplied(DomainError):
    """The student already has an active application or placement in an overlapping period."""

    def __init__(self, application_id: int, same_offer: bool) -> None:
        super().__init__(f"application {application_id}")
        self.application_id = application_id
        self.same_offer = same_offer


class StaleState(DomainError):
    """The application is no longer in the state this action expects (someone was faster)."""

    def __init__(self, status: ApplicationStatus) -> None:
        super().__init__(status.value)
        self.status = status


class RowRefused(DomainError):
    """One row of a bulk operation was refused; nothing of the bulk was written."""

    def __init__(self, index: int, problem: DomainError) -> None:
        super().__init__(f"row {index}: {problem!r}")
        self.index = index
        self.problem = problem


class PracticeStarted(DomainError):
    """The placement has started: it can no longer be withdrawn by the student."""


@dataclass(frozen=True, slots=True)
class Offer:
    id: int
    organization_id: int
    kind: PracticeKind
    subject: str
    starts_on: date
    ends_on: date
    places: int
    taken: int
    pending: int
    waitlisted: int
    notes: str | None
    status: str
    created_by: int | None
    mentor_ids: tuple[int, ...]

    @property
    def free(self) -> int:
        """Places a new applicant can still get (pending applications hold theirs)."""
        return max(0, self.places - self.taken - self.pending)

    @property
    def is_open(self) -> bool:
        return self.status == "open"


@dataclass(frozen=True, slots=True)
class Application:
    id: int
    offer_id: int
    student_id: int
    status: ApplicationStatus
    motivation: str | None
    queued_at: datetime
    mentor_id: int | None
    decided_by: int | None
    decided_at: datetime | None
    reason: str | None
    created_at: datetime

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


@dataclass(frozen=True, slots=True)
class PlacementPolicy:
    """Deployment rules for placements ([placements] in the config)."""

    # Offers are published, and students placed, only at organizations with a partnership
    # memorandum valid for the whole practice period.
    require_memorandum: bool = False


class NoMemorandum(DomainError):
    """No memorandum with the organization is valid for the whole practice period."""

    def __init__(self, organization_id: int, starts_on: date, ends_on: date) -> None:
        super().__init__(f"organization {organization_id}")
        self.organization_id = organization_id
        self.starts_on = starts_on
        self.ends_on = ends_on


@dataclass(frozen=True, slots=True)
class OfferInput:
    organization_id: int
    kind: PracticeKind
    subject: str
    starts_on: date
    ends_on: date
    places: int
    notes: str | None = None
    mentor_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class OfferChanges:
    subject: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    places: int | None = None
    notes: str | None = None
    mentor_ids: tuple[int, ...] | None = None

    def names(self) -> list[str]:
        return [name for name in self.__slots__ if getattr(self, name) is not None]


@dataclass(frozen=True, slots=True)
class BrowseFilter:
    kind: PracticeKind | None = None
    city: str | None = None
    subject_key: str | None = None


@dataclass(frozen=True, slots=True)
class ApplyResult:
    application: Application
    waitlist_position: int | None = None


def clean_subject(text: str) -> str:
    subject = clean_text(text)
    if len(subject) > SUBJECT_MAX:
        raise InvalidValue("subject", "too_long")
    if len(subject) < 2 or not any(ch.isalpha() for ch in subject):
        raise InvalidValue("subject", "too_short")
    return subject


def clean_optional(text: str | None, field_name: str, limit: int) -> str | None:
    if text is None:
        return None
    value = text.strip()
    if len(value) > limit:
        raise InvalidValue(field_name, "too_long")
    return value or None


def clean_reason(text: str) -> str:
    reason = clean_text(text)
    if len(reason) > REASON_MAX:
        raise InvalidValue("reason", "too_long")
    if len(reason) < REASON_MIN:
        raise InvalidValue("reason", "too_short")
    return reason


def check_period(starts_on: date, ends_on: date, today: date) -> None:
    if starts_on < today:
        raise InvalidValue("starts_on", "in_past")
    if ends_on < starts_on:
        raise InvalidValue("ends_on", "before_start")
    if (ends_on - starts_on).days > PERIOD_MAX_DAYS:
        raise InvalidValue("ends_on", "too_long")


def check_places(places: int) -> int:
    if not 1 <= places <= PLACES_MAX:
        raise InvalidValue("places", "out_of_range")
    return places


def can_manage(actor: User, organization_id: int) -> bool:
    if actor.role in STAFF:
        return True
    return actor.role is Role.DIRECTOR and actor.organization_id == organization_id


def weeks(starts_on: date, ends_on: date) -> int:
    return ((ends_on - starts_on) + timedelta(days=7)).days // 7
