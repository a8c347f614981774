"""Conversation states of the placements feature and the drafts they fill (handlers.kit.drafts)."""

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


class NewRound(StatesGroup):
    kind = State()
    study_years = State()
    programmes = State()
    deadline = State()
    priority = State()
    scores = State()
    confirm = State()


class RoundForm(TypedDict, total=False):
    kind: str
    study_years: list[int]
    programmes: list[str]  # code prefixes; empty: all
    deadline: str  # ISO, with its offset
    scores: dict[str, float]  # by student id; empty: the lottery alone


class ProposeFlow(StatesGroup):
    kind = State()
    school = State()
    name = State()
    city = State()
    address = State()
    contact = State()
    starts_on = State()
    ends_on = State()
    note = State()
    confirm = State()


class ProposeForm(TypedDict, total=False):
    kind: str
    organization_id: int  # a school from the directory; else the new school's fields
    name: str
    city: str
    address: str
    contact: str
    starts_on: str
    ends_on: str
    note: str


class DeclineProposal(StatesGroup):
    reason = State()


class UploadDocument(StatesGroup):
    file = State()
    expires_on = State()


class ReturnDocument(StatesGroup):
    reason = State()
