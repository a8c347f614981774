"""Announcements: audiences, text limits as Telegram counts them, drafts."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from datetime import datetime

from db.domain.errors import DomainError, InvalidValue
from db.domain.models import LOCALES, Role

TEXT_MAX = 4096
CAPTION_MAX = 1024
_TAG = re.compile(r"<[^>]+>")


class EmptyAudience(DomainError):
    """Nobody matches the chosen audience."""


def visible_length(text: str) -> int:
    """Characters the reader sees: Telegram's limits apply after the HTML is parsed."""
    return len(html.unescape(_TAG.sub("", text)))


@dataclass(frozen=True, slots=True)
class BroadcastAudience:
    everyone: bool = False
    roles: frozenset[Role] = frozenset()
    organization_ids: frozenset[int] = frozenset()
    places: frozenset[str] = frozenset()  # cities or regions
    event_id: int | None = None  # the people registered for an event

    def is_empty(self) -> bool:
        return not (
            self.everyone or self.roles or self.organization_ids or self.places or self.event_id
        )

    def to_json(self) -> str:
        return json.dumps(
            {
                "everyone": self.everyone,
                "roles": sorted(role.value for role in self.roles),
                "organizations": sorted(self.organization_ids),
                "places": sorted(self.places),
                "event": self.event_id,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> BroadcastAudience:
        data = json.loads(text)
        return cls(
            everyone=bool(data.get("everyone")),
            roles=frozenset(Role(role) for role in data.get("roles", [])),
            organization_ids=frozenset(int(org) for org in data.get("organizations", [])),
            places=frozenset(data.get("places", [])),
            event_id=data.get("event"),
        )


@dataclass(frozen=True, slots=True)
class BroadcastDraft:
    audience: BroadcastAudience
    texts: dict[str, str]
    author_locale: str
    draft_token: str
    media_kind: str | None = None
    media_file_id: str | None = None


@dataclass(frozen=True, slots=True)
class Broadcast:
    id: int
    author_id: int
    audience: BroadcastAudience
    texts: dict[str, str]
    author_locale: str
    media_kind: str | None
    media_file_id: str | None
    recipients: int
    status: str
    progress_chat_id: int | None
    progress_message_id: int | None
    created_at: datetime
    finished_at: datetime | None

    def text_for(self, locale: str) -> str:
        return self.texts.get(locale) or self.texts[self.author_locale]


def check_texts(texts: dict[str, str], author_locale: str, has_media: bool) -> None:
    if author_locale not in texts or not texts[author_locale].strip():
        raise InvalidValue("text", "empty")
    limit = CAPTION_MAX if has_media else TEXT_MAX
    for locale, text in texts.items():
        if locale not in LOCALES:
            raise InvalidValue("locale", "unknown")
        if visible_length(text) > limit:
            raise InvalidValue("text", "caption_too_long" if has_media else "too_long")
