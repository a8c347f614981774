"""How placements read: practice kinds, statuses, offer cards and the answers to refusals."""

from __future__ import annotations

from collections.abc import Callable

from aiogram.filters.callback_data import CallbackData
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from db.domain.errors import DomainError, InvalidValue, NotAllowed, NotFound
from db.domain.models import Organization, User
from db.domain.placements import (
    PLACES_MAX,
    AlreadyApplied,
    Application,
    ApplicationStatus,
    NoMemorandum,
    Offer,
    OfferClosed,
    OfferFull,
    PracticeKind,
    PracticeStarted,
    StaleState,
    weeks,
)
from handlers.kit.formatting import esc, fmt_date, upper_first
from handlers.kit.keyboard import InlineKeyboard
from handlers.kit.texts import not_allowed


def kind_name(kind: PracticeKind) -> str:
    names = {
        PracticeKind.OBSERVATION: _("educational observation practice"),
        PracticeKind.PEDAGOGICAL: _("pedagogical practice"),
        PracticeKind.PRE_GRADUATION: _("pre-graduation practice"),
        PracticeKind.DUAL: _("continuous (dual) practice"),
        PracticeKind.INTERNSHIP: _("graduate internship"),
    }
    return names[kind]


def kind_buttons(builder: InlineKeyboard, button: Callable[[PracticeKind], CallbackData]) -> None:
    """One button per practice kind, one per row; `button` makes each one's data."""
    for kind in PracticeKind:
        builder.button(text=upper_first(kind_name(kind)), callback_data=button(kind))


def status_label(status: ApplicationStatus, position: int | None = None) -> str:
    if status is ApplicationStatus.WAITLISTED and position is not None:
        return _("🕒 waiting list, position {position}").format(position=position)
    labels = {
        ApplicationStatus.PENDING: _("⏳ under review"),
        ApplicationStatus.WAITLISTED: _("🕒 waiting list"),
        # TRANSLATORS: an application's status: approved, the student is placed at the school.
        ApplicationStatus.APPROVED: _("✅ placed"),
        ApplicationStatus.REJECTED: _("❌ not accepted"),
        ApplicationStatus.WITHDRAWN: _("↩️ withdrawn"),
        ApplicationStatus.CANCELLED: _("🚫 cancelled"),
    }
    return labels[status]


def period_text(offer: Offer) -> str:
    span = weeks(offer.starts_on, offer.ends_on)
    return _("{start} – {end} ({weeks})").format(
        start=fmt_date(offer.starts_on),
        end=fmt_date(offer.ends_on),
        weeks=ngettext("{n} week", "{n} weeks", span).format(n=span),
    )


def places_text(offer: Offer) -> str:
    if not offer.is_open:
        return _("🔒 Closed for applications")
    if offer.free > 0:
        return ngettext(
            "{n} place left of {total}", "{n} places left of {total}", offer.free
        ).format(n=offer.free, total=offer.places)
    return _("No places left; waiting list: {n}").format(n=offer.waitlisted)


def person_link(user: User) -> str:
    """A name people can tap to open a chat with that person."""
    if user.telegram_id is None:
        return esc(user.full_name)
    link = f'<a href="tg://user?id={user.telegram_id}">{esc(user.full_name)}</a>'
    return f"{link} (@{esc(user.username)})" if user.username else link


def org_title(org: Organization | None, locale: str) -> str:
    if org is None:
        return "—"
    return f"{esc(org.name(locale))}, {esc(org.city)}"


def offer_card(offer: Offer, org: Organization | None, mentors: list[User], locale: str) -> str:
    lines = [
        f"🏫 <b>{org_title(org, locale)}</b>",
        _("Practice: {kind}").format(kind=kind_name(offer.kind)),
        _("Subject or age group: {subject}").format(subject=esc(offer.subject)),
        _("Period: {period}").format(period=period_text(offer)),
        places_text(offer),
    ]
    if org is not None and org.address:
        lines.insert(1, _("Address: {address}").format(address=esc(org.address)))
    if mentors:
        names = ", ".join(person_link(mentor) for mentor in mentors)
        lines.append(_("Mentors: {names}").format(names=names))
    if offer.notes:
        lines.append(_("Notes: {notes}").format(notes=esc(offer.notes)))
    return "\n".join(lines)


def offer_line(number: int, offer: Offer, org: Organization | None, locale: str) -> str:
    return (
        f"<b>{number}.</b> {esc(offer.subject)} — {org_title(org, locale)}\n"
        f"    {fmt_date(offer.starts_on)} – {fmt_date(offer.ends_on)} · {places_text(offer)}"
    )


def staff_offer_line(number: int, offer: Offer, org: Organization | None, locale: str) -> str:
    counts = _("placed {taken}/{places}, under review {pending}, waiting {waiting}").format(
        taken=offer.taken, places=offer.places, pending=offer.pending, waiting=offer.waitlisted
    )
    closed = " 🔒" if not offer.is_open else ""
    return (
        f"<b>{number}.</b> #{offer.id} {esc(offer.subject)} — {org_title(org, locale)}{closed}\n"
        f"    {fmt_date(offer.starts_on)} – {fmt_date(offer.ends_on)} · {counts}"
    )


def student_summary(student: User, university: Organization | None, locale: str) -> str:
    parts = [person_link(student)]
    if university is not None:
        parts.append(esc(university.name(locale)))
    if student.programme:
        parts.append(esc(student.programme))
    if student.study_year:
        parts.append(_("year {year}").format(year=student.study_year))
    return ", ".join(parts)


def application_card(
    application: Application,
    student: User,
    university: Organization | None,
    offer: Offer,
    org: Organization | None,
    mentor: User | None,
    position: int | None,
    locale: str,
) -> str:
    lines = [
        _("Application #{id}").format(id=application.id),
        _("Student: {student}").format(student=student_summary(student, university, locale)),
        _("Placement: {subject} — {school}").format(
            subject=esc(offer.subject), school=org_title(org, locale)
        ),
        _("Period: {period}").format(period=period_text(offer)),
        _("Status: {status}").format(status=status_label(application.status, position)),
    ]
    if application.motivation:
        lines.append(_("Motivation: {text}").format(text=esc(application.motivation)))
    if mentor is not None:
        lines.append(_("Mentor: {mentor}").format(mentor=person_link(mentor)))
    if application.reason:
        lines.append(_("Reason: {reason}").format(reason=esc(application.reason)))
    return "\n".join(lines)


def subject_problem(detail: str) -> str:
    if detail == "too_long":
        return _("Please keep it under 100 characters.")
    return _("Please write the subject or the age group, for example “Informatics” or “5–6 years”.")


def placement_problem(error: DomainError) -> str:
    """The answer to a refused placement action, in plain words."""
    if isinstance(error, AlreadyApplied):
        if error.same_offer:
            return _("You have already applied for this place. See /myplacement.")
        return _(
            "You already have an application or a placement for this period. Withdraw it in"
            " /myplacement first if you want to apply here."
        )
    if isinstance(error, OfferFull):
        return _("There are no free places left.")
    if isinstance(error, OfferClosed):
        return _("This offer no longer takes applications.")
    if isinstance(error, PracticeStarted):
        return _(
            "The practice has already started, so it cannot be withdrawn here. Please contact "
            "your coordinator."
        )
    if isinstance(error, StaleState):
        return _("This application has changed meanwhile: it is now {status}.").format(
            status=status_label(error.status)
        )
    if isinstance(error, NotAllowed | NotFound):  # one answer: no oracle of which ids exist
        return not_allowed()
    if isinstance(error, InvalidValue):
        return value_problem(error)
    if isinstance(error, NoMemorandum):
        return no_memorandum(error)
    return _("This cannot be done.")


def no_memorandum(error: NoMemorandum) -> str:
    return _(
        "This school or kindergarten has no partnership memorandum valid for the whole period"
        " {start} – {end}. Places can be offered, and students placed, only at partners with a"
        " memorandum (see /partners)."
    ).format(start=fmt_date(error.starts_on), end=fmt_date(error.ends_on))


def places_hint() -> str:
    return _("Please give a number of places from 1 to {max}.").format(max=PLACES_MAX)


def value_problem(error: InvalidValue) -> str:
    problems = {
        ("starts_on", "in_past"): _("The start date has already passed. Please give a later date."),
        ("ends_on", "before_start"): _(
            "The end date is before the start date. Please check the dates."
        ),
        ("ends_on", "too_long"): _("A practice period cannot be longer than a year."),
        ("places", "out_of_range"): places_hint(),
        ("places", "below_taken"): _("There cannot be fewer places than students already placed."),
        ("reason", "too_short"): _("Please write the reason in a few words."),
        ("reason", "too_long"): _("Please keep the reason under 500 characters."),
        ("motivation", "too_long"): _("Please keep the motivation under 1000 characters."),
        ("notes", "too_long"): _("Please keep the notes under 1000 characters."),
        ("mentor", "not_of_this_school"): _("This mentor does not work at this school."),
    }
    if error.field == "subject":
        return subject_problem(error.detail)
    return problems.get((error.field, error.detail), _("This value cannot be accepted."))
