"""How the logbook reads: rubric criteria, activities, location checks, visit cards, progress."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from babel.numbers import format_decimal

from db.domain.diary import PracticeReport
from db.domain.errors import DomainError, InvalidValue, NotAllowed, NotFound
from db.domain.evaluations import Evaluation, EvaluationKind, FinalMark
from db.domain.models import Organization, User
from db.domain.practice_log import (
    CRITERIA,
    Activity,
    EntryDecided,
    HoursEntry,
    LocationCheck,
    Progress,
    Visit,
    VisitLocked,
)
from handlers.kit.formatting import current_locale, esc, fmt_date, upper_first
from handlers.placements.texts import kind_name, org_title, period_text


def criterion_name(name: str) -> str:
    names = {
        "responsibility": _("Responsibility"),
        "communication": _("Communication with pupils and colleagues"),
        "reflection": _("Reflection on own teaching"),
        "planning": _("Lesson planning"),
        "delivery": _("Delivery and subject knowledge"),
        "management": _("Classroom management"),
        "technology": _("Use of technology"),
        "inclusion": _("Inclusion and differentiation"),
    }
    return names[name]


def activity_name(activity: Activity) -> str:
    names = {
        Activity.TAUGHT: _("lessons taught"),
        Activity.OBSERVED: _("lessons observed"),
        Activity.EXTRACURRICULAR: _("extracurricular work"),
        Activity.METHODICAL: _("methodical work"),
    }
    return names[activity]


def no_visit_label(days: int) -> str:
    """The filter button: students whose mentor has not visited a lesson for `days` days."""
    return ngettext("🔕 No visit for {days} day", "🔕 No visit for {days} days", days).format(
        days=days
    )


def plural_count(value: float) -> int:
    """The count that picks the right plural form: a fraction reads like "2" (ru "1,5 часа")."""
    return int(value) if float(value).is_integer() else 2


def number(value: float) -> str:
    return str(format_decimal(value, format="#,##0.#", locale=current_locale()))


def location_text(visit: Visit) -> str:
    if visit.location is LocationCheck.ON_SITE:
        return _("📍 on site ({distance} m from the school)").format(
            distance=number(visit.distance_m or 0)
        )
    if visit.location is LocationCheck.NOT_VERIFIED:
        if visit.distance_m is None:
            return _("📍 location not verified")
        return _("📍 location not verified ({distance} m from the school)").format(
            distance=number(visit.distance_m)
        )
    return _("no location shared")


def scores_text(scores: dict[str, int]) -> str:
    return "\n".join(
        f"  {criterion_name(name)}: {scores[name]}/5" for name in CRITERIA if name in scores
    )


def visit_card(visit: Visit, student: User, mentor: User | None) -> str:
    lines = [
        _("📝 Lesson visit, {date}").format(date=fmt_date(visit.visited_on)),
        _("Student: {name}").format(name=esc(student.full_name)),
        _("Topic: {topic}").format(topic=esc(visit.topic)),
        _("Class or group: {group}").format(group=esc(visit.class_group)),
        _("Scores:"),
        scores_text(visit.scores),
    ]
    if visit.comment:
        lines.append(_("Comment: {comment}").format(comment=esc(visit.comment)))
    if mentor is not None:
        lines.append(_("Mentor: {name}").format(name=esc(mentor.full_name)))
    lines.append(location_text(visit))
    return "\n".join(lines)


def hours_line(entry: HoursEntry, student: User | None = None) -> str:
    status = {
        "pending": _("⏳ awaiting confirmation"),
        "confirmed": _("✅ confirmed"),
        "returned": _("↩️ returned"),
    }[entry.status]
    who = f"{esc(student.full_name)}: " if student is not None else ""
    hours = ngettext("{n} hour", "{n} hours", plural_count(entry.hours)).format(
        n=number(entry.hours)
    )
    line = f"{who}{fmt_date(entry.worked_on)} — {hours}, {activity_name(entry.activity)} · {status}"
    if entry.note:
        line += f"\n    {esc(entry.note)}"
    if entry.status == "returned" and entry.review_comment:
        line += "\n    " + _("Mentor: {comment}").format(comment=esc(entry.review_comment))
    return line


def hours_progress(progress: Progress) -> str:
    text = _("Hours: {confirmed} of {required} confirmed").format(
        confirmed=number(progress.hours_confirmed), required=progress.hours_required
    )
    if progress.hours_pending:
        text += " " + _("(+{pending} awaiting confirmation)").format(
            pending=number(progress.hours_pending)
        )
    return text


def progress_text(
    progress: Progress, student: User, school: Organization | None, locale: str
) -> str:
    offer = progress.offer
    lines = [
        f"📈 <b>{esc(student.full_name)}</b>",
        f"{upper_first(kind_name(offer.kind))} · {esc(offer.subject)} — "
        f"{org_title(school, locale)}",
        _("Period: {period}").format(period=period_text(offer)),
    ]
    if progress.visits:
        assert progress.last_visit is not None
        lines.append(
            ngettext(
                "{n} mentor visit, the last on {date}",
                "{n} mentor visits, the last on {date}",
                progress.visits,
            ).format(n=progress.visits, date=fmt_date(progress.last_visit))
        )
        lines.append(_("Average scores:"))
        for name in CRITERIA:
            average = progress.averages[name]
            lines.append(
                f"  {criterion_name(name)}: {number(average) if average is not None else '—'}"
            )
    else:
        lines.append(_("No mentor visits yet."))
    lines.append(hours_progress(progress))
    return "\n".join(lines)


def logbook_problem(error: DomainError) -> str:
    if isinstance(error, VisitLocked):
        return _(
            "More than 24 hours have passed since this visit was logged; it can no longer be "
            "changed."
        )
    if isinstance(error, EntryDecided):
        return _("This entry has already been reviewed.")
    if isinstance(error, NotAllowed | NotFound):  # one answer: no oracle of which ids exist
        return _("Only the student's mentor or a practice coordinator can do this.")
    if isinstance(error, InvalidValue):
        return logbook_value_problem(error)
    return _("This cannot be done.")


def logbook_value_problem(error: InvalidValue) -> str:
    problems = {
        "future": _("That date is in the future. Please give today's date or an earlier one."),
        "outside_period": _("That date is outside the practice period."),
        "over_day": _("That would be more than 12 hours on one day."),
        "too_long": _("That is too long. Please shorten it."),
        "empty": _("Please write a few words."),
        "incomplete": _("Please score every criterion."),
    }
    if error.field == "hours" and error.detail == "out_of_range":
        return _("Please give the hours as a number from 0.5 to 12, for example 4 or 1.5.")
    if error.field == "scores" and error.detail == "out_of_range":
        return _("Scores go from 1 to 5.")
    return problems.get(error.detail, _("This value cannot be accepted."))


def evaluation_lines(evaluation: Evaluation) -> list[str]:
    """The rubric's points, the strengths (final only), what to improve and the mark."""
    lines = [f"  {criterion_name(name)}: {score}" for name, score in evaluation.scores.items()]
    if evaluation.strengths:
        lines.append(_("Strengths: {text}").format(text=esc(evaluation.strengths)))
    lines.append(_("To improve: {text}").format(text=esc(evaluation.to_improve)))
    if evaluation.recommended_mark is not None:
        lines.append(_("Recommended mark: {mark}").format(mark=evaluation.recommended_mark))
    return lines


@dataclass(frozen=True, slots=True)
class PracticeEnding:
    """What the end of a practice has so far, for its progress card."""

    evaluations: dict[EvaluationKind, Evaluation]
    mark: FinalMark | None
    diary_days: int
    report: PracticeReport | None


def ending_lines(ending: PracticeEnding, show_texts: bool) -> list[str]:
    """`show_texts`: the evaluations in full (the student, the mentor, staff), else only status."""
    lines: list[str] = []
    mid = ending.evaluations.get(EvaluationKind.MID)
    final = ending.evaluations.get(EvaluationKind.FINAL)
    if mid is not None:
        lines.append(_("📋 <b>Mid-term evaluation</b>"))
        if show_texts:
            lines += evaluation_lines(mid)
    if final is not None:
        lines.append(_("🏁 <b>Final evaluation</b>"))
        if show_texts:
            lines += evaluation_lines(final)
        if final.confirmed_at is not None:
            lines.append(_("The characteristic is signed and confirmed by the school."))
        elif final.signed_at is not None:
            lines.append(_("The characteristic is signed and awaits the school's confirmation."))
        else:
            lines.append(_("The characteristic is not signed yet."))
    lines.append(
        ngettext("Diary: {n} day written", "Diary: {n} days written", ending.diary_days).format(
            n=ending.diary_days
        )
    )
    if ending.report is not None:
        lines.append(_("Report: {name}").format(name=esc(ending.report.file.file_name)))
    else:
        lines.append(_("Report: not uploaded yet"))
    if ending.mark is not None:
        lines.append(
            _("🎓 Final mark: {mark} out of 100 ({letter})").format(
                mark=ending.mark.mark, letter=ending.mark.letter
            )
        )
    return lines
