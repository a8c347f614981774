"""Conversation states of the support feature, and the typed drafts they fill.

A StatesGroup's class name is stored with each conversation (bot/storage.py): renaming
one strands the conversations under way. Drafts are read and written only through
handlers.kit.drafts, so a misspelt key is a mypy error, not a KeyError in a chat.
"""

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
