"""The network's figures for a period: who may see which, and the numbers themselves.

A `ReportScope` is derived from the viewer on every request (never taken from a button), so a
forged button cannot widen it; the SQL fragments here are shared with the exports.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from db.domain.errors import NotAllowed, NotFound
from db.domain.evaluations import SchoolFeedback, summarize
from db.domain.models import OrgKind, Role, User
from db.domain.practice_log import CRITERIA
from db.domain.reports import (
    VISIT_BUCKETS,
    EventFigures,
    EventKindFigures,
    HoursByKind,
    HoursFigures,
    IssueCategoryFigures,
    IssueFigures,
    NetworkReport,
    Period,
    ReportScope,
    SchoolPlacements,
    StudentCoverage,
    VisitFigures,
    median,
    visit_bucket,
)
from db.domain.roles import REPORT_VIEWERS
from db.orgs import name_sql
from db.timeutil import period_bounds

if TYPE_CHECKING:
    from db.database import Database


# ----- the SQL of a scope ------------------------------------------------------------------------
# Each fragment names the aliases it expects; all take the parameters of ReportScope.params().
# A department official who narrows to one organization keeps their region as well: a
# university's students are placed in every region, and only this one's placements are theirs.


def _scoped(scope: ReportScope, by_kind: dict[str, str]) -> str:
    clause = by_kind[scope.kind]
    if scope.kind == "organization" and scope.region:
        return f"({clause}) AND {by_kind['region']}"
    return clause


def placements_where(scope: ReportScope) -> str:
    """Over `a` (applications), `o` (their offer), `g` (the school) and `s` (the student)."""
    return _scoped(
        scope,
        {
            "mentor": "a.mentor_id = :mentor",
            "organization": "(o.organization_id = :org OR s.organization_id = :org)",
            "region": "g.region = :region",
            "network": "1",
        },
    )


def issues_where(scope: ReportScope) -> str:
    """Over `i` (school_issues) and `g` (the school)."""
    return _scoped(
        scope,
        {
            "mentor": "i.author_id = :mentor",
            "organization": "i.organization_id = :org",
            "region": "g.region = :region",
            "network": "1",
        },
    )


def people_where(scope: ReportScope) -> str:
    """Over `u` (a person) and `ug` (their organization): whose event registrations count."""
    return _scoped(
        scope,
        {
            "mentor": "(u.id = :mentor OR u.id IN (SELECT m.student_id FROM applications m"
            " WHERE m.mentor_id = :mentor AND m.status = 'approved'))",
            "organization": "u.organization_id = :org",
            "region": "ug.region = :region",
            "network": "1",
        },
    )


def hosted_where(scope: ReportScope) -> str:
    """Over `e` (events) and `eg` (where they are held): events the scope itself hosts."""
    return _scoped(
        scope,
        {
            "mentor": "0",
            "organization": "e.organization_id = :org",
            "region": "eg.region = :region",
            "network": "1",
        },
    )


def organizations_where(scope: ReportScope) -> str:
    """Over `g` (organizations)."""
    return _scoped(
        scope,
        {
            "mentor": "g.id IN (SELECT o.organization_id FROM applications a"
            " JOIN practice_offers o ON o.id = a.offer_id WHERE a.mentor_id = :mentor)",
            "organization": "g.id = :org",
            "region": "g.region = :region",
            "network": "1",
        },
    )


PLACEMENTS_FROM = (
    " FROM applications a JOIN practice_offers o ON o.id = a.offer_id"
    " JOIN organizations g ON g.id = o.organization_id JOIN users s ON s.id = a.student_id"
)
OVERLAPS_PERIOD = "o.starts_on <= :end AND o.ends_on >= :start"


class ReportRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def scope_for(self, viewer: User, organization_id: int | None = None) -> ReportScope:
        """The scope `viewer` may see, narrowed to `organization_id` where they may choose one.

        Raises NotAllowed for a role without reports or an organization outside their reach.
        """
        if viewer.role not in REPORT_VIEWERS:
            raise NotAllowed("reports")
        if viewer.role is Role.MENTOR:
            if organization_id is not None:
                raise NotAllowed("organization")
            return ReportScope(mentor_id=viewer.id)
        if viewer.role is Role.DIRECTOR:
            if viewer.organization_id is None or organization_id not in (
                None,
                viewer.organization_id,
            ):
                raise NotAllowed("organization")
            return ReportScope(organization_id=viewer.organization_id)
        region = await self.viewer_region(viewer)
        if organization_id is None:
            return ReportScope(region=region)
        org = await self._db.orgs.get(organization_id)
        if org is None:
            raise NotFound("organization")
        if region and org.region != region:
            raise NotAllowed("organization")
        return ReportScope(organization_id=organization_id, region=region)

    async def viewer_region(self, viewer: User) -> str | None:
        """A department official sees their region (all of the network when theirs is unset)."""
        if viewer.role is not Role.DEPARTMENT or viewer.organization_id is None:
            return None
        org = await self._db.orgs.get(viewer.organization_id)
        return org.region if org is not None and org.region else None

    async def build(
        self, scope: ReportScope, period: Period, required_hours: Mapping[str, int], locale: str
    ) -> NetworkReport:
        params = {**scope.params(), **period_bounds(period, self._db.timezone)}
        placements = await self._placements(scope, params, locale)
        report = NetworkReport(
            scope=scope,
            period=period,
            placements=placements,
            coverage=await self._coverage(scope, params),
            visits=await self._visits(scope, params),
            hours=await self._hours(scope, params, required_hours),
            issues=await self._issues(scope, params),
            events=await self._events(scope, params),
        )
        nothing = (
            not placements
            and report.visits.visits == 0
            and report.issues.posted == 0
            and report.events.events == 0
        )
        return replace(report, empty=nothing)

    async def school_feedback(
        self, scope: ReportScope, period: Period, locale: str
    ) -> list[SchoolFeedback]:
        """Students' ratings given in `period`, per school, only where summarize allows it.

        Never for a mentor's scope: the mentors rated are the viewers themselves.
        """
        if scope.kind == "mentor":
            return []
        params = {**scope.params(), **period_bounds(period, self._db.timezone)}
        rows = await self._db.scan_all(
            f"SELECT g.id, {name_sql('g', locale)} AS name, r.ratings FROM placement_ratings r"
            " JOIN organizations g ON g.id = r.organization_id"
            " WHERE r.created_at >= :start_at AND r.created_at < :end_at"
            f" AND {organizations_where(scope)} ORDER BY g.id",
            params,
        )
        by_school: dict[int, tuple[str, list[dict[str, int]]]] = {}
        for row in rows:
            by_school.setdefault(row["id"], (row["name"], []))[1].append(json.loads(row["ratings"]))
        found = [
            SchoolFeedback(school_id, name, summary)
            for school_id, (name, ratings) in by_school.items()
            if (summary := summarize(ratings)) is not None
        ]
        return sorted(found, key=lambda school: (-school.summary.responses, school.name))

    async def _placements(
        self, scope: ReportScope, params: dict[str, Any], locale: str
    ) -> list[SchoolPlacements]:
        rows = await self._db.scan_all(
            f"SELECT g.id, {name_sql('g', locale)} AS name, a.status, count(*) AS n"
            + PLACEMENTS_FROM
            + f" WHERE {OVERLAPS_PERIOD} AND {placements_where(scope)}"
            " GROUP BY g.id, a.status",
            params,
        )
        schools: dict[int, SchoolPlacements] = {}
        for row in rows:
            school = schools.setdefault(row["id"], SchoolPlacements(row["id"], row["name"], {}))
            school.by_status[row["status"]] = row["n"]
        return sorted(schools.values(), key=lambda s: (-s.approved, -sum(s.by_status.values())))

    async def _coverage(self, scope: ReportScope, params: dict[str, Any]) -> StudentCoverage | None:
        if scope.kind == "mentor":
            return None
        if scope.kind == "organization":
            org = await self._db.orgs.get(int(params["org"]))
            if org is None or org.kind is not OrgKind.UNIVERSITY:
                return None
        where = {"organization": "s.organization_id = :org", "region": "sg.region = :region"}
        row = await self._db.scan_one(
            "SELECT count(*) AS students, coalesce(sum(NOT EXISTS (SELECT 1"
            " FROM applications a JOIN practice_offers o ON o.id = a.offer_id"
            f" WHERE a.student_id = s.id AND a.status = 'approved' AND {OVERLAPS_PERIOD})), 0)"
            " AS without FROM users s LEFT JOIN organizations sg ON sg.id = s.organization_id"
            " WHERE s.role = 'student' AND s.created_at < :end_at"
            f" AND {where.get(scope.kind, '1')}",
            params,
        )
        assert row is not None
        return StudentCoverage(students=row["students"], without_placement=row["without"])

    async def _visits(self, scope: ReportScope, params: dict[str, Any]) -> VisitFigures:
        rows = await self._db.scan_all(
            "SELECT a.student_id, count(v.id) AS n"
            + PLACEMENTS_FROM
            + " LEFT JOIN visits v ON v.application_id = a.id"
            " AND v.visited_on BETWEEN :start AND :end"
            f" WHERE a.status = 'approved' AND {OVERLAPS_PERIOD} AND {placements_where(scope)}"
            " GROUP BY a.student_id",
            params,
        )
        buckets: dict[int, int] = dict.fromkeys(VISIT_BUCKETS, 0)
        for row in rows:
            buckets[visit_bucket(row["n"])] += 1
        averages = await self._db.scan_one(
            "SELECT "
            + ", ".join(f"avg(v.score_{name}) AS {name}" for name in CRITERIA)
            + PLACEMENTS_FROM
            + " JOIN visits v ON v.application_id = a.id"
            " WHERE a.status = 'approved' AND v.visited_on BETWEEN :start AND :end"
            f" AND {placements_where(scope)}",
            params,
        )
        assert averages is not None
        return VisitFigures(
            placed_students=len(rows),
            visits=sum(row["n"] for row in rows),
            students_by_visits=buckets,
            averages={name: averages[name] for name in CRITERIA},
        )

    async def _hours(
        self, scope: ReportScope, params: dict[str, Any], required_hours: Mapping[str, int]
    ) -> HoursFigures:
        """Hours of the placements running in the period, against what each practice requires."""
        rows = await self._db.scan_all(
            "SELECT o.kind, a.id,"
            " (SELECT coalesce(sum(h.hours), 0) FROM practice_hours h"
            "  WHERE h.application_id = a.id AND h.status = 'confirmed') AS confirmed,"
            " (SELECT coalesce(sum(h.hours), 0) FROM practice_hours h"
            "  WHERE h.application_id = a.id AND h.status = 'pending') AS pending"
            + PLACEMENTS_FROM
            + f" WHERE a.status = 'approved' AND {OVERLAPS_PERIOD} AND {placements_where(scope)}",
            params,
        )
        kinds: dict[str, list[float]] = {}
        completed = 0
        for row in rows:
            required = float(required_hours.get(row["kind"], 0))
            totals = kinds.setdefault(row["kind"], [0, 0.0, 0.0, 0.0])
            totals[0] += 1
            totals[1] += required
            totals[2] += min(float(row["confirmed"]), required)
            totals[3] += float(row["pending"])
            completed += required > 0 and row["confirmed"] >= required
        by_kind = [
            HoursByKind(kind, int(n), required, confirmed, pending)
            for kind, (n, required, confirmed, pending) in kinds.items()
        ]
        order = list(required_hours)
        by_kind.sort(key=lambda row: order.index(row.kind) if row.kind in order else len(order))
        return HoursFigures(by_kind=by_kind, completed=completed)

    async def _issues(self, scope: ReportScope, params: dict[str, Any]) -> IssueFigures:
        rows = await self._db.scan_all(
            "SELECT i.category, i.status,"
            " julianday(i.resolved_at) - julianday(i.created_at) AS days"
            " FROM school_issues i JOIN organizations g ON g.id = i.organization_id"
            " WHERE i.created_at >= :start_at AND i.created_at < :end_at AND "
            f"{issues_where(scope)}",
            params,
        )
        posted: dict[str, int] = defaultdict(int)
        resolved: dict[str, list[float]] = defaultdict(list)
        still_open = 0
        for row in rows:
            posted[row["category"]] += 1
            if row["status"] in ("resolved", "closed") and row["days"] is not None:
                resolved[row["category"]].append(float(row["days"]))
            elif row["status"] in ("new", "in_progress"):
                still_open += 1
        by_category = [
            IssueCategoryFigures(
                category, count, len(resolved[category]), median(resolved[category])
            )
            for category, count in sorted(posted.items(), key=lambda item: -item[1])
        ]
        every = [days for values in resolved.values() for days in values]
        return IssueFigures(by_category=by_category, median_days=median(every), open=still_open)

    async def _events(self, scope: ReportScope, params: dict[str, Any]) -> EventFigures:
        rows = await self._db.scan_all(
            "SELECT e.kind, count(DISTINCT e.id) AS events,"
            " count(r.user_id) AS registered,"
            " coalesce(sum(r.attended = 1), 0) AS attended,"
            " coalesce(sum(r.attended IS NOT NULL), 0) AS marked"
            " FROM events e LEFT JOIN organizations eg ON eg.id = e.organization_id"
            " LEFT JOIN (SELECT r.*, " + people_where(scope) + " AS in_scope"
            "  FROM event_registrations r JOIN users u ON u.id = r.user_id"
            "  LEFT JOIN organizations ug ON ug.id = u.organization_id WHERE r.status = 'going') r"
            f" ON r.event_id = e.id AND (r.in_scope OR {hosted_where(scope)})"
            " WHERE e.status = 'published' AND e.starts_at >= :start_at AND e.starts_at < :end_at"
            f" AND (r.user_id IS NOT NULL OR {hosted_where(scope)})"
            " GROUP BY e.kind ORDER BY events DESC",
            params,
        )
        return EventFigures(
            by_kind=[
                EventKindFigures(
                    row["kind"], row["events"], row["registered"], row["attended"], row["marked"]
                )
                for row in rows
            ]
        )
