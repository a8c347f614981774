"""Last in line: whatever no feature took gets a short, useful answer instead of silence."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from db import Database
from db.domain.models import User
from handlers.kit.commands import known_command_names
from handlers.kit.menu import menu_keyboard, menu_text
from handlers.kit.texts import register_first, stale_button, use_buttons_please


def _command_name(text: str) -> str:
    return text.split()[0][1:].split("@")[0].lower()


async def unhandled_command(message: Message, user: User | None) -> None:
    if user is None:
        await message.answer(register_first())
    elif _command_name(message.text or "/") in known_command_names():
        await message.answer(_("This command is not available for your role. /help lists yours."))
    else:
        await message.answer(_("I do not know this command. /help lists what I can do."))


async def unhandled_message(
    message: Message, user: User | None, state: FSMContext, db: Database, locale: str
) -> None:
    if await state.get_state() is not None:
        await message.answer(use_buttons_please())
    elif user is None:
        await message.answer(register_first())
    else:
        await message.answer(
            _("I did not understand that. Here is the menu:")
            + "\n\n"
            + await menu_text(user, db, locale),
            reply_markup=menu_keyboard(user),
        )


async def unhandled_button(query: CallbackQuery, user: User | None) -> None:
    await query.answer(stale_button() if user is not None else register_first(), show_alert=True)


def get_router() -> Router:
    router = Router(name="fallback")
    router.message.register(unhandled_command, F.text.startswith("/"))
    router.message.register(unhandled_message)
    router.callback_query.register(unhandled_button)
    return router
