"""How queued notifications read: each kind of outbox row rendered in its recipient's language.

The delivery worker (bot/workers/delivery.py) calls `render` at send time, inside the
recipient's locale, with the table `handlers.renderers()` builds from every feature's
notices module; a person who switched language meanwhile gets the new one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram.types import InlineKeyboardMarkup

from db import Database
from handlers.kit.settings import HandlerSettings


@dataclass(frozen=True, slots=True)
class Notice:
    text: str
    reply_markup: InlineKeyboardMarkup | None = None
    photo: str | None = None  # a Telegram file_id
    document: str | None = None  # a Telegram file_id


@dataclass(frozen=True, slots=True)
class NoticeContext:
    db: Database
    settings: HandlerSettings
    user_id: int
    locale: str


Renderer = Callable[[NoticeContext, dict[str, Any]], Awaitable[Notice | None]]


class UnknownNotice(Exception):
    pass


async def render(
    table: dict[str, Renderer], context: NoticeContext, kind: str, payload: dict[str, Any]
) -> Notice | None:
    """The message for one outbox row; None when there is nothing left to say."""
    renderer = table.get(kind)
    if renderer is None:
        raise UnknownNotice(kind)
    return await renderer(context, payload)
