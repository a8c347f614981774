"""/memorandum: record a signed partnership memorandum.

Recording takes the parties, title, dates, areas of cooperation, the responsible person and
the signed file (checked to be whole before it is kept).
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

from db import Database
from db.domain.documents import DOCUMENT_SIZE_MAX, document_kind, looks_intact
from db.domain.errors import DomainError
from db.domain.memoranda import FIRST_YEAR, LAST_YEAR, TITLE_MAX, Area, MemorandumInput
from db.domain.models import User
from db.domain.roles import MEMORANDUM_KEEPERS
from handlers.kit.callbacks import MenuCb
from handlers.kit.common import cancel_button
from handlers.kit.dates import parse_date
from handlers.kit.drafts import read_form, write_form
from handlers.kit.filters import HasRole
from handlers.kit.formatting import esc, fmt_date
from handlers.kit.keyboard import InlineKeyboard
from handlers.kit.menu import back_to_menu_button
from handlers.kit.orgpicker import MultiOrgPicker
from handlers.kit.texts import send_text_please, stale_button, use_buttons_please
from handlers.kit.ui import show
from handlers.memoranda.callbacks import MemoCb, PartnerCb
from handlers.memoranda.states import MemoDraft, MemorandumForm
from handlers.memoranda.texts import (
    area_name,
    dates_out_of_range,
    memorandum_problem,
    summary,
)

log = logging.getLogger(__name__)

RESPONSIBLE_CHOICES = 12


def parties_done_item() -> InlineKeyboardButton:
    return InlineKeyboardButton(text=_("Continue ▶️"), callback_data=MemoCb(action="parties").pack())


def areas_keyboard(chosen: list[str]) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
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
    builder = InlineKeyboard()
    builder.button(text=_("Skip: no file yet"), callback_data=MemoCb(action="nofile"))
    cancel_button(builder)
    builder.adjust(1)
    return builder.as_markup()


def confirm_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
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
    builder = InlineKeyboard()
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
    builder = InlineKeyboard()
    # TRANSLATORS: a button: "I am responsible for this memorandum".
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
    builder = InlineKeyboard()
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


def get_router() -> Router:
    router = Router(name="memorandum_record")
    router.message.filter(HasRole(*MEMORANDUM_KEEPERS))
    router.callback_query.filter(HasRole(*MEMORANDUM_KEEPERS))
    router.message.register(memorandum_command, Command("memorandum"))
    router.callback_query.register(memorandum_button, MenuCb.filter(F.action == "newmemo"))
    PARTIES.register(router, MemoDraft.parties)
    router.callback_query.register(
        parties_done,
        MemoDraft.parties,
        MemoCb.filter(F.action == "parties"),
    )
    router.message.register(title_written, MemoDraft.title, F.text)
    router.message.register(signed_written, MemoDraft.signed, F.text)
    router.message.register(expires_written, MemoDraft.expires, F.text)
    router.callback_query.register(
        area_toggled,
        MemoDraft.areas,
        MemoCb.filter(F.action == "area"),
    )
    router.callback_query.register(
        areas_done,
        MemoDraft.areas,
        MemoCb.filter(F.action == "areas"),
    )
    router.callback_query.register(
        responsible_chosen,
        MemoDraft.responsible,
        MemoCb.filter(F.action == "resp"),
    )
    router.message.register(document_sent, MemoDraft.document, F.document)
    router.message.register(photo_sent, MemoDraft.document, F.photo)
    router.callback_query.register(
        no_file,
        MemoDraft.document,
        MemoCb.filter(F.action == "nofile"),
    )
    router.callback_query.register(save, MemoDraft.confirm, MemoCb.filter(F.action == "save"))
    router.message.register(
        not_text,
        StateFilter(MemoDraft.title, MemoDraft.signed, MemoDraft.expires),
    )
    router.message.register(not_a_file, MemoDraft.document)
    return router
