"""Conversation states of the account feature and the drafts they fill (handlers.kit.drafts)."""

from __future__ import annotations

from typing import TypedDict

from aiogram.fsm.state import State, StatesGroup


class NewInvite(StatesGroup):
    organization = State()
    uses = State()
    days = State()


class ProfileEdit(StatesGroup):
    full_name = State()
    programme = State()
    university = State()


class Registration(StatesGroup):
    language = State()
    consent = State()
    path = State()
    code = State()
    full_name = State()
    university = State()
    programme = State()
    study_year = State()


class RoleSwitch(StatesGroup):
    confirm = State()


class RegistrationForm(TypedDict, total=False):
    locale: str
    consent_at: str
    path: str  # "student", "invite" or "admin"
    invite: str | None
    full_name: str
    uni_query: str
    university_id: int
    programme: str


class InviteForm(TypedDict, total=False):
    role: str
    query: str
    org_id: int
    uses: int
