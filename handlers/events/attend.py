"""/events: upcoming events for the reader, "I'll attend" / "Can't attend", calendar files,
and for organizers: attendance and the attendee list."""

from __future__ import annotations

import csv
import io

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from db import Database
from db.domain.errors import DomainError
from db.domain.events import Event, Registration, Rsvp
from db.domain.models import User
from db.domain.roles import EVENT_ORGANIZERS
from handlers.events.calendar_file import ics
from handlers.events.callbacks import AttendCb, EventCb
from handlers.events.texts import event_card, event_problem, kind_name, where_plain
from handlers.kit.callbacks import MenuCb
from handlers.kit.filters import Registered
from handlers.kit.formatting import esc, fmt_datetime
from handlers.kit.keyboard import InlineKeyboard
from handlers.kit.menu import back_to_menu_button
from handlers.kit.settings import HandlerSettings
from handlers.kit.texts import role_name
from handlers.kit.ui import show

PAGE_SIZE = 6


async def list_view(
    db: Database, user: User, page: int, settings: HandlerSettings, locale: str
) -> tuple[str, InlineKeyboardMarkup]:
    events, total = await db.events.upcoming_for(user, page * PAGE_SIZE, PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    builder = InlineKeyboard()
    if not events:
        text = _("No upcoming events for you right now.")
    else:
        lines = [_("Upcoming events ({total}):").format(total=total), ""]
        answers = await db.events.answers(user, [event.id for event in events])
        marks = {Rsvp.GOING: " ✅", Rsvp.WAITLISTED: " 🕒", Rsvp.DECLINED: " ✖️"}
        for index, event in enumerate(events, start=page * PAGE_SIZE + 1):
            mark = marks[answers[event.id]] if event.id in answers else ""
            lines.append(
                f"<b>{index}.</b> {fmt_datetime(event.starts_at, settings.timezone)} — "
                f"{esc(event.title)}{mark}\n"
                f"    {kind_name(event.kind)}"
            )
            builder.button(text=str(index), callback_data=EventCb(action="open", event_id=event.id))
        text = "\n".join(lines)
    navigation = [
        (label, target)
        for label, target in (("◀️", page - 1), ("▶️", page + 1))
        if 0 <= target < pages
    ]
    for label, target in navigation:
        builder.button(text=label, callback_data=EventCb(action="page", value=target))
    if user.role in EVENT_ORGANIZERS:
        builder.button(text=_("➕ New event"), callback_data=MenuCb(action="newevent"))
    back_to_menu_button(builder)
    builder.adjust(
        *([len(events)] if events else []), *([len(navigation)] if navigation else []), 1, 1
    )
    return text, builder.as_markup()


async def card_view(
    db: Database, user: User, event: Event, settings: HandlerSettings, locale: str
) -> tuple[str, InlineKeyboardMarkup]:
    registration = await db.events.registration(user, event.id)
    return await answered_card_view(db, user, event, registration, settings, locale)


async def answered_card_view(
    db: Database,
    user: User,
    event: Event,
    registration: Registration | None,
    settings: HandlerSettings,
    locale: str,
) -> tuple[str, InlineKeyboardMarkup]:
    """The card when this person's answer is already known (just given)."""
    place = await db.orgs.get(event.organization_id) if event.organization_id else None
    text = event_card(event, place, registration, settings.timezone, locale)
    builder = InlineKeyboard()
    open_for_answers = not event.cancelled and event.ends_at > db.clock.now()
    if open_for_answers and (registration is None or registration.status is Rsvp.DECLINED):
        builder.button(
            text=_("✅ I'll attend"), callback_data=EventCb(action="going", event_id=event.id)
        )
    if open_for_answers and (registration is None or registration.status is not Rsvp.DECLINED):
        builder.button(
            text=_("❌ Can't attend"), callback_data=EventCb(action="decline", event_id=event.id)
        )
    builder.button(
        text=_("📅 Add to my calendar"), callback_data=EventCb(action="ics", event_id=event.id)
    )
    if db.events.may_manage(user, event):
        if not event.cancelled:
            builder.button(
                text=_("✏️ Edit"),
                callback_data=EventCb(action="edit", event_id=event.id, version=event.version),
            )
            builder.button(
                text=_("🚫 Cancel the event"),
                callback_data=EventCb(action="cancel", event_id=event.id, version=event.version),
            )
        builder.button(
            text=_("👥 Attendance"), callback_data=EventCb(action="attendance", event_id=event.id)
        )
        builder.button(
            text=_("📄 Attendee list (CSV)"),
            callback_data=EventCb(action="export", event_id=event.id),
        )
    builder.button(text=_("⬅️ All events"), callback_data=EventCb(action="page", value=0))
    builder.adjust(2, 1)
    return text, builder.as_markup()


async def attendance_view(db: Database, event: Event) -> tuple[str, InlineKeyboardMarkup]:
    people = [(u, r) for u, r in await db.events.attendees(event.id) if r.status is Rsvp.GOING]
    builder = InlineKeyboard()
    lines = [
        _("Attendance: {title}").format(title=esc(event.title)),
        _("Tap a name to mark who came."),
    ]
    if not people:
        lines.append(_("Nobody registered."))
    for person, registration in people:
        mark = "✅" if registration.attended else "⬜"
        builder.button(
            text=f"{mark} {person.full_name}",
            callback_data=AttendCb(
                event_id=event.id, user_id=person.id, attended=not registration.attended
            ),
        )
    came = sum(1 for _, r in people if r.attended)
    lines.append(_("Came: {came} of {total}").format(came=came, total=len(people)))
    builder.button(text=_("⬅️ Back"), callback_data=EventCb(action="open", event_id=event.id))
    builder.adjust(1)
    return "\n".join(lines), builder.as_markup()


async def attendee_csv(db: Database, event: Event, locale: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("Name"), _("Role"), _("Organization"), _("Answer"), _("Came")])
    people = await db.events.attendees(event.id)
    organizations = await db.orgs.by_ids(
        [u.organization_id for u, _r in people if u.organization_id]
    )
    for person, registration in people:
        org = organizations.get(person.organization_id or 0)
        # TRANSLATORS: a column of the attendee list: this person said they will come.
        answer = _("coming") if registration.status is Rsvp.GOING else _("waiting list")
        came = (
            ""
            if registration.attended is None
            else (_("yes") if registration.attended else _("no"))
        )
        writer.writerow(
            [
                person.full_name,
                role_name(person.role, org.kind if org else None),
                org.name(locale) if org else "",
                answer,
                came,
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode()  # the BOM makes Excel read UTF-8


async def visible(db: Database, user: User, event_id: int) -> Event | None:
    event = await db.events.get(event_id)
    return event if event is not None and db.events.may_see(user, event) else None


async def events_command(
    message: Message,
    user: User,
    db: Database,
    state: FSMContext,
    settings: HandlerSettings,
    locale: str,
) -> None:
    await state.set_state(None)
    text, markup = await list_view(db, user, 0, settings, locale)
    await message.answer(text, reply_markup=markup)


async def events_button(
    query: CallbackQuery, user: User, db: Database, settings: HandlerSettings, locale: str
) -> None:
    text, markup = await list_view(db, user, 0, settings, locale)
    await show(query, text, markup)


async def page(
    query: CallbackQuery,
    callback_data: EventCb,
    user: User,
    db: Database,
    state: FSMContext,
    settings: HandlerSettings,
    locale: str,
) -> None:
    await state.set_state(None)
    text, markup = await list_view(db, user, max(0, callback_data.value), settings, locale)
    await show(query, text, markup)


async def open_event(
    query: CallbackQuery,
    callback_data: EventCb,
    user: User,
    db: Database,
    state: FSMContext,
    settings: HandlerSettings,
    locale: str,
) -> None:
    event = await visible(db, user, callback_data.event_id)
    if event is None:
        await query.answer(_("This event is not for you."), show_alert=True)
        return
    await state.set_state(None)
    text, markup = await card_view(db, user, event, settings, locale)
    await show(query, text, markup)


async def answer(
    query: CallbackQuery,
    callback_data: EventCb,
    user: User,
    db: Database,
    settings: HandlerSettings,
    locale: str,
) -> None:
    try:
        registration = await db.events.answer(
            user, callback_data.event_id, callback_data.action == "going"
        )
    except DomainError as problem:
        await query.answer(event_problem(problem), show_alert=True)
        return
    if registration.status is Rsvp.WAITLISTED:
        await query.answer(
            _("The event is full: you are on the waiting list, position {position}.").format(
                position=registration.position
            ),
            show_alert=True,
        )
    else:
        await query.answer(_("Noted."))
    event = await db.events.get(callback_data.event_id)
    assert event is not None
    text, markup = await answered_card_view(db, user, event, registration, settings, locale)
    await show(query, text, markup)


async def calendar(
    query: CallbackQuery, callback_data: EventCb, user: User, db: Database, locale: str
) -> None:
    event = await visible(db, user, callback_data.event_id)
    if event is None or not isinstance(query.message, Message):
        await query.answer(_("This event is not for you."), show_alert=True)
        return
    place = await db.orgs.get(event.organization_id) if event.organization_id else None
    location = where_plain(event, place, locale)
    data = ics(event, location, db.clock.now())
    await query.message.answer_document(
        BufferedInputFile(data, filename=f"event-{event.id}.ics"),
        caption=_("Open the file to add “{title}” to your calendar.").format(
            title=esc(event.title)
        ),
    )


async def attendance(
    query: CallbackQuery, callback_data: EventCb, user: User, db: Database
) -> None:
    event = await db.events.get(callback_data.event_id)
    if event is None or not db.events.may_manage(user, event):
        await query.answer(_("This is not available to you."), show_alert=True)
        return
    text, markup = await attendance_view(db, event)
    await show(query, text, markup)


async def mark(query: CallbackQuery, callback_data: AttendCb, user: User, db: Database) -> None:
    try:
        await db.events.mark_attendance(
            user, callback_data.event_id, callback_data.user_id, callback_data.attended
        )
    except DomainError as problem:
        await query.answer(event_problem(problem), show_alert=True)
        return
    event = await db.events.get(callback_data.event_id)
    assert event is not None
    text, markup = await attendance_view(db, event)
    await show(query, text, markup)


async def export(
    query: CallbackQuery, callback_data: EventCb, user: User, db: Database, locale: str
) -> None:
    event = await db.events.get(callback_data.event_id)
    if (
        event is None
        or not db.events.may_manage(user, event)
        or not isinstance(query.message, Message)
    ):
        await query.answer(_("This is not available to you."), show_alert=True)
        return
    data = await attendee_csv(db, event, locale)
    await query.message.answer_document(
        BufferedInputFile(data, filename=f"attendees-{event.id}.csv"),
        caption=_("Attendees: {title}").format(title=esc(event.title)),
    )


def get_router() -> Router:
    router = Router(name="events")
    router.message.filter(Registered())
    router.callback_query.filter(Registered())
    router.message.register(events_command, Command("events"))
    router.callback_query.register(events_button, MenuCb.filter(F.action == "events"))
    router.callback_query.register(page, EventCb.filter(F.action == "page"))
    router.callback_query.register(open_event, EventCb.filter(F.action == "open"))
    router.callback_query.register(answer, EventCb.filter(F.action.in_({"going", "decline"})))
    router.callback_query.register(calendar, EventCb.filter(F.action == "ics"))
    router.callback_query.register(attendance, EventCb.filter(F.action == "attendance"))
    router.callback_query.register(mark, AttendCb.filter())
    router.callback_query.register(export, EventCb.filter(F.action == "export"))
    return router
