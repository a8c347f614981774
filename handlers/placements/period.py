"""Reading a practice period in a form: the first day, then the last, with the same answers
to a date that cannot be read, has passed, or makes no period."""

from __future__ import annotations

from datetime import date

from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from db import Database
from db.domain.placements import PERIOD_MAX_DAYS
from handlers.kit.dates import parse_date


def date_hint() -> str:
    return _("Please write the date as DD.MM.YYYY, for example 12.01.2027.")


def first_day_question() -> str:
    return _("First day of the practice (for example 12.01.2027):")


async def read_first_day(message: Message, db: Database) -> date | None:
    """The first day typed, or None after saying what is wrong with it."""
    starts_on = parse_date(message.text or "", db.today())
    if starts_on is None:
        await message.answer(date_hint())
        return None
    if starts_on < db.today():
        await message.answer(_("The start date has already passed. Please give a later date."))
        return None
    return starts_on


async def read_last_day(message: Message, starts_on: date) -> date | None:
    """The last day typed (a year without one: the next such day), or None after saying why."""
    ends_on = parse_date(message.text or "", starts_on)
    if ends_on is None:
        await message.answer(date_hint())
        return None
    if ends_on < starts_on:
        await message.answer(_("The end date is before the start date. Please check the dates."))
        return None
    if (ends_on - starts_on).days > PERIOD_MAX_DAYS:
        await message.answer(_("A practice period cannot be longer than a year."))
        return None
    return ends_on
