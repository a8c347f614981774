"""Button data of the placements feature: ids and short enums, never text.

Every prefix is unique across the bot (tests/test_architecture.py checks it).
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class BrowseCb(CallbackData, prefix="br"):
    action: str
    value: int = 0
    name: str = ""


class OfferCb(CallbackData, prefix="offer"):
    action: str
    offer_id: int


class SkipMotivationCb(CallbackData, prefix="applyskip"):
    pass


class WithdrawCb(CallbackData, prefix="withdraw"):
    application_id: int
    confirmed: bool = False


class AppCb(CallbackData, prefix="ap"):
    action: str
    application_id: int
    value: int = 0


class ReviewCb(CallbackData, prefix="rv"):
    offset: int


class PlaceCb(CallbackData, prefix="pl"):
    offer_id: int
    student_id: int


class NewOfferCb(CallbackData, prefix="no"):
    action: str
    value: str = ""


class ManageCb(CallbackData, prefix="of"):
    action: str
    offer_id: int = 0
    value: int = 0
