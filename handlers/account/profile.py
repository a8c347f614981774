"""/profile: what the bot knows about you, and the parts you may change yourself."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from db import Database
from db.domain.errors import InvalidValue, NotFound
from db.domain.models import OrgKind, Role, User
from handlers.account.callbacks import ProfileCb, ProfileYearCb
from handlers.account.registration import STUDY_YEAR_CHOICES
from handlers.account.states import ProfileEdit
from handlers.kit.callbacks import MenuCb, OrgPickCb
from handlers.kit.common import cancel_keyboard
from handlers.kit.filters import Registered
from handlers.kit.formatting import esc, fmt_date
from handlers.kit.keyboard import InlineKeyboard
from handlers.kit.menu import back_to_menu_button
from handlers.kit.orgpicker import OrgPage, org_page_keyboard
from handlers.kit.settings import HandlerSettings
from handlers.kit.texts import (
    LANGUAGE_NAMES,
    full_name_problem,
    not_allowed,
    programme_problem,
    role_name,
    send_text_please,
    use_buttons_please,
)
from handlers.kit.ui import show


async def profile_text(user: User, db: Database, locale: str, settings: HandlerSettings) -> str:
    org = await db.orgs.get(user.organization_id) if user.organization_id else None
    lines = [
        f"👤 <b>{esc(user.full_name)}</b>",
        _("Role: {role}").format(role=role_name(user.role, org.kind if org else None)),
    ]
    if org is not None:
        lines.append(
            _("Organization: {name}, {city}").format(name=esc(org.name(locale)), city=esc(org.city))
        )
    if user.role is Role.STUDENT:
        lines.append(_("Programme: {programme}").format(programme=esc(user.programme or "—")))
        lines.append(_("Year of study: {year}").format(year=user.study_year or "—"))
    lines.append(_("Language: {language}").format(language=LANGUAGE_NAMES[user.locale]))
    lines.append(_("Registered: {date}").format(date=fmt_date(user.created_at, settings.timezone)))
    return "\n".join(lines)


def profile_keyboard(user: User) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(text=_("✏️ Name"), callback_data=ProfileCb(action="name"))
    if user.role is Role.STUDENT:
        builder.button(text=_("🏛 University"), callback_data=ProfileCb(action="university"))
        builder.button(text=_("📚 Programme"), callback_data=ProfileCb(action="programme"))
        builder.button(text=_("🎓 Year of study"), callback_data=ProfileCb(action="year"))
    builder.button(text=_("🗂 My data"), callback_data=MenuCb(action="mydata"))
    builder.button(text=_("🗑 Delete my data"), callback_data=MenuCb(action="deleteme"))
    back_to_menu_button(builder)
    builder.adjust(1, 3, 2, 1) if user.role is Role.STUDENT else builder.adjust(1, 2, 1)
    return builder.as_markup()


async def send_profile(
    message: Message, user: User, db: Database, locale: str, settings: HandlerSettings
) -> None:
    await message.answer(
        await profile_text(user, db, locale, settings), reply_markup=profile_keyboard(user)
    )


async def profile_command(
    message: Message,
    user: User,
    db: Database,
    state: FSMContext,
    locale: str,
    settings: HandlerSettings,
) -> None:
    await state.clear()
    await send_profile(message, user, db, locale, settings)


async def profile_button(
    query: CallbackQuery, user: User, db: Database, locale: str, settings: HandlerSettings
) -> None:
    await show(query, await profile_text(user, db, locale, settings), profile_keyboard(user))


async def edit_chosen(
    query: CallbackQuery,
    callback_data: ProfileCb,
    user: User,
    db: Database,
    state: FSMContext,
    locale: str,
) -> None:
    action = callback_data.action
    if action == "name":
        await state.set_state(ProfileEdit.full_name)
        await show(query, _("Write your full name as it should appear:"), cancel_keyboard())
        return
    if user.role is not Role.STUDENT or action not in {"university", "programme", "year"}:
        await query.answer(not_allowed(), show_alert=True)
        return
    if action == "programme":
        await state.set_state(ProfileEdit.programme)
        await show(query, _("Write your educational programme:"), cancel_keyboard())
    elif action == "year":
        builder = InlineKeyboard()
        for year in STUDY_YEAR_CHOICES:
            builder.button(text=str(year), callback_data=ProfileYearCb(year=year))
        builder.adjust(len(STUDY_YEAR_CHOICES))
        await show(query, _("Which year of study are you in?"), builder.as_markup())
    else:
        await state.set_state(ProfileEdit.university)
        page = await OrgPage.load(db, (OrgKind.UNIVERSITY,), 0, "", locale)
        await show(query, _("Choose your university:"), org_page_keyboard(page, locale, "profuni"))


async def new_name(
    message: Message,
    user: User,
    db: Database,
    state: FSMContext,
    locale: str,
    settings: HandlerSettings,
) -> None:
    try:
        user = await db.users.rename(user.id, message.text or "")
    except InvalidValue as problem:
        await message.answer(full_name_problem(problem.detail))
        return
    await state.clear()
    await message.answer(_("Saved."))
    await send_profile(message, user, db, locale, settings)


async def new_programme(
    message: Message,
    user: User,
    db: Database,
    state: FSMContext,
    locale: str,
    settings: HandlerSettings,
) -> None:
    try:
        user = await db.users.update_study(user.id, programme=message.text or "")
    except InvalidValue as problem:
        await message.answer(programme_problem(problem.detail))
        return
    await state.clear()
    await message.answer(_("Saved."))
    await send_profile(message, user, db, locale, settings)


async def new_year(
    query: CallbackQuery,
    callback_data: ProfileYearCb,
    user: User,
    db: Database,
    locale: str,
    settings: HandlerSettings,
) -> None:
    try:
        user = await db.users.update_study(user.id, study_year=callback_data.year)
    except InvalidValue:
        await query.answer(use_buttons_please(), show_alert=True)
        return
    await show(query, await profile_text(user, db, locale, settings), profile_keyboard(user))


async def new_university(
    query: CallbackQuery,
    callback_data: OrgPickCb,
    user: User,
    db: Database,
    state: FSMContext,
    locale: str,
    settings: HandlerSettings,
) -> None:
    if callback_data.page is not None:
        page = await OrgPage.load(db, (OrgKind.UNIVERSITY,), callback_data.page, "", locale)
        await show(query, _("Choose your university:"), org_page_keyboard(page, locale, "profuni"))
        return
    try:
        user = await db.users.update_study(user.id, university_id=callback_data.org_id or 0)
    except (InvalidValue, NotFound):
        await query.answer(use_buttons_please(), show_alert=True)
        return
    await state.clear()
    await show(query, await profile_text(user, db, locale, settings), profile_keyboard(user))


async def not_text(message: Message) -> None:
    await message.answer(send_text_please())


def get_router() -> Router:
    router = Router(name="profile")
    router.message.filter(Registered())
    router.callback_query.filter(Registered())
    router.message.register(profile_command, Command("profile"))
    router.callback_query.register(profile_button, MenuCb.filter(F.action == "profile"))
    router.callback_query.register(edit_chosen, ProfileCb.filter())
    router.message.register(new_name, ProfileEdit.full_name, F.text)
    router.message.register(new_programme, ProfileEdit.programme, F.text)
    router.callback_query.register(new_year, ProfileYearCb.filter())
    router.callback_query.register(
        new_university, ProfileEdit.university, OrgPickCb.filter(F.purpose == "profuni")
    )
    router.message.register(not_text, StateFilter(ProfileEdit.full_name, ProfileEdit.programme))
    return router
