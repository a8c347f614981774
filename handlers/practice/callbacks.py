"""Button data of the practice feature: ids and short enums, never text.

Every prefix is unique across the bot (tests/test_architecture.py checks it).
"""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData

from handlers.kit.callbacks import Count, DayOrdinal, Id


class HoursCb(CallbackData, prefix="hr"):
    action: str
    value: str = ""


class ReviewHoursCb(CallbackData, prefix="rh"):
    action: str
    entry_id: Id


class ProgressCb(CallbackData, prefix="pg"):
    action: str
    value: Count = 0


class VisitCb(CallbackData, prefix="vs"):
    action: str
    value: Count = 0


class ScoreCb(CallbackData, prefix="sc"):
    criterion: Count
    score: Count


class EvalCb(CallbackData, prefix="fe"):
    action: str  # open, score, sign, confirm
    value: Count = 0  # the placement, or the score given (1-5)


class RateCb(CallbackData, prefix="rt"):
    action: str  # start, point, skip
    value: Count = 0  # the placement (start) or the point given (1-5)


class VisitEditCb(CallbackData, prefix="ve"):
    visit_id: Id
    field: str


class DocKind(StrEnum):
    SHEET = "sheet"
    CHARACTERISTIC = "characteristic"
    CERTIFICATE = "certificate"
    REPORT = "report"


class DocCb(CallbackData, prefix="pd"):
    kind: DocKind
    application_id: Id


class DiaryCb(CallbackData, prefix="dy"):
    action: str  # page, write
    application_id: Id
    day: DayOrdinal = 0  # the day to write, or the page's newest day + 1; 0: the newest page
