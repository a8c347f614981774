"""/partners: every partner with its memoranda and what happened with it this academic year.

Keepers (coordinators, admins) can attach a signed file to a memorandum recorded without one.
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from db import Database
from db.domain.errors import DomainError, NotAllowed, NotFound
from db.domain.memoranda import Memorandum
from db.domain.models import User
from db.domain.roles import MEMORANDUM_KEEPERS, MEMORANDUM_VIEWERS
from handlers.kit.callbacks import MenuCb
from handlers.kit.common import cancel_keyboard
from handlers.kit.drafts import read_form, write_form
from handlers.kit.filters import HasRole
from handlers.kit.formatting import esc
from handlers.kit.guards import or_refuse
from handlers.kit.keyboard import InlineKeyboard
from handlers.kit.menu import back_to_menu_button
from handlers.kit.settings import HandlerSettings
from handlers.kit.texts import stale_button
from handlers.kit.ui import show
from handlers.memoranda.callbacks import PartnerCb
from handlers.memoranda.record import receive_signed_file
from handlers.memoranda.states import MemoAttach, MemorandumForm
from handlers.memoranda.texts import (
    memorandum_problem,
    partner_block,
)

PAGE_SIZE = 5


async def partners_view(
    db: Database, user: User, page: int, locale: str, settings: HandlerSettings
) -> tuple[str, InlineKeyboardMarkup]:
    partners, total = await db.memoranda.partners(page * PAGE_SIZE, PAGE_SIZE, user)
    pages = max(1, -(-total // PAGE_SIZE))
    memoranda = {m.id: m for partner in partners for m in partner.memoranda}
    people = await db.users.by_ids([m.responsible_id for m in memoranda.values()])
    builder = InlineKeyboard()
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
    """The memorandum a button names, if this person may see it; else one answer for "not
    yours" and "not there", so a forged id tells nothing about which memoranda exist."""
    try:
        return await db.memoranda.visible(user, memorandum_id)
    except (NotFound, NotAllowed):
        return await or_refuse(query, None)


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
    builder = InlineKeyboard()
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
    router = Router(name="partners")
    router.message.filter(HasRole(*MEMORANDUM_VIEWERS))
    router.callback_query.filter(HasRole(*MEMORANDUM_VIEWERS))
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
