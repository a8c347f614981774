"""Button data of the issues feature: ids and short enums, never text.

Every prefix is unique across the bot (tests/test_architecture.py checks it).
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

from handlers.kit.callbacks import Count, Id


class PostCb(CallbackData, prefix="ip"):
    action: str
    value: str = ""


class ListCb(CallbackData, prefix="il"):
    action: str
    value: Count = 0
    name: str = ""


class IssueCb(CallbackData, prefix="is"):
    action: str
    issue_id: Id
    version: Count = 0
    value: Count = 0
