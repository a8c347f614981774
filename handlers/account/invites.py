"""/invite and /invites: coordinators and admins hand out roles with single-purpose codes."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from db import Database
from db.domain.errors import InvalidValue, InviteInvalid, NotAllowed, NotFound
from db.domain.invites import MAX_USES_LIMIT, ORG_KINDS_FOR_ROLE, format_code, roles_invitable_by
from db.domain.models import Invite, Role, User
from db.domain.roles import STAFF
from handlers.account.callbacks import (
    InviteDaysCb,
    InviteListCb,
    InviteRevokeCb,
    InviteRoleCb,
    InviteUsesCb,
)
from handlers.account.states import InviteForm, NewInvite
from handlers.kit.callbacks import MenuCb, OrgPickCb
from handlers.kit.common import cancel_button, cancel_item
from handlers.kit.drafts import read_form, start_form, write_form
from handlers.kit.filters import HasRole
from handlers.kit.formatting import esc, fmt_date, upper_first
from handlers.kit.keyboard import InlineKeyboard
from handlers.kit.menu import back_to_menu_button
from handlers.kit.orgpicker import OrgPage, org_page_keyboard
from handlers.kit.settings import HandlerSettings
from handlers.kit.texts import (
    invite_problem,
    not_allowed,
    role_name,
    stale_button,
    use_buttons_please,
)
from handlers.kit.ui import show

USES_CHOICES = (1, 5, 10, 30, 100)
DAYS_CHOICES = (7, 30, 90, 365)


def role_keyboard(user: User) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    allowed = roles_invitable_by(user.role)
    for role in Role:
        if role in allowed:
            builder.button(
                text=upper_first(role_name(role)), callback_data=InviteRoleCb(role=role.value)
            )
    builder.button(text=_("📋 My active codes"), callback_data=InviteListCb())
    back_to_menu_button(builder)
    builder.adjust(1)
    return builder.as_markup()


def uses_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for uses in USES_CHOICES:
        builder.button(text=str(uses), callback_data=InviteUsesCb(uses=uses))
    cancel_button(builder)
    builder.adjust(len(USES_CHOICES), 1)
    return builder.as_markup()


def days_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for days in DAYS_CHOICES:
        text = ngettext("{n} day", "{n} days", days).format(n=days)
        builder.button(text=text, callback_data=InviteDaysCb(days=days))
    cancel_button(builder)
    builder.adjust(2, 2, 1)
    return builder.as_markup()


async def _org_step(
    db: Database, role: Role, page: int, query: str, locale: str
) -> tuple[str, InlineKeyboardMarkup]:
    result = await OrgPage.load(db, sorted(ORG_KINDS_FOR_ROLE[role]), page, query, locale)
    markup = org_page_keyboard(result, locale, "invorg", cancel_item())
    if result.total == 0:
        text = _("No organization of a suitable kind matches. Type another part of the name.")
        if not query:
            text = _(
                "The directory has no organization of a suitable kind yet."
                " An administrator adds them with: python -m bot import-orgs FILE.csv"
            )
    else:
        text = _(
            "New invitation: {role}. Choose the organization, or type part of its name to search:"
        ).format(role=role_name(role))
    return text, markup


async def invite_summary(
    invite: Invite, db: Database, locale: str, settings: HandlerSettings
) -> str:
    org = await db.orgs.get(invite.organization_id)
    uses = ngettext("{n} use left", "{n} uses left", invite.uses_left).format(n=invite.uses_left)
    return _("…{hint}: {role}, {organization}; {uses}, valid until {date}").format(
        hint=invite.code_hint,
        role=role_name(invite.role),
        organization=esc(org.name(locale) if org else "—"),
        uses=uses,
        date=fmt_date(invite.expires_at, settings.timezone),
    )


async def invite_command(message: Message, user: User, state: FSMContext) -> None:
    await state.clear()
    await message.answer(_("Whom are you inviting?"), reply_markup=role_keyboard(user))


async def invite_button(query: CallbackQuery, user: User, state: FSMContext) -> None:
    await state.clear()
    await show(query, _("Whom are you inviting?"), role_keyboard(user))


async def role_chosen(
    query: CallbackQuery,
    callback_data: InviteRoleCb,
    user: User,
    db: Database,
    state: FSMContext,
    locale: str,
) -> None:
    try:
        role = Role(callback_data.role)
    except ValueError:
        role = Role.STUDENT
    if role not in roles_invitable_by(user.role):
        await query.answer(not_allowed(), show_alert=True)
        return
    await state.set_state(NewInvite.organization)
    await start_form(state, InviteForm(role=role.value, query=""))
    text, markup = await _org_step(db, role, 0, "", locale)
    await show(query, text, markup)


async def search_organization(
    message: Message, db: Database, state: FSMContext, locale: str
) -> None:
    data = await read_form(state, InviteForm)
    query_text = (message.text or "")[:100]
    await write_form(state, InviteForm(query=query_text))
    text, markup = await _org_step(db, Role(data["role"]), 0, query_text, locale)
    await message.answer(text, reply_markup=markup)


async def organization_chosen(
    query: CallbackQuery, callback_data: OrgPickCb, db: Database, state: FSMContext, locale: str
) -> None:
    data = await read_form(state, InviteForm)
    role = Role(data["role"])
    if callback_data.page is not None:
        text, markup = await _org_step(db, role, callback_data.page, data.get("query", ""), locale)
        await show(query, text, markup)
        return
    org = await db.orgs.get(callback_data.org_id or 0)
    if org is None or org.kind not in ORG_KINDS_FOR_ROLE[role]:
        await query.answer(use_buttons_please(), show_alert=True)
        return
    await write_form(state, InviteForm(org_id=org.id))
    await state.set_state(NewInvite.uses)
    await show(
        query,
        _("{role}, {organization}.").format(
            role=upper_first(role_name(role, org.kind)), organization=esc(org.name(locale))
        )
        + "\n\n"
        + _("How many people may use this code? Choose or type a number up to {limit}.").format(
            limit=MAX_USES_LIMIT
        ),
        uses_keyboard(),
    )


async def uses_chosen(uses: int, state: FSMContext) -> str | None:
    if not 1 <= uses <= MAX_USES_LIMIT:
        return _("Please give a number from 1 to {limit}.").format(limit=MAX_USES_LIMIT)
    await write_form(state, InviteForm(uses=uses))
    await state.set_state(NewInvite.days)
    return None


async def uses_button(query: CallbackQuery, callback_data: InviteUsesCb, state: FSMContext) -> None:
    problem = await uses_chosen(callback_data.uses, state)
    if problem:
        await query.answer(problem, show_alert=True)
        return
    await show(query, _("How long should the code stay valid?"), days_keyboard())


async def uses_typed(message: Message, state: FSMContext) -> None:
    text = (message.text or "").strip()
    if text.isdigit() and len(text) <= len(str(MAX_USES_LIMIT)):
        problem = await uses_chosen(int(text), state)
    else:
        problem = _("Please give a number from 1 to {limit}.").format(limit=MAX_USES_LIMIT)
    if problem:
        await message.answer(problem)
        return
    await message.answer(_("How long should the code stay valid?"), reply_markup=days_keyboard())


async def days_chosen(
    query: CallbackQuery,
    callback_data: InviteDaysCb,
    user: User,
    db: Database,
    state: FSMContext,
    bot: Bot,
    locale: str,
    settings: HandlerSettings,
) -> None:
    data = await read_form(state, InviteForm)
    if callback_data.days not in DAYS_CHOICES or "org_id" not in data or "uses" not in data:
        await query.answer(stale_button(), show_alert=True)
        return
    try:
        created = await db.invites.create(
            user, Role(data["role"]), int(data["org_id"]), int(data["uses"]), callback_data.days
        )
    except (NotAllowed, NotFound, InvalidValue):
        await state.clear()
        await show(query, not_allowed())
        return
    await state.clear()
    me = await bot.me()
    link = f"https://t.me/{me.username}?start={created.code}"
    summary = await invite_summary(created.invite, db, locale, settings)
    await show(
        query,
        _(
            "Invitation code created:\n<code>{code}</code>\n\n{summary}\n\n"
            "Send the person this link; it opens the bot with the code filled in:\n{link}\n\n"
            "The code is shown only now. Anyone who has it can use it, so share it only with"
            " the people it is for."
        ).format(code=format_code(created.code), summary=summary, link=link),
    )


async def list_text(
    user: User, db: Database, locale: str, settings: HandlerSettings
) -> tuple[str, InlineKeyboardMarkup]:
    invites = await db.invites.active_created_by(user)
    builder = InlineKeyboard()
    if not invites:
        text = _("You have no active invitation codes.")
    else:
        lines = [_("Your active invitation codes:")]
        for invite in invites:
            lines.append("• " + await invite_summary(invite, db, locale, settings))
            builder.button(
                text=_("Withdraw …{hint}").format(hint=invite.code_hint),
                callback_data=InviteRevokeCb(invite_id=invite.id),
            )
        text = "\n".join(lines)
    back_to_menu_button(builder)
    builder.adjust(1)
    return text, builder.as_markup()


async def invites_command(
    message: Message, user: User, db: Database, locale: str, settings: HandlerSettings
) -> None:
    text, markup = await list_text(user, db, locale, settings)
    await message.answer(text, reply_markup=markup)


async def invites_button(
    query: CallbackQuery, user: User, db: Database, locale: str, settings: HandlerSettings
) -> None:
    text, markup = await list_text(user, db, locale, settings)
    await show(query, text, markup)


async def revoke(
    query: CallbackQuery,
    callback_data: InviteRevokeCb,
    user: User,
    db: Database,
    locale: str,
    settings: HandlerSettings,
) -> None:
    try:
        await db.invites.revoke(user, callback_data.invite_id)
    except InviteInvalid as problem:
        await query.answer(invite_problem(problem.reason), show_alert=True)
        return
    except NotAllowed:
        await query.answer(not_allowed(), show_alert=True)
        return
    await query.answer(_("The code is withdrawn."))
    text, markup = await list_text(user, db, locale, settings)
    await show(query, text, markup)


def get_router() -> Router:
    router = Router(name="invites")
    router.message.filter(HasRole(*STAFF))
    router.callback_query.filter(HasRole(*STAFF))
    router.message.register(invite_command, Command("invite"))
    router.callback_query.register(invite_button, MenuCb.filter(F.action == "invite"))
    router.callback_query.register(role_chosen, InviteRoleCb.filter())
    router.message.register(search_organization, NewInvite.organization, F.text)
    router.callback_query.register(
        organization_chosen, NewInvite.organization, OrgPickCb.filter(F.purpose == "invorg")
    )
    router.callback_query.register(uses_button, NewInvite.uses, InviteUsesCb.filter())
    router.message.register(uses_typed, NewInvite.uses, F.text)
    router.callback_query.register(days_chosen, NewInvite.days, InviteDaysCb.filter())
    router.message.register(invites_command, Command("invites"))
    router.callback_query.register(invites_button, InviteListCb.filter())
    router.callback_query.register(revoke, InviteRevokeCb.filter())
    return router
