"""/start: language → consent → student details or an invitation code → the role's menu."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import CommandObject, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from db import Database
from db.domain.errors import AlreadyRegistered, InvalidValue, InviteInvalid, NotFound
from db.domain.invites import normalize_code
from db.domain.models import LOCALES, OrgKind, User
from db.domain.users import NewUser, clean_full_name, clean_programme
from db.timeutil import from_db, to_db
from handlers.account.callbacks import ConsentCb, LangCb, PathCb, StudyYearCb, SwitchRoleCb
from handlers.account.states import Registration, RegistrationForm, RoleSwitch
from handlers.kit.callbacks import OrgPickCb
from handlers.kit.commands import publish_user_commands
from handlers.kit.drafts import read_form, write_form
from handlers.kit.filters import Registered, Unregistered
from handlers.kit.formatting import esc
from handlers.kit.keyboard import InlineKeyboard
from handlers.kit.menu import menu_keyboard, menu_text
from handlers.kit.orgpicker import OrgPage, org_page_keyboard
from handlers.kit.settings import HandlerSettings
from handlers.kit.texts import (
    LANGUAGE_NAMES,
    full_name_problem,
    invite_problem,
    programme_problem,
    role_name,
    send_text_please,
    use_buttons_please,
)
from handlers.kit.ui import show

UNIVERSITIES = (OrgKind.UNIVERSITY,)
STUDY_YEAR_CHOICES = (1, 2, 3, 4, 5)


def language_keyboard(selected: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for code in LOCALES:
        mark = " ✓" if code == selected else ""
        builder.button(text=LANGUAGE_NAMES[code] + mark, callback_data=LangCb(code=code))
    builder.adjust(1)
    return builder.as_markup()


def consent_text(settings: HandlerSettings, locale: str) -> str:
    operator = settings.operator.get(locale) or _(
        # TRANSLATORS: used when the deployment has not named its personal-data operator.
        "the university that runs this partnership network"
    )
    return _(
        "<b>Your data</b>\n\n"
        "Your personal data is collected and processed by its operator, {operator}. To work for"
        " you, Seriktes stores your Telegram account id and username, the name you give, your"
        " role and organization, your language and, for students, your programme and year of"
        " study. It also keeps what you do here: placement applications, lesson visits and"
        " practice hours, school requests, event registrations.\n\n"
        "This is used only to organise teaching practice and the events of the university's"
        " partnership network, and to count in its reports what the partnership achieved. It is"
        " seen only by the people it concerns: the university's practice coordinators, your"
        " mentor, the director of your school or the head of your kindergarten, the regional"
        " education department in the network's reports, and the organizers of events you sign"
        " up for.\n\n"
        "At any time /mydata sends you everything stored about you, and /deleteme withdraws your"
        " consent and erases your name and contacts (records you took part in are kept"
        " anonymised, without your name, so the figures stay right).\n\n"
        "Do you agree to the collection and processing of your personal data for these purposes?"
    ).format(operator=esc(operator))


def consent_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(text=_("✅ I agree"), callback_data=ConsentCb(agree=True))
    builder.button(text=_("Decline"), callback_data=ConsentCb(agree=False))
    builder.adjust(1)
    return builder.as_markup()


def path_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(text=_("🎓 I am a student"), callback_data=PathCb(path="student"))
    builder.button(text=_("🔑 I have an invitation code"), callback_data=PathCb(path="code"))
    builder.adjust(1)
    return builder.as_markup()


def study_year_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for year in STUDY_YEAR_CHOICES:
        builder.button(text=str(year), callback_data=StudyYearCb(year=year))
    builder.adjust(len(STUDY_YEAR_CHOICES))
    return builder.as_markup()


def ask_full_name() -> str:
    return _(
        "Please write your full name (surname, first name and patronymic, if you have one)"
        " as it appears in official documents."
    )


def person_from(tg_id: int, username: str | None, data: RegistrationForm) -> NewUser:
    return NewUser(
        telegram_id=tg_id,
        full_name=str(data["full_name"]),
        username=username,
        locale=str(data["locale"]),
        consent_at=from_db(str(data["consent_at"])),
    )


async def _welcome(message: Message, bot: Bot, user: User, db: Database, i18n: I18n) -> None:
    with i18n.use_locale(user.locale):
        await publish_user_commands(bot, user)
        org = await db.orgs.get(user.organization_id) if user.organization_id else None
        role = role_name(user.role, org.kind if org else None)
        registered = _("Welcome, {name}! Your role: {role}.").format(
            name=esc(user.full_name), role=role
        )
        if org is not None:
            registered = _("Welcome, {name}! Your role: {role}, {organization}.").format(
                name=esc(user.full_name),
                role=role,
                organization=esc(org.name(user.locale)),
            )
        await message.answer(registered)
        await message.answer(
            await menu_text(user, db, user.locale), reply_markup=menu_keyboard(user)
        )


async def _offer_invite(
    message: Message, code: str, db: Database, state: FSMContext, locale: str
) -> None:
    """Show what the code grants and ask for the name; a bad code is asked for again."""
    try:
        invite = await db.invites.peek(code)
    except InviteInvalid as problem:
        await state.set_state(Registration.code)
        await message.answer(
            invite_problem(problem.reason) + "\n\n" + _("Send the code again, or /cancel.")
        )
        return
    org = await db.orgs.get(invite.organization_id)
    org_name = org.name(locale) if org else "—"
    await write_form(state, RegistrationForm(invite=normalize_code(code), path="invite"))
    await state.set_state(Registration.full_name)
    await message.answer(
        _("This invitation is for: {role}, {organization}.").format(
            role=role_name(invite.role, org.kind if org else None), organization=esc(org_name)
        )
        + "\n\n"
        + ask_full_name()
    )


async def _university_page(
    db: Database, locale: str, page: int, query: str = ""
) -> tuple[str, InlineKeyboardMarkup]:
    result = await OrgPage.load(db, UNIVERSITIES, page, query, locale)
    if result.total == 0 and not query:
        text = _(
            "There are no universities in the directory yet. Please tell your practice"
            " coordinator; you can finish registration once they are added."
        )
    elif result.total == 0:
        text = _("No university matches “{query}”. Try a shorter part of the name.").format(
            query=esc(query)
        )
    else:
        text = _("Choose your university (or type part of its name to search):")
    return text, org_page_keyboard(result, locale, purpose="reguni")


async def start_new(
    message: Message, command: CommandObject, state: FSMContext, locale: str
) -> None:
    await state.clear()
    code = normalize_code(command.args or "")
    await state.set_state(Registration.language)
    await write_form(state, RegistrationForm(locale=locale, invite=code or None))
    await message.answer(
        _(
            "Hello! This is <b>Seriktes</b>, the bot of the university's partnership network"
            " with schools and kindergartens: teaching practice, mentors, school requests,"
            " seminars and announcements.\n\nChoose your language:"
        ),
        reply_markup=language_keyboard(locale),
    )


async def start_registered(
    message: Message,
    command: CommandObject,
    user: User,
    db: Database,
    state: FSMContext,
    locale: str,
) -> None:
    await state.clear()
    code = normalize_code(command.args or "")
    if not code:
        await message.answer(await menu_text(user, db, locale), reply_markup=menu_keyboard(user))
        return
    try:
        invite = await db.invites.peek(code)
    except InviteInvalid as problem:
        await message.answer(invite_problem(problem.reason))
        return
    org = await db.orgs.get(invite.organization_id)
    await state.set_state(RoleSwitch.confirm)
    await write_form(state, RegistrationForm(invite=code))
    builder = InlineKeyboard()
    builder.button(text=_("✅ Accept"), callback_data=SwitchRoleCb(accept=True))
    builder.button(text=_("Keep my current role"), callback_data=SwitchRoleCb(accept=False))
    builder.adjust(1)
    await message.answer(
        _(
            "This invitation is for: {role}, {organization}.\nYour current role: {current}."
            "\n\nAccept the new role?"
        ).format(
            role=role_name(invite.role, org.kind if org else None),
            organization=esc(org.name(locale) if org else "—"),
            current=role_name(user.role),
        ),
        reply_markup=builder.as_markup(),
    )


async def switch_role(
    query: CallbackQuery,
    callback_data: SwitchRoleCb,
    user: User,
    db: Database,
    state: FSMContext,
    bot: Bot,
    i18n: I18n,
    locale: str,
) -> None:
    data = await read_form(state, RegistrationForm)
    await state.clear()
    if not callback_data.accept:
        await show(
            query,
            _("Nothing changed. Your role: {role}.").format(role=role_name(user.role)),
        )
        return
    person = NewUser(
        user.telegram_id or query.from_user.id,
        user.full_name,
        user.username,
        user.locale,
        user.consent_at,
    )
    try:
        redemption = await db.invites.redeem(str(data.get("invite", "")), person)
    except InviteInvalid as problem:
        await show(query, invite_problem(problem.reason))
        return
    await show(query, _("Your role is now: {role}.").format(role=role_name(redemption.user.role)))
    if isinstance(query.message, Message):
        await _welcome(query.message, bot, redemption.user, db, i18n)


async def choose_language(
    query: CallbackQuery,
    callback_data: LangCb,
    state: FSMContext,
    i18n: I18n,
    settings: HandlerSettings,
) -> None:
    if callback_data.code not in LOCALES:
        await query.answer(use_buttons_please(), show_alert=True)
        return
    i18n.current_locale = callback_data.code
    await write_form(state, RegistrationForm(locale=callback_data.code))
    await state.set_state(Registration.consent)
    await show(query, consent_text(settings, callback_data.code), consent_keyboard())


async def consent(
    query: CallbackQuery,
    callback_data: ConsentCb,
    state: FSMContext,
    db: Database,
    settings: HandlerSettings,
    locale: str,
) -> None:
    if not callback_data.agree:
        await state.clear()
        await show(
            query,
            _("Without your consent we cannot register you. If you change your mind, send /start."),
        )
        return
    await write_form(state, RegistrationForm(consent_at=to_db(db.clock.now())))
    data = await read_form(state, RegistrationForm)
    message = query.message
    if data.get("invite") and isinstance(message, Message):
        await show(query, _("Thank you."))
        await _offer_invite(message, str(data["invite"]), db, state, locale)
    elif query.from_user.id in settings.admins:
        await write_form(state, RegistrationForm(path="admin"))
        await state.set_state(Registration.full_name)
        await show(
            query,
            _("You are listed as an administrator of this deployment.") + "\n\n" + ask_full_name(),
        )
    else:
        await state.set_state(Registration.path)
        await show(
            query,
            _("Are you a student, or were you given an invitation code?"),
            path_keyboard(),
        )


async def choose_path(query: CallbackQuery, callback_data: PathCb, state: FSMContext) -> None:
    if callback_data.path == "student":
        await write_form(state, RegistrationForm(path="student"))
        await state.set_state(Registration.full_name)
        await show(query, ask_full_name())
    elif callback_data.path == "code":
        await state.set_state(Registration.code)
        await show(
            query,
            _(
                "Send the invitation code you received from the university"
                " (it looks like ABCDE-FGHJK-MNPQR-STUVW)."
            ),
        )
    else:
        await query.answer(use_buttons_please(), show_alert=True)


async def enter_code(message: Message, state: FSMContext, db: Database, locale: str) -> None:
    await _offer_invite(message, message.text or "", db, state, locale)


async def enter_full_name(
    message: Message, state: FSMContext, db: Database, bot: Bot, i18n: I18n, locale: str
) -> None:
    try:
        name = clean_full_name(message.text or "")
    except InvalidValue as problem:
        await message.answer(full_name_problem(problem.detail))
        return
    await write_form(state, RegistrationForm(full_name=name))
    data = await read_form(state, RegistrationForm)
    if data.get("path") == "student":
        await state.set_state(Registration.university)
        text, markup = await _university_page(db, locale, 0)
        await message.answer(text, reply_markup=markup)
        return
    assert message.from_user is not None
    person = person_from(message.from_user.id, message.from_user.username, data)
    try:
        if data.get("path") == "admin":
            user = await db.users.register_admin(person)
        else:
            user = (await db.invites.redeem(str(data.get("invite", "")), person)).user
    except InviteInvalid as problem:
        await state.set_state(Registration.code)
        await message.answer(
            invite_problem(problem.reason) + "\n\n" + _("Send another code, or /cancel.")
        )
        return
    except AlreadyRegistered:
        await state.clear()
        await message.answer(_("You are already registered. Send /menu."))
        return
    await state.clear()
    await _welcome(message, bot, user, db, i18n)


async def university_chosen(
    query: CallbackQuery, callback_data: OrgPickCb, state: FSMContext, db: Database, locale: str
) -> None:
    picked = callback_data
    if picked.page is not None:
        text, markup = await _university_page(
            db, locale, picked.page, (await read_form(state, RegistrationForm)).get("uni_query", "")
        )
        await show(query, text, markup)
        return
    org = await db.orgs.get(picked.org_id or 0)
    if org is None or org.kind is not OrgKind.UNIVERSITY:
        await query.answer(use_buttons_please(), show_alert=True)
        return
    await write_form(state, RegistrationForm(university_id=org.id))
    await state.set_state(Registration.programme)
    await show(
        query,
        _("University: {name}").format(name=esc(org.name(locale)))
        + "\n\n"
        + _("Write your educational programme, for example “6B01501 Mathematics”."),
    )


async def search_university(message: Message, state: FSMContext, db: Database, locale: str) -> None:
    query_text = (message.text or "")[:100]
    await write_form(state, RegistrationForm(uni_query=query_text))
    text, markup = await _university_page(db, locale, 0, query_text)
    await message.answer(text, reply_markup=markup)


async def enter_programme(message: Message, state: FSMContext) -> None:
    try:
        programme = clean_programme(message.text or "")
    except InvalidValue as problem:
        await message.answer(programme_problem(problem.detail))
        return
    await write_form(state, RegistrationForm(programme=programme))
    await state.set_state(Registration.study_year)
    await message.answer(_("Which year of study are you in?"), reply_markup=study_year_keyboard())


async def choose_study_year(
    query: CallbackQuery,
    callback_data: StudyYearCb,
    state: FSMContext,
    db: Database,
    bot: Bot,
    i18n: I18n,
) -> None:
    if callback_data.year not in STUDY_YEAR_CHOICES:
        await query.answer(use_buttons_please(), show_alert=True)
        return
    data = await read_form(state, RegistrationForm)
    person = person_from(query.from_user.id, query.from_user.username, data)
    try:
        user = await db.users.register_student(
            person, int(data["university_id"]), str(data["programme"]), callback_data.year
        )
    except AlreadyRegistered:
        await state.clear()
        await show(query, _("You are already registered. Send /menu."))
        return
    except (NotFound, InvalidValue, KeyError):
        await state.clear()
        await show(
            query, _("Something in your answers was lost. Please send /start and try again.")
        )
        return
    await state.clear()
    await show(query, _("Year of study: {year}").format(year=callback_data.year))
    if isinstance(query.message, Message):
        await _welcome(query.message, bot, user, db, i18n)


TEXT_STATES = (Registration.code, Registration.full_name, Registration.programme)


BUTTON_STATES = (
    Registration.language,
    Registration.consent,
    Registration.path,
    Registration.study_year,
    RoleSwitch.confirm,
)


async def not_text(message: Message) -> None:
    await message.answer(send_text_please())


async def expected_button(message: Message) -> None:
    await message.answer(use_buttons_please())


def get_command_router() -> Router:
    """/start, which works from any step of any conversation (it starts afresh)."""
    router = Router(name="start")
    router.message.register(start_new, CommandStart(), Unregistered())
    router.message.register(start_registered, CommandStart(), Registered())
    return router


def get_router() -> Router:
    router = Router(name="registration")
    router.callback_query.register(
        switch_role, RoleSwitch.confirm, SwitchRoleCb.filter(), Registered()
    )
    router.callback_query.register(choose_language, Registration.language, LangCb.filter())
    router.callback_query.register(consent, Registration.consent, ConsentCb.filter())
    router.callback_query.register(choose_path, Registration.path, PathCb.filter())
    router.message.register(enter_code, Registration.code, F.text)
    router.message.register(enter_full_name, Registration.full_name, F.text)
    router.callback_query.register(
        university_chosen, Registration.university, OrgPickCb.filter(F.purpose == "reguni")
    )
    router.message.register(search_university, Registration.university, F.text)
    router.message.register(enter_programme, Registration.programme, F.text)
    router.callback_query.register(choose_study_year, Registration.study_year, StudyYearCb.filter())
    router.message.register(not_text, StateFilter(*TEXT_STATES))
    router.message.register(expected_button, StateFilter(*BUTTON_STATES, Registration.university))
    return router
