"""/broadcast: an announcement to the right audience, previewed, counted, confirmed once;
/broadcasts: past announcements with their delivery reports."""

from __future__ import annotations

import secrets

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from db import Database
from db.domain.broadcasts import (
    CAPTION_MAX,
    TEXT_MAX,
    BroadcastAudience,
    BroadcastDraft,
    EmptyAudience,
)
from db.domain.errors import DomainError, InvalidValue
from db.domain.models import LOCALES, Role, User
from db.domain.roles import AUDIENCE_ROLES, BROADCASTERS, NETWORK_BROADCASTERS
from handlers.broadcasts.callbacks import ComposeCb
from handlers.broadcasts.states import BroadcastForm, Compose
from handlers.broadcasts.texts import (
    audience_summary,
    broadcast_problem,
    languages_text,
    plain_preview,
    progress_text,
)
from handlers.kit.callbacks import MenuCb
from handlers.kit.common import cancel_button, cancel_item
from handlers.kit.drafts import read_form, write_form
from handlers.kit.filters import HasRole
from handlers.kit.formatting import esc, fmt_datetime, upper_first
from handlers.kit.i18n import pgettext
from handlers.kit.keyboard import InlineKeyboard
from handlers.kit.menu import back_to_menu_button
from handlers.kit.orgpicker import MultiOrgPicker
from handlers.kit.settings import HandlerSettings
from handlers.kit.texts import LANGUAGE_NAMES, role_name_plural, stale_button, use_buttons_please
from handlers.kit.ui import show


def audience_of(data: BroadcastForm) -> BroadcastAudience:
    return BroadcastAudience(
        everyone=bool(data.get("bc_everyone")),
        roles=frozenset(Role(role) for role in data.get("bc_roles", [])),
        organization_ids=frozenset(int(org) for org in data.get("bc_orgs", [])),
        places=frozenset(data.get("bc_places", [])),
        event_id=data.get("bc_event"),
    )


def audience_keyboard(data: BroadcastForm) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()

    def mark(on: object) -> str:
        return "☑️" if on else "⬜"

    builder.button(
        text=f"{mark(data.get('bc_everyone'))} " + _("Everyone"),
        callback_data=ComposeCb(action="everyone"),
    )
    roles = set(data.get("bc_roles", []))
    for role in AUDIENCE_ROLES:
        builder.button(
            text=f"{mark(role.value in roles)} {upper_first(role_name_plural(role))}",
            callback_data=ComposeCb(action="role", value=role.value),
        )
    builder.button(
        text=_("🏫 Organizations ({n})").format(n=len(data.get("bc_orgs", []))),
        callback_data=ComposeCb(action="orgs"),
    )
    builder.button(
        text=_("🏙 Cities and regions ({n})").format(n=len(data.get("bc_places", []))),
        callback_data=ComposeCb(action="places"),
    )
    builder.button(
        text=_("🗓 Registered for an event") + (" ☑️" if data.get("bc_event") else ""),
        callback_data=ComposeCb(action="event"),
    )
    builder.button(
        text=pgettext("go on to the next step of the announcement", "Next ▶️"),
        callback_data=ComposeCb(action="audience_done"),
    )
    builder.add(cancel_item())
    builder.adjust(1)
    return builder.as_markup()


def audience_prompt() -> str:
    return _(
        "Who should receive the announcement? Choose roles, and narrow them to organizations or"
        " cities if you like; or everyone; or the people registered for an event."
    )


def versions_keyboard(data: BroadcastForm) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    given = data.get("bc_texts", {})
    for locale in LOCALES:
        if locale not in given:
            builder.button(
                text=_("➕ {language}").format(language=LANGUAGE_NAMES[locale]),
                callback_data=ComposeCb(action="version", value=locale),
            )
    builder.button(text=_("Continue ▶️"), callback_data=ComposeCb(action="versions_done"))
    builder.add(cancel_item())
    builder.adjust(1)
    return builder.as_markup()


def length_problem(text: str, has_media: bool) -> str | None:
    if has_media and len(text) > CAPTION_MAX:
        return broadcast_problem(InvalidValue("text", "caption_too_long"))
    if len(text) > TEXT_MAX:
        return broadcast_problem(InvalidValue("text", "too_long"))
    if not text.strip():
        return broadcast_problem(InvalidValue("text", "empty"))
    return None


async def send_preview(message: Message, data: BroadcastForm, locale: str) -> None:
    text = data["bc_texts"][data["bc_locale"]]
    media, kind = data.get("bc_media"), data.get("bc_media_kind")
    if media and kind == "photo":
        await message.answer_photo(media, caption=text)
    elif media and kind == "document":
        await message.answer_document(media, caption=text)
    else:
        await message.answer(text)


async def begin(user: User, state: FSMContext, locale: str) -> tuple[str, InlineKeyboardMarkup]:
    await state.clear()
    await write_form(
        state, BroadcastForm(bc_token=secrets.token_hex(8), bc_locale=locale, bc_texts={})
    )
    if user.role is Role.DIRECTOR:
        await state.set_state(Compose.text)
        builder = InlineKeyboard()
        cancel_button(builder)
        return _(
            "An announcement for your school's mentors."
        ) + "\n\n" + ask_text(), builder.as_markup()
    await state.set_state(Compose.audience)
    return audience_prompt(), audience_keyboard(await read_form(state, BroadcastForm))


def ask_text() -> str:
    return _(
        "Write the announcement. Formatting is kept. You may send one photo or document "
        "with the"
        " text as its caption (up to 1024 characters); plain text may be up to 4096."
    )


async def broadcast_command(message: Message, user: User, state: FSMContext, locale: str) -> None:
    text, markup = await begin(user, state, locale)
    await message.answer(text, reply_markup=markup)


async def broadcast_button(
    query: CallbackQuery, user: User, state: FSMContext, locale: str
) -> None:
    text, markup = await begin(user, state, locale)
    await show(query, text, markup)


# ----- the audience ---------------------------------------------------------------------------


async def back_to_audience(query: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(Compose.audience)
    await show(query, audience_prompt(), audience_keyboard(await read_form(state, BroadcastForm)))


async def toggle(query: CallbackQuery, callback_data: ComposeCb, state: FSMContext) -> None:
    data = await read_form(state, BroadcastForm)
    if callback_data.action == "everyone":
        await write_form(state, BroadcastForm(bc_everyone=not data.get("bc_everyone")))
    elif callback_data.value in {role.value for role in AUDIENCE_ROLES}:
        roles = set(data.get("bc_roles", []))
        roles ^= {callback_data.value}
        await write_form(state, BroadcastForm(bc_roles=sorted(roles)))
    else:
        await query.answer(use_buttons_please(), show_alert=True)
        return
    await back_to_audience(query, state)


def done_item() -> InlineKeyboardButton:
    return InlineKeyboardButton(text=_("Done ✅"), callback_data=ComposeCb(action="back").pack())


AUDIENCE_ORGS = MultiOrgPicker("bcorg", "bc_orgs", done_item)


async def organizations(query: CallbackQuery, db: Database, state: FSMContext, locale: str) -> None:
    await state.set_state(Compose.organizations)
    markup = await AUDIENCE_ORGS.view(db, state, locale, 0, "")
    await show(
        query,
        _("Tap organizations to add or remove them, or type part of a name. Then Done."),
        markup,
    )


async def places(query: CallbackQuery, db: Database, state: FSMContext) -> None:
    await state.set_state(Compose.places)
    options = await db.broadcasts.places()
    await write_form(state, BroadcastForm(bc_place_options=[place for place, _n in options]))
    chosen = set((await read_form(state, BroadcastForm)).get("bc_places", []))
    builder = InlineKeyboard()
    for index, (place, count) in enumerate(options):
        mark = "☑️" if place in chosen else "⬜"
        builder.button(
            text=f"{mark} {place} ({count})",
            callback_data=ComposeCb(action="place", value=str(index)),
        )
    builder.button(text=_("Done ✅"), callback_data=ComposeCb(action="back"))
    builder.adjust(1)
    await show(query, _("Tap cities or regions to add or remove them:"), builder.as_markup())


async def place_toggled(
    query: CallbackQuery, callback_data: ComposeCb, db: Database, state: FSMContext
) -> None:
    data = await read_form(state, BroadcastForm)
    options = data.get("bc_place_options", [])
    if not callback_data.value.isdigit() or int(callback_data.value) >= len(options):
        await query.answer(stale_button(), show_alert=True)
        return
    chosen = set(data.get("bc_places", []))
    chosen ^= {options[int(callback_data.value)]}
    await write_form(state, BroadcastForm(bc_places=sorted(chosen)))
    await state.set_state(Compose.audience)
    await places(query, db, state)


async def choose_event(
    query: CallbackQuery, user: User, db: Database, state: FSMContext, settings: HandlerSettings
) -> None:
    await state.set_state(Compose.event)
    events, _total = await db.events.upcoming_for(user, 0, 10)
    builder = InlineKeyboard()
    for event in events:
        label = f"{fmt_datetime(event.starts_at, settings.timezone)} {event.title}"[:60]
        builder.button(text=label, callback_data=ComposeCb(action="event_set", value=str(event.id)))
    builder.button(text=_("No event"), callback_data=ComposeCb(action="event_set", value="0"))
    builder.adjust(1)
    await show(query, _("Whose registrations? Upcoming events:"), builder.as_markup())


async def event_set(
    query: CallbackQuery, callback_data: ComposeCb, user: User, db: Database, state: FSMContext
) -> None:
    event_id = int(callback_data.value) if callback_data.value.isdigit() else 0
    if event_id:
        event = await db.events.get(event_id)
        if event is None or not db.events.may_see(user, event):
            await query.answer(use_buttons_please(), show_alert=True)
            return
    await write_form(state, BroadcastForm(bc_event=event_id or None))
    await back_to_audience(query, state)


async def back(query: CallbackQuery, state: FSMContext) -> None:
    await back_to_audience(query, state)


async def audience_done(query: CallbackQuery, user: User, db: Database, state: FSMContext) -> None:
    audience = audience_of(await read_form(state, BroadcastForm))
    if audience.is_empty() or await db.broadcasts.count(user, audience) == 0:
        await query.answer(broadcast_problem(EmptyAudience()), show_alert=True)
        return
    await state.set_state(Compose.text)
    builder = InlineKeyboard()
    cancel_button(builder)
    await show(query, ask_text(), builder.as_markup())


# ----- the text and its versions --------------------------------------------------------------


async def text_written(message: Message, state: FSMContext) -> None:
    has_media = bool(message.photo or message.document)
    visible = message.caption if has_media else message.text
    problem = length_problem(visible or "", has_media)
    if problem:
        await message.answer(problem)
        return
    data = await read_form(state, BroadcastForm)
    if message.photo:
        await write_form(
            state, BroadcastForm(bc_media_kind="photo", bc_media=message.photo[-1].file_id)
        )
    elif message.document:
        await write_form(
            state, BroadcastForm(bc_media_kind="document", bc_media=message.document.file_id)
        )
    # html_text turns the author's formatting into HTML and escapes everything else.
    texts = {data["bc_locale"]: message.html_text}
    await write_form(state, BroadcastForm(bc_texts=texts))
    await state.set_state(Compose.versions)
    await message.answer(
        _("Add a version in another language? Each person gets their language, otherwise yours."),
        reply_markup=versions_keyboard(await read_form(state, BroadcastForm)),
    )


async def not_a_text(message: Message) -> None:
    await message.answer(_("Please send text, a photo or a document."))


async def ask_version(query: CallbackQuery, callback_data: ComposeCb, state: FSMContext) -> None:
    if callback_data.value not in LOCALES:
        await query.answer(use_buttons_please(), show_alert=True)
        return
    await write_form(state, BroadcastForm(bc_version=callback_data.value))
    await state.set_state(Compose.translation)
    await show(
        query, _("The text in {language}:").format(language=LANGUAGE_NAMES[callback_data.value])
    )


async def version_written(message: Message, state: FSMContext) -> None:
    data = await read_form(state, BroadcastForm)
    problem = length_problem(message.text or "", bool(data.get("bc_media_kind")))
    if problem:
        await message.answer(problem)
        return
    texts = dict(data.get("bc_texts", {}))
    texts[data["bc_version"]] = message.html_text
    await write_form(state, BroadcastForm(bc_texts=texts))
    await state.set_state(Compose.versions)
    await message.answer(
        _("Added. Another language?"),
        reply_markup=versions_keyboard(await read_form(state, BroadcastForm)),
    )


async def versions_done(
    query: CallbackQuery, user: User, db: Database, state: FSMContext, locale: str
) -> None:
    data = await read_form(state, BroadcastForm)
    audience = db.broadcasts.allowed_audience(user, audience_of(data))
    count = await db.broadcasts.count(user, audience)
    if count == 0:
        await query.answer(broadcast_problem(EmptyAudience()), show_alert=True)
        return
    if not isinstance(query.message, Message):
        return
    await state.set_state(Compose.confirm)
    await show(query, _("This is how it will look:"))
    await send_preview(query.message, data, locale)
    organizations = await db.orgs.by_ids(sorted(audience.organization_ids))
    event = await db.events.get(audience.event_id) if audience.event_id else None
    summary = "\n".join(
        [
            _("Audience: {audience}").format(
                audience=audience_summary(
                    audience, organizations, event.title if event else None, locale
                )
            ),
            ngettext("Recipients: {n} person", "Recipients: {n} people", count).format(n=count),
            _("Languages: {languages}").format(languages=languages_text(data["bc_texts"])),
        ]
    )
    builder = InlineKeyboard()
    builder.button(
        text=ngettext("✅ Send to {n} person", "✅ Send to {n} people", count).format(n=count),
        callback_data=ComposeCb(action="send"),
    )
    cancel_button(builder)
    builder.adjust(1)
    await query.message.answer(summary, reply_markup=builder.as_markup())


async def send(query: CallbackQuery, user: User, db: Database, state: FSMContext) -> None:
    data = await read_form(state, BroadcastForm)
    try:
        draft = BroadcastDraft(
            audience=audience_of(data),
            texts=dict(data["bc_texts"]),
            author_locale=data["bc_locale"],
            draft_token=data["bc_token"],
            media_kind=data.get("bc_media_kind"),
            media_file_id=data.get("bc_media"),
        )
        broadcast, created = await db.broadcasts.send(user, draft)
    except DomainError as problem:
        await query.answer(broadcast_problem(problem), show_alert=True)
        return
    except KeyError:
        await query.answer(stale_button(), show_alert=True)
        return
    await state.clear()
    if not created:
        await query.answer(_("This announcement has already been sent."), show_alert=True)
        return
    counts = await db.broadcasts.counts(broadcast.id)
    await show(query, progress_text(broadcast, counts))
    if isinstance(query.message, Message):
        await db.broadcasts.set_progress_message(
            broadcast.id, query.message.chat.id, query.message.message_id
        )


async def version_not_text(message: Message) -> None:
    await message.answer(_("Please send the text of this version."))


# ----- the history ----------------------------------------------------------------------------


async def history(
    message: Message, user: User, db: Database, settings: HandlerSettings, locale: str
) -> None:
    found = await db.broadcasts.recent(user)
    if not found:
        await message.answer(_("No announcements yet. Send one with /broadcast."))
        return
    lines = [_("Recent announcements:"), ""]
    for broadcast in found:
        counts = await db.broadcasts.counts(broadcast.id)
        when = fmt_datetime(broadcast.created_at, settings.timezone)
        lines.append(
            f"<b>#{broadcast.id}</b> {when} — {esc(plain_preview(broadcast.text_for(locale), 80))}"
        )
        lines.append("    " + progress_text(broadcast, counts).split("\n")[-1])
    builder = InlineKeyboard()
    back_to_menu_button(builder)
    await message.answer("\n".join(lines), reply_markup=builder.as_markup())


def get_router() -> Router:
    router = Router(name="broadcasts")
    router.message.filter(HasRole(*BROADCASTERS))
    router.callback_query.filter(HasRole(*BROADCASTERS))
    router.message.register(broadcast_command, Command("broadcast"))
    router.callback_query.register(broadcast_button, MenuCb.filter(F.action == "broadcast"))
    router.callback_query.register(
        toggle,
        Compose.audience,
        ComposeCb.filter(F.action.in_({"everyone", "role"})),
        HasRole(*NETWORK_BROADCASTERS),
    )
    router.callback_query.register(
        organizations,
        Compose.audience,
        ComposeCb.filter(F.action == "orgs"),
        HasRole(*NETWORK_BROADCASTERS),
    )
    AUDIENCE_ORGS.register(router, Compose.organizations)
    router.callback_query.register(
        places,
        Compose.audience,
        ComposeCb.filter(F.action == "places"),
        HasRole(*NETWORK_BROADCASTERS),
    )
    router.callback_query.register(
        place_toggled, Compose.places, ComposeCb.filter(F.action == "place")
    )
    router.callback_query.register(
        choose_event,
        Compose.audience,
        ComposeCb.filter(F.action == "event"),
        HasRole(*NETWORK_BROADCASTERS),
    )
    router.callback_query.register(
        event_set, Compose.event, ComposeCb.filter(F.action == "event_set")
    )
    router.callback_query.register(
        back,
        StateFilter(Compose.organizations, Compose.places),
        ComposeCb.filter(F.action == "back"),
    )
    router.callback_query.register(
        audience_done,
        Compose.audience,
        ComposeCb.filter(F.action == "audience_done"),
        HasRole(*NETWORK_BROADCASTERS),
    )
    router.message.register(text_written, Compose.text, F.text | F.photo | F.document)
    router.message.register(not_a_text, Compose.text)
    router.callback_query.register(
        ask_version, Compose.versions, ComposeCb.filter(F.action == "version")
    )
    router.message.register(version_written, Compose.translation, F.text)
    router.callback_query.register(
        versions_done, Compose.versions, ComposeCb.filter(F.action == "versions_done")
    )
    router.callback_query.register(send, Compose.confirm, ComposeCb.filter(F.action == "send"))
    router.message.register(version_not_text, Compose.translation)
    router.message.register(history, Command("broadcasts"))
    return router
