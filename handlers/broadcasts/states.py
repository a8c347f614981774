"""Conversation states of the broadcasts feature and the drafts they fill (handlers.kit.drafts)."""

from __future__ import annotations

from typing import TypedDict

from aiogram.fsm.state import State, StatesGroup


class Compose(StatesGroup):
    audience = State()
    organizations = State()
    places = State()
    event = State()
    text = State()
    versions = State()
    translation = State()
    confirm = State()


class BroadcastForm(TypedDict, total=False):
    bc_texts: dict[str, str]  # by locale
    bc_locale: str
    bc_media: str | None
    bc_media_kind: str | None
    bc_everyone: bool
    bc_roles: list[str]
    bc_orgs: list[int]  # kept by the organization picker
    bc_places: list[str]
    bc_place_options: list[str]
    bc_event: int | None
    bc_version: str  # the locale whose text is being written
    bc_token: str
