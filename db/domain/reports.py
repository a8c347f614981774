"""Report periods, scopes and the figures a report is made of."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from db.domain.errors import InvalidValue

PERIOD_MAX_DAYS = 366 * 10
YEARS = range(2000, 2101)  # what a report can be about; beyond, date arithmetic overflows
VISIT_BUCKETS = (0, 1, 2, 3, 4, 5, 10)  # placed students by visits: 0, 1, …, 5–9, 10+


@dataclass(frozen=True, slots=True)
class Period:
    """Whole local days from `start` to `end`, both included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if not (YEARS.start <= self.start.year and self.end.year < YEARS.stop):
            raise InvalidValue("period", "out_of_range")
        if self.end < self.start:
            raise InvalidValue("period", "end_before_start")
        if (self.end - self.start).days > PERIOD_MAX_DAYS:
            raise InvalidValue("period", "too_long")


def academic_year(today: date, years_back: int = 0) -> Period:
    """September to August: the year teaching practice and the network's plans run on."""
    start_year = (today.year if today.month >= 9 else today.year - 1) - years_back
    return Period(date(start_year, 9, 1), date(start_year + 1, 8, 31))


@dataclass(frozen=True, slots=True)
class ReportScope:
    """What a viewer's figures cover: the whole network, a region, one organization (within a
    region, for a department official) or a mentor's own students."""

    organization_id: int | None = None
    region: str | None = None
    mentor_id: int | None = None

    @property
    def kind(self) -> str:
        if self.mentor_id is not None:
            return "mentor"
        if self.organization_id is not None:
            return "organization"
        return "region" if self.region else "network"

    def params(self) -> dict[str, Any]:
        return {"org": self.organization_id, "region": self.region, "mentor": self.mentor_id}


@dataclass(frozen=True, slots=True)
class SchoolPlacements:
    organization_id: int
    name: str
    by_status: dict[str, int]

    @property
    def approved(self) -> int:
        return self.by_status.get("approved", 0)


@dataclass(frozen=True, slots=True)
class StudentCoverage:
    students: int
    without_placement: int


@dataclass(frozen=True, slots=True)
class VisitFigures:
    placed_students: int
    visits: int
    students_by_visits: dict[int, int]  # bucket (see VISIT_BUCKETS) -> students
    averages: dict[str, float | None]  # criterion -> mean score 1..5

    @property
    def per_student(self) -> float:
        return self.visits / self.placed_students if self.placed_students else 0.0

    @property
    def not_visited(self) -> int:
        return self.students_by_visits.get(0, 0)


@dataclass(frozen=True, slots=True)
class HoursByKind:
    kind: str
    placements: int
    required: float
    confirmed: float
    pending: float


@dataclass(frozen=True, slots=True)
class HoursFigures:
    by_kind: list[HoursByKind]
    completed: int  # placements with every required hour confirmed

    @property
    def required(self) -> float:
        return sum(row.required for row in self.by_kind)

    @property
    def confirmed(self) -> float:
        return sum(min(row.confirmed, row.required) for row in self.by_kind)

    @property
    def pending(self) -> float:
        return sum(row.pending for row in self.by_kind)


@dataclass(frozen=True, slots=True)
class IssueCategoryFigures:
    category: str
    posted: int
    resolved: int
    median_days: float | None


@dataclass(frozen=True, slots=True)
class IssueFigures:
    by_category: list[IssueCategoryFigures]
    median_days: float | None
    open: int

    @property
    def posted(self) -> int:
        return sum(row.posted for row in self.by_category)

    @property
    def resolved(self) -> int:
        return sum(row.resolved for row in self.by_category)


@dataclass(frozen=True, slots=True)
class EventKindFigures:
    kind: str
    events: int
    registered: int
    attended: int
    marked: int  # registrations whose attendance the organizer recorded


@dataclass(frozen=True, slots=True)
class EventFigures:
    by_kind: list[EventKindFigures]

    @property
    def events(self) -> int:
        return sum(row.events for row in self.by_kind)

    @property
    def registered(self) -> int:
        return sum(row.registered for row in self.by_kind)

    @property
    def attended(self) -> int:
        return sum(row.attended for row in self.by_kind)

    @property
    def marked(self) -> int:
        return sum(row.marked for row in self.by_kind)


@dataclass(frozen=True, slots=True)
class NetworkReport:
    scope: ReportScope
    period: Period
    placements: list[SchoolPlacements]
    coverage: StudentCoverage | None  # only where the scope has students of its own
    visits: VisitFigures
    hours: HoursFigures
    issues: IssueFigures
    events: EventFigures
    empty: bool = field(default=False)

    @property
    def placement_totals(self) -> dict[str, int]:
        totals: dict[str, int] = defaultdict(int)
        for school in self.placements:
            for status, count in school.by_status.items():
                totals[status] += count
        return dict(totals)


def median(values: list[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def visit_bucket(visits: int) -> int:
    return max(bucket for bucket in VISIT_BUCKETS if visits >= bucket)
