"""Conversation states of the issues feature and the drafts they fill (handlers.kit.drafts)."""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

from aiogram.fsm.state import State, StatesGroup


class PostIssue(StatesGroup):
    category = State()
    vacancy_subject = State()
    vacancy_date = State()
    urgency = State()
    title = State()
    description = State()
    files = State()


class IssueText(StatesGroup):
    text = State()


class FileDraft(TypedDict):
    kind: str  # "photo" or "document"
    file_id: str
    file_name: NotRequired[str | None]


class PendingText(TypedDict):
    id: int
    version: int
    purpose: str  # "comment", "reject" or "reopen"


class IssueForm(TypedDict, total=False):
    category: str
    urgency: str
    vacancy_subject: str | None
    vacancy_starts_on: str | None  # ISO date
    vacancy_label: str
    title: str
    description: str
    files: list[FileDraft]
    last_group: str | None  # the album the last file came in
    issue_filter: dict[str, Any]  # the list's filters: status, category, urgent
    issue_text: PendingText
