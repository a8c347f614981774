"""Students: /offers to browse and apply for practice places, /myplacement to follow them."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from db import Database
from db.domain.errors import DomainError
from db.domain.models import Role, User
from db.domain.placements import (
    ACTIVE,
    Application,
    ApplicationStatus,
    BrowseFilter,
    Offer,
    OfferFull,
    PracticeKind,
    parse_kind,
)
from handlers.kit.callbacks import MenuCb
from handlers.kit.common import cancel_button
from handlers.kit.drafts import read_form, write_form
from handlers.kit.filters import HasRole
from handlers.kit.formatting import esc, upper_first
from handlers.kit.keyboard import InlineKeyboard
from handlers.kit.menu import back_to_menu_button
from handlers.kit.settings import HandlerSettings
from handlers.kit.texts import send_text_please, stale_button
from handlers.kit.ui import show
from handlers.placements.callbacks import BrowseCb, OfferCb, SkipMotivationCb, WithdrawCb
from handlers.placements.clearance import missing_line
from handlers.placements.states import ApplyFlow, ApplyForm
from handlers.placements.texts import (
    kind_name,
    offer_card,
    offer_line,
    org_title,
    period_text,
    person_link,
    placement_problem,
    status_label,
)

PAGE_SIZE = 6
FILTERS = ("kind", "city", "subject")


def _filter_of(data: ApplyForm) -> BrowseFilter:
    chosen = data.get("browse", {})
    return BrowseFilter(
        kind=parse_kind(chosen.get("kind")),
        city=chosen.get("city"),
        subject_key=chosen.get("subject"),
    )


def _filter_label(name: str, data: ApplyForm) -> str:
    chosen = data.get("browse", {})
    titles = {"kind": _("Practice"), "city": _("City"), "subject": _("Subject")}
    value = chosen.get(f"{name}_label") or _("all")
    return f"{titles[name]}: {value}"


async def browse_view(
    db: Database, data: ApplyForm, page: int, locale: str
) -> tuple[str, InlineKeyboardMarkup]:
    filters = _filter_of(data)
    offers, total = await db.placements.browse(filters, page * PAGE_SIZE, PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    if not offers and page > 0:
        page = pages - 1
        offers, total = await db.placements.browse(filters, page * PAGE_SIZE, PAGE_SIZE)
    orgs = await db.orgs.by_ids([offer.organization_id for offer in offers])
    builder = InlineKeyboard()
    for name in FILTERS:
        builder.button(
            text="🔎 " + _filter_label(name, data),
            callback_data=BrowseCb(action="filter", name=name),
        )
    if not offers:
        text = _("No open practice places match. Try other filters.")
    else:
        header = _("Practice places: {shown} of {total}").format(shown=len(offers), total=total)
        lines = [
            offer_line(page * PAGE_SIZE + i + 1, offer, orgs.get(offer.organization_id), locale)
            for i, offer in enumerate(offers)
        ]
        text = (
            header
            + "\n\n"
            + "\n\n".join(lines)
            + "\n\n"
            + _("Tap a number to see the place and apply.")
        )
        for i, offer in enumerate(offers):
            builder.button(
                text=str(page * PAGE_SIZE + i + 1),
                callback_data=OfferCb(action="view", offer_id=offer.id),
            )
    navigation = []
    if page > 0:
        navigation.append(("◀️", page - 1))
    if page + 1 < pages:
        navigation.append(("▶️", page + 1))
    for label, target in navigation:
        builder.button(text=label, callback_data=BrowseCb(action="page", value=target))
    if any(data.get("browse", {}).get(name) for name in FILTERS):
        builder.button(text=_("✖️ Clear filters"), callback_data=BrowseCb(action="reset"))
    back_to_menu_button(builder)
    builder.adjust(
        1,
        1,
        1,
        *([len(offers)] if offers else []),
        *([len(navigation)] if navigation else []),
        1,
        1,
    )
    return text, builder.as_markup()


async def filter_choices(db: Database, data: ApplyForm, name: str) -> list[tuple[str, str]]:
    """(value, label) choices for one filter, given the other filters."""
    others = dict(data.get("browse", {}))
    others.pop(name, None)
    filters = _filter_of({"browse": others})
    if name == "kind":
        return [(kind.value, upper_first(kind_name(kind))) for kind in PracticeKind]
    values = await db.placements.browse_values(filters, name)
    return [(value, f"{label} ({count})") for value, label, count in values]


async def offer_view(
    db: Database, offer: Offer, student: User, locale: str
) -> tuple[str, InlineKeyboardMarkup]:
    org = await db.orgs.get(offer.organization_id)
    mentors = list((await db.users.by_ids(offer.mentor_ids)).values())
    text = offer_card(offer, org, mentors, locale)
    mine = [
        a
        for a in await db.placements.student_applications(student.id)
        if a.offer_id == offer.id and a.active
    ]
    builder = InlineKeyboard()
    if mine:
        position = await db.placements.waitlist_position(mine[0])
        text += "\n\n" + _("Your application: {status}").format(
            status=status_label(mine[0].status, position)
        )
    elif offer.is_open and offer.free > 0:
        builder.button(text=_("✍️ Apply"), callback_data=OfferCb(action="apply", offer_id=offer.id))
    elif offer.is_open:
        builder.button(
            text=_("🕒 Join the waiting list"),
            callback_data=OfferCb(action="waitlist", offer_id=offer.id),
        )
    builder.button(text=_("⬅️ Back to the list"), callback_data=BrowseCb(action="page", value=0))
    builder.adjust(1)
    return text, builder.as_markup()


async def my_placement_view(
    db: Database, student: User, locale: str, settings: HandlerSettings
) -> tuple[str, InlineKeyboardMarkup]:
    applications = await db.placements.student_applications(student.id, limit=10)
    builder = InlineKeyboard()
    if not applications:
        text = _("You have no applications yet. Find a practice place in /offers.")
    else:
        blocks = [await _application_block(db, application, locale) for application in applications]
        text = "\n\n".join(blocks)
        today = db.today()
        for application in applications:
            if await _can_withdraw(db, application, today):
                builder.button(
                    text=_("↩️ Withdraw application #{id}").format(id=application.id),
                    callback_data=WithdrawCb(application_id=application.id),
                )
    missing = await missing_line(db, student, settings)
    if missing is not None:
        text += "\n\n" + missing
    builder.button(text=_("🏫 Practice places"), callback_data=MenuCb(action="offers"))
    back_to_menu_button(builder)
    builder.adjust(1)
    return text, builder.as_markup()


async def _can_withdraw(db: Database, application: Application, today: Any) -> bool:
    if application.status not in ACTIVE:
        return False
    if application.status is not ApplicationStatus.APPROVED:
        return True
    offer = await db.placements.offer(application.offer_id)
    return offer is not None and offer.starts_on > today


async def _application_block(db: Database, application: Application, locale: str) -> str:
    offer = await db.placements.offer(application.offer_id)
    assert offer is not None
    org = await db.orgs.get(offer.organization_id)
    position = await db.placements.waitlist_position(application)
    lines = [
        f"<b>#{application.id}</b> {status_label(application.status, position)}",
        f"🏫 {org_title(org, locale)}",
        f"{upper_first(kind_name(offer.kind))} · {esc(offer.subject)}",
        _("Period: {period}").format(period=period_text(offer)),
    ]
    if org is not None and org.address:
        lines.append(_("Address: {address}").format(address=esc(org.address)))
    if application.mentor_id is not None:
        mentor = await db.users.get(application.mentor_id)
        if mentor is not None:
            lines.append(_("Mentor: {mentor}").format(mentor=person_link(mentor)))
    elif application.status is ApplicationStatus.APPROVED:
        lines.append(_("Mentor: not assigned yet"))
    if application.reason and application.status is not ApplicationStatus.WITHDRAWN:
        lines.append(_("Reason: {reason}").format(reason=esc(application.reason)))
    return "\n".join(lines)


async def offers_command(message: Message, db: Database, state: FSMContext, locale: str) -> None:
    await state.set_state(None)
    text, markup = await browse_view(db, await read_form(state, ApplyForm), 0, locale)
    await message.answer(text, reply_markup=markup)


async def offers_button(query: CallbackQuery, db: Database, state: FSMContext, locale: str) -> None:
    await state.set_state(None)
    text, markup = await browse_view(db, await read_form(state, ApplyForm), 0, locale)
    await show(query, text, markup)


async def turn_page(
    query: CallbackQuery, callback_data: BrowseCb, db: Database, state: FSMContext, locale: str
) -> None:
    text, markup = await browse_view(
        db, await read_form(state, ApplyForm), max(0, callback_data.value), locale
    )
    await show(query, text, markup)


async def reset_filters(query: CallbackQuery, db: Database, state: FSMContext, locale: str) -> None:
    await write_form(state, ApplyForm(browse={}))
    text, markup = await browse_view(db, await read_form(state, ApplyForm), 0, locale)
    await show(query, text, markup)


async def choose_filter(
    query: CallbackQuery, callback_data: BrowseCb, db: Database, state: FSMContext
) -> None:
    if callback_data.name not in FILTERS:
        await query.answer(stale_button(), show_alert=True)
        return
    choices = await filter_choices(db, await read_form(state, ApplyForm), callback_data.name)
    await write_form(state, ApplyForm(choices={"name": callback_data.name, "values": choices}))
    builder = InlineKeyboard()
    builder.button(
        text=_("All"),
        callback_data=BrowseCb(action="choose", value=-1, name=callback_data.name),
    )
    for index, (_value, label) in enumerate(choices):
        builder.button(
            text=label,
            callback_data=BrowseCb(action="choose", value=index, name=callback_data.name),
        )
    builder.adjust(1)
    await show(query, _("Choose:"), builder.as_markup())


async def filter_chosen(
    query: CallbackQuery, callback_data: BrowseCb, db: Database, state: FSMContext, locale: str
) -> None:
    data = await read_form(state, ApplyForm)
    offered = data.get("choices", {})
    values = offered.get("values", [])
    name = callback_data.name
    if offered.get("name") != name or not -1 <= callback_data.value < len(values):
        await query.answer(stale_button(), show_alert=True)
        return
    chosen = dict(data.get("browse", {}))
    if callback_data.value == -1:
        chosen.pop(name, None)
        chosen.pop(f"{name}_label", None)
    else:
        value, label = values[callback_data.value]
        chosen[name] = value
        chosen[f"{name}_label"] = label.rsplit(" (", 1)[0]
    await write_form(state, ApplyForm(browse=chosen, choices={}))
    text, markup = await browse_view(db, await read_form(state, ApplyForm), 0, locale)
    await show(query, text, markup)


async def view_offer(
    query: CallbackQuery, callback_data: OfferCb, user: User, db: Database, locale: str
) -> None:
    offer = await db.placements.offer(callback_data.offer_id)
    if offer is None:
        await query.answer(stale_button(), show_alert=True)
        return
    text, markup = await offer_view(db, offer, user, locale)
    await show(query, text, markup)


async def start_application(
    query: CallbackQuery, callback_data: OfferCb, db: Database, state: FSMContext
) -> None:
    offer = await db.placements.offer(callback_data.offer_id)
    if offer is None:
        await query.answer(stale_button(), show_alert=True)
        return
    await state.set_state(ApplyFlow.motivation)
    await write_form(
        state, ApplyForm(apply_offer=offer.id, apply_waitlist=callback_data.action == "waitlist")
    )
    builder = InlineKeyboard()
    builder.button(text=_("Skip ▶️"), callback_data=SkipMotivationCb())
    cancel_button(builder)
    builder.adjust(2)
    await show(
        query,
        _(
            "In a few sentences, why this school and what experience do you have?"
            " The school will read it. You can also skip this."
        ),
        builder.as_markup(),
    )


async def submit(
    target: Message,
    user: User,
    db: Database,
    state: FSMContext,
    motivation: str | None,
    locale: str,
) -> None:
    data = await read_form(state, ApplyForm)
    offer_id = data.get("apply_offer")
    await state.set_state(None)
    if offer_id is None:
        await target.answer(stale_button())
        return
    try:
        result = await db.placements.apply(
            user, int(offer_id), motivation, bool(data.get("apply_waitlist"))
        )
    except OfferFull as problem:  # the last place went a moment ago: offer the queue at once
        builder = InlineKeyboard()
        builder.button(
            text=_("🕒 Join the waiting list"),
            callback_data=OfferCb(action="waitlist", offer_id=int(offer_id)),
        )
        await target.answer(
            placement_problem(problem)
            + " "
            + _("You can join the waiting list: a freed place goes to the first in it."),
            reply_markup=builder.as_markup(),
        )
        return
    except DomainError as problem:
        await target.answer(placement_problem(problem))
        return
    if result.waitlist_position is not None:
        text = _(
            "You are on the waiting list, position {position}. We will tell you as soon as "
            "a place is free."
        ).format(position=result.waitlist_position)
    else:
        text = _(
            "Your application #{id} has been sent. The school and the practice coordinator will"
            " review it; you will get a message with their decision."
        ).format(id=result.application.id)
    builder = InlineKeyboard()
    builder.button(text=_("📌 My placement"), callback_data=MenuCb(action="myplacement"))
    await target.answer(text, reply_markup=builder.as_markup())


async def skip_motivation(
    query: CallbackQuery, user: User, db: Database, state: FSMContext, locale: str
) -> None:
    if isinstance(query.message, Message):
        await show(query, _("Sending your application…"))
        await submit(query.message, user, db, state, None, locale)


async def motivation_written(
    message: Message, user: User, db: Database, state: FSMContext, locale: str
) -> None:
    await submit(message, user, db, state, message.text, locale)


async def motivation_not_text(message: Message) -> None:
    await message.answer(send_text_please())


async def my_placement_command(
    message: Message,
    user: User,
    db: Database,
    state: FSMContext,
    locale: str,
    settings: HandlerSettings,
) -> None:
    await state.set_state(None)
    text, markup = await my_placement_view(db, user, locale, settings)
    await message.answer(text, reply_markup=markup)


async def my_placement_button(
    query: CallbackQuery, user: User, db: Database, locale: str, settings: HandlerSettings
) -> None:
    text, markup = await my_placement_view(db, user, locale, settings)
    await show(query, text, markup)


async def confirm_withdrawal(
    query: CallbackQuery, callback_data: WithdrawCb, user: User, db: Database
) -> None:
    application = await db.placements.application(callback_data.application_id)
    if application is None or application.student_id != user.id or not application.active:
        await query.answer(stale_button(), show_alert=True)
        return
    builder = InlineKeyboard()
    builder.button(
        text=_("Yes, withdraw"),
        callback_data=WithdrawCb(application_id=application.id, confirmed=True),
    )
    builder.button(text=_("No, keep it"), callback_data=MenuCb(action="myplacement"))
    builder.adjust(1)
    await show(
        query,
        _("Withdraw application #{id}? Your place will go to the next student in line.").format(
            id=application.id
        ),
        builder.as_markup(),
    )


async def withdraw(
    query: CallbackQuery,
    callback_data: WithdrawCb,
    user: User,
    db: Database,
    locale: str,
    settings: HandlerSettings,
) -> None:
    try:
        await db.placements.withdraw(user, callback_data.application_id)
    except DomainError as problem:
        await query.answer(placement_problem(problem), show_alert=True)
        return
    await query.answer(_("Application withdrawn."))
    text, markup = await my_placement_view(db, user, locale, settings)
    await show(query, text, markup)


def get_router() -> Router:
    router = Router(name="offers")
    router.message.filter(HasRole(Role.STUDENT))
    router.callback_query.filter(HasRole(Role.STUDENT))
    router.message.register(offers_command, Command("offers"))
    router.callback_query.register(offers_button, MenuCb.filter(F.action == "offers"))
    router.callback_query.register(turn_page, BrowseCb.filter(F.action == "page"))
    router.callback_query.register(reset_filters, BrowseCb.filter(F.action == "reset"))
    router.callback_query.register(choose_filter, BrowseCb.filter(F.action == "filter"))
    router.callback_query.register(filter_chosen, BrowseCb.filter(F.action == "choose"))
    router.callback_query.register(view_offer, OfferCb.filter(F.action == "view"))
    router.callback_query.register(
        start_application, OfferCb.filter(F.action.in_({"apply", "waitlist"}))
    )
    router.callback_query.register(skip_motivation, ApplyFlow.motivation, SkipMotivationCb.filter())
    router.message.register(motivation_written, ApplyFlow.motivation, F.text)
    router.message.register(motivation_not_text, ApplyFlow.motivation)
    router.message.register(my_placement_command, Command("myplacement"))
    router.callback_query.register(my_placement_button, MenuCb.filter(F.action == "myplacement"))
    router.callback_query.register(confirm_withdrawal, WithdrawCb.filter(~F.confirmed))
    router.callback_query.register(withdraw, WithdrawCb.filter(F.confirmed))
    return router
