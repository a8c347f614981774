"""Delivery limits, from [delivery] in the config (defaults follow the Bot API's limits)."""

from dataclasses import dataclass
from typing import Literal

# What to do with a message whose fate is unknown (Telegram may or may not have it).
OnUnknown = Literal["resend", "skip"]
ON_UNKNOWN: tuple[OnUnknown, ...] = ("resend", "skip")


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    messages_per_second: int = 30
    per_chat_interval: float = 1.0  # on average; short bursts of per_chat_burst are allowed
    per_chat_burst: int = 3
    max_in_flight: int = 4
    max_attempts: int = 5
    batch_size: int = 30
    on_unknown: OnUnknown = "resend"
