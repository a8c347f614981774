"""People's details as the domain accepts them: names, programmes, study years, locales."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from db.domain.errors import InvalidValue
from db.domain.models import LOCALES

FULL_NAME_MIN = 2
FULL_NAME_MAX = 100
PROGRAMME_MAX = 120
STUDY_YEARS = range(1, 6)


def clean_text(text: str) -> str:
    """Collapse whitespace and drop control characters (people paste from anywhere)."""
    printable = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in " \n")
    return " ".join(printable.split())


def clean_full_name(text: str) -> str:
    """A person's name as typed; raises InvalidValue('full_name', too_short|too_long|no_letters)."""
    name = clean_text(text)
    if len(name) > FULL_NAME_MAX:
        raise InvalidValue("full_name", "too_long")
    if len(name) < FULL_NAME_MIN:
        raise InvalidValue("full_name", "too_short")
    if not any(ch.isalpha() for ch in name):
        raise InvalidValue("full_name", "no_letters")
    return name


def clean_programme(text: str) -> str:
    programme = clean_text(text)
    if len(programme) > PROGRAMME_MAX:
        raise InvalidValue("programme", "too_long")
    if len(programme) < 2 or not any(ch.isalpha() for ch in programme):
        raise InvalidValue("programme", "too_short")
    return programme


def check_study_year(year: int) -> int:
    if year not in STUDY_YEARS:
        raise InvalidValue("study_year", "out_of_range")
    return year


def check_locale(locale: str) -> str:
    if locale not in LOCALES:
        raise InvalidValue("locale", "unknown")
    return locale


@dataclass(frozen=True, slots=True)
class NewUser:
    """What registration collected; the role and organization come from elsewhere."""

    telegram_id: int
    full_name: str
    username: str | None
    locale: str
    consent_at: datetime
