"""Logbook rules: the visit rubric, location checks, hours and the edit window."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from db.domain.errors import DomainError, InvalidValue
from db.domain.models import Role, User
from db.domain.placements import Application, Offer
from db.domain.roles import STAFF
from db.domain.users import clean_text

CRITERIA = ("planning", "delivery", "management", "technology", "inclusion")
TOPIC_MAX = 200
CLASS_MAX = 50
COMMENT_MAX = 2000
NOTE_MAX = 500
MAX_HOURS_PER_DAY = 12.0
EDIT_WINDOW = timedelta(hours=24)


class Activity(StrEnum):
    TAUGHT = "taught"
    OBSERVED = "observed"
    EXTRACURRICULAR = "extracurricular"
    METHODICAL = "methodical"


class LocationCheck(StrEnum):
    NONE = "none"
    ON_SITE = "on_site"
    NOT_VERIFIED = "not_verified"


class VisitLocked(DomainError):
    """More than 24 hours have passed since the visit was logged."""


class EntryDecided(DomainError):
    """The hours entry was already confirmed or returned."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


@dataclass(frozen=True, slots=True)
class SharedLocation:
    latitude: float
    longitude: float
    fresh: bool  # sent live from the phone just now, not forwarded or old


@dataclass(frozen=True, slots=True)
class VisitInput:
    application_id: int
    visited_on: date
    topic: str
    class_group: str
    scores: Mapping[str, int]
    draft_token: str
    comment: str | None = None
    location: SharedLocation | None = None
    photo_file_id: str | None = None


@dataclass(frozen=True, slots=True)
class VisitChanges:
    topic: str | None = None
    class_group: str | None = None
    comment: str | None = None
    scores: Mapping[str, int] | None = None


@dataclass(frozen=True, slots=True)
class Visit:
    id: int
    application_id: int
    author_id: int
    visited_on: date
    topic: str
    class_group: str
    scores: dict[str, int]
    comment: str | None
    location: LocationCheck
    distance_m: float | None
    photo_file_id: str | None
    created_at: datetime

    @property
    def editable_until(self) -> datetime:
        return self.created_at + EDIT_WINDOW


@dataclass(frozen=True, slots=True)
class HoursEntry:
    id: int
    application_id: int
    worked_on: date
    hours: float
    activity: Activity
    note: str | None
    status: str
    review_comment: str | None
    reviewed_at: datetime | None


@dataclass(frozen=True, slots=True)
class Progress:
    application: Application
    offer: Offer
    visits: int
    last_visit: date | None
    averages: dict[str, float | None]
    hours_confirmed: float
    hours_pending: float
    hours_required: int


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine; plenty for "is the mentor at the school")."""
    radius = 6_371_000.0
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = math.radians(lat2 - lat1), math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(a))


def judge_location(
    shared: SharedLocation | None, school: tuple[float, float] | None, radius_m: float
) -> tuple[LocationCheck, float | None]:
    if shared is None:
        return LocationCheck.NONE, None
    if school is None:
        return LocationCheck.NOT_VERIFIED, None
    distance = distance_m(shared.latitude, shared.longitude, *school)
    on_site = shared.fresh and distance <= radius_m
    return (LocationCheck.ON_SITE if on_site else LocationCheck.NOT_VERIFIED), round(distance)


def check_points(
    points: Mapping[str, int], names: Sequence[str], field: str = "scores"
) -> dict[str, int]:
    """One whole point from 1 to 5 for each of `names` (a rubric, a rating), in their order."""
    if set(points) != set(names):
        raise InvalidValue(field, "incomplete")
    for value in points.values():
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            raise InvalidValue(field, "out_of_range")
    return {name: points[name] for name in names}


def check_scores(scores: Mapping[str, int]) -> dict[str, int]:
    return check_points(scores, CRITERIA)


def clean_field(text: str, name: str, limit: int) -> str:
    value = clean_text(text)
    if len(value) > limit:
        raise InvalidValue(name, "too_long")
    if not value:
        raise InvalidValue(name, "empty")
    return value


def clean_comment(text: str | None, name: str = "comment", limit: int = COMMENT_MAX) -> str | None:
    if text is None:
        return None
    value = text.strip()
    if len(value) > limit:
        raise InvalidValue(name, "too_long")
    return value or None


def check_hours(hours: float) -> float:
    if not 0 < hours <= MAX_HOURS_PER_DAY or round(hours * 2) != hours * 2:
        raise InvalidValue("hours", "out_of_range")
    return hours


def may_visit(actor: User, application: Application) -> bool:
    """Log a visit to, or review the hours of, a placement: its mentor or a coordinator."""
    return actor.role in STAFF or (actor.role is Role.MENTOR and application.mentor_id == actor.id)


def may_edit_visit(actor: User, visit: Visit) -> bool:
    """A visit is changed only by the mentor who logged it (within EDIT_WINDOW)."""
    return visit.author_id == actor.id


def practice_days(offer: Offer, today: date) -> tuple[date, date] | None:
    """The days a visit or hours may be logged for: from the start to today (or the end);
    None before the practice has started."""
    last = min(offer.ends_on, today)
    return None if last < offer.starts_on else (offer.starts_on, last)


def check_practice_day(day: date, offer: Offer, today: date, name: str) -> None:
    if day > today:
        raise InvalidValue(name, "future")
    if not offer.starts_on <= day <= offer.ends_on:
        raise InvalidValue(name, "outside_period")
