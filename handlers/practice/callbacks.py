"""Button data of the practice feature: ids and short enums, never text.

Every prefix is unique across the bot (tests/test_architecture.py checks it).
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class HoursCb(CallbackData, prefix="hr"):
    action: str
    value: str = ""


class ReviewHoursCb(CallbackData, prefix="rh"):
    action: str
    entry_id: int


class ProgressCb(CallbackData, prefix="pg"):
    action: str
    value: int = 0


class VisitCb(CallbackData, prefix="vs"):
    action: str
    value: int = 0


class ScoreCb(CallbackData, prefix="sc"):
    criterion: int
    score: int


class VisitEditCb(CallbackData, prefix="ve"):
    visit_id: int
    field: str
