"""Conversation states of the support feature and the drafts they fill (handlers.kit.drafts)."""

from __future__ import annotations

from typing import TypedDict

from aiogram.fsm.state import State, StatesGroup

from handlers.kit.steps import Browsing


class SupportFlow(StatesGroup):
    text = State()


class StaffSearch(Browsing):
    query = State()


class SupportForm(TypedDict, total=False):
    support_thread: int | None
