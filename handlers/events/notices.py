"""Notifications about events, with date and time in each reader's locale and the zone."""

from __future__ import annotations

from typing import Any

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from db.domain.events import Event
from handlers.events.callbacks import EventCb
from handlers.events.texts import kind_name, when_text, where_text
from handlers.kit.formatting import esc
from handlers.kit.keyboard import InlineKeyboard
from handlers.kit.notices import Notice, NoticeContext, Renderer


def open_button(event: Event, answer: bool) -> InlineKeyboardMarkup:

    builder = InlineKeyboard()
    if answer:
        builder.button(
            text=_("✅ I'll attend"), callback_data=EventCb(action="going", event_id=event.id)
        )
        builder.button(
            text=_("❌ Can't attend"), callback_data=EventCb(action="decline", event_id=event.id)
        )
    builder.button(
        text=_("Open the event"), callback_data=EventCb(action="open", event_id=event.id)
    )
    builder.adjust(2, 1)
    return builder.as_markup()


async def _event(context: NoticeContext, payload: dict[str, Any]) -> tuple[Event, str] | None:
    event = await context.db.events.get(int(payload.get("event_id", 0)))
    if event is None:
        return None
    place = await context.db.orgs.get(event.organization_id) if event.organization_id else None
    facts = "\n".join(
        [
            f"<b>{esc(event.title)}</b> — {kind_name(event.kind)}",
            "🗓 " + when_text(event, context.settings.timezone, context.locale),
            "📍 " + where_text(event, place, context.locale),
        ]
    )
    return event, facts


async def published(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    found = await _event(context, payload)
    if found is None or found[0].cancelled:
        return None
    event, facts = found
    text = _("📢 New event:") + "\n" + facts
    count = int(payload.get("count", 1))
    if count > 1:
        text += "\n" + ngettext("First of {n} session.", "First of {n} sessions.", count).format(
            n=count
        )
    return Notice(text, open_button(event, answer=True))


async def changed(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    found = await _event(context, payload)
    if found is None or found[0].cancelled:
        return None
    event, facts = found
    return Notice(
        _("ℹ️ The event has changed. Now:") + "\n" + facts, open_button(event, answer=False)
    )


async def cancelled(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    found = await _event(context, payload)
    if found is None:
        return None
    return Notice(_("🚫 Cancelled:") + "\n" + found[1])


async def reminder(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    found = await _event(context, payload)
    if found is None or found[0].cancelled:
        return None
    event, facts = found
    text = _("⏰ Reminder:") + "\n" + facts
    if payload.get("late"):
        text += "\n" + _("(This reminder is late: the bot was unavailable for a while.)")
    return Notice(text, open_button(event, answer=False))


async def promoted(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    found = await _event(context, payload)
    if found is None or found[0].cancelled:
        return None
    event, facts = found
    return Notice(
        _("🎉 A place freed up: you are now registered for") + "\n" + facts,
        open_button(event, answer=False),
    )


RENDERERS: dict[str, Renderer] = {
    "event.published": published,
    "event.changed": changed,
    "event.cancelled": cancelled,
    "event.reminder": reminder,
    "event.promoted": promoted,
}
