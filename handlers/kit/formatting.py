"""Dates, times and user text as shown to people: their locale, the deployment's time zone."""

from __future__ import annotations

import html
from datetime import date, datetime
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import get_i18n
from babel import Locale
from babel.dates import format_date, format_time


def current_locale() -> str:
    return get_i18n().current_locale


@cache
def babel_locale(code: str) -> Locale:
    """Babel's data for `code`, parsed once per process (parsing it per date was costly)."""
    return Locale.parse(code)


def esc(text: object) -> str:
    """User-supplied text inside an HTML message."""
    return html.escape(str(text), quote=False)


# How a date reads, decided once for every message. Babel's Kazakh "medium" ("2026 ж. 25
# жел.") and "full" ("2026 ж. 25 желтоқсан, жұма") are not what Kazakh readers see in school
# and official papers: "25.12.2026" and "2026 жылғы 25 желтоқсан, жұма". Russian and English
# keep CLDR's forms ("25 дек. 2026 г.", "Dec 25, 2026").
SHORT_DATE = {"kk": "dd.MM.y", "ru": "medium", "en": "medium"}
LONG_DATE = {"kk": "y 'жылғы' d MMMM, EEEE", "ru": "full", "en": "full"}


def fmt_date(day: date | datetime, tz: ZoneInfo | None = None, locale: str | None = None) -> str:
    """A date in running text and lists: 25.12.2026 / 25 дек. 2026 г. / Dec 25, 2026."""
    if isinstance(day, datetime):
        day = (day.astimezone(tz) if tz is not None else day).date()
    locale = locale or current_locale()
    return _formatted(day, SHORT_DATE.get(locale, "medium"), locale)


def fmt_long_date(day: date | datetime, locale: str | None = None) -> str:
    """A date with its weekday, for an event: 2026 жылғы 25 желтоқсан, жұма."""
    if isinstance(day, datetime):
        day = day.date()
    locale = locale or current_locale()
    return _formatted(day, LONG_DATE.get(locale, "full"), locale)


@lru_cache(maxsize=4096)
def _formatted(day: date, pattern: str, locale: str) -> str:
    """Babel walks its locale data for every field of every date; the same few hundred dates
    (offer periods, event days) are shown over and over, so each is formatted once."""
    return str(format_date(day, pattern, locale=babel_locale(locale)))


def fmt_datetime(moment: datetime, tz: ZoneInfo, locale: str | None = None) -> str:
    local = moment.astimezone(tz)
    locale = locale or current_locale()
    return f"{fmt_date(local, locale=locale)}, {clock_time(local, locale)}"


def clock_time(moment: datetime, locale: str | None = None) -> str:
    """24-hour time, as read everywhere in Kazakhstan whatever the language."""
    return str(format_time(moment, "HH:mm", locale=babel_locale(locale or current_locale())))


def upper_first(text: str) -> str:
    """Capitalise a sentence start without lowercasing the rest ("ЖИ", "AI" stay as they are)."""
    return text[:1].upper() + text[1:]


def clip_lines(text: str, limit: int, keep_end: bool = False) -> str:
    """At most `limit` characters, cut between lines so no HTML tag or entity is split."""
    if len(text) <= limit:
        return text
    if keep_end:
        cut = text.find("\n", len(text) - limit + 1)
        return "…" + (text[cut:] if cut != -1 else text[-limit + 1 :])
    cut = text.rfind("\n", 0, limit - 1)
    return (text[:cut] if cut > 0 else text[: limit - 1]) + "\n…"


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
