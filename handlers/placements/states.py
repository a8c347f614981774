"""Conversation states of the placements feature, and the typed drafts they fill.

A StatesGroup's class name is stored with each conversation (bot/storage.py): renaming
one strands the conversations under way. Drafts are read and written only through
handlers.kit.drafts, so a misspelt key is a mypy error, not a KeyError in a chat.
"""

from __future__ import annotations

from typing import Any, TypedDict

from aiogram.fsm.state import State, StatesGroup


class ApplyFlow(StatesGroup):
    motivation = State()


class Decision(StatesGroup):
    reason = State()


class PlaceStudent(StatesGroup):
    search = State()


class NewOffer(StatesGroup):
    organization = State()
    kind = State()
    subject = State()
    starts_on = State()
    ends_on = State()
    places = State()
    mentors = State()
    notes = State()
    confirm = State()


class EditOffer(StatesGroup):
    places = State()
    starts_on = State()
    ends_on = State()
    subject = State()
    notes = State()
    mentors = State()


class OfferForm(TypedDict, total=False):
    offer_org: int
    org_query: str
    kind: str
    subject: str
    starts_on: str  # ISO date
    ends_on: str
    places: int
    mentors: list[int]
    notes: str | None
    edit_offer: int
    new_start: str


class ApplyForm(TypedDict, total=False):
    browse: dict[str, str]  # the chosen filters: kind, city, subject
    choices: dict[str, Any]  # the filter being chosen and its (value, label) pairs
    apply_offer: int
    apply_waitlist: bool


class DecisionForm(TypedDict, total=False):
    decide: int  # the application
    decision: str
    review_offset: int
    place_offer: int
