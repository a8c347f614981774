"""How reports read: the period, whose figures, the summary, the charts and export headings."""

from __future__ import annotations

import unicodedata

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from babel.numbers import format_decimal

from db.domain.evaluations import MIN_RESPONSES, SchoolFeedback
from db.domain.events import EventKind, Rsvp
from db.domain.issues import IssueCategory, IssueStatus
from db.domain.models import Organization, OrgKind, Role
from db.domain.placements import ApplicationStatus, PracticeKind
from db.domain.practice_log import CRITERIA, Activity, LocationCheck
from db.domain.reports import VISIT_BUCKETS, IssueFigures, NetworkReport, Period, ReportScope
from handlers.events.texts import kind_name as event_kind_name
from handlers.issues.texts import category_name
from handlers.issues.texts import status_name as issue_status_name
from handlers.kit.formatting import current_locale, esc, fmt_date, upper_first
from handlers.kit.texts import org_kind_name, role_name
from handlers.placements.texts import kind_name as practice_kind_name
from handlers.placements.texts import status_label
from handlers.practice.texts import activity_name, criterion_name, number, plural_count
from handlers.reports.port import BarChart, ExportLabels, Series

BLUE, ORANGE, SKY, GREEN, GREY = "#0072B2", "#E69F00", "#56B4E9", "#009E73", "#BBBBBB"
SCHOOLS_ON_CHART = 12
FEEDBACK_SCHOOLS = 15  # schools listed in one message; the rest are counted


def plain(text: str) -> str:
    """A label without its emoji: charts and spreadsheets have no emoji font."""
    kept = [ch for ch in text if unicodedata.category(ch) not in ("So", "Sk", "Cf", "Mn")]
    return "".join(kept).strip()


def whole(value: float) -> str:
    return str(format_decimal(round(value), format="#,##0", locale=current_locale()))


def percent(part: float, total: float) -> str:
    return f"{round(100 * part / total)}%" if total else "—"


def period_label(period: Period) -> str:
    return _("{start} – {end}").format(start=fmt_date(period.start), end=fmt_date(period.end))


def scope_label(scope: ReportScope, org: Organization | None, locale: str) -> str:
    if scope.kind == "mentor":
        return _("your students")
    if org is not None:
        return org.name(locale)
    if scope.kind == "region":
        return scope.region or ""
    return _("the whole network")


def days_text(days: float) -> str:
    return ngettext("{n} day", "{n} days", plural_count(round(days, 1))).format(
        n=number(round(days, 1))
    )


# ----- the summary --------------------------------------------------------------------------------


def summary_text(report: NetworkReport, heading: str) -> str:
    lines = [f"<b>📊 {esc(heading)}</b>"]
    if report.empty:
        lines += [
            "",
            _("Nothing was recorded in this period: no placements, visits, requests or events."),
        ]
        return "\n".join(lines)
    lines += ["", *_placement_lines(report), "", *_visit_lines(report), ""]
    lines += [*_hours_lines(report), "", *_issue_lines(report.issues), "", *_event_lines(report)]
    return "\n".join(lines)


def _placement_lines(report: NetworkReport) -> list[str]:
    totals = report.placement_totals
    schools = sum(1 for school in report.placements if school.approved)
    lines = [
        _("🏫 <b>Placements</b>"),
        _("• Students placed: {n} (schools: {schools})").format(
            n=whole(totals.get("approved", 0)), schools=whole(schools)
        ),
        _("• Applications under review: {pending} · on waiting lists: {waiting}").format(
            pending=whole(totals.get("pending", 0)), waiting=whole(totals.get("waitlisted", 0))
        ),
    ]
    if report.coverage is not None:
        lines.append(
            _("• Students without a placement: {n} of {total}").format(
                n=whole(report.coverage.without_placement), total=whole(report.coverage.students)
            )
        )
    return lines


def _visit_lines(report: NetworkReport) -> list[str]:
    visits = report.visits
    lines = [
        _("📝 <b>Mentor visits</b>"),
        _("• Visits: {n} · per placed student: {average}").format(
            n=whole(visits.visits), average=number(round(visits.per_student, 1))
        ),
        _("• Placed students not visited yet: {n}").format(n=whole(visits.not_visited)),
    ]
    scores = [
        f"{criterion_name(name)} {number(round(value, 1))}"
        for name, value in visits.averages.items()
        if value is not None
    ]
    if scores:
        lines.append(_("• Average scores (1–5): {scores}").format(scores=" · ".join(scores)))
    return lines


def _hours_lines(report: NetworkReport) -> list[str]:
    hours = report.hours
    placements = sum(row.placements for row in hours.by_kind)
    return [
        _("🕒 <b>Practice hours</b>"),
        _("• Confirmed: {confirmed} of {required} required ({percent})").format(
            confirmed=whole(hours.confirmed),
            required=whole(hours.required),
            percent=percent(hours.confirmed, hours.required),
        ),
        _("• Awaiting confirmation: {n}").format(n=whole(hours.pending)),
        _("• Placements with every required hour confirmed: {n} of {total}").format(
            n=whole(hours.completed), total=whole(placements)
        ),
    ]


def _issue_lines(issues: IssueFigures) -> list[str]:
    lines = [
        _("📨 <b>School requests</b>"),
        _("• Posted: {posted} · resolved: {resolved} · open: {open}").format(
            posted=whole(issues.posted), resolved=whole(issues.resolved), open=whole(issues.open)
        ),
    ]
    if issues.median_days is not None:
        lines.append(
            _("• Median time to resolution: {days}").format(days=days_text(issues.median_days))
        )
    for row in issues.by_category:
        line = _("• {category}: {posted}, resolved {resolved}").format(
            category=upper_first(category_name(IssueCategory(row.category))),
            posted=whole(row.posted),
            resolved=whole(row.resolved),
        )
        if row.median_days is not None:
            line += _(", median {days}").format(days=days_text(row.median_days))
        lines.append(line)
    return lines


def _event_lines(report: NetworkReport) -> list[str]:
    events = report.events
    return [
        _("🗓 <b>Events</b>"),
        _("• Events: {events} · registrations: {registered}").format(
            events=whole(events.events), registered=whole(events.registered)
        ),
        _("• Attended: {attended} of {marked} marked ({percent})").format(
            attended=whole(events.attended),
            marked=whole(events.marked),
            percent=percent(events.attended, events.marked),
        ),
    ]


# ----- the charts ---------------------------------------------------------------------------------


def report_charts(report: NetworkReport, subtitle: str) -> list[BarChart]:
    if report.empty:
        return []
    charts = [
        _placements_chart(report, subtitle),
        _visits_chart(report, subtitle),
        _scores_chart(report, subtitle),
        _hours_chart(report, subtitle),
        _issues_chart(report.issues, subtitle),
        _events_chart(report, subtitle),
    ]
    return [
        chart
        for chart in charts
        if chart is not None
        and any(any(value for value in series.values) for series in chart.series)
    ]


def _status(status: ApplicationStatus) -> str:
    return upper_first(plain(status_label(status)))


def _placements_chart(report: NetworkReport, subtitle: str) -> BarChart | None:
    schools = report.placements[:SCHOOLS_ON_CHART]
    if not schools:
        return None
    if len(report.placements) > SCHOOLS_ON_CHART:
        subtitle += "\n" + _("the {shown} schools with most placements, of {total}").format(
            shown=SCHOOLS_ON_CHART, total=len(report.placements)
        )

    def values(*statuses: ApplicationStatus) -> tuple[float, ...]:
        return tuple(
            float(sum(school.by_status.get(status.value, 0) for status in statuses))
            for school in schools
        )

    return BarChart(
        title=_("Placements by school"),
        subtitle=subtitle,
        categories=tuple(school.name for school in schools),
        series=(
            Series(_status(ApplicationStatus.APPROVED), values(ApplicationStatus.APPROVED), BLUE),
            Series(_status(ApplicationStatus.PENDING), values(ApplicationStatus.PENDING), ORANGE),
            Series(
                _status(ApplicationStatus.WAITLISTED), values(ApplicationStatus.WAITLISTED), SKY
            ),
            Series(
                _("Not placed"),
                values(
                    ApplicationStatus.REJECTED,
                    ApplicationStatus.WITHDRAWN,
                    ApplicationStatus.CANCELLED,
                ),
                GREY,
            ),
        ),
        stacked=True,
        axis_label=_("applications"),
    )


def _visits_chart(report: NetworkReport, subtitle: str) -> BarChart | None:
    buckets = report.visits.students_by_visits
    labels = []
    for index, low in enumerate(VISIT_BUCKETS):
        high = VISIT_BUCKETS[index + 1] - 1 if index + 1 < len(VISIT_BUCKETS) else None
        labels.append(str(low) if high == low else (f"{low}–{high}" if high else f"{low}+"))
    return BarChart(
        title=_("Mentor visits per placed student"),
        subtitle=subtitle,
        categories=tuple(labels),
        series=(Series(_("students"), tuple(float(buckets[low]) for low in VISIT_BUCKETS), BLUE),),
        horizontal=False,
        axis_label=_("students"),
    )


def _scores_chart(report: NetworkReport, subtitle: str) -> BarChart | None:
    averages = report.visits.averages
    if all(value is None for value in averages.values()):
        return None
    return BarChart(
        title=_("Average lesson scores"),
        subtitle=subtitle,
        categories=tuple(criterion_name(name) for name in CRITERIA),
        series=(Series(_("score"), tuple(averages[name] or 0.0 for name in CRITERIA), GREEN),),
        axis_label=_("average score, 1 to 5"),
        max_value=5.0,
        value_format="{:.1f}",
    )


def _hours_chart(report: NetworkReport, subtitle: str) -> BarChart | None:
    rows = report.hours.by_kind
    if not rows:
        return None
    return BarChart(
        title=_("Practice hours by kind of practice"),
        subtitle=subtitle,
        categories=tuple(upper_first(practice_kind_name(PracticeKind(row.kind))) for row in rows),
        series=(
            Series(_("Required"), tuple(row.required for row in rows), GREY),
            Series(_("Confirmed"), tuple(row.confirmed for row in rows), GREEN),
            Series(_("Awaiting confirmation"), tuple(row.pending for row in rows), ORANGE),
        ),
        axis_label=_("hours"),
    )


def _issues_chart(issues: IssueFigures, subtitle: str) -> BarChart | None:
    if not issues.by_category:
        return None
    categories = []
    for row in issues.by_category:
        name = upper_first(category_name(IssueCategory(row.category)))
        if row.median_days is not None:
            name += "\n" + _("median {days}").format(days=days_text(row.median_days))
        categories.append(name)
    return BarChart(
        title=_("School requests by category"),
        subtitle=subtitle,
        categories=tuple(categories),
        series=(
            Series(_("Posted"), tuple(float(row.posted) for row in issues.by_category), BLUE),
            Series(_("Resolved"), tuple(float(row.resolved) for row in issues.by_category), GREEN),
        ),
        axis_label=_("requests"),
    )


def _events_chart(report: NetworkReport, subtitle: str) -> BarChart | None:
    rows = report.events.by_kind
    if not rows:
        return None
    return BarChart(
        title=_("Event registrations and attendance"),
        subtitle=subtitle,
        categories=tuple(upper_first(event_kind_name(EventKind(row.kind))) for row in rows),
        series=(
            Series(_("Registered"), tuple(float(row.registered) for row in rows), BLUE),
            Series(_("Attended"), tuple(float(row.attended) for row in rows), GREEN),
        ),
        axis_label=_("people"),
    )


# ----- export headings ---------------------------------------------------------------------------


def export_labels() -> ExportLabels:
    return ExportLabels(
        sheets={
            "organizations": _("Organizations"),
            "placements": _("Placements"),
            "visits": _("Visits"),
            "hours": _("Hours"),
            "issues": _("School requests"),
            "events": _("Events"),
            "attendance": _("Attendance"),
        },
        columns=_export_columns(),
        values=_export_values(),
        yes=_("yes"),
        no=_("no"),
    )


def _export_columns() -> dict[str, dict[str, str]]:
    student, school, person = _("Student"), _("School"), _("Person")
    scores = {f"score_{name}": criterion_name(name) for name in CRITERIA}
    return {
        "organizations": {
            "id": _("No."),
            "code": _("Code"),
            "kind": _("Kind"),
            "name_kk": _("Name (Kazakh)"),
            "name_ru": _("Name (Russian)"),
            "name_en": _("Name (English)"),
            "city": _("City"),
            "region": _("Region"),
            "address": _("Address"),
            "memorandum_until": _("Memorandum valid until"),
        },
        "placements": {
            "id": _("No."),
            "student_id": _("Student No."),
            "student": student,
            "university": _("University"),
            "programme": _("Programme"),
            "study_year": _("Year of study"),
            "school": school,
            "city": _("City"),
            "practice_kind": _("Practice"),
            "subject": _("Subject or age group"),
            "starts_on": _("First day"),
            "ends_on": _("Last day"),
            "status": _("Status"),
            "mentor": _("Mentor"),
            "applied_at": _("Applied"),
            "decided_at": _("Decided"),
            "final_mark": _("Final mark"),
            "letter_grade": _("Letter grade"),
        },
        "visits": {
            "id": _("No."),
            "visited_on": _("Date"),
            "student_id": _("Student No."),
            "student": student,
            "school": school,
            "mentor": _("Mentor"),
            "topic": _("Lesson topic"),
            "class_group": _("Class or group"),
            **scores,
            "score_average": _("Average score"),
            "location": _("Location"),
            "comment": _("Comment"),
        },
        "hours": {
            "id": _("No."),
            "worked_on": _("Date"),
            "student_id": _("Student No."),
            "student": student,
            "school": school,
            "hours": _("Hours"),
            "activity": _("Activity"),
            "status": _("Status"),
            "reviewer": _("Reviewed by"),
            "reviewed_at": _("Reviewed"),
            "note": _("Note"),
        },
        "issues": {
            "id": _("No."),
            "school": school,
            "city": _("City"),
            "category": _("Category"),
            "urgency": _("Urgency"),
            "title": _("Title"),
            "status": _("Status"),
            "author": _("Posted by"),
            "assignee": _("Assignee"),
            "created_at": _("Posted"),
            "resolved_at": _("Resolved"),
            "days_to_resolve": _("Days to resolve"),
        },
        "events": {
            "id": _("No."),
            "title": _("Title"),
            "kind": _("Kind"),
            "starts_at": _("Starts"),
            "ends_at": _("Ends"),
            "place": _("Place"),
            "online_url": _("Online link"),
            "capacity": _("Places"),
            "registered": _("Registered"),
            "attended": _("Attended"),
            "status": _("Status"),
        },
        "attendance": {
            "event_id": _("Event No."),
            "event": _("Event"),
            "starts_at": _("Starts"),
            "person_id": _("Person No."),
            "person": person,
            "role": _("Role"),
            "organization": _("Organization"),
            "answer": _("Answer"),
            "attended": _("Attended"),
        },
    }


def _export_values() -> dict[str, dict[str, str]]:
    def names(pairs: dict[str, str]) -> dict[str, str]:
        return {value: upper_first(plain(name)) for value, name in pairs.items()}

    return {
        "org_kind": names({kind.value: org_kind_name(kind) for kind in OrgKind}),
        "practice_kind": names({kind.value: practice_kind_name(kind) for kind in PracticeKind}),
        "application_status": names(
            {status.value: status_label(status) for status in ApplicationStatus}
        ),
        "activity": names({activity.value: activity_name(activity) for activity in Activity}),
        "hours_status": names(
            {
                "pending": _("awaiting confirmation"),
                "confirmed": _("confirmed"),
                "returned": _("returned"),
            }
        ),
        "location": names(
            {
                LocationCheck.NONE.value: _("not shared"),
                LocationCheck.ON_SITE.value: _("on site"),
                LocationCheck.NOT_VERIFIED.value: _("not verified"),
            }
        ),
        "issue_category": names(
            {category.value: category_name(category) for category in IssueCategory}
        ),
        # TRANSLATORS: a request's urgency in the export, as on the request form's buttons.
        "urgency": names({"normal": _("normal"), "urgent": _("urgent")}),
        "issue_status": names({status.value: issue_status_name(status) for status in IssueStatus}),
        "event_kind": names({kind.value: event_kind_name(kind) for kind in EventKind}),
        "event_status": names({"published": _("published"), "cancelled": _("cancelled")}),
        "rsvp": names(
            {
                Rsvp.GOING.value: _("going"),
                Rsvp.WAITLISTED.value: _("waiting list"),
                Rsvp.DECLINED.value: _("declined"),
            }
        ),
        "role": names({role.value: role_name(role) for role in Role}),
    }


def file_stem(period: Period) -> str:
    return f"seriktes-{period.start.isoformat()}-{period.end.isoformat()}"


def report_heading(period: Period, scope_text: str) -> str:
    return _("Report for {period} · {scope}").format(period=period_label(period), scope=scope_text)


def feedback_text(feedback: list[SchoolFeedback]) -> str:
    """The students' ratings per school, averaged; a school appears from MIN_RESPONSES answers."""
    lines = [
        _("⭐ <b>Students' feedback on schools and mentors</b>"),
        _("Averages from 1 to 5; a school is shown from {min} answers on.").format(
            min=MIN_RESPONSES
        ),
        "",
    ]
    if not feedback:
        lines.append(_("Not enough answers in this period yet."))
    for school in feedback[:FEEDBACK_SCHOOLS]:
        summary = school.summary
        lines.append(
            f"<b>{esc(school.name)}</b> — "
            + ngettext("{n} answer", "{n} answers", summary.responses).format(n=summary.responses)
        )
        lines.append(
            "  "
            + _("School: conditions {conditions}, support {support}, workload {workload}").format(
                **{aspect: number(value) for aspect, value in summary.school.items()}
            )
        )
        lines.append(
            "  "
            + _(
                "Mentors: availability {availability}, feedback {feedback}, example {example}"
            ).format(**{aspect: number(value) for aspect, value in summary.mentors.items()})
        )
    hidden = len(feedback) - FEEDBACK_SCHOOLS
    if hidden > 0:
        lines.append(
            ngettext("…and {n} more school", "…and {n} more schools", hidden).format(n=hidden)
        )
    return "\n".join(lines)
