"""/memorandum: record a signed partnership memorandum; /partners: who we work with, and how.

Recording takes the parties, title, dates, areas of cooperation, the responsible person and
the signed file (checked to be whole before it is kept). /partners lists every partner with
its memoranda and what happened with it this academic year.
"""

from __future__ import annotations

import asyncio
import io
import logging
from datetime import date

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from db import Database
from db.domain.documents import DOCUMENT_SIZE_MAX, document_kind, looks_intact
from db.domain.errors import DomainError, NotAllowed, NotFound
from db.domain.memoranda import FIRST_YEAR, LAST_YEAR, TITLE_MAX, Area, Memorandum, MemorandumInput
from db.domain.models import User
from db.domain.roles import MEMORANDUM_KEEPERS, MEMORANDUM_VIEWERS
from handlers.kit.callbacks import MenuCb
from handlers.kit.common import cancel_button, cancel_keyboard
from handlers.kit.dates import parse_date
from handlers.kit.drafts import read_form, write_form
from handlers.kit.filters import HasRole
from handlers.kit.formatting import esc, fmt_date
from handlers.kit.menu import back_to_menu_button
from handlers.kit.orgpicker import MultiOrgPicker
from handlers.kit.settings import HandlerSettings
from handlers.kit.texts import not_allowed, send_text_please, stale_button, use_buttons_please
from handlers.kit.ui import show
from handlers.memoranda.callbacks import MemoCb, PartnerCb
from handlers.memoranda.states import MemoAttach, MemoDraft, MemorandumForm
from handlers.memoranda.texts import (
    area_name,
    dates_out_of_range,
    memorandum_problem,
    partner_block,
    summary,
)

log = logging.getLogger(__name__)

PAGE_SIZE = 5
RESPONSIBLE_CHOICES = 12


def parties_done_item() -> InlineKeyboardButton:
    return InlineKeyboardButton(text=_("Continue ▶️"), callback_data=MemoCb(action="parties").pack())


def areas_keyboard(chosen: list[str]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for area in Area:
        mark = "☑️" if area.value in chosen else "⬜"
        builder.button(
            text=f"{mark} {area_name(area)}", callback_data=MemoCb(action="area", value=area.value)
        )
    builder.button(text=_("Continue ▶️"), callback_data=MemoCb(action="areas"))
    cancel_button(builder)
    builder.adjust(1)
    return builder.as_markup()


def document_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Skip: no file yet"), callback_data=MemoCb(action="nofile"))
    cancel_button(builder)
    builder.adjust(1)
    return builder.as_markup()


def confirm_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("💾 Save the memorandum"), callback_data=MemoCb(action="save"))
    cancel_button(builder)
    builder.adjust(1)
    return builder.as_markup()


def draft_of(data: MemorandumForm) -> MemorandumInput:
    return MemorandumInput(
        title=data["memo_title"],
        signed_on=date.fromisoformat(data["memo_signed"]),
        expires_on=date.fromisoformat(data["memo_expires"]),
        areas=tuple(Area(area) for area in data.get("memo_areas", [])),
        party_ids=tuple(int(org_id) for org_id in data.get("memo_parties", [])),
        responsible_id=data.get("memo_responsible"),
        document_file_id=data.get("memo_file_id"),
        document_name=data.get("memo_file_name"),
    )


def parse_signing_date(text: str, today: date) -> date | None:
    """A signing date: without a year, the latest such day up to today."""
    day = parse_date(text, today)
    if day is not None and day > today and text.strip().count(".") == 1:
        try:
            return day.replace(year=day.year - 1)
        except ValueError:
            return None
    return day


async def receive_signed_file(
    message: Message, bot: Bot, markup: InlineKeyboardMarkup
) -> tuple[str, str | None] | None:
    """(file_id, name) of an uploaded signed document that is whole; else say what is wrong."""
    document = message.document
    assert document is not None
    kind = document_kind(document.file_name)
    if kind is None:
        await message.answer(
            _("Please send a PDF, Word (DOC, DOCX, ODT), JPG or PNG file."), reply_markup=markup
        )
        return None
    if (document.file_size or 0) > DOCUMENT_SIZE_MAX:
        await message.answer(
            _("The file is larger than 20 MB. Please send a smaller scan."), reply_markup=markup
        )
        return None
    content = io.BytesIO()
    try:
        await bot.download(document.file_id, destination=content)
    except (TelegramAPIError, OSError) as error:
        log.warning("could not download a memorandum file: %s", error)
        await message.answer(
            _("The file could not be received from Telegram. Please send it again."),
            reply_markup=markup,
        )
        return None
    # Checking a 20 MB archive takes a while: off the event loop, so others get answers.
    if not await asyncio.to_thread(looks_intact, kind, content.getvalue()):
        await message.answer(
            _(
                "This file looks damaged or is not really a {kind} file: it would not open"
                " later. Please save it again and send it."
            ).format(kind=kind.upper()),
            reply_markup=markup,
        )
        return None
    return document.file_id, document.file_name


PARTIES = MultiOrgPicker("memo", "memo_parties", parties_done_item)


# ----- recording ------------------------------------------------------------------------


async def begin(db: Database, state: FSMContext, locale: str) -> tuple[str, InlineKeyboardMarkup]:
    await state.clear()
    await state.set_state(MemoDraft.parties)
    markup = await PARTIES.view(db, state, locale, 0, "")
    return (
        _(
            "<b>New memorandum</b>\n\nWho signed it with the university? Tap the organizations"
            " (the school, the education department…), or type part of a name. Then Continue."
        ),
        markup,
    )


async def memorandum_command(
    message: Message, db: Database, state: FSMContext, locale: str
) -> None:
    text, markup = await begin(db, state, locale)
    await message.answer(text, reply_markup=markup)


async def memorandum_button(
    query: CallbackQuery, db: Database, state: FSMContext, locale: str
) -> None:
    text, markup = await begin(db, state, locale)
    await show(query, text, markup)


async def parties_done(query: CallbackQuery, state: FSMContext) -> None:
    if not (await read_form(state, MemorandumForm)).get("memo_parties"):
        await query.answer(_("Choose at least one organization."), show_alert=True)
        return
    await state.set_state(MemoDraft.title)
    builder = InlineKeyboardBuilder()
    cancel_button(builder)
    await show(
        query,
        _(
            "The memorandum's title, as written on it (e.g. «Memorandum of cooperation in"
            " teacher training»):"
        ),
        builder.as_markup(),
    )


async def title_written(message: Message, state: FSMContext) -> None:
    title = " ".join((message.text or "").split())
    if not 3 <= len(title) <= TITLE_MAX:
        await message.answer(
            _("Please write a title from 3 to {limit} characters.").format(limit=TITLE_MAX)
        )
        return
    await write_form(state, MemorandumForm(memo_title=title))
    await state.set_state(MemoDraft.signed)
    await message.answer(_("When was it signed? For example 15.09.2025."))


async def signed_written(message: Message, db: Database, state: FSMContext) -> None:
    day = parse_signing_date(message.text or "", db.today())
    if day is None:
        await message.answer(_("I could not read that date. Please write it like 15.09.2025."))
        return
    if day > db.today():
        await message.answer(
            _("A memorandum cannot be signed in the future. Please check the date.")
        )
        return
    if day.year < FIRST_YEAR:
        await message.answer(dates_out_of_range())
        return
    await write_form(state, MemorandumForm(memo_signed=day.isoformat()))
    await state.set_state(MemoDraft.expires)
    await message.answer(_("Valid until which day? For example 31.08.2030."))


async def expires_written(message: Message, db: Database, state: FSMContext) -> None:
    day = parse_date(message.text or "", db.today())
    signed = date.fromisoformat((await read_form(state, MemorandumForm))["memo_signed"])
    if day is None:
        await message.answer(_("I could not read that date. Please write it like 31.08.2030."))
        return
    if day.year > LAST_YEAR:
        await message.answer(dates_out_of_range())
        return
    if day <= signed:
        await message.answer(
            _("It must stay valid after the day it was signed ({signed}).").format(
                signed=fmt_date(signed)
            )
        )
        return
    await write_form(state, MemorandumForm(memo_expires=day.isoformat(), memo_areas=[]))
    await state.set_state(MemoDraft.areas)
    await message.answer(
        _("Areas of cooperation (tap all that apply):"), reply_markup=areas_keyboard([])
    )


async def area_toggled(query: CallbackQuery, callback_data: MemoCb, state: FSMContext) -> None:
    if callback_data.value not in {area.value for area in Area}:
        await query.answer(use_buttons_please(), show_alert=True)
        return
    chosen = set((await read_form(state, MemorandumForm)).get("memo_areas", []))
    chosen ^= {callback_data.value}
    ordered: list[str] = [area.value for area in Area if area.value in chosen]
    await write_form(state, MemorandumForm(memo_areas=ordered))
    await show(query, _("Areas of cooperation (tap all that apply):"), areas_keyboard(ordered))


async def areas_done(query: CallbackQuery, db: Database, user: User, state: FSMContext) -> None:
    if not (await read_form(state, MemorandumForm)).get("memo_areas"):
        await query.answer(_("Choose at least one area."), show_alert=True)
        return
    await state.set_state(MemoDraft.responsible)
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Me"), callback_data=MemoCb(action="resp", value=str(user.id)))
    staff = [p for p in await db.users.with_roles(*MEMORANDUM_KEEPERS) if p.id != user.id]
    for person in staff[:RESPONSIBLE_CHOICES]:
        builder.button(
            text=person.full_name, callback_data=MemoCb(action="resp", value=str(person.id))
        )
    cancel_button(builder)
    builder.adjust(1)
    await show(
        query,
        _("Who is responsible for it? They will be reminded before it expires."),
        builder.as_markup(),
    )


async def responsible_chosen(
    query: CallbackQuery, callback_data: MemoCb, db: Database, state: FSMContext
) -> None:
    person = await db.users.get(int(callback_data.value)) if callback_data.value.isdigit() else None
    if person is None or person.role not in MEMORANDUM_KEEPERS or person.telegram_id is None:
        await query.answer(stale_button(), show_alert=True)
        return
    await write_form(state, MemorandumForm(memo_responsible=person.id))
    await state.set_state(MemoDraft.document)
    await show(
        query,
        _(
            "Send the signed memorandum as a file: PDF, Word, or a scan in JPG or PNG (📎 →"
            " File), up to 20 MB."
        ),
        document_keyboard(),
    )


async def document_sent(
    message: Message, bot: Bot, db: Database, state: FSMContext, locale: str
) -> None:
    received = await receive_signed_file(message, bot, document_keyboard())
    if received is not None:
        await write_form(
            state, MemorandumForm(memo_file_id=received[0], memo_file_name=received[1])
        )
        await ask_confirmation(message, db, state, locale)


async def photo_sent(message: Message) -> None:
    await message.answer(
        _("Please send the scan as a file (📎 → File) so it keeps its quality."),
        reply_markup=document_keyboard(),
    )


async def no_file(query: CallbackQuery, db: Database, state: FSMContext, locale: str) -> None:
    await write_form(state, MemorandumForm(memo_file_id=None, memo_file_name=None))
    await ask_confirmation(query, db, state, locale)


async def ask_confirmation(
    target: Message | CallbackQuery, db: Database, state: FSMContext, locale: str
) -> None:
    await state.set_state(MemoDraft.confirm)
    draft = draft_of(await read_form(state, MemorandumForm))
    parties = await db.orgs.by_ids(list(draft.party_ids))
    people = await db.users.by_ids([draft.responsible_id])
    text = summary(draft, parties, people.get(draft.responsible_id or 0), locale)
    text += "\n\n" + _("Save it?")
    if isinstance(target, CallbackQuery):
        await show(target, text, confirm_keyboard())
    else:
        await target.answer(text, reply_markup=confirm_keyboard())


async def save(query: CallbackQuery, db: Database, user: User, state: FSMContext) -> None:
    try:
        memorandum = await db.memoranda.create(
            user, draft_of(await read_form(state, MemorandumForm))
        )
    except DomainError as error:
        await query.answer(memorandum_problem(error), show_alert=True)
        return
    await state.clear()
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🤝 Partners"), callback_data=PartnerCb(action="page"))
    back_to_menu_button(builder)
    builder.adjust(1)
    await show(
        query,
        _(
            "✅ The memorandum «{title}» is saved. Its responsible person will be reminded"
            " before {date}."
        ).format(title=esc(memorandum.title), date=fmt_date(memorandum.expires_on)),
        builder.as_markup(),
    )


async def not_text(message: Message) -> None:
    await message.answer(send_text_please())


async def not_a_file(message: Message) -> None:
    await message.answer(
        _("Please send the file, or press Skip."), reply_markup=document_keyboard()
    )


# ----- partners -------------------------------------------------------------------------


async def partners_view(
    db: Database, user: User, page: int, locale: str, settings: HandlerSettings
) -> tuple[str, InlineKeyboardMarkup]:
    partners, total = await db.memoranda.partners(page * PAGE_SIZE, PAGE_SIZE, user)
    pages = max(1, -(-total // PAGE_SIZE))
    memoranda = {m.id: m for partner in partners for m in partner.memoranda}
    people = await db.users.by_ids([m.responsible_id for m in memoranda.values()])
    builder = InlineKeyboardBuilder()
    sizes: list[int] = []
    if not partners:
        text = _("No memoranda recorded yet.")
    else:
        blocks = [_("🤝 <b>Partners</b> ({total})").format(total=total)]
        files = []
        for number, partner in enumerate(partners, start=page * PAGE_SIZE + 1):
            block, numbered = partner_block(number, partner, people, db.today(), locale, settings)
            blocks.append(block)
            files += numbered
        text = "\n\n".join(blocks)
        for label, memorandum_id in files:
            if memoranda[memorandum_id].document_file_id:
                data = PartnerCb(action="doc", value=memorandum_id)
                builder.button(text=f"📄 {label}", callback_data=data)
            elif user.role in MEMORANDUM_KEEPERS:
                data = PartnerCb(action="attach", value=memorandum_id)
                builder.button(text=f"📎 {label}", callback_data=data)
        shown = len(list(builder.buttons))
        sizes += [3] * (shown // 3) + ([shown % 3] if shown % 3 else [])
    navigation = [
        (label, target)
        for label, target in (("◀️", page - 1), ("▶️", page + 1))
        if 0 <= target < pages
    ]
    for label, target in navigation:
        builder.button(text=label, callback_data=PartnerCb(action="page", value=target))
    if navigation:
        sizes.append(len(navigation))
    if user.role in MEMORANDUM_KEEPERS:
        builder.button(text=_("➕ New memorandum"), callback_data=MenuCb(action="newmemo"))
        sizes.append(1)
    back_to_menu_button(builder)
    sizes.append(1)
    builder.adjust(*sizes)
    if user.role in MEMORANDUM_KEEPERS and any(not m.document_file_id for m in memoranda.values()):
        text += "\n\n" + _("📎 attaches the signed file to a memorandum recorded without it.")
    return text, builder.as_markup()


async def partners_command(
    message: Message,
    db: Database,
    user: User,
    state: FSMContext,
    locale: str,
    settings: HandlerSettings,
) -> None:
    await state.clear()
    text, markup = await partners_view(db, user, 0, locale, settings)
    await message.answer(text, reply_markup=markup)


async def partners_button(
    query: CallbackQuery,
    db: Database,
    user: User,
    state: FSMContext,
    locale: str,
    settings: HandlerSettings,
) -> None:
    await state.clear()
    text, markup = await partners_view(db, user, 0, locale, settings)
    await show(query, text, markup)


async def partners_page(
    query: CallbackQuery,
    callback_data: PartnerCb,
    db: Database,
    user: User,
    locale: str,
    settings: HandlerSettings,
) -> None:
    text, markup = await partners_view(db, user, callback_data.value, locale, settings)
    await show(query, text, markup)


async def visible_memorandum(
    query: CallbackQuery, db: Database, user: User, memorandum_id: int
) -> Memorandum | None:
    """The memorandum a button names, if this person may see it; else answer why not."""
    try:
        return await db.memoranda.visible(user, memorandum_id)
    except NotFound:
        await query.answer(stale_button(), show_alert=True)
    except NotAllowed:
        await query.answer(not_allowed(), show_alert=True)
    return None


async def send_document(
    query: CallbackQuery, callback_data: PartnerCb, db: Database, user: User
) -> None:
    memorandum = await visible_memorandum(query, db, user, callback_data.value)
    if memorandum is None:
        return
    if memorandum.document_file_id is None:
        await query.answer(stale_button(), show_alert=True)
        return
    assert query.bot is not None
    await query.bot.send_document(
        query.from_user.id, memorandum.document_file_id, caption=esc(memorandum.title)
    )


async def attach_later(
    query: CallbackQuery, callback_data: PartnerCb, db: Database, user: User, state: FSMContext
) -> None:
    memorandum = await visible_memorandum(query, db, user, callback_data.value)
    if memorandum is None:
        return
    await state.set_state(MemoAttach.document)
    await write_form(state, MemorandumForm(memo_id=memorandum.id))
    await show(
        query,
        _(
            "Send the signed file of «{title}»: PDF, Word, or a scan in JPG or PNG, up to 20 MB."
        ).format(title=esc(memorandum.title)),
        cancel_keyboard(),
    )


async def attached(message: Message, bot: Bot, db: Database, user: User, state: FSMContext) -> None:
    received = await receive_signed_file(message, bot, cancel_keyboard())
    if received is None:
        return
    memorandum_id = int((await read_form(state, MemorandumForm)).get("memo_id", 0))
    try:
        memorandum = await db.memoranda.attach_document(user, memorandum_id, *received)
    except DomainError as error:
        await message.answer(memorandum_problem(error))
        return
    await state.clear()
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🤝 Partners"), callback_data=PartnerCb(action="page"))
    await message.answer(
        _("✅ The signed file is attached to «{title}».").format(title=esc(memorandum.title)),
        reply_markup=builder.as_markup(),
    )


async def attach_not_a_file(message: Message) -> None:
    await message.answer(
        _("Please send the file as a document (📎 → File)."), reply_markup=cancel_keyboard()
    )


def get_router() -> Router:
    router = Router(name="memoranda")
    router.message.filter(HasRole(*MEMORANDUM_VIEWERS))
    router.callback_query.filter(HasRole(*MEMORANDUM_VIEWERS))
    router.message.register(memorandum_command, Command("memorandum"), HasRole(*MEMORANDUM_KEEPERS))
    router.callback_query.register(
        memorandum_button, MenuCb.filter(F.action == "newmemo"), HasRole(*MEMORANDUM_KEEPERS)
    )
    PARTIES.register(router, MemoDraft.parties, HasRole(*MEMORANDUM_KEEPERS))
    router.callback_query.register(
        parties_done,
        MemoDraft.parties,
        MemoCb.filter(F.action == "parties"),
        HasRole(*MEMORANDUM_KEEPERS),
    )
    router.message.register(title_written, MemoDraft.title, F.text, HasRole(*MEMORANDUM_KEEPERS))
    router.message.register(signed_written, MemoDraft.signed, F.text, HasRole(*MEMORANDUM_KEEPERS))
    router.message.register(
        expires_written, MemoDraft.expires, F.text, HasRole(*MEMORANDUM_KEEPERS)
    )
    router.callback_query.register(
        area_toggled,
        MemoDraft.areas,
        MemoCb.filter(F.action == "area"),
        HasRole(*MEMORANDUM_KEEPERS),
    )
    router.callback_query.register(
        areas_done,
        MemoDraft.areas,
        MemoCb.filter(F.action == "areas"),
        HasRole(*MEMORANDUM_KEEPERS),
    )
    router.callback_query.register(
        responsible_chosen,
        MemoDraft.responsible,
        MemoCb.filter(F.action == "resp"),
        HasRole(*MEMORANDUM_KEEPERS),
    )
    router.message.register(
        document_sent, MemoDraft.document, F.document, HasRole(*MEMORANDUM_KEEPERS)
    )
    router.message.register(photo_sent, MemoDraft.document, F.photo, HasRole(*MEMORANDUM_KEEPERS))
    router.callback_query.register(
        no_file,
        MemoDraft.document,
        MemoCb.filter(F.action == "nofile"),
        HasRole(*MEMORANDUM_KEEPERS),
    )
    router.callback_query.register(
        save, MemoDraft.confirm, MemoCb.filter(F.action == "save"), HasRole(*MEMORANDUM_KEEPERS)
    )
    router.message.register(
        not_text,
        StateFilter(MemoDraft.title, MemoDraft.signed, MemoDraft.expires),
        HasRole(*MEMORANDUM_KEEPERS),
    )
    router.message.register(not_a_file, MemoDraft.document, HasRole(*MEMORANDUM_KEEPERS))
    router.message.register(partners_command, Command("partners"))
    router.callback_query.register(partners_button, MenuCb.filter(F.action == "partners"))
    router.callback_query.register(partners_page, PartnerCb.filter(F.action == "page"))
    router.callback_query.register(send_document, PartnerCb.filter(F.action == "doc"))
    router.callback_query.register(
        attach_later, PartnerCb.filter(F.action == "attach"), HasRole(*MEMORANDUM_KEEPERS)
    )
    router.message.register(attached, MemoAttach.document, F.document, HasRole(*MEMORANDUM_KEEPERS))
    router.message.register(attach_not_a_file, MemoAttach.document, HasRole(*MEMORANDUM_KEEPERS))
    return router
