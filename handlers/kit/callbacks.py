"""Button data shared by every feature: the menu, cancel, and the organization picker.

Every prefix is unique across the bot (tests/test_architecture.py checks it).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

# Button data is untrusted input: a client may send any callback_data. Every integer field
# takes one of these bounded types (SQLite's and Telegram's ids fit in 31 bits), so a huge
# or negative number never reaches a query; data that does not parse matches no handler
# and gets the stale-button answer from handlers.kit.fallback.
ID_MAX = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=ID_MAX)]  # an object that must be named
OptionalId = Annotated[int, Field(ge=0, le=ID_MAX)]  # 0: none chosen
Count = Annotated[int, Field(ge=0, le=ID_MAX)]  # versions, pages, offsets, small numbers
Choice = Annotated[int, Field(ge=-1, le=ID_MAX)]  # an index or id; -1: all, or back
DayOrdinal = Annotated[int, Field(ge=0, le=date.max.toordinal())]  # date.toordinal(); 0: none
Word = Annotated[str, Field(max_length=20, pattern=r"^[a-z0-9_!]*$")]  # an enum value, a key


class CancelCb(CallbackData, prefix="cancel"):
    pass


class MenuCb(CallbackData, prefix="menu"):
    action: str


class OrgPickCb(CallbackData, prefix="org"):
    purpose: str
    org_id: Id | None = None
    page: Count | None = None
