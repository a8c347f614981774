"""What works from anywhere: /cancel (first, so it beats every state), /help, block tracking."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.i18n import gettext as _

from db import Database
from db.domain.models import Role, User
from handlers.kit.callbacks import CancelCb, MenuCb
from handlers.kit.commands import commands_for
from handlers.kit.keyboard import InlineKeyboard
from handlers.kit.menu import back_to_menu_button, menu_keyboard, menu_text
from handlers.kit.ui import show


def cancel_item() -> InlineKeyboardButton:
    return InlineKeyboardButton(text=_("✖️ Cancel"), callback_data=CancelCb().pack())


def cancel_button(builder: InlineKeyboard) -> None:
    builder.add(cancel_item())


def cancel_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    cancel_button(builder)
    return builder.as_markup()


def help_text(role: Role | None) -> str:
    intro = {
        None: _("Seriktes connects the university with its partner schools and kindergartens."),
        Role.STUDENT: _("Here you will find teaching-practice placements, your mentor and events."),
        Role.MENTOR: _("Here you follow your students on teaching practice and log your visits."),
        Role.DIRECTOR: _(
            "Here you publish practice places, send your school's requests and follow events."
        ),
        Role.COORDINATOR: _(
            "Here you run teaching practice, invitations, school requests and events."
        ),
        Role.DEPARTMENT: _("Here you follow the partnership network and its events."),
        Role.ADMIN: _("You run this deployment: everything coordinators can do, and more."),
    }[role]
    lines = [intro, ""]
    lines += [f"/{name} — {description}" for name, description in commands_for(role)]
    return "\n".join(lines)


async def cancel_command(
    message: Message, state: FSMContext, user: User | None, db: Database, locale: str
) -> None:
    had_state = await state.get_state() is not None
    await state.clear()
    text = _("Cancelled.") if had_state else _("There is nothing to cancel.")
    if user is None:
        await message.answer(text + " " + _("Send /start to register."))
        return
    await message.answer(text)
    await message.answer(await menu_text(user, db, locale), reply_markup=menu_keyboard(user))


async def cancel_button_pressed(
    query: CallbackQuery, state: FSMContext, user: User | None, db: Database, locale: str
) -> None:
    await state.clear()
    if user is None:
        await show(query, _("Cancelled.") + " " + _("Send /start to register."))
        return
    await show(query, await menu_text(user, db, locale), menu_keyboard(user))


async def help_command(message: Message, user: User | None) -> None:
    await message.answer(help_text(None if user is None else user.role))


async def help_button(query: CallbackQuery, user: User | None) -> None:
    builder = InlineKeyboard()
    back_to_menu_button(builder)
    await show(query, help_text(None if user is None else user.role), builder.as_markup())


async def membership_changed(event: ChatMemberUpdated, db: Database) -> None:
    """Telegram tells us when someone blocks (or unblocks) the bot in their private chat."""
    if event.chat.type != "private":
        return
    blocked = event.new_chat_member.status == "kicked"
    await db.users.set_blocked(event.chat.id, blocked)


def get_router() -> Router:
    router = Router(name="common")
    router.message.register(cancel_command, Command("cancel"))
    router.callback_query.register(cancel_button_pressed, CancelCb.filter())
    router.message.register(help_command, Command("help"), StateFilter("*"))
    router.callback_query.register(help_button, MenuCb.filter(F.action == "help"))
    router.my_chat_member.register(membership_changed)
    return router
