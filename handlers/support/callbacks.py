"""Button data of the support feature: ids and short enums, never text.

Every prefix is unique across the bot (tests/test_architecture.py checks it).
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

from handlers.kit.callbacks import Id, OptionalId


class SupportCb(CallbackData, prefix="sp"):
    action: str
    thread_id: OptionalId = 0


class StaffCb(CallbackData, prefix="ss"):
    action: str
    user_id: Id
