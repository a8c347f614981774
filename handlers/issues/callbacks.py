"""Button data of the issues feature: ids and short enums, never text.

Every prefix is unique across the bot (tests/test_architecture.py checks it).
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class PostCb(CallbackData, prefix="ip"):
    action: str
    value: str = ""


class ListCb(CallbackData, prefix="il"):
    action: str
    value: int = 0
    name: str = ""


class IssueCb(CallbackData, prefix="is"):
    action: str
    issue_id: int
    version: int = 0
    value: int = 0
