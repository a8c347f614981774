"""Button data of the memoranda feature: ids and short enums, never text.

Every prefix is unique across the bot (tests/test_architecture.py checks it).
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

from handlers.kit.callbacks import Count


class MemoCb(CallbackData, prefix="mo"):
    action: str
    value: str = ""


class PartnerCb(CallbackData, prefix="pt"):
    action: str  # page | doc | attach
    value: Count = 0
