"""/hours: students log practice hours; /confirm: mentors confirm or return them, one tap each."""

from __future__ import annotations

from datetime import date, timedelta

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from db import Database
from db.domain.errors import DomainError, InvalidValue, NotAllowed
from db.domain.models import Role, User
from db.domain.placements import Offer
from db.domain.practice_log import Activity, check_practice_day, may_visit, practice_days
from db.domain.roles import HOURS_REVIEWERS
from handlers.kit.callbacks import MenuCb
from handlers.kit.common import cancel_button
from handlers.kit.dates import parse_date
from handlers.kit.drafts import read_form, write_form
from handlers.kit.filters import HasRole
from handlers.kit.formatting import fmt_date, upper_first
from handlers.kit.keyboard import InlineKeyboard
from handlers.kit.menu import back_to_menu_button
from handlers.kit.settings import HandlerSettings
from handlers.kit.texts import send_text_please, stale_button, use_buttons_please
from handlers.kit.ui import show
from handlers.practice.callbacks import HoursCb, ReviewHoursCb
from handlers.practice.states import HoursFlow, HoursForm, ReturnHours
from handlers.practice.texts import (
    activity_name,
    hours_line,
    hours_progress,
    logbook_problem,
    logbook_value_problem,
)

HOUR_CHOICES = (1, 2, 3, 4, 5, 6)


def parse_hours(text: str) -> float | None:
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    return value


async def hours_overview(
    db: Database, student: User, settings: HandlerSettings
) -> tuple[str, InlineKeyboardMarkup]:
    builder = InlineKeyboard()
    placement = await db.practice.current_placement(student)
    if placement is None:
        back_to_menu_button(builder)
        return _(
            "You have no practice that has started yet, so there is nothing to log."
        ), builder.as_markup()
    progress = await db.practice.progress(placement, settings.required_hours)
    entries = await db.practice.hours_for(placement.id, limit=10)
    lines = [hours_progress(progress)]
    if entries:
        lines += ["", _("Recent entries:")] + [hours_line(entry) for entry in entries]
    builder.button(text=_("➕ Log hours"), callback_data=HoursCb(action="new"))
    back_to_menu_button(builder)
    builder.adjust(1)
    return "\n".join(lines), builder.as_markup()


async def pending_view(db: Database, reviewer: User) -> tuple[str, InlineKeyboardMarkup]:
    entries, total = await db.practice.pending_hours(reviewer)
    builder = InlineKeyboard()
    if not entries:
        back_to_menu_button(builder)
        return _("No hours are waiting for your confirmation."), builder.as_markup()
    placements = {
        e.application_id: await db.placements.application(e.application_id) for e in entries
    }
    students = await db.users.by_ids([p.student_id for p in placements.values() if p])
    lines = [_("Hours awaiting confirmation: {n}").format(n=total), ""]
    for number, entry in enumerate(entries, start=1):
        placement = placements[entry.application_id]
        lines.append(
            f"<b>{number}.</b> "
            + hours_line(entry, students.get(placement.student_id) if placement else None)
        )
        builder.button(
            text=f"✅ {number}", callback_data=ReviewHoursCb(action="confirm", entry_id=entry.id)
        )
        builder.button(
            text=f"↩️ {number}", callback_data=ReviewHoursCb(action="return", entry_id=entry.id)
        )
    back_to_menu_button(builder)
    builder.adjust(*([2] * len(entries)), 1)
    lines += ["", _("✅ confirms an entry, ↩️ returns it to the student with a comment.")]
    return "\n".join(lines), builder.as_markup()


# ----- students ----------------------------------------------------------------------------


async def hours_command(
    message: Message, user: User, db: Database, state: FSMContext, settings: HandlerSettings
) -> None:
    await state.clear()
    text, markup = await hours_overview(db, user, settings)
    await message.answer(text, reply_markup=markup)


async def hours_button(
    query: CallbackQuery, user: User, db: Database, settings: HandlerSettings
) -> None:
    text, markup = await hours_overview(db, user, settings)
    await show(query, text, markup)


async def practice_offer(db: Database, student: User) -> Offer | None:
    placement = await db.practice.current_placement(student)
    return None if placement is None else await db.placements.offer(placement.offer_id)


async def day_problem(db: Database, student: User, day: date) -> str | None:
    """Why hours cannot be logged for `day`, asked before the rest of the form."""
    offer = await practice_offer(db, student)
    if offer is None:
        return _("You have no practice that has started yet.")
    try:
        check_practice_day(day, offer, db.today(), "worked_on")
    except InvalidValue as problem:
        return logbook_value_problem(problem)
    return None


async def new_entry(query: CallbackQuery, user: User, db: Database, state: FSMContext) -> None:
    offer = await practice_offer(db, user)
    days = None if offer is None else practice_days(offer, db.today())
    if days is None:
        await query.answer(_("You have no practice that has started yet."), show_alert=True)
        return
    await state.set_state(HoursFlow.day)
    builder = InlineKeyboard()
    first, last = days
    for back, label in ((0, _("Today")), (1, _("Yesterday"))):  # only days that can be saved
        if first <= db.today() - timedelta(days=back) <= last:
            builder.button(text=label, callback_data=HoursCb(action="day", value=str(back)))
    builder.button(text=_("📅 Other date"), callback_data=HoursCb(action="day", value="other"))
    cancel_button(builder)
    builder.adjust(2, 1, 1)
    await show(query, _("Which day?"), builder.as_markup())


async def ask_hours(state: FSMContext, day: date) -> tuple[str, InlineKeyboardMarkup]:
    await write_form(state, HoursForm(hours_day=day.isoformat()))
    await state.set_state(HoursFlow.hours)
    builder = InlineKeyboard()
    for hours in HOUR_CHOICES:
        builder.button(text=str(hours), callback_data=HoursCb(action="hours", value=str(hours)))
    cancel_button(builder)
    builder.adjust(len(HOUR_CHOICES), 1)
    return (
        _("{date}: how many hours? Choose, or type a number such as 1.5:").format(
            date=fmt_date(day)
        ),
        builder.as_markup(),
    )


async def day_chosen(
    query: CallbackQuery, callback_data: HoursCb, user: User, db: Database, state: FSMContext
) -> None:
    if callback_data.value == "other":
        await state.set_state(HoursFlow.typed_day)
        await show(query, _("Type the date (for example 20.11.2026):"))
        return
    if callback_data.value not in {"0", "1"}:
        await query.answer(use_buttons_please(), show_alert=True)
        return
    day = db.today() - timedelta(days=int(callback_data.value))
    problem = await day_problem(db, user, day)
    if problem:
        await query.answer(problem, show_alert=True)
        return
    text, markup = await ask_hours(state, day)
    await show(query, text, markup)


async def day_typed(message: Message, user: User, db: Database, state: FSMContext) -> None:
    day = parse_date(message.text or "", db.today())
    if day is None:
        await message.answer(_("Please write the date as DD.MM.YYYY, for example 12.01.2027."))
        return
    problem = await day_problem(db, user, day)
    if problem:
        await message.answer(problem)
        return
    text, markup = await ask_hours(state, day)
    await message.answer(text, reply_markup=markup)


async def ask_activity(state: FSMContext, hours: float) -> tuple[str, InlineKeyboardMarkup] | None:
    if not 0 < hours <= 12 or round(hours * 2) != hours * 2:
        return None
    await write_form(state, HoursForm(hours_value=hours))
    await state.set_state(HoursFlow.activity)
    builder = InlineKeyboard()
    for activity in Activity:
        builder.button(
            text=upper_first(activity_name(activity)),
            callback_data=HoursCb(action="activity", value=activity.value),
        )
    cancel_button(builder)
    builder.adjust(1)
    return _("What did you do?"), builder.as_markup()


async def hours_chosen(query: CallbackQuery, callback_data: HoursCb, state: FSMContext) -> None:
    step = await ask_activity(state, parse_hours(callback_data.value) or 0)
    if step is None:
        await query.answer(use_buttons_please(), show_alert=True)
        return
    await show(query, *step)


async def hours_typed(message: Message, state: FSMContext) -> None:
    step = await ask_activity(state, parse_hours(message.text or "") or 0)
    if step is None:
        await message.answer(logbook_value_problem(InvalidValue("hours", "out_of_range")))
        return
    await message.answer(step[0], reply_markup=step[1])


async def activity_chosen(query: CallbackQuery, callback_data: HoursCb, state: FSMContext) -> None:
    if callback_data.value not in {a.value for a in Activity}:
        await query.answer(use_buttons_please(), show_alert=True)
        return
    await write_form(state, HoursForm(hours_activity=callback_data.value))
    await state.set_state(HoursFlow.note)
    builder = InlineKeyboard()
    builder.button(text=_("Skip ▶️"), callback_data=HoursCb(action="nonote"))
    cancel_button(builder)
    builder.adjust(2)
    await show(
        query, _("A short note for your mentor (class, topic), or Skip:"), builder.as_markup()
    )


async def save(
    target: Message,
    user: User,
    db: Database,
    state: FSMContext,
    note: str | None,
    settings: HandlerSettings,
) -> None:
    data = await read_form(state, HoursForm)
    try:
        entry = await db.practice.log_hours(
            user,
            date.fromisoformat(data["hours_day"]),
            float(data["hours_value"]),
            Activity(data["hours_activity"]),
            note,
        )
    except InvalidValue as problem:
        await state.clear()
        await target.answer(
            logbook_value_problem(problem) + "\n" + _("Nothing was saved. /hours to try again.")
        )
        return
    except (DomainError, KeyError, ValueError) as problem:
        await state.clear()
        await target.answer(
            logbook_problem(problem) if isinstance(problem, DomainError) else stale_button()
        )
        return
    await state.clear()
    text, markup = await hours_overview(db, user, settings)
    await target.answer(
        _("Saved: {entry}").format(entry=hours_line(entry)) + "\n\n" + text, reply_markup=markup
    )


async def note_written(
    message: Message, user: User, db: Database, state: FSMContext, settings: HandlerSettings
) -> None:
    if len(message.text or "") > 500:
        await message.answer(logbook_value_problem(InvalidValue("note", "too_long")))
        return
    await save(message, user, db, state, message.text, settings)


async def no_note(
    query: CallbackQuery, user: User, db: Database, state: FSMContext, settings: HandlerSettings
) -> None:
    if isinstance(query.message, Message):
        await show(query, _("No note."))
        await save(query.message, user, db, state, None, settings)


async def not_text(message: Message) -> None:
    await message.answer(send_text_please())


# ----- mentors -----------------------------------------------------------------------------


async def confirm_command(message: Message, user: User, db: Database, state: FSMContext) -> None:
    await state.clear()
    text, markup = await pending_view(db, user)
    await message.answer(text, reply_markup=markup)


async def confirm_button(query: CallbackQuery, user: User, db: Database) -> None:
    text, markup = await pending_view(db, user)
    await show(query, text, markup)


async def confirm_entry(
    query: CallbackQuery, callback_data: ReviewHoursCb, user: User, db: Database
) -> None:
    try:
        await db.practice.review_hours(user, callback_data.entry_id, confirm=True)
    except DomainError as problem:
        await query.answer(logbook_problem(problem), show_alert=True)
        return
    await query.answer(_("Confirmed."))
    text, markup = await pending_view(db, user)
    await show(query, text, markup)


async def return_entry(
    query: CallbackQuery,
    callback_data: ReviewHoursCb,
    user: User,
    db: Database,
    state: FSMContext,
) -> None:
    entry = await db.practice.hours_entry(callback_data.entry_id)
    placement = None if entry is None else await db.placements.application(entry.application_id)
    if entry is None or placement is None or not may_visit(user, placement):
        await query.answer(logbook_problem(NotAllowed("hours")), show_alert=True)
        return  # no prompt for a comment that could not be saved
    if entry.status != "pending":
        await query.answer(_("This entry has already been reviewed."), show_alert=True)
        return
    await state.set_state(ReturnHours.comment)
    await write_form(state, HoursForm(return_entry=entry.id))
    builder = InlineKeyboard()
    cancel_button(builder)
    await show(
        query,
        _("What should the student correct? They will read your comment:"),
        builder.as_markup(),
    )


async def return_comment(message: Message, user: User, db: Database, state: FSMContext) -> None:
    entry_id = int((await read_form(state, HoursForm)).get("return_entry", 0))
    try:
        await db.practice.review_hours(user, entry_id, confirm=False, comment=message.text)
    except InvalidValue as problem:
        await message.answer(logbook_value_problem(problem))
        return
    except DomainError as problem:
        await state.clear()
        await message.answer(logbook_problem(problem))
        return
    await state.clear()
    text, markup = await pending_view(db, user)
    await message.answer(
        _("Returned to the student with your comment.") + "\n\n" + text, reply_markup=markup
    )


def get_router() -> Router:
    router = Router(name="hours")
    router.message.register(hours_command, Command("hours"), HasRole(Role.STUDENT))
    router.callback_query.register(
        hours_button, MenuCb.filter(F.action == "hours"), HasRole(Role.STUDENT)
    )
    router.callback_query.register(
        new_entry, HoursCb.filter(F.action == "new"), HasRole(Role.STUDENT)
    )
    router.callback_query.register(
        day_chosen, HoursFlow.day, HoursCb.filter(F.action == "day"), HasRole(Role.STUDENT)
    )
    router.message.register(day_typed, HoursFlow.typed_day, F.text, HasRole(Role.STUDENT))
    router.callback_query.register(
        hours_chosen, HoursFlow.hours, HoursCb.filter(F.action == "hours"), HasRole(Role.STUDENT)
    )
    router.message.register(hours_typed, HoursFlow.hours, F.text, HasRole(Role.STUDENT))
    router.callback_query.register(
        activity_chosen,
        HoursFlow.activity,
        HoursCb.filter(F.action == "activity"),
        HasRole(Role.STUDENT),
    )
    router.message.register(note_written, HoursFlow.note, F.text, HasRole(Role.STUDENT))
    router.callback_query.register(
        no_note, HoursFlow.note, HoursCb.filter(F.action == "nonote"), HasRole(Role.STUDENT)
    )
    router.message.register(
        not_text,
        StateFilter(HoursFlow.typed_day, HoursFlow.hours, HoursFlow.note),
        HasRole(Role.STUDENT),
    )
    router.message.register(confirm_command, Command("confirm"), HasRole(*HOURS_REVIEWERS))
    router.callback_query.register(
        confirm_button, MenuCb.filter(F.action == "confirm"), HasRole(*HOURS_REVIEWERS)
    )
    router.callback_query.register(
        confirm_entry, ReviewHoursCb.filter(F.action == "confirm"), HasRole(*HOURS_REVIEWERS)
    )
    router.callback_query.register(
        return_entry, ReviewHoursCb.filter(F.action == "return"), HasRole(*HOURS_REVIEWERS)
    )
    router.message.register(return_comment, ReturnHours.comment, F.text, HasRole(*HOURS_REVIEWERS))
    return router
