"""Button data of the memoranda feature: ids and short enums, never text.

Every prefix is unique across the bot (tests/test_architecture.py checks it).
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from pydantic import Field


class MemoCb(CallbackData, prefix="mo"):
    action: str
    value: str = ""


class PartnerCb(CallbackData, prefix="pt"):
    action: str  # page | doc | attach
    value: int = Field(0, ge=0, lt=2**31)
