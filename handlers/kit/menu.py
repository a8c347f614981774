"""The main menu: the role's everyday actions as buttons, so nobody has to remember commands."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from db import Database
from db.domain.models import Role, User
from db.domain.roles import (
    BROADCASTERS,
    EVENT_ORGANIZERS,
    MENTORS,
    NETWORK_VIEWERS,
    OFFER_MANAGERS,
    PROGRESS_VIEWERS,
    REPORT_VIEWERS,
    REQUEST_POSTERS,
    REQUEST_VIEWERS,
    ROUND_ORGANIZERS,
    STAFF,
    STUDENTS,
)
from handlers.kit.callbacks import MenuCb
from handlers.kit.filters import Registered
from handlers.kit.formatting import esc
from handlers.kit.keyboard import InlineKeyboard
from handlers.kit.texts import role_name

ALL_ROLES = frozenset(Role)


@dataclass(frozen=True, slots=True)
class MenuItem:
    action: str
    label: Callable[[], str]
    roles: frozenset[Role] = ALL_ROLES


def _items() -> list[MenuItem]:
    return [
        MenuItem("offers", lambda: _("🏫 Practice places"), STUDENTS),
        MenuItem("myplacement", lambda: _("📌 My placement"), STUDENTS),
        MenuItem("round", lambda: _("🗳 Placement round"), STUDENTS),
        MenuItem("propose", lambda: _("🏠 Propose my own school"), STUDENTS),
        MenuItem("documents", lambda: _("📄 My documents"), STUDENTS),
        MenuItem("hours", lambda: _("🕒 Practice hours"), STUDENTS),
        MenuItem("students", lambda: _("👩‍🎓 My students"), MENTORS),
        MenuItem("visit", lambda: _("📝 Log a visit"), MENTORS),
        MenuItem("confirm", lambda: _("🕒 Hours to confirm"), MENTORS),
        MenuItem("progress", lambda: _("📈 Progress"), PROGRESS_VIEWERS),
        MenuItem("review", lambda: _("📥 Applications to review"), OFFER_MANAGERS),
        MenuItem("myoffers", lambda: _("📋 Practice offers"), OFFER_MANAGERS),
        MenuItem("newoffer", lambda: _("➕ New offer"), OFFER_MANAGERS),
        MenuItem("rounds", lambda: _("🗳 Placement rounds"), ROUND_ORGANIZERS),
        MenuItem("proposals", lambda: _("🏠 Own-school proposals"), STAFF),
        MenuItem("checkdocs", lambda: _("📄 Documents to check"), STAFF),
        MenuItem("issue", lambda: _("📨 New school request"), REQUEST_POSTERS),
        MenuItem(
            "issues",
            lambda: _("🗂 School requests"),
            REQUEST_VIEWERS,
        ),
        MenuItem("events", lambda: _("🗓 Events")),
        MenuItem("newevent", lambda: _("➕ New event"), EVENT_ORGANIZERS),
        MenuItem("broadcast", lambda: _("📣 Announcement"), BROADCASTERS),
        MenuItem("stats", lambda: _("📊 Reports"), REPORT_VIEWERS),
        MenuItem("export", lambda: _("📥 Export to Excel"), REPORT_VIEWERS),
        MenuItem("partners", lambda: _("🤝 Partners"), NETWORK_VIEWERS),
        MenuItem("invite", lambda: _("🔑 Invitation codes"), STAFF),
        MenuItem("support", lambda: _("🔒 Confidential support")),
        MenuItem("profile", lambda: _("👤 Profile")),
        MenuItem("language", lambda: _("🌐 Language")),
        MenuItem("help", lambda: _("❓ Help")),
    ]


def menu_keyboard(user: User) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for item in _items():
        if user.role in item.roles:
            builder.button(text=item.label(), callback_data=MenuCb(action=item.action))
    builder.adjust(1)  # full-width rows: labels in Kazakh and Russian are long
    return builder.as_markup()


async def menu_text(user: User, db: Database, locale: str) -> str:
    org = await db.orgs.get(user.organization_id) if user.organization_id else None
    lines = [
        _("<b>{name}</b>, {role}").format(
            name=esc(user.full_name), role=role_name(user.role, org.kind if org else None)
        ),
    ]
    if org is not None:
        lines.append(esc(org.name(locale)))
    lines.append("")
    lines.append(_("What would you like to do?"))
    return "\n".join(lines)


def menu_item() -> InlineKeyboardButton:
    return InlineKeyboardButton(text=_("⬅️ Menu"), callback_data=MenuCb(action="home").pack())


def back_to_menu_button(builder: InlineKeyboard) -> None:
    builder.add(menu_item())


async def send_menu(message: Message, user: User, db: Database, locale: str) -> None:
    await message.answer(await menu_text(user, db, locale), reply_markup=menu_keyboard(user))


async def menu_command(
    message: Message, user: User, db: Database, state: FSMContext, locale: str
) -> None:
    await state.clear()
    await send_menu(message, user, db, locale)


async def menu_home(
    query: CallbackQuery, user: User, db: Database, state: FSMContext, locale: str
) -> None:
    await state.clear()
    if isinstance(query.message, Message):
        await query.message.edit_text(
            await menu_text(user, db, locale), reply_markup=menu_keyboard(user)
        )


def get_command_router() -> Router:
    """/menu, which works from any step (it leaves the conversation for the menu)."""
    router = Router(name="menu_command")
    router.message.register(menu_command, Command("menu"), Registered())
    return router


def get_router() -> Router:
    router = Router(name="menu")
    router.message.filter(Registered())
    router.callback_query.filter(Registered())
    router.callback_query.register(menu_home, MenuCb.filter(F.action == "home"))
    return router
