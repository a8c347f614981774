"""The reminder that a memorandum is about to expire, for the person responsible for it."""

from __future__ import annotations

from typing import Any

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from db.domain.memoranda import Covered, Memorandum
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
    covered = await db.memoranda.covered(memorandum)
    if covered:
        text += "\n\n" + await covered_lines(context, memorandum, covered)
    builder = InlineKeyboard()
    builder.button(text=_("🤝 Partners"), callback_data=MenuCb(action="partners"))
    return Notice(text, builder.as_markup())


COVERED_SHOWN = 10


async def covered_lines(
    context: NoticeContext, memorandum: Memorandum, covered: list[Covered]
) -> str:
    placements = sum(item.student is not None for item in covered)
    offers = len(covered) - placements
    orgs = await context.db.orgs.by_ids(list({item.organization_id for item in covered}))
    lines = [
        _("It covers {placements} and {offers}:").format(
            placements=ngettext("{n} placement", "{n} placements", placements).format(n=placements),
            offers=ngettext("{n} open offer", "{n} open offers", offers).format(n=offers),
        )
    ]
    for item in covered[:COVERED_SHOWN]:
        org = orgs.get(item.organization_id)
        who = esc(item.student) if item.student else _("open offer")
        mark = "⚠️ " if item.outlives(memorandum) else "• "
        lines.append(
            f"{mark}{esc(item.subject)} — {esc(org.name(context.locale)) if org else '—'},"
            f" {fmt_date(item.starts_on)} – {fmt_date(item.ends_on)} ({who})"
        )
    if len(covered) > COVERED_SHOWN:
        lines.append(
            ngettext("… and {n} more.", "… and {n} more.", len(covered) - COVERED_SHOWN).format(
                n=len(covered) - COVERED_SHOWN
            )
        )
    if any(item.outlives(memorandum) for item in covered):
        lines.append(_("⚠️ These run past the memorandum's end."))
    return "\n".join(lines)


RENDERERS: dict[str, Renderer] = {"memorandum.expiring": expiring}
