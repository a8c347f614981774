"""Conversation states of the reports feature and the drafts they fill (handlers.kit.drafts)."""

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
