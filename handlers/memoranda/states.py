"""Conversation states of the memoranda feature and the drafts they fill (handlers.kit.drafts)."""

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
