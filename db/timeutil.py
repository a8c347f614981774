"""How moments and dates are stored: UTC text that sorts in time order."""

from datetime import UTC, date, datetime

_FORMAT = "%Y-%m-%d %H:%M:%S"


def to_db(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are not stored; pass an aware one")
    return moment.astimezone(UTC).strftime(_FORMAT)


def from_db(text: str) -> datetime:
    return datetime.strptime(text, _FORMAT).replace(tzinfo=UTC)


def maybe_from_db(text: str | None) -> datetime | None:
    return None if text is None else from_db(text)


def date_to_db(day: date) -> str:
    return day.isoformat()


def date_from_db(text: str) -> date:
    return date.fromisoformat(text)
