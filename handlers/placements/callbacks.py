"""Button data of the placements feature: ids and short enums, never text.

Every prefix is unique across the bot (tests/test_architecture.py checks it).
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

from handlers.kit.callbacks import Choice, Count, Id, OptionalId, Word


class BrowseCb(CallbackData, prefix="br"):
    action: str
    value: Choice = 0
    name: str = ""


class OfferCb(CallbackData, prefix="offer"):
    action: str
    offer_id: Id


class SkipMotivationCb(CallbackData, prefix="applyskip"):
    pass


class WithdrawCb(CallbackData, prefix="withdraw"):
    application_id: Id
    confirmed: bool = False


class AppCb(CallbackData, prefix="ap"):
    action: str
    application_id: Id
    value: Choice = 0


class ReviewCb(CallbackData, prefix="rv"):
    offset: Count


class PlaceCb(CallbackData, prefix="pl"):
    offer_id: Id
    student_id: Id


class NewOfferCb(CallbackData, prefix="no"):
    action: str
    value: str = ""


class ManageCb(CallbackData, prefix="of"):
    action: str
    offer_id: OptionalId = 0
    value: Count = 0


class RoundCb(CallbackData, prefix="rd"):
    """A coordinator's action on a placement round."""

    action: Word
    round_id: OptionalId = 0
    value: Word = ""


class RankCb(CallbackData, prefix="rk"):
    """A student's change to their own ranked list in a round (no student id: always theirs)."""

    action: Word
    round_id: Id
    offer_id: OptionalId = 0
    page: Count = 0


class ProposeCb(CallbackData, prefix="pp"):
    """A student's step in proposing their own school."""

    action: Word
    value: Word = ""
    proposal_id: OptionalId = 0


class ProposalCb(CallbackData, prefix="ps"):
    """A coordinator's action on a student's own-school proposal."""

    action: Word
    proposal_id: OptionalId = 0


class MyDocCb(CallbackData, prefix="md"):
    """A student's action on one of their required documents."""

    action: Word
    key: Word = ""


class CheckDocCb(CallbackData, prefix="cd"):
    """A coordinator's check of a student's document; `version` is the upload that was shown."""

    action: Word
    student_id: OptionalId = 0
    key: Word = ""
    version: Count = 0
    offset: Count = 0
