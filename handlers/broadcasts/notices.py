"""The announcement itself, in the recipient's language (else the author's)."""

from __future__ import annotations

from typing import Any

from handlers.kit.notices import Notice, NoticeContext, Renderer


async def broadcast(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    found = await context.db.broadcasts.content(int(payload.get("broadcast_id", 0)))
    if found is None:
        return None
    text = found.text_for(context.locale)
    if found.media_kind == "photo":
        return Notice(text, photo=found.media_file_id)
    if found.media_kind == "document":
        return Notice(text, document=found.media_file_id)
    return Notice(text)


RENDERERS: dict[str, Renderer] = {"broadcast": broadcast}
