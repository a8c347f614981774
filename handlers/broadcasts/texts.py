"""How announcements read: the audience, the preview summary, progress and the final report."""

from __future__ import annotations

import html
import re

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from db.domain.broadcasts import Broadcast, BroadcastAudience, EmptyAudience
from db.domain.errors import DomainError, InvalidValue, NotAllowed
from db.domain.models import LOCALES, Organization
from db.outbox import OutboxCounts
from handlers.kit.formatting import esc
from handlers.kit.texts import LANGUAGE_NAMES, role_name_plural


def audience_summary(
    audience: BroadcastAudience,
    organizations: dict[int, Organization],
    event_title: str | None,
    locale: str,
) -> str:
    if audience.everyone and audience.event_id is None:
        return _("everyone")
    parts = []
    if audience.event_id is not None:
        parts.append(_("registered for “{title}”").format(title=esc(event_title or "—")))
    if audience.roles:
        parts.append(", ".join(role_name_plural(role) for role in sorted(audience.roles)))
    where = [
        organizations[o].name(locale)
        for o in sorted(audience.organization_ids)
        if o in organizations
    ]
    where += sorted(audience.places)
    if where:
        # TRANSLATORS: part of an announcement's audience, after the roles: "mentors; in:
        # School 7, Almaty". {places} lists organizations and cities.
        parts.append(_("in {places}").format(places=esc(", ".join(where))))
    return "; ".join(parts)


def plain_preview(html_text: str, limit: int) -> str:
    """The first line of an HTML text as plain text (to quote it safely in a list)."""
    plain = html.unescape(re.sub(r"<[^>]+>", "", html_text)).split("\n")[0]
    return plain if len(plain) <= limit else plain[: limit - 1] + "…"


def languages_text(texts: dict[str, str]) -> str:
    return ", ".join(LANGUAGE_NAMES[locale] for locale in LOCALES if locale in texts)


def progress_text(broadcast: Broadcast, counts: OutboxCounts) -> str:
    left = counts.pending + counts.sending
    numbers = _("sent {sent} · blocked the bot {blocked} · failed {failed} · left {left}").format(
        sent=counts.sent, blocked=counts.blocked, failed=counts.failed, left=left
    )
    if counts.unknown:
        # TRANSLATORS: sent, but Telegram's answer was lost: do not send these again.
        numbers += "\n" + _("may have arrived (no answer from Telegram): {unknown}").format(
            unknown=counts.unknown
        )
    if left:
        return (
            ngettext(
                "📤 Announcement #{id} is being sent to {total} person:",
                "📤 Announcement #{id} is being sent to {total} people:",
                broadcast.recipients,
            ).format(id=broadcast.id, total=broadcast.recipients)
            + "\n"
            + numbers
        )
    return _("✅ Announcement #{id} is delivered. Report:").format(id=broadcast.id) + "\n" + numbers


def broadcast_problem(error: DomainError) -> str:
    if isinstance(error, EmptyAudience):
        return _("Nobody matches this audience. Please change it.")
    if isinstance(error, NotAllowed):
        return _(
            "Announcements are sent by coordinators, department officials and admins; directors "
            "write to their school's mentors."
        )
    if isinstance(error, InvalidValue):
        if error.detail == "too_long":
            return _(
                "The text is longer than Telegram allows (4096 characters). Please shorten it."
            )
        if error.detail == "caption_too_long":
            return _(
                "With a photo or document the text may be at most 1024 characters. Please "
                "shorten it."
            )
        return _("Please write the announcement.")
    return _("This cannot be done.")
