"""The part of the deployment's settings that conversations need, injected as `settings`."""

from dataclasses import dataclass
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class HandlerSettings:
    timezone: ZoneInfo
    default_locale: str
    admins: frozenset[int]
