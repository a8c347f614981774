"""/mydata: everything the bot stores about you, as a file; /deleteme: erase it."""

from __future__ import annotations

import contextlib
import json

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    BotCommandScopeChat,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.i18n import gettext as _

from db import Database
from db.domain.errors import NotFound
from db.domain.models import User
from db.personal import ErasureReport
from handlers.account.callbacks import EraseCb
from handlers.kit.callbacks import MenuCb
from handlers.kit.common import cancel_button
from handlers.kit.filters import Registered
from handlers.kit.formatting import fmt_date
from handlers.kit.keyboard import InlineKeyboard
from handlers.kit.texts import stale_button
from handlers.kit.ui import show


def section_names() -> dict[str, str]:
    return {
        "applications": _("Placement applications"),
        "visits_to_my_lessons": _("Mentor visits to your lessons"),
        "visits_i_logged": _("Visits you logged"),
        "practice_hours": _("Practice hours"),
        "school_requests": _("School requests you posted"),
        "comments": _("Your comments on requests"),
        "confidential_support": _("Confidential support messages"),
        "event_registrations": _("Event registrations"),
        "events_organized": _("Events you organized"),
        "announcements_sent": _("Announcements you sent"),
        "invitation_codes_created": _("Invitation codes you created"),
        "memoranda_responsible_for": _("Memoranda you are responsible for"),
        "memoranda_recorded": _("Memoranda you recorded"),
        "practice_offers_published": _("Practice offers you published"),
        "applications_decided": _("Applications you decided"),
        "hours_reviewed": _("Practice hours you reviewed"),
        "school_requests_assigned_to_me": _("School requests assigned to you"),
        "support_conversations_handled": _("Confidential conversations you answered"),
        "invitation_used": _("The invitation code you registered with"),
        "notifications": _("Notifications sent to you"),
        "actions_log": _("Your actions in the log"),
    }


def mydata_caption(data: dict[str, object], day: str) -> str:
    lines = [
        _("🗂 Everything Seriktes stores about you, as of {date}.").format(date=day),
        _("The file is JSON: it opens in any text editor."),
        "",
        _("Profile: name, Telegram account, role, organization, language, consent date."),
    ]
    for key, label in section_names().items():
        value = data.get(key)
        if isinstance(value, list) and value:
            lines.append(f"{label}: {len(value)}")
    lines += ["", _("To erase your data, send /deleteme.")]
    return "\n".join(lines)


def erase_warning() -> str:
    return _(
        "<b>Withdraw your consent and delete your personal data?</b>\n\n"
        "Erased: your name, Telegram account and username, what you wrote about yourself"
        " (application motivations, notes to your hours), mentors' comments and photos of your"
        " lessons, your confidential support conversations, unsent notifications.\n\n"
        "Kept anonymised (without your name), so the network's figures stay right: your"
        " placements, visits,"
        " hours, school requests and comments, event registrations. Applications that have not"
        " started are withdrawn, and your places at coming events given back.\n\n"
        "This cannot be undone. You can register again later with /start."
    )


def erase_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(text=_("🗑 Yes, delete my data"), callback_data=EraseCb(action="confirm"))
    cancel_button(builder)
    builder.adjust(1)
    return builder.as_markup()


async def my_data(message: Message, db: Database, user: User) -> None:
    data = await db.personal.collect(user)
    content = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode()
    await message.answer_document(
        BufferedInputFile(content, filename="seriktes-my-data.json"),
        caption=mydata_caption(data, fmt_date(db.today())),
    )


async def my_data_button(query: CallbackQuery, db: Database, user: User) -> None:
    data = await db.personal.collect(user)
    content = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode()
    assert query.bot is not None
    await query.bot.send_document(
        query.from_user.id,
        BufferedInputFile(content, filename="seriktes-my-data.json"),
        caption=mydata_caption(data, fmt_date(db.today())),
    )


async def delete_me(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(erase_warning(), reply_markup=erase_keyboard())


async def delete_me_button(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await show(query, erase_warning(), erase_keyboard())


async def confirmed(
    query: CallbackQuery, bot: Bot, db: Database, user: User, state: FSMContext
) -> None:
    await state.clear()
    try:
        kept = await db.personal.erase(user)
    except NotFound:
        await query.answer(stale_button(), show_alert=True)
        return
    with contextlib.suppress(TelegramAPIError):  # cosmetic; the data is already gone
        await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id=query.from_user.id))
    await show(query, erasure_text(kept))


def get_router() -> Router:
    router = Router(name="mydata")
    router.message.filter(Registered())
    router.callback_query.filter(Registered())
    router.message.register(my_data, Command("mydata"))
    router.callback_query.register(my_data_button, MenuCb.filter(F.action == "mydata"))
    router.message.register(delete_me, Command("deleteme"))
    router.callback_query.register(delete_me_button, MenuCb.filter(F.action == "deleteme"))
    router.callback_query.register(confirmed, EraseCb.filter(F.action == "confirm"))
    return router


def erasure_text(kept: ErasureReport) -> str:
    lines = [
        _("✅ Your personal data is deleted."),
        "",
        _("Kept anonymised (without your name), so the network's figures stay right:"),
        _("• placement applications: {n}").format(n=kept.applications),
        _("• lesson visits: {n}").format(n=kept.visits),
        _("• practice hours entries: {n}").format(n=kept.hours),
        _("• school requests: {n}, comments: {comments}").format(
            n=kept.issues, comments=kept.comments
        ),
        _("• event registrations: {n}").format(n=kept.registrations),
        "",
    ]
    if kept.withdrawn:
        lines.append(
            _("Applications that had not started yet were withdrawn: {n}.").format(n=kept.withdrawn)
        )
    if kept.places_given_back:
        lines.append(
            _("Your places at coming events were given back: {n}.").format(n=kept.places_given_back)
        )
    lines += [
        _("Confidential support messages deleted: {n}.").format(n=kept.support_messages_deleted),
        _(
            "Messages already in this chat stay on your phone: delete the chat if you wish."
            " Send /start to use Seriktes again."
        ),
    ]
    return "\n".join(lines)
