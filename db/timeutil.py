"""How moments and dates are stored: UTC text that sorts in time order."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from db.domain.reports import Period

_FORMAT = "%Y-%m-%d %H:%M:%S"


def to_db(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are not stored; pass an aware one")
    return moment.astimezone(UTC).strftime(_FORMAT)


def from_db(text: str) -> datetime:
    # fromisoformat reads "YYYY-MM-DD HH:MM:SS" (the _FORMAT) six times faster than strptime
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def maybe_from_db(text: str | None) -> datetime | None:
    return None if text is None else from_db(text)


def date_to_db(day: date) -> str:
    return day.isoformat()


def date_from_db(text: str) -> date:
    return date.fromisoformat(text)


def period_bounds(period: Period, tz: ZoneInfo) -> dict[str, str]:
    """SQL parameters: the days as stored dates and as UTC moments (end exclusive)."""
    first = datetime.combine(period.start, time(), tz)
    after = datetime.combine(period.end + timedelta(days=1), time(), tz)
    return {
        "start": date_to_db(period.start),
        "end": date_to_db(period.end),
        "start_at": to_db(first),
        "end_at": to_db(after),
    }
