"""Events: kinds, answers, audiences, times, capacity and repeating occurrences."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from urllib.parse import urlparse

from db.domain.errors import DomainError, InvalidValue
from db.domain.models import Role, User
from db.domain.users import clean_text

TITLE_MAX = 150
DESCRIPTION_MAX = 2500
ADDRESS_MAX = 300
CAPACITY_MAX = 100_000
LENGTH_MAX = timedelta(days=31)
MAX_OCCURRENCES = 60
LATE_AFTER = timedelta(minutes=1)
DEFAULT_REMINDER_OFFSETS = (24 * 60, 60)


class EventKind(StrEnum):
    SEMINAR = "seminar"
    TRAINING = "training"
    COURSE = "course"
    CONFERENCE = "conference"
    MEETING = "meeting"
    COMPETITION = "competition"


class Rsvp(StrEnum):
    GOING = "going"
    WAITLISTED = "waitlisted"
    DECLINED = "declined"


class EventCancelled(DomainError):
    """The event was cancelled."""


class EventOver(DomainError):
    """The event has already ended."""


class AlreadyAnswered(DomainError):
    """The person already gave this answer."""

    def __init__(self, status: Rsvp) -> None:
        super().__init__(status.value)
        self.status = status


class EventChanged(DomainError):
    """Someone changed the event since this person looked."""


@dataclass(frozen=True, slots=True)
class Audience:
    everyone: bool = False
    roles: frozenset[Role] = frozenset()
    organization_ids: frozenset[int] = frozenset()

    def is_empty(self) -> bool:
        return not self.everyone and not self.roles and not self.organization_ids

    def includes(self, user: User) -> bool:
        if self.everyone:
            return True
        role_ok = not self.roles or user.role in self.roles
        org_ok = not self.organization_ids or user.organization_id in self.organization_ids
        return role_ok and org_ok


@dataclass(frozen=True, slots=True)
class EventInput:
    kind: EventKind
    title: str
    starts_at: datetime
    ends_at: datetime
    audience: Audience
    description: str = ""
    organization_id: int | None = None
    address: str | None = None
    online_url: str | None = None
    registration: bool = True
    capacity: int | None = None
    reminder_offsets: tuple[int, ...] = DEFAULT_REMINDER_OFFSETS
    repeat: str | None = None  # weekly | monthly
    until: date | None = None


@dataclass(frozen=True, slots=True)
class EventChanges:
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    address: str | None = None
    online_url: str | None = None
    title: str | None = None
    description: str | None = None
    capacity: int | None = None

    def names(self) -> list[str]:
        return [name for name in self.__slots__ if getattr(self, name) is not None]


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    series_id: int | None
    organizer_id: int | None
    kind: EventKind
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    organization_id: int | None
    address: str | None
    online_url: str | None
    registration: bool
    capacity: int | None
    audience: Audience
    reminder_offsets: tuple[int, ...]
    status: str
    version: int
    going: int = 0
    waitlisted: int = 0

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"

    @property
    def full(self) -> bool:
        return self.capacity is not None and self.going >= self.capacity

    @property
    def places_left(self) -> int | None:
        return None if self.capacity is None else max(0, self.capacity - self.going)


@dataclass(frozen=True, slots=True)
class Registration:
    event_id: int
    user_id: int
    status: Rsvp
    attended: bool | None
    position: int | None = None


def clean_title(text: str) -> str:
    title = clean_text(text)
    if len(title) > TITLE_MAX:
        raise InvalidValue("title", "too_long")
    if len(title) < 3 or not any(ch.isalpha() for ch in title):
        raise InvalidValue("title", "too_short")
    return title


def clean_url(text: str) -> str:
    url = text.strip()
    parsed = urlparse(url)
    if (
        parsed.scheme not in ("http", "https")
        or "." not in parsed.netloc
        or len(url) > 500
        or " " in url
    ):
        raise InvalidValue("online_url", "not_a_url")
    return url


def check_times(starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    if starts_at <= now:
        raise InvalidValue("starts_at", "in_past")
    check_span(starts_at, ends_at)


def check_span(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise InvalidValue("ends_at", "before_start")
    if ends_at - starts_at > LENGTH_MAX:
        raise InvalidValue("ends_at", "too_long")


def clean_description(text: str) -> str:
    description = text.strip()
    if len(description) > DESCRIPTION_MAX:
        raise InvalidValue("description", "too_long")
    return description


def clean_address(text: str) -> str | None:
    """An address on one line, cut to the length the card has room for; None when blank."""
    return clean_text(text)[:ADDRESS_MAX] or None


def parse_capacity(text: str) -> int:
    value = text.strip()
    if not value.isdigit() or len(value) > len(str(CAPACITY_MAX)):
        raise InvalidValue("capacity", "out_of_range")
    check_capacity(int(value))
    return int(value)


def check_capacity(capacity: int | None) -> None:
    if capacity is not None and not 1 <= capacity <= CAPACITY_MAX:
        raise InvalidValue("capacity", "out_of_range")


def occurrences(start: datetime, repeat: str | None, until: date | None) -> list[datetime]:
    """The start of every occurrence of a series, in the event's own time zone."""
    if repeat is None:
        return [start]
    if until is None or until < start.date():
        raise InvalidValue("until", "before_start")
    found: list[datetime] = []
    index = 0
    while True:
        if repeat == "weekly":
            moment = start + timedelta(weeks=index)
        elif repeat == "monthly":
            month = start.month - 1 + index
            year, month = start.year + month // 12, month % 12 + 1
            day = min(start.day, calendar.monthrange(year, month)[1])
            moment = start.replace(year=year, month=month, day=day)
        else:
            raise InvalidValue("repeat", "unknown")
        if moment.date() > until:
            return found
        found.append(moment)
        index += 1
        if len(found) > MAX_OCCURRENCES:
            raise InvalidValue("until", "too_many")
