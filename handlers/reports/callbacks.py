"""Button data of the reports feature: ids and short enums, never text.

Every prefix is unique across the bot (tests/test_architecture.py checks it).
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

from handlers.kit.callbacks import OptionalId


class ReportCb(CallbackData, prefix="rp"):
    action: str  # period | custom | orgs | allorgs | again | fmt
    what: str  # stats | export
    period: str = ""  # m, y0, y1 or c<start>_<end> (see period_code)
    org: OptionalId = 0
    fmt: str = ""
    token: str = ""
