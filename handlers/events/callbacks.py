"""Button data of the events feature: ids and short enums, never text.

Every prefix is unique across the bot (tests/test_architecture.py checks it).
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

from handlers.kit.callbacks import Count, Id, OptionalId


class EventCb(CallbackData, prefix="ev"):
    action: str
    event_id: OptionalId = 0
    version: Count = 0
    value: Count = 0


class AttendCb(CallbackData, prefix="at"):
    event_id: Id
    user_id: Id
    attended: bool


class NewEventCb(CallbackData, prefix="ne"):
    action: str
    value: str = ""
