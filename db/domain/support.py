"""Confidential support threads and messages, and their limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from db.domain.errors import DomainError, InvalidValue

MESSAGE_MAX = 3000


class ThreadTaken(DomainError):
    """Another support person has already taken this request."""


@dataclass(frozen=True, slots=True)
class SupportThread:
    id: int
    requester_id: int
    handler_id: int | None
    status: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SupportMessage:
    id: int
    thread_id: int
    author_id: int
    body: str
    created_at: datetime


def clean_message(text: str) -> str:
    body = text.strip()
    if not body:
        raise InvalidValue("message", "empty")
    if len(body) > MESSAGE_MAX:
        raise InvalidValue("message", "too_long")
    return body
