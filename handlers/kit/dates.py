"""Reading dates as people type them on a phone: 23.11.2026, 23.11.26, 23.11, 2026-11-23."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

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


_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})$")


def parse_time(text: str) -> time | None:
    match = _TIME.match(text.strip())
    if not match:
        return None
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def parse_local_datetime(
    text: str, today: date, tz: ZoneInfo, day: date | None = None
) -> datetime | None:
    """A moment typed in local time: "25.12.2026 15:00", "25.12 15:00", or "15:00" on `day`."""
    parts = text.strip().split()
    if len(parts) == 1 and day is not None:
        moment = parse_time(parts[0])
        return None if moment is None else datetime.combine(day, moment, tz)
    if len(parts) != 2:
        return None
    found_day, moment = parse_date(parts[0], today), parse_time(parts[1])
    if found_day is None or moment is None:
        return None
    return datetime.combine(found_day, moment, tz)
