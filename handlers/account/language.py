"""/language: switch at any time; the answer already comes in the new language."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from db import Database
from db.domain.models import LOCALES, User
from handlers.account.callbacks import LangCb
from handlers.account.registration import language_keyboard
from handlers.account.states import RegistrationForm
from handlers.kit.callbacks import MenuCb
from handlers.kit.commands import publish_user_commands
from handlers.kit.drafts import write_form
from handlers.kit.menu import menu_keyboard, menu_text
from handlers.kit.texts import LANGUAGE_NAMES, use_buttons_please
from handlers.kit.ui import show


async def language_command(message: Message, locale: str) -> None:
    await message.answer(_("Choose your language:"), reply_markup=language_keyboard(locale))


async def language_button(query: CallbackQuery, locale: str) -> None:
    await show(query, _("Choose your language:"), language_keyboard(locale))


async def language_chosen(
    query: CallbackQuery,
    callback_data: LangCb,
    user: User | None,
    db: Database,
    state: FSMContext,
    i18n: I18n,
    bot: Bot,
) -> None:
    code = callback_data.code
    if code not in LOCALES:
        await query.answer(use_buttons_please(), show_alert=True)
        return
    i18n.current_locale = code
    if user is None:
        await write_form(state, RegistrationForm(locale=code))
        await show(
            query,
            _("Language: {language}").format(language=LANGUAGE_NAMES[code])
            + "\n"
            + _("Send /start to register."),
        )
        return
    user = await db.users.set_locale(user.id, code)
    await publish_user_commands(bot, user)
    await show(
        query,
        _("Language: {language}").format(language=LANGUAGE_NAMES[code])
        + "\n\n"
        + await menu_text(user, db, code),
        menu_keyboard(user),
    )


def get_command_router() -> Router:
    """/language, which works from any step and leaves the conversation where it was."""
    router = Router(name="language_command")
    router.message.register(language_command, Command("language"))
    return router


def get_router() -> Router:
    router = Router(name="language")
    router.callback_query.register(language_button, MenuCb.filter(F.action == "language"))
    router.callback_query.register(language_chosen, LangCb.filter())
    return router
