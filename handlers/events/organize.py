"""/newevent for coordinators, department officials and admins; editing and cancelling."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TypeVar

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from db import Database
from db.domain.errors import DomainError, InvalidValue
from db.domain.events import (
    Audience,
    EventChanges,
    EventInput,
    EventKind,
    check_span,
    clean_address,
    clean_description,
    clean_title,
    clean_url,
    parse_capacity,
)
from db.domain.models import Role, User
from db.domain.roles import AUDIENCE_ROLES, EVENT_ORGANIZERS
from handlers.events.attend import card_view
from handlers.events.callbacks import EventCb, NewEventCb
from handlers.events.states import EditEvent, EventForm, NewEvent
from handlers.events.texts import (
    audience_text,
    event_problem,
    event_value_problem,
    kind_name,
    offsets_text,
    span_text,
)
from handlers.kit.callbacks import MenuCb, OrgPickCb
from handlers.kit.common import cancel_button, cancel_item
from handlers.kit.dates import parse_date, parse_local_datetime
from handlers.kit.drafts import read_form, start_form, write_form
from handlers.kit.filters import HasRole
from handlers.kit.formatting import esc, fmt_date, upper_first
from handlers.kit.keyboard import InlineKeyboard
from handlers.kit.orgpicker import MultiOrgPicker, OrgPage, org_page_keyboard
from handlers.kit.settings import HandlerSettings, ReminderPlanner
from handlers.kit.texts import role_name_plural, send_text_please, stale_button, use_buttons_please
from handlers.kit.ui import show

REMINDER_PRESETS = {
    "day_hour": (1440, 60),
    "hour": (60,),
    "day": (1440,),
    "week_day": (10080, 1440),
    "none": (),
}


def time_hint() -> str:
    return _("Please write the date and time as DD.MM.YYYY HH:MM, for example 25.12.2026 15:00.")


def choice_keyboard(
    options: list[tuple[str, str]], action: str, columns: int = 1
) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for value, label in options:
        builder.button(text=label, callback_data=NewEventCb(action=action, value=value))
    cancel_button(builder)
    builder.adjust(*([columns] * len(options)), 1)
    return builder.as_markup()


def audience_keyboard(data: EventForm) -> InlineKeyboardMarkup:
    chosen = set(data.get("ev_roles", []))
    builder = InlineKeyboard()
    everyone = "☑️" if data.get("ev_everyone") else "⬜"
    builder.button(text=f"{everyone} " + _("Everyone"), callback_data=NewEventCb(action="everyone"))
    for role in AUDIENCE_ROLES:
        mark = "☑️" if role.value in chosen else "⬜"
        builder.button(
            text=f"{mark} {upper_first(role_name_plural(role))}",
            callback_data=NewEventCb(action="role", value=role.value),
        )
    count = len(data.get("ev_orgs", []))
    builder.button(
        text=_("🏫 Organizations ({n})").format(n=count), callback_data=NewEventCb(action="orgs")
    )
    builder.button(text=_("Done ✅"), callback_data=NewEventCb(action="audience_done"))
    builder.add(cancel_item())
    builder.adjust(1)
    return builder.as_markup()


def registration_text(event: EventInput) -> str:
    if not event.registration:
        return _("not needed")
    if event.capacity is None:
        return _("no limit on places")
    return ngettext("{n} place", "{n} places", event.capacity).format(n=event.capacity)


def orgs_done_item() -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=_("Done ✅"), callback_data=NewEventCb(action="orgs_done").pack()
    )


def audience_of(data: EventForm) -> Audience:
    return Audience(
        everyone=bool(data.get("ev_everyone")),
        roles=frozenset(Role(value) for value in data.get("ev_roles", [])),
        organization_ids=frozenset(int(value) for value in data.get("ev_orgs", [])),
    )


def event_input(data: EventForm) -> EventInput:
    return EventInput(
        kind=EventKind(data["ev_kind"]),
        title=data["ev_title"],
        description=data.get("ev_description", ""),
        starts_at=datetime.fromisoformat(data["ev_start"]),
        ends_at=datetime.fromisoformat(data["ev_end"]),
        organization_id=data.get("ev_place_org"),
        address=data.get("ev_address"),
        online_url=data.get("ev_url"),
        registration=bool(data.get("ev_registration", True)),
        capacity=data.get("ev_capacity"),
        audience=audience_of(data),
        reminder_offsets=tuple(data.get("ev_reminders", (1440, 60))),
        repeat=data.get("ev_repeat"),
        until=date.fromisoformat(until) if (until := data.get("ev_until")) else None,
    )


async def preview_text(
    db: Database, data: EventForm, settings: HandlerSettings, locale: str
) -> str:
    event = event_input(data)
    organizations = await db.orgs.by_ids(
        [
            *event.audience.organization_ids,
            *([event.organization_id] if event.organization_id else []),
        ]
    )
    place = organizations.get(event.organization_id or 0)
    where = ", ".join(
        p for p in (place.name(locale) if place else None, event.address, event.online_url) if p
    )
    lines = [
        _("<b>Check the event before publishing</b>"),
        "",
        f"<b>{esc(event.title)}</b> — {kind_name(event.kind)}",
        "🗓 " + span_text(event.starts_at, event.ends_at, settings.timezone, locale),
        "📍 " + esc(where),
        _("For: {audience}").format(audience=audience_text(event.audience, organizations, locale)),
        _("Registration: {value}").format(value=registration_text(event)),
        upper_first(offsets_text(event.reminder_offsets)),
    ]
    if event.repeat and event.until:
        lines.append(
            _("Repeats: {rule}, the last session by {date}").format(
                rule=_("every week") if event.repeat == "weekly" else _("every month"),
                date=fmt_date(event.until),
            )
        )
    if event.description:
        lines += ["", esc(event.description)]
    return "\n".join(lines)


async def begin(state: FSMContext) -> tuple[str, InlineKeyboardMarkup]:
    await state.clear()
    await state.set_state(NewEvent.kind)
    options = [(kind.value, upper_first(kind_name(kind))) for kind in EventKind]
    return _("What kind of event?"), choice_keyboard(options, "kind")


async def new_event_command(message: Message, state: FSMContext) -> None:
    text, markup = await begin(state)
    await message.answer(text, reply_markup=markup)


async def new_event_button(query: CallbackQuery, state: FSMContext) -> None:
    text, markup = await begin(state)
    await show(query, text, markup)


async def kind_chosen(query: CallbackQuery, callback_data: NewEventCb, state: FSMContext) -> None:
    if callback_data.value not in {kind.value for kind in EventKind}:
        await query.answer(use_buttons_please(), show_alert=True)
        return
    await write_form(state, EventForm(ev_kind=callback_data.value))
    await state.set_state(NewEvent.title)
    await show(query, _("The title, for example “Inclusive pedagogy in practice”:"))


T = TypeVar("T")


async def typed(message: Message, clean: Callable[[str], T]) -> T | None:
    """`clean` applied to the typed text; None once the person is told what is wrong."""
    try:
        return clean(message.text or "")
    except InvalidValue as problem:
        await message.answer(event_value_problem(problem))
        return None


async def title_written(message: Message, state: FSMContext) -> None:
    title = await typed(message, clean_title)
    if title is None:
        return
    await write_form(state, EventForm(ev_title=title))
    await state.set_state(NewEvent.description)
    builder = InlineKeyboard()
    builder.button(text=_("Skip ▶️"), callback_data=NewEventCb(action="nodescription"))
    await message.answer(
        _("A short description (programme, speakers, what to bring), or Skip:"),
        reply_markup=builder.as_markup(),
    )


async def ask_start(target: Message, state: FSMContext) -> None:
    await state.set_state(NewEvent.starts_at)
    await target.answer(_("When does it start? Date and time, for example 25.12.2026 15:00:"))


async def description_written(message: Message, state: FSMContext) -> None:
    text = await typed(message, clean_description)
    if text is None:
        return
    await write_form(state, EventForm(ev_description=text))
    await ask_start(message, state)


async def no_description(query: CallbackQuery, state: FSMContext) -> None:
    if isinstance(query.message, Message):
        await show(query, _("No description."))
        await ask_start(query.message, state)


async def start_written(
    message: Message, db: Database, state: FSMContext, settings: HandlerSettings
) -> None:
    start = parse_local_datetime(message.text or "", db.today(), settings.timezone)
    if start is None:
        await message.answer(time_hint())
        return
    if start <= db.clock.now():
        await message.answer(event_value_problem(InvalidValue("starts_at", "in_past")))
        return
    await write_form(state, EventForm(ev_start=start.isoformat()))
    await state.set_state(NewEvent.ends_at)
    await message.answer(_("When does it end? A time (17:00) or a date and time:"))


async def read_end(
    message: Message, start: datetime, db: Database, settings: HandlerSettings
) -> datetime | None:
    """The end typed as a time (on the start's day) or a date and time; None once answered."""
    end = parse_local_datetime(
        message.text or "",
        db.today(),
        settings.timezone,
        day=start.astimezone(settings.timezone).date(),
    )
    if end is None:
        await message.answer(time_hint())
        return None
    try:
        check_span(start, end)
    except InvalidValue as problem:
        await message.answer(event_value_problem(problem))
        return None
    return end


async def end_written(
    message: Message, db: Database, state: FSMContext, settings: HandlerSettings
) -> None:
    start = datetime.fromisoformat((await read_form(state, EventForm))["ev_start"])
    end = await read_end(message, start, db, settings)
    if end is None:
        return
    await write_form(state, EventForm(ev_end=end.isoformat()))
    await state.set_state(NewEvent.place)
    options = [
        ("org", _("🏫 At a school or organization")),
        ("address", _("📍 At an address")),
        ("online", _("💻 Online")),
    ]
    await message.answer(_("Where?"), reply_markup=choice_keyboard(options, "place"))


async def place_kind(
    query: CallbackQuery,
    callback_data: NewEventCb,
    db: Database,
    state: FSMContext,
    locale: str,
) -> None:
    if callback_data.value == "org":
        await state.set_state(NewEvent.place_org)
        page = await OrgPage.load(db, [], 0, "", locale)
        await show(
            query,
            _("Choose the organization, or type part of its name:"),
            org_page_keyboard(page, locale, "evplace", cancel_item()),
        )
    elif callback_data.value == "address":
        await state.set_state(NewEvent.address)
        await show(query, _("The address:"))
    elif callback_data.value == "online":
        await state.set_state(NewEvent.online_url)
        await show(query, _("The link to join (https://…):"))
    else:
        await query.answer(use_buttons_please(), show_alert=True)


async def search_place(message: Message, db: Database, locale: str) -> None:
    page = await OrgPage.load(db, [], 0, (message.text or "")[:100], locale)
    await message.answer(
        _("Choose:"), reply_markup=org_page_keyboard(page, locale, "evplace", cancel_item())
    )


async def ask_audience(target: Message | CallbackQuery, state: FSMContext) -> None:
    await state.set_state(NewEvent.audience)
    text = _(
        "Who is it for? Choose roles and/or organizations (both: people with those roles "
        "there), or everyone:"
    )
    markup = audience_keyboard(await read_form(state, EventForm))
    if isinstance(target, CallbackQuery):
        await show(target, text, markup)
    else:
        await target.answer(text, reply_markup=markup)


async def place_chosen(
    query: CallbackQuery, callback_data: OrgPickCb, db: Database, state: FSMContext, locale: str
) -> None:
    if callback_data.page is not None:
        page = await OrgPage.load(db, [], callback_data.page, "", locale)
        await show(query, _("Choose:"), org_page_keyboard(page, locale, "evplace", cancel_item()))
        return
    org = await db.orgs.get(callback_data.org_id or 0)
    if org is None:
        await query.answer(use_buttons_please(), show_alert=True)
        return
    await write_form(state, EventForm(ev_place_org=org.id))
    await ask_audience(query, state)


async def address_written(message: Message, state: FSMContext) -> None:
    await write_form(state, EventForm(ev_address=clean_address(message.text or "")))
    await ask_audience(message, state)


async def url_written(message: Message, state: FSMContext) -> None:
    url = await typed(message, clean_url)
    if url is None:
        return
    await write_form(state, EventForm(ev_url=url))
    await ask_audience(message, state)


async def audience_toggled(
    query: CallbackQuery, callback_data: NewEventCb, state: FSMContext
) -> None:
    data = await read_form(state, EventForm)
    if callback_data.action == "everyone":
        await write_form(state, EventForm(ev_everyone=not data.get("ev_everyone")))
    elif callback_data.value in {role.value for role in AUDIENCE_ROLES}:
        roles = list(data.get("ev_roles", []))
        if callback_data.value in roles:
            roles.remove(callback_data.value)
        else:
            roles.append(callback_data.value)
        await write_form(state, EventForm(ev_roles=roles))
    else:
        await query.answer(use_buttons_please(), show_alert=True)
        return
    await ask_audience(query, state)


AUDIENCE_ORGS = MultiOrgPicker("evaud", "ev_orgs", orgs_done_item)


async def audience_orgs(query: CallbackQuery, db: Database, state: FSMContext, locale: str) -> None:
    await state.set_state(NewEvent.audience_orgs)
    markup = await AUDIENCE_ORGS.view(db, state, locale, 0, "")
    await show(
        query,
        _("Tap organizations to add or remove them, or type part of a name. Then Done."),
        markup,
    )


async def audience_orgs_done(query: CallbackQuery, state: FSMContext) -> None:
    await ask_audience(query, state)


async def audience_done(query: CallbackQuery, state: FSMContext) -> None:
    if audience_of(await read_form(state, EventForm)).is_empty():
        await query.answer(event_value_problem(InvalidValue("audience", "empty")), show_alert=True)
        return
    await state.set_state(NewEvent.registration)
    options = [
        ("open", _("No registration: it is for the whole audience")),
        ("unlimited", _("Registration, no limit on places")),
        ("limited", _("Registration with a limited number of places")),
    ]
    await show(query, _("Do people register?"), choice_keyboard(options, "registration"))


async def ask_reminders(target: Message | CallbackQuery, state: FSMContext) -> None:
    await state.set_state(NewEvent.reminders)
    options = [
        ("day_hour", _("1 day and 1 hour before")),
        ("hour", _("1 hour before")),
        ("day", _("1 day before")),
        ("week_day", _("1 week and 1 day before")),
        ("none", _("No reminders")),
    ]
    markup = choice_keyboard(options, "reminders")
    if isinstance(target, CallbackQuery):
        await show(target, _("When should people be reminded?"), markup)
    else:
        await target.answer(_("When should people be reminded?"), reply_markup=markup)


async def registration_chosen(
    query: CallbackQuery, callback_data: NewEventCb, state: FSMContext
) -> None:
    if callback_data.value not in ("open", "unlimited", "limited"):
        await query.answer(use_buttons_please(), show_alert=True)
        return
    await write_form(
        state, EventForm(ev_registration=callback_data.value != "open", ev_capacity=None)
    )
    if callback_data.value == "limited":
        await state.set_state(NewEvent.capacity)
        await show(query, _("How many places?"))
        return
    await ask_reminders(query, state)


async def capacity_written(message: Message, state: FSMContext) -> None:
    capacity = await typed(message, parse_capacity)
    if capacity is None:
        return
    await write_form(state, EventForm(ev_capacity=capacity))
    await ask_reminders(message, state)


async def reminders_chosen(
    query: CallbackQuery, callback_data: NewEventCb, state: FSMContext
) -> None:
    if callback_data.value not in REMINDER_PRESETS:
        await query.answer(use_buttons_please(), show_alert=True)
        return
    await write_form(state, EventForm(ev_reminders=list(REMINDER_PRESETS[callback_data.value])))
    await state.set_state(NewEvent.repeat)
    options = [("once", _("Once")), ("weekly", _("Every week")), ("monthly", _("Every month"))]
    await show(query, _("Does it repeat?"), choice_keyboard(options, "repeat", 3))


async def ask_confirm(
    target: Message | CallbackQuery,
    db: Database,
    state: FSMContext,
    settings: HandlerSettings,
    locale: str,
) -> None:
    await state.set_state(NewEvent.confirm)
    builder = InlineKeyboard()
    builder.button(text=_("✅ Publish"), callback_data=NewEventCb(action="publish"))
    cancel_button(builder)
    builder.adjust(1)
    text = await preview_text(db, await read_form(state, EventForm), settings, locale)
    if isinstance(target, CallbackQuery):
        await show(target, text, builder.as_markup())
    else:
        await target.answer(text, reply_markup=builder.as_markup())


async def repeat_chosen(
    query: CallbackQuery,
    callback_data: NewEventCb,
    db: Database,
    state: FSMContext,
    settings: HandlerSettings,
    locale: str,
) -> None:
    if callback_data.value not in ("once", "weekly", "monthly"):
        await query.answer(use_buttons_please(), show_alert=True)
        return
    if callback_data.value == "once":
        await write_form(state, EventForm(ev_repeat=None, ev_until=None))
        await ask_confirm(query, db, state, settings, locale)
        return
    await write_form(state, EventForm(ev_repeat=callback_data.value))
    await state.set_state(NewEvent.until)
    await show(query, _("Until which date (for example 31.05.2027)?"))


async def until_written(
    message: Message, db: Database, state: FSMContext, settings: HandlerSettings, locale: str
) -> None:
    until = parse_date(message.text or "", db.today())
    if until is None:
        await message.answer(_("Please write the date as DD.MM.YYYY, for example 12.01.2027."))
        return
    await write_form(state, EventForm(ev_until=until.isoformat()))
    try:
        from db.domain.events import occurrences

        data = await read_form(state, EventForm)
        occurrences(datetime.fromisoformat(data["ev_start"]), data["ev_repeat"], until)
    except InvalidValue as problem:
        await message.answer(event_value_problem(problem))
        return
    await ask_confirm(message, db, state, settings, locale)


async def publish(
    query: CallbackQuery,
    user: User,
    db: Database,
    state: FSMContext,
    settings: HandlerSettings,
    locale: str,
    reminders: ReminderPlanner,
) -> None:
    data = await read_form(state, EventForm)
    try:
        events = await db.events.create(user, event_input(data))
    except DomainError as problem:
        await query.answer(event_problem(problem), show_alert=True)
        return
    except (KeyError, ValueError):
        await query.answer(stale_button(), show_alert=True)
        return
    await state.clear()
    await reminders.refresh()
    text, markup = await card_view(db, user, events[0], settings, locale)
    published = _("Published; the audience has been told.")
    if len(events) > 1:
        published += " " + _("Sessions in the series: {n}.").format(n=len(events))
    await show(query, published + "\n\n" + text, markup)


# ----- editing and cancelling -----------------------------------------------------------------


async def edit_menu(
    query: CallbackQuery, callback_data: EventCb, user: User, db: Database, state: FSMContext
) -> None:
    event = await db.events.get(callback_data.event_id)
    if event is None or not db.events.may_manage(user, event):
        await query.answer(_("This is not available to you."), show_alert=True)
        return
    await start_form(state, EventForm(edit_event=event.id, edit_version=callback_data.version))
    builder = InlineKeyboard()
    for field, label in (
        ("time", _("🗓 Time")),
        ("address", _("📍 Address")),
        ("online_url", _("💻 Link")),
        ("title", _("Title")),
        ("description", _("Description")),
        # TRANSLATORS: an event's field: how many people may register.
        ("capacity", _("Places")),
    ):
        builder.button(text=label, callback_data=NewEventCb(action="edit", value=field))
    builder.button(text=_("⬅️ Back"), callback_data=EventCb(action="open", event_id=event.id))
    builder.adjust(2)
    await show(query, _("What changes? Everyone registered will be told."), builder.as_markup())


async def edit_field(query: CallbackQuery, callback_data: NewEventCb, state: FSMContext) -> None:
    data = await read_form(state, EventForm)
    if "edit_event" not in data:
        await query.answer(stale_button(), show_alert=True)
        return
    if callback_data.value == "time":
        await state.set_state(EditEvent.starts_at)
        await show(query, _("New start, date and time (for example 25.12.2026 15:00):"))
        return
    await write_form(state, EventForm(edit_field=callback_data.value))
    await state.set_state(EditEvent.text)
    prompts = {
        "address": _("The new address (send “-” to remove it):"),
        "online_url": _("The new link (https://…), or “-” to remove it:"),
        "title": _("The new title:"),
        "description": _("The new description:"),
        "capacity": _("The new number of places:"),
    }
    if callback_data.value not in prompts:
        await query.answer(use_buttons_please(), show_alert=True)
        return
    await show(query, prompts[callback_data.value])


async def save_changes(
    message: Message,
    user: User,
    db: Database,
    state: FSMContext,
    changes: EventChanges,
    settings: HandlerSettings,
    locale: str,
    reminders: ReminderPlanner,
) -> None:
    data = await read_form(state, EventForm)
    try:
        event = await db.events.update(
            user, int(data["edit_event"]), int(data.get("edit_version", 0)), changes
        )
    except InvalidValue as problem:
        await message.answer(event_value_problem(problem))
        return
    except DomainError as problem:
        await state.clear()
        await message.answer(event_problem(problem))
        return
    await state.clear()
    await reminders.refresh()
    text, markup = await card_view(db, user, event, settings, locale)
    await message.answer(
        _("Saved; everyone registered has been told.") + "\n\n" + text, reply_markup=markup
    )


async def new_start(
    message: Message, db: Database, state: FSMContext, settings: HandlerSettings
) -> None:
    start = parse_local_datetime(message.text or "", db.today(), settings.timezone)
    if start is None:
        await message.answer(time_hint())
        return
    await write_form(state, EventForm(edit_start=start.isoformat()))
    await state.set_state(EditEvent.ends_at)
    await message.answer(_("New end: a time (17:00) or a date and time:"))


async def new_end(
    message: Message,
    user: User,
    db: Database,
    state: FSMContext,
    settings: HandlerSettings,
    locale: str,
    reminders: ReminderPlanner,
) -> None:
    start = datetime.fromisoformat((await read_form(state, EventForm))["edit_start"])
    end = await read_end(message, start, db, settings)
    if end is None:
        return
    await save_changes(
        message,
        user,
        db,
        state,
        EventChanges(starts_at=start, ends_at=end),
        settings,
        locale,
        reminders,
    )


async def new_text(
    message: Message,
    user: User,
    db: Database,
    state: FSMContext,
    settings: HandlerSettings,
    locale: str,
    reminders: ReminderPlanner,
) -> None:
    field = (await read_form(state, EventForm)).get("edit_field")
    text = message.text or ""
    if field == "capacity":
        try:
            changes = EventChanges(capacity=parse_capacity(text))
        except InvalidValue as problem:
            await message.answer(event_value_problem(problem))
            return
    elif field == "address":
        changes = EventChanges(address="" if text.strip() == "-" else text)
    elif field == "online_url":
        changes = EventChanges(online_url="" if text.strip() == "-" else text)
    elif field == "title":
        changes = EventChanges(title=text)
    elif field == "description":
        changes = EventChanges(description=text)
    else:
        await state.clear()
        await message.answer(stale_button())
        return
    await save_changes(message, user, db, state, changes, settings, locale, reminders)


async def confirm_cancel(
    query: CallbackQuery, callback_data: EventCb, user: User, db: Database
) -> None:
    event = await db.events.get(callback_data.event_id)
    if event is None or not db.events.may_manage(user, event):
        await query.answer(_("This is not available to you."), show_alert=True)
        return
    builder = InlineKeyboard()
    builder.button(
        text=_("Yes, cancel the event"),
        callback_data=EventCb(action="cancelled", event_id=event.id, version=callback_data.version),
    )
    builder.button(text=_("No"), callback_data=EventCb(action="open", event_id=event.id))
    builder.adjust(1)
    await show(
        query,
        _("Cancel “{title}”? Everyone concerned will be told.").format(title=esc(event.title)),
        builder.as_markup(),
    )


async def cancel(
    query: CallbackQuery,
    callback_data: EventCb,
    user: User,
    db: Database,
    settings: HandlerSettings,
    locale: str,
    reminders: ReminderPlanner,
) -> None:
    try:
        event = await db.events.cancel(user, callback_data.event_id, callback_data.version)
    except DomainError as problem:
        await query.answer(event_problem(problem), show_alert=True)
        return
    await reminders.refresh()
    await query.answer(_("The event is cancelled."))
    text, markup = await card_view(db, user, event, settings, locale)
    await show(query, text, markup)


TEXT_STATES = (
    NewEvent.title,
    NewEvent.description,
    NewEvent.starts_at,
    NewEvent.ends_at,
    NewEvent.address,
    NewEvent.online_url,
    NewEvent.capacity,
    NewEvent.until,
    EditEvent.starts_at,
    EditEvent.ends_at,
    EditEvent.text,
)


async def not_text(message: Message) -> None:
    await message.answer(send_text_please())


def get_router() -> Router:
    router = Router(name="event_admin")
    router.message.filter(HasRole(*EVENT_ORGANIZERS))
    router.callback_query.filter(HasRole(*EVENT_ORGANIZERS))
    router.message.register(new_event_command, Command("newevent"))
    router.callback_query.register(new_event_button, MenuCb.filter(F.action == "newevent"))
    router.callback_query.register(
        kind_chosen, NewEvent.kind, NewEventCb.filter(F.action == "kind")
    )
    router.message.register(title_written, NewEvent.title, F.text)
    router.message.register(description_written, NewEvent.description, F.text)
    router.callback_query.register(
        no_description, NewEvent.description, NewEventCb.filter(F.action == "nodescription")
    )
    router.message.register(start_written, NewEvent.starts_at, F.text)
    router.message.register(end_written, NewEvent.ends_at, F.text)
    router.callback_query.register(
        place_kind, NewEvent.place, NewEventCb.filter(F.action == "place")
    )
    router.message.register(search_place, NewEvent.place_org, F.text)
    router.callback_query.register(
        place_chosen, NewEvent.place_org, OrgPickCb.filter(F.purpose == "evplace")
    )
    router.message.register(address_written, NewEvent.address, F.text)
    router.message.register(url_written, NewEvent.online_url, F.text)
    router.callback_query.register(
        audience_toggled, NewEvent.audience, NewEventCb.filter(F.action.in_({"everyone", "role"}))
    )
    router.callback_query.register(
        audience_orgs, NewEvent.audience, NewEventCb.filter(F.action == "orgs")
    )
    AUDIENCE_ORGS.register(router, NewEvent.audience_orgs)
    router.callback_query.register(
        audience_orgs_done, NewEvent.audience_orgs, NewEventCb.filter(F.action == "orgs_done")
    )
    router.callback_query.register(
        audience_done, NewEvent.audience, NewEventCb.filter(F.action == "audience_done")
    )
    router.callback_query.register(
        registration_chosen, NewEvent.registration, NewEventCb.filter(F.action == "registration")
    )
    router.message.register(capacity_written, NewEvent.capacity, F.text)
    router.callback_query.register(
        reminders_chosen, NewEvent.reminders, NewEventCb.filter(F.action == "reminders")
    )
    router.callback_query.register(
        repeat_chosen, NewEvent.repeat, NewEventCb.filter(F.action == "repeat")
    )
    router.message.register(until_written, NewEvent.until, F.text)
    router.callback_query.register(
        publish, NewEvent.confirm, NewEventCb.filter(F.action == "publish")
    )
    router.callback_query.register(edit_menu, EventCb.filter(F.action == "edit"))
    router.callback_query.register(edit_field, NewEventCb.filter(F.action == "edit"))
    router.message.register(new_start, EditEvent.starts_at, F.text)
    router.message.register(new_end, EditEvent.ends_at, F.text)
    router.message.register(new_text, EditEvent.text, F.text)
    router.callback_query.register(confirm_cancel, EventCb.filter(F.action == "cancel"))
    router.callback_query.register(cancel, EventCb.filter(F.action == "cancelled"))
    router.message.register(not_text, StateFilter(*TEXT_STATES))
    return router
