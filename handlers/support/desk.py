"""/support: confidential requests seen only by support staff; /supportstaff for admins."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from db import Database
from db.domain.errors import DomainError, InvalidValue
from db.domain.models import Role, User
from db.domain.support import SupportThread, ThreadTaken
from handlers.kit.callbacks import MenuCb
from handlers.kit.common import cancel_button
from handlers.kit.drafts import read_form, write_form
from handlers.kit.filters import HasRole, Registered
from handlers.kit.formatting import clip_lines, esc, fmt_datetime
from handlers.kit.keyboard import InlineKeyboard
from handlers.kit.menu import back_to_menu_button
from handlers.kit.settings import HandlerSettings
from handlers.kit.texts import not_allowed, send_text_please
from handlers.kit.ui import show
from handlers.support.callbacks import StaffCb, SupportCb
from handlers.support.states import StaffSearch, SupportFlow, SupportForm


def support_problem(error: DomainError) -> str:
    if isinstance(error, ThreadTaken):
        return _("Another support person has already taken this request.")
    if isinstance(error, InvalidValue):
        if error.detail == "too_long":
            return _("Please keep a message under 3000 characters.")
        return _("Please write a few words.")
    return _("This conversation is not available.")


async def conversation(
    db: Database, viewer: User, thread: SupportThread, settings: HandlerSettings
) -> str:
    messages = await db.support.messages(viewer, thread.id)
    people = await db.users.by_ids([m.author_id for m in messages])
    lines = [_("🔒 Confidential request #{id}").format(id=thread.id)]
    if thread.status == "closed":
        lines.append(_("(closed)"))
    for message in messages:
        if message.author_id == viewer.id:
            who = _("You")
        elif message.author_id == thread.requester_id:
            who = esc(people[message.author_id].full_name)
        else:
            who = _("Support")
        lines.append(
            f"\n<i>{who}, "
            f"{fmt_datetime(message.created_at, settings.timezone)}</i>\n{esc(message.body)}"
        )
    text = "\n".join(lines)
    return clip_lines(text, 4000, keep_end=True)


def thread_keyboard(thread: SupportThread, viewer: User) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    if thread.status == "open":
        label = _("✍️ Write") if viewer.id == thread.requester_id else _("✍️ Answer")
        builder.button(text=label, callback_data=SupportCb(action="write", thread_id=thread.id))
        if viewer.id in (thread.requester_id, thread.handler_id):
            builder.button(
                text=_("✅ Close the conversation"),
                callback_data=SupportCb(action="close", thread_id=thread.id),
            )
    back_to_menu_button(builder)
    builder.adjust(1)
    return builder.as_markup()


def intro() -> str:
    return _(
        "🔒 <b>Confidential support</b>\n\nWrite what worries you — studies, practice,"
        " relationships, stress. Only the support staff chosen by the university will read it;"
        " nobody else can see it in the bot. One of them will answer you here."
    )


async def requester_view(
    db: Database, user: User, state: FSMContext, settings: HandlerSettings
) -> tuple[str, InlineKeyboardMarkup]:
    thread = await db.support.open_thread_of(user)
    if thread is not None:
        return await conversation(db, user, thread, settings), thread_keyboard(thread, user)
    await state.set_state(SupportFlow.text)
    await write_form(state, SupportForm(support_thread=None))
    builder = InlineKeyboard()
    cancel_button(builder)
    return intro() + "\n\n" + _("Write your message:"), builder.as_markup()


async def staff_view(db: Database, staff: User) -> tuple[str, InlineKeyboardMarkup]:
    threads = await db.support.threads_for_staff(staff)
    builder = InlineKeyboard()
    lines = [_("🔒 Confidential requests")]
    if not threads:
        lines.append(_("No open requests."))
    for thread in threads:
        # TRANSLATORS: a confidential appeal that you (support staff) have taken.
        state = _("yours") if thread.handler_id == staff.id else _("waiting for someone to take it")
        lines.append(_("#{id} — {state}").format(id=thread.id, state=state))
        builder.button(
            text=f"№{thread.id}", callback_data=SupportCb(action="open", thread_id=thread.id)
        )
    builder.button(text=_("✍️ A request of my own"), callback_data=SupportCb(action="mine"))
    back_to_menu_button(builder)
    builder.adjust(*([4] * (-(-len(threads) // 4))), 1, 1)
    return "\n".join(lines), builder.as_markup()


async def staff_list_view(db: Database) -> tuple[str, InlineKeyboardMarkup]:
    staff = await db.users.support_staff()
    builder = InlineKeyboard()
    lines = [
        _(
            "Support staff read the confidential requests of students and teachers, and no one"
            " else can. Choose people they can trust:"
        )
    ]
    if not staff:
        lines.append(_("Nobody yet."))
    for person in staff:
        lines.append(f"• {esc(person.full_name)}")
        builder.button(
            text=_("➖ {name}").format(name=person.full_name),
            callback_data=StaffCb(action="remove", user_id=person.id),
        )
    back_to_menu_button(builder)
    builder.adjust(1)
    lines += ["", _("To add someone, type their name, @username or Telegram id.")]
    return "\n".join(lines), builder.as_markup()


async def entry(
    user: User, db: Database, state: FSMContext, settings: HandlerSettings
) -> tuple[str, InlineKeyboardMarkup]:
    await state.clear()
    if user.is_support:
        return await staff_view(db, user)
    return await requester_view(db, user, state, settings)


async def support_command(
    message: Message, user: User, db: Database, state: FSMContext, settings: HandlerSettings
) -> None:
    text, markup = await entry(user, db, state, settings)
    await message.answer(text, reply_markup=markup)


async def support_button(
    query: CallbackQuery, user: User, db: Database, state: FSMContext, settings: HandlerSettings
) -> None:
    text, markup = await entry(user, db, state, settings)
    await show(query, text, markup)


async def own_request(
    query: CallbackQuery, user: User, db: Database, state: FSMContext, settings: HandlerSettings
) -> None:
    text, markup = await requester_view(db, user, state, settings)
    await show(query, text, markup)


async def readable(db: Database, user: User, thread_id: int) -> SupportThread | None:
    thread = await db.support.thread(thread_id)
    return thread if thread is not None and db.support.may_read(user, thread) else None


async def refuse(query: CallbackQuery, db: Database, user: User, thread_id: int) -> None:
    thread = await db.support.thread(thread_id)
    taken = thread is not None and user.is_support and thread.handler_id not in (None, user.id)
    await query.answer(support_problem(ThreadTaken() if taken else DomainError()), show_alert=True)


async def open_thread(
    query: CallbackQuery,
    callback_data: SupportCb,
    user: User,
    db: Database,
    settings: HandlerSettings,
) -> None:
    thread = await readable(db, user, callback_data.thread_id)
    if thread is None:
        await refuse(query, db, user, callback_data.thread_id)
        return
    await show(query, await conversation(db, user, thread, settings), thread_keyboard(thread, user))


async def write(
    query: CallbackQuery, callback_data: SupportCb, user: User, db: Database, state: FSMContext
) -> None:
    thread = await readable(db, user, callback_data.thread_id)
    if thread is None or thread.status != "open":
        await refuse(query, db, user, callback_data.thread_id)
        return
    await state.set_state(SupportFlow.text)
    await write_form(state, SupportForm(support_thread=thread.id))
    builder = InlineKeyboard()
    cancel_button(builder)
    await show(query, _("Write your message:"), builder.as_markup())


async def message_written(
    message: Message, user: User, db: Database, state: FSMContext, settings: HandlerSettings
) -> None:
    thread_id = (await read_form(state, SupportForm)).get("support_thread")
    try:
        sent = await db.support.write(
            user, message.text or "", None if thread_id is None else int(thread_id)
        )
    except InvalidValue as problem:
        await message.answer(support_problem(problem))
        return
    except DomainError as problem:
        await state.clear()
        await message.answer(support_problem(problem))
        return
    await state.clear()
    thread = await db.support.thread(sent.thread_id)
    assert thread is not None
    note = _("Sent. The answer will come here.") if user.id == thread.requester_id else _("Sent.")
    await message.answer(
        note + "\n\n" + await conversation(db, user, thread, settings),
        reply_markup=thread_keyboard(thread, user),
    )


async def not_text(message: Message) -> None:
    await message.answer(send_text_please())


async def close(
    query: CallbackQuery,
    callback_data: SupportCb,
    user: User,
    db: Database,
    settings: HandlerSettings,
) -> None:
    try:
        thread = await db.support.close(user, callback_data.thread_id)
    except DomainError as problem:
        await query.answer(support_problem(problem), show_alert=True)
        return
    await query.answer(_("The conversation is closed."))
    await show(query, await conversation(db, user, thread, settings), thread_keyboard(thread, user))


# ----- admins choose the support staff -------------------------------------------------------


async def staff_command(message: Message, db: Database, state: FSMContext) -> None:
    await state.set_state(StaffSearch.query)
    text, markup = await staff_list_view(db)
    await message.answer(text, reply_markup=markup)


async def staff_search(message: Message, db: Database) -> None:
    builder = InlineKeyboard()
    found: list[User] = []
    for role in Role:
        found += await db.users.find((message.text or "")[:100], role, limit=5)
    for person in found[:10]:
        builder.button(
            text=_("➕ {name}").format(name=person.full_name),
            callback_data=StaffCb(action="add", user_id=person.id),
        )
    builder.adjust(1)
    text = _("Choose who to add:") if found else _("Nobody found. Try part of the surname.")
    await message.answer(text, reply_markup=builder.as_markup())


async def staff_changed(
    query: CallbackQuery, callback_data: StaffCb, user: User, db: Database, state: FSMContext
) -> None:
    try:
        await db.users.set_support(user, callback_data.user_id, callback_data.action == "add")
    except DomainError:
        await query.answer(not_allowed(), show_alert=True)
        return
    await state.set_state(StaffSearch.query)
    text, markup = await staff_list_view(db)
    await show(query, text, markup)


def get_router() -> Router:
    router = Router(name="support")
    router.message.filter(Registered())
    router.callback_query.filter(Registered())
    router.message.register(support_command, Command("support"))
    router.callback_query.register(support_button, MenuCb.filter(F.action == "support"))
    router.callback_query.register(own_request, SupportCb.filter(F.action == "mine"))
    router.callback_query.register(open_thread, SupportCb.filter(F.action == "open"))
    router.callback_query.register(write, SupportCb.filter(F.action == "write"))
    router.message.register(message_written, SupportFlow.text, F.text)
    router.message.register(not_text, SupportFlow.text)
    router.callback_query.register(close, SupportCb.filter(F.action == "close"))
    router.message.register(staff_command, Command("supportstaff"), HasRole(Role.ADMIN))
    router.message.register(staff_search, StaffSearch.query, F.text, HasRole(Role.ADMIN))
    router.callback_query.register(staff_changed, StaffCb.filter(), HasRole(Role.ADMIN))
    return router
