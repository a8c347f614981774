"""How events read: kinds, times in the reader's locale and zone, places, answers, refusals."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from db.domain.errors import DomainError, InvalidValue, NotAllowed, NotFound
from db.domain.events import (
    CAPACITY_MAX,
    DESCRIPTION_MAX,
    TITLE_MAX,
    AlreadyAnswered,
    Audience,
    Event,
    EventCancelled,
    EventChanged,
    EventKind,
    EventOver,
    Registration,
    Rsvp,
)
from db.domain.models import Organization, Role
from handlers.kit.formatting import clock_time, current_locale, esc, fmt_long_date, upper_first
from handlers.kit.texts import role_name_plural


def kind_name(kind: EventKind) -> str:
    names = {
        EventKind.SEMINAR: _("seminar"),
        EventKind.TRAINING: _("training"),
        EventKind.COURSE: _("advanced training course"),
        EventKind.CONFERENCE: _("conference"),
        EventKind.MEETING: _("meeting"),
        EventKind.COMPETITION: _("competition"),
    }
    return names[kind]


def when_text(event: Event, tz: ZoneInfo, locale: str | None = None) -> str:
    return span_text(event.starts_at, event.ends_at, tz, locale)


def span_text(
    starts_at: datetime, ends_at: datetime, tz: ZoneInfo, locale: str | None = None
) -> str:
    """ "Wednesday, 25 December 2026, 15:00–17:00": the date once when it is one day."""
    locale = locale or current_locale()
    start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    day = fmt_long_date(start, locale)
    if start.date() == end.date():
        return f"{day}, {clock_time(start, locale)}–{clock_time(end, locale)}"
    last = fmt_long_date(end, locale)
    return f"{day}, {clock_time(start, locale)} – {last}, {clock_time(end, locale)}"


def where_plain(event: Event, place: Organization | None, locale: str) -> str:
    """Where, as plain text (for calendar files)."""
    parts = []
    if place is not None:
        parts.append(place.name(locale))
    if event.address:
        parts.append(event.address)
    elif place is not None and place.address:
        parts.append(place.address)
    text = ", ".join(parts)
    if event.online_url:
        link = _("online: {url}").format(url=event.online_url)
        text = f"{text}; {link}" if text else link
    return text


def where_text(event: Event, place: Organization | None, locale: str) -> str:
    return esc(where_plain(event, place, locale))


def offsets_text(offsets: tuple[int, ...]) -> str:
    if not offsets:
        return _("no reminders")
    parts = []
    for minutes in offsets:
        if minutes % (24 * 60) == 0:
            days = minutes // (24 * 60)
            parts.append(ngettext("{n} day", "{n} days", days).format(n=days))
        elif minutes % 60 == 0:
            hours = minutes // 60
            parts.append(ngettext("{n} hour", "{n} hours", hours).format(n=hours))
        else:
            parts.append(ngettext("{n} minute", "{n} minutes", minutes).format(n=minutes))
    return _("reminders {times} before").format(times=", ".join(parts))


def audience_text(audience: Audience, organizations: dict[int, Organization], locale: str) -> str:
    """Roles and places, making clear that both together mean "these roles at these places"."""
    if audience.everyone:
        return _("everyone")
    roles = ", ".join(role_name_plural(role) for role in Role if role in audience.roles)
    places = ", ".join(
        organizations[o].name(locale)
        for o in sorted(audience.organization_ids)
        if o in organizations
    )
    if roles and places:
        return esc(_("{roles} at: {places}").format(roles=roles, places=places))
    return esc(roles or places)


def answer_text(registration: Registration | None) -> str | None:
    if registration is None:
        return None
    if registration.status is Rsvp.GOING:
        return _("✅ You are coming.")
    if registration.status is Rsvp.WAITLISTED:
        return _("🕒 You are on the waiting list, position {position}.").format(
            position=registration.position or 1
        )
    return _("You said you cannot attend.")


def capacity_text(event: Event) -> str | None:
    if not event.registration:
        return _("No registration needed.")
    if event.capacity is None:
        return ngettext("{n} person is coming.", "{n} people are coming.", event.going).format(
            n=event.going
        )
    return _("Places: {going} of {capacity} taken; waiting list: {waiting}.").format(
        going=event.going, capacity=event.capacity, waiting=event.waitlisted
    )


def event_card(
    event: Event,
    place: Organization | None,
    registration: Registration | None,
    tz: ZoneInfo,
    locale: str,
) -> str:
    lines = [
        ("🚫 " if event.cancelled else "") + f"<b>{esc(event.title)}</b>",
        upper_first(kind_name(event.kind)),
        "🗓 " + when_text(event, tz, locale),
        "📍 " + where_text(event, place, locale),
    ]
    if event.cancelled:
        lines.append(_("This event was cancelled."))
    if event.description:
        lines += ["", esc(event.description)]
    capacity = capacity_text(event)
    if capacity:
        lines += ["", capacity]
    answer = answer_text(registration)
    if answer:
        lines.append(answer)
    return "\n".join(lines)


def event_problem(error: DomainError) -> str:
    if isinstance(error, AlreadyAnswered):
        if error.status is Rsvp.DECLINED:
            return _("You have already said you cannot attend.")
        if error.status is Rsvp.WAITLISTED:
            return _("You are already on the waiting list; you will be told when a place frees up.")
        return _("You are already registered for this event.")
    if isinstance(error, EventCancelled):
        return _("This event was cancelled.")
    if isinstance(error, EventOver):
        return _("This event is already over.")
    if isinstance(error, EventChanged):
        return _("Someone changed this event a moment ago. Open it again to see it as it stands.")
    if isinstance(error, NotAllowed | NotFound):  # one answer: no oracle of which ids exist
        return _("This event is not for you.")
    if isinstance(error, InvalidValue):
        return event_value_problem(error)
    return _("This cannot be done.")


def event_value_problem(error: InvalidValue) -> str:
    problems = {
        ("starts_at", "in_past"): _("That time has already passed. Please give a later one."),
        ("ends_at", "before_start"): _("The end must come after the start."),
        ("ends_at", "too_long"): _("An event cannot last more than a month; use a series instead."),
        ("capacity", "out_of_range"): _("Please give a number of places from 1 to {max}.").format(
            max=CAPACITY_MAX
        ),
        ("capacity", "below_registered"): _(
            "There cannot be fewer places than people already registered."
        ),
        ("online_url", "not_a_url"): _(
            "That is not a link. Please send a full address such as https://meet.example.kz/room."
        ),
        ("title", "too_short"): _("Please give the event a title (at least 3 characters)."),
        ("title", "too_long"): _("Please keep the title under {max} characters.").format(
            max=TITLE_MAX
        ),
        ("description", "too_long"): _(
            "Please keep the description under {max} characters."
        ).format(max=DESCRIPTION_MAX),
        ("audience", "empty"): _("Please choose who the event is for."),
        ("place", "empty"): _("Please give a place or an online link."),
        ("until", "before_start"): _("The series must end after its first session."),
        ("until", "too_many"): _("A series can have at most 60 sessions."),
        ("attendance", "not_started"): _("Attendance can be marked once the event has started."),
    }
    return problems.get((error.field, error.detail), _("This value cannot be accepted."))
