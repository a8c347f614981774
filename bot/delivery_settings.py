"""Delivery limits, from [delivery] in the config (defaults follow the Bot API's limits)."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    messages_per_second: int = 30
    per_chat_interval: float = 1.0
    max_in_flight: int = 4
    max_attempts: int = 5
    batch_size: int = 30
