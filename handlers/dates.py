"""Reading dates as people type them on a phone: 23.11.2026, 23.11.26, 23.11, 2026-11-23."""

from __future__ import annotations

import re
from datetime import date

_DAY_FIRST = re.compile(r"^(\d{1,2})[./\-\s](\d{1,2})(?:[./\-\s](\d{2}|\d{4}))?$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def parse_date(text: str, today: date) -> date | None:
    """The date meant by `text`, or None. Without a year: the next such day from today."""
    value = text.strip().rstrip(".")
    iso = _ISO.match(value)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        match = _DAY_FIRST.match(value)
        if not match:
            return None
        day, month, year = int(match[1]), int(match[2]), match[3]
        if year is None:
            guess = date(today.year, month, day)
            return guess if guess >= today else date(today.year + 1, month, day)
        return date(int(year) + (2000 if len(year) == 2 else 0), month, day)
    except ValueError:
        return None
