"""The reminder that a memorandum is about to expire, for the person responsible for it."""

from __future__ import annotations

from typing import Any

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from handlers.kit.callbacks import MenuCb
from handlers.kit.formatting import esc, fmt_date
from handlers.kit.keyboard import InlineKeyboard
from handlers.kit.notices import Notice, NoticeContext, Renderer


async def expiring(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    db = context.db
    memorandum = await db.memoranda.get(int(payload.get("memorandum_id", 0)))
    if memorandum is None:
        return None
    days = (memorandum.expires_on - db.today()).days
    if days < 0:
        return None  # it already expired while the reminder waited: nothing useful to add
    parties = await db.orgs.by_ids(list(memorandum.party_ids))
    names = "; ".join(esc(org.name(context.locale)) for org in parties.values())
    text = ngettext(
        "⏳ The memorandum «{title}» with {parties} expires on {date}, in {n} day."
        " Time to prepare its renewal.",
        "⏳ The memorandum «{title}» with {parties} expires on {date}, in {n} days."
        " Time to prepare its renewal.",
        days,
    ).format(
        title=esc(memorandum.title), parties=names, date=fmt_date(memorandum.expires_on), n=days
    )
    builder = InlineKeyboard()
    builder.button(text=_("🤝 Partners"), callback_data=MenuCb(action="partners"))
    return Notice(text, builder.as_markup())


RENDERERS: dict[str, Renderer] = {"memorandum.expiring": expiring}
