"""How memoranda and partners read."""

from __future__ import annotations

from datetime import date

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from db.domain.errors import DomainError, InvalidValue, NotAllowed, NotFound
from db.domain.memoranda import (
    FIRST_YEAR,
    LAST_YEAR,
    TITLE_MAX,
    Area,
    Memorandum,
    MemorandumInput,
    PartnerActivity,
)
from db.domain.models import Organization, User
from handlers.kit.formatting import esc, fmt_date
from handlers.kit.settings import HandlerSettings
from handlers.kit.texts import not_allowed, stale_button


def area_name(area: Area) -> str:
    names = {
        Area.PRACTICE: _("practice and internships"),
        Area.EMPLOYMENT: _("graduate employment"),
        Area.PROGRAMMES: _("joint programmes"),
        Area.RESEARCH: _("research"),
        Area.TRAINING: _("advanced training"),
        Area.EVENTS: _("joint events"),
    }
    return names[area]


def validity_text(memorandum: Memorandum, today: date, warn_days: int) -> str:
    state = memorandum.state(today, warn_days)
    if state == "expired":
        return _("⛔ expired on {date}").format(date=fmt_date(memorandum.expires_on))
    days = (memorandum.expires_on - today).days
    if state == "expiring":
        return ngettext(
            "⏳ expires on {date}, in {n} day", "⏳ expires on {date}, in {n} days", days
        ).format(date=fmt_date(memorandum.expires_on), n=days)
    return _("✅ valid until {date}").format(date=fmt_date(memorandum.expires_on))


def summary(
    draft: MemorandumInput,
    parties: dict[int, Organization],
    responsible: User | None,
    locale: str,
) -> str:
    names = [esc(parties[org_id].name(locale)) for org_id in draft.party_ids if org_id in parties]
    lines = [
        f"<b>{esc(draft.title)}</b>",
        _("Parties: {names}").format(names="; ".join(names)),
        _("Signed: {signed} · valid until: {expires}").format(
            signed=fmt_date(draft.signed_on), expires=fmt_date(draft.expires_on)
        ),
        _("Areas: {areas}").format(areas=", ".join(area_name(area) for area in draft.areas)),
        _("Responsible: {name}").format(name=esc(responsible.full_name) if responsible else "—"),
        _("File: {name}").format(name=esc(draft.document_name))
        if draft.document_name
        else _("File: not attached yet"),
    ]
    return "\n".join(lines)


def partner_block(
    number: int,
    partner: PartnerActivity,
    people: dict[int, User],
    today: date,
    locale: str,
    settings: HandlerSettings,
) -> tuple[str, list[tuple[str, int]]]:
    """One partner's entry, and (number, memorandum id) of each memorandum, e.g. ("2.1", 7)."""
    org = partner.organization
    lines = [f"<b>{number}. {esc(org.name(locale))}</b> · {esc(org.city)}"]
    numbered = []
    for index, memorandum in enumerate(partner.memoranda, start=1):
        label = f"{number}.{index}"
        mark = "📄" if memorandum.document_file_id else "▫️"
        lines.append(f"{mark} {label} «{esc(memorandum.title)}»")
        lines.append(
            "   "
            + _("signed {date}").format(date=fmt_date(memorandum.signed_on))
            + " · "
            + validity_text(memorandum, today, settings.memorandum_warn_days)
        )
        lines.append("   " + ", ".join(area_name(area) for area in memorandum.areas))
        person = people.get(memorandum.responsible_id or 0)
        if person is not None:
            lines.append("   " + _("responsible: {name}").format(name=esc(person.full_name)))
        numbered.append((label, memorandum.id))
    lines.append(
        _(
            "This academic year: placements {placements} · events {events} · requests {issues}"
            " (resolved {resolved})"
        ).format(
            placements=partner.placements,
            events=partner.events,
            issues=partner.issues,
            resolved=partner.issues_resolved,
        )
    )
    return "\n".join(lines), numbered


def dates_out_of_range() -> str:
    return _(
        "Please check the year: a memorandum is signed in {first} or later and is valid"
        " until {last} at the latest."
    ).format(first=FIRST_YEAR, last=LAST_YEAR)


def memorandum_problem(error: DomainError) -> str:
    if isinstance(error, InvalidValue):
        if error.detail == "out_of_range":
            return dates_out_of_range()
        problems = {
            "title": _("Please write a title from 3 to {limit} characters.").format(
                limit=TITLE_MAX
            ),
            "expires_on": _("It must stay valid after the day it was signed."),
            "areas": _("Choose at least one area."),
            "parties": _("Choose at least one organization."),
        }
        return problems.get(error.field, stale_button())
    if isinstance(error, NotAllowed):
        return not_allowed()
    if isinstance(error, NotFound):
        return _(
            "One of the organizations is no longer in the directory. Start again with /memorandum."
        )
    return stale_button()
