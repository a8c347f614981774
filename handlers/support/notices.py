"""Notifications of confidential support: only between the requester and the support person."""

from __future__ import annotations

from typing import Any

from aiogram.utils.i18n import gettext as _

from handlers.kit.formatting import esc
from handlers.kit.keyboard import InlineKeyboard
from handlers.kit.notices import Notice, NoticeContext, Renderer
from handlers.support.callbacks import SupportCb


def open_button(thread_id: int, label: str) -> Any:

    builder = InlineKeyboard()
    builder.button(text=label, callback_data=SupportCb(action="open", thread_id=thread_id))
    return builder.as_markup()


async def message(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    db = context.db
    sent = await db.support.message(int(payload.get("message_id", 0)))
    if sent is None:
        return None
    thread = await db.support.thread(sent.thread_id)
    if thread is None or thread.status != "open":
        return None
    if context.user_id == thread.requester_id:
        text = _("🔒 Answer from support (request #{id}):\n\n{body}").format(
            id=thread.id, body=esc(sent.body)
        )
        return Notice(text, open_button(thread.id, _("✍️ Reply")))
    if thread.handler_id is None:
        # Until someone takes it, every support person hears of it, without its content.
        text = _("🆘 New confidential request #{id}. Open it to read and answer.").format(
            id=thread.id
        )
        # TRANSLATORS: a button that opens a confidential appeal.
        return Notice(text, open_button(thread.id, _("Open")))
    if thread.handler_id != context.user_id:
        return None
    author = await db.users.get(sent.author_id)
    text = _("🔒 {name} wrote in request #{id}:\n\n{body}").format(
        name=esc(author.full_name) if author else "—", id=thread.id, body=esc(sent.body)
    )
    return Notice(text, open_button(thread.id, _("Open")))


async def closed(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    return Notice(
        _("🔒 The confidential conversation #{id} was closed.").format(
            id=int(payload.get("thread_id", 0))
        )
    )


RENDERERS: dict[str, Renderer] = {"support.message": message, "support.closed": closed}
