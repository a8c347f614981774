"""Button data of the events feature: ids and short enums, never text.

Every prefix is unique across the bot (tests/test_architecture.py checks it).
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class EventCb(CallbackData, prefix="ev"):
    action: str
    event_id: int = 0
    version: int = 0
    value: int = 0


class AttendCb(CallbackData, prefix="at"):
    event_id: int
    user_id: int
    attended: bool


class NewEventCb(CallbackData, prefix="ne"):
    action: str
    value: str = ""
