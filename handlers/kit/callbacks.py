"""Button data shared by every feature: the menu, cancel, and the organization picker.

Every prefix is unique across the bot (tests/test_architecture.py checks it).
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class CancelCb(CallbackData, prefix="cancel"):
    pass


class MenuCb(CallbackData, prefix="menu"):
    action: str


class OrgPickCb(CallbackData, prefix="org"):
    purpose: str
    org_id: int | None = None
    page: int | None = None
