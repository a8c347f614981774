"""Documents a student must have verified before a placement starts (a medical record book, a
certificate of no criminal record for work with children): which, and whether they are in order.

Which documents each practice kind needs is the deployment's choice ([[placements.documents]]
in the config), named there in each language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import PurePath

from db.domain.errors import DomainError, InvalidValue
from db.domain.placements import PracticeKind

DOCUMENT_MAX_BYTES = 20 * 1024 * 1024  # what a bot may download again from Telegram
DOCUMENT_TYPES = {".pdf": "pdf", ".jpg": "photo", ".jpeg": "photo", ".png": "photo"}
CLEARANCE_DAYS = 7  # the student and the coordinators hear of what is missing this long before
KEY_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")
KEY_MAX = 20  # it travels in button data (64 bytes)


@dataclass(frozen=True, slots=True)
class RequiredDocument:
    key: str  # stable, for the database: "medical_book"
    names: Mapping[str, str]  # by locale
    kinds: frozenset[PracticeKind]

    def name(self, locale: str) -> str:
        return self.names.get(locale) or next(iter(self.names.values()))


class DocumentStatus(StrEnum):
    SUBMITTED = "submitted"  # awaiting a coordinator's check
    VERIFIED = "verified"
    RETURNED = "returned"  # with a reason; the student uploads it again


class DocumentChanged(DomainError):
    """The document was checked, or uploaded again, since the coordinator looked at it."""


@dataclass(frozen=True, slots=True)
class StudentDocument:
    student_id: int
    key: str
    file_id: str
    file_type: str  # "pdf" or "photo"
    expires_on: date
    status: DocumentStatus
    reason: str | None
    uploaded_at: datetime

    @property
    def version(self) -> int:
        """Which upload this is, for a button that must act on the one that was shown."""
        return int(self.uploaded_at.timestamp())


class Standing(StrEnum):
    """Where one required document stands for one placement."""

    MISSING = "missing"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    EXPIRES = "expires"  # verified, but it runs out before the practice ends
    CLEARED = "cleared"


def standing(held: StudentDocument | None, practice_ends: date | None) -> Standing:
    if held is None:
        return Standing.MISSING
    if held.status is DocumentStatus.RETURNED:
        return Standing.RETURNED
    if held.status is DocumentStatus.SUBMITTED:
        return Standing.SUBMITTED
    if practice_ends is not None and held.expires_on < practice_ends:
        return Standing.EXPIRES
    return Standing.CLEARED


def required_for(
    documents: Iterable[RequiredDocument], kinds: Iterable[PracticeKind]
) -> list[RequiredDocument]:
    """The documents any of `kinds` needs, in the configured order."""
    wanted = set(kinds)
    return [document for document in documents if document.kinds & wanted]


def check_document_file(file_name: str | None, size: int) -> str:
    """ "pdf" or "photo" by the name's extension (a photo sent as a photo counts as one)."""
    kind = DOCUMENT_TYPES.get(PurePath(file_name or "").suffix.lower())
    if kind is None:
        raise InvalidValue("document", "not_pdf_or_photo")
    if not 0 < size <= DOCUMENT_MAX_BYTES:
        raise InvalidValue("document", "too_large")
    return kind


def check_expiry(expires_on: date, today: date) -> date:
    if expires_on < today:
        raise InvalidValue("expires_on", "past")
    return expires_on


def check_key(key: str) -> str:
    if not key or not set(key) <= KEY_CHARACTERS or len(key) > KEY_MAX:
        raise InvalidValue("key", "format")
    return key
