"""Conversation states of the reports feature, and the typed drafts they fill.

A StatesGroup's class name is stored with each conversation (bot/storage.py): renaming
one strands the conversations under way. Drafts are read and written only through
handlers.kit.drafts, so a misspelt key is a mypy error, not a KeyError in a chat.
"""

from __future__ import annotations

from typing import TypedDict

from aiogram.fsm.state import State, StatesGroup


class ReportDates(StatesGroup):
    period = State()
    organization = State()


class ReportForm(TypedDict, total=False):
    report_what: str  # "stats" or "export"
    report_org: int
    report_menu: str | None  # one-press tokens (issue_once, spend_once)
    report_token: str | None
