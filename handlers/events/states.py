"""Conversation states of the events feature and the drafts they fill (handlers.kit.drafts)."""

from __future__ import annotations

from typing import TypedDict

from aiogram.fsm.state import State, StatesGroup


class NewEvent(StatesGroup):
    kind = State()
    title = State()
    description = State()
    starts_at = State()
    ends_at = State()
    place = State()
    place_org = State()
    address = State()
    online_url = State()
    audience = State()
    audience_orgs = State()
    registration = State()
    capacity = State()
    reminders = State()
    repeat = State()
    until = State()
    confirm = State()


class EditEvent(StatesGroup):
    starts_at = State()
    ends_at = State()
    text = State()


class EventForm(TypedDict, total=False):
    ev_kind: str
    ev_title: str
    ev_description: str
    ev_start: str  # ISO moment
    ev_end: str
    ev_place_org: int | None
    ev_address: str | None
    ev_url: str | None
    ev_everyone: bool
    ev_roles: list[str]
    ev_orgs: list[int]  # kept by the organization picker
    ev_registration: bool
    ev_capacity: int | None
    ev_reminders: list[int]  # minutes before the start
    ev_repeat: str | None
    ev_until: str | None  # ISO date
    edit_event: int
    edit_version: int
    edit_field: str
    edit_start: str
