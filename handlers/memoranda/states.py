"""Conversation states of the memoranda feature, and the typed drafts they fill.

A StatesGroup's class name is stored with each conversation (bot/storage.py): renaming
one strands the conversations under way. Drafts are read and written only through
handlers.kit.drafts, so a misspelt key is a mypy error, not a KeyError in a chat.
"""

from __future__ import annotations

from typing import TypedDict

from aiogram.fsm.state import State, StatesGroup


class MemoAttach(StatesGroup):
    document = State()


class MemoDraft(StatesGroup):
    parties = State()
    title = State()
    signed = State()
    expires = State()
    areas = State()
    responsible = State()
    document = State()
    confirm = State()


class MemorandumForm(TypedDict, total=False):
    memo_parties: list[int]  # kept by the organization picker (handlers.kit.orgpicker)
    memo_title: str
    memo_signed: str  # ISO date
    memo_expires: str  # ISO date
    memo_areas: list[str]
    memo_responsible: int
    memo_file_id: str | None
    memo_file_name: str | None
    memo_id: int  # the memorandum a file is being attached to
