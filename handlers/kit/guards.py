"""The one answer to a button whose object the presser may not act on, or that is gone.

Loaders return None both for "no such object" and for "not yours", so a forged or old
button learns nothing about which ids exist.
"""

from __future__ import annotations

from typing import TypeVar

from aiogram.types import CallbackQuery

from handlers.kit.texts import not_allowed

T = TypeVar("T")


async def or_refuse(query: CallbackQuery, found: T | None) -> T | None:
    """`found`; or, when it is None, None after an alert to the presser."""
    if found is None:
        await query.answer(not_allowed(), show_alert=True)
    return found
