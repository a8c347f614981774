"""Button data of the broadcasts feature: ids and short enums, never text.

Every prefix is unique across the bot (tests/test_architecture.py checks it).
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class ComposeCb(CallbackData, prefix="bc"):
    action: str
    value: str = ""
