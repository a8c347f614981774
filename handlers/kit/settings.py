"""The part of the deployment's settings that conversations need, injected as `settings`."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol
from zoneinfo import ZoneInfo

from db.domain.clearance import RequiredDocument
from db.domain.evaluations import MID_TERM_WEEKS
from db.domain.rounds import MAX_CHOICES


class ReminderPlanner(Protocol):
    """Lets a conversation that changed events have their reminders rescheduled at once."""

    async def refresh(self) -> None: ...


class NoReminderPlanner:
    async def refresh(self) -> None:
        return None


@dataclass(frozen=True, slots=True)
class HandlerSettings:
    timezone: ZoneInfo
    default_locale: str
    admins: frozenset[int]
    required_hours: Mapping[str, int] = field(default_factory=dict)
    visit_radius_m: int = 300
    no_visit_days: int = 14
    mid_term_weeks: int = MID_TERM_WEEKS
    round_choices: int = MAX_CHOICES
    required_documents: tuple[RequiredDocument, ...] = ()
    memorandum_warn_days: int = 60
    operator: Mapping[str, str] = field(default_factory=dict)  # by locale; see [privacy]
