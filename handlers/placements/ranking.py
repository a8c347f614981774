"""Placement rounds, the student's side: rank the round's offers by taps, see the result."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from db import Database
from db.domain.errors import DomainError, InvalidValue
from db.domain.models import User
from db.domain.placements import AlreadyApplied, Offer
from db.domain.roles import STUDENTS
from db.domain.rounds import PlacementRound, Priority, RoundStatus
from db.rounds import RoundClosed
from handlers.kit.callbacks import MenuCb
from handlers.kit.filters import HasRole
from handlers.kit.formatting import esc, fmt_date, fmt_datetime
from handlers.kit.keyboard import InlineKeyboard
from handlers.kit.menu import back_to_menu_button
from handlers.kit.settings import HandlerSettings
from handlers.kit.texts import not_allowed
from handlers.kit.ui import show
from handlers.placements.callbacks import RankCb
from handlers.placements.texts import kind_name, org_title

OFFERS_PER_PAGE = 8


async def offer_lines(db: Database, offers: list[Offer], locale: str) -> dict[int, str]:
    """Subject — school, city (dates), for each offer."""
    schools = await db.orgs.by_ids([offer.organization_id for offer in offers])
    return {
        offer.id: (
            f"{esc(offer.subject)} — {org_title(schools.get(offer.organization_id), locale)} "
            f"({fmt_date(offer.starts_on)} – {fmt_date(offer.ends_on)})"
        )
        for offer in offers
    }


def choice_numbers(positions: tuple[int, ...]) -> str:
    return ", ".join(_("No. {n}").format(n=position) for position in positions)


async def result_line(db: Database, found: PlacementRound, student: User, locale: str) -> str:
    """The student's result and why, in one line."""
    result = await db.rounds.result(found.id, student.id)
    if result is None:
        return _("You did not rank any offer in this round. Free places are in /offers.")
    if result.offer_id is not None:
        offer = await db.placements.offer(result.offer_id)
        school = await db.orgs.get(offer.organization_id) if offer else None
        place = f"{esc(offer.subject)} — {org_title(school, locale)}" if offer else "—"
        if result.choice == 1:
            return _("You are placed at {place}: your choice No. 1.").format(place=place)
        if found.priority is Priority.SCORE:
            return _(
                "You are placed at {place}: your choice No. {n}. Your choices {better} were"
                " filled by students with higher scores."
            ).format(place=place, n=result.choice, better=choice_numbers(result.outranked))
        return _(
            "You are placed at {place}: your choice No. {n}. Your choices {better} were filled by"
            " students ahead of you in the lottery."
        ).format(place=place, n=result.choice, better=choice_numbers(result.outranked))
    if result.lost_reason == "overlap":
        return _(
            "No place from this round: you were placed elsewhere for these dates before the"
            " result was published. See /myplacement."
        )
    if result.lost_reason == "full":
        return _(
            "No place: the one you were given was taken before the result was published."
            " Free places are in /offers, or ask your coordinator about the next round."
        )
    if found.priority is Priority.SCORE:
        return _(
            "No place: your choices {better} were filled by students with higher scores. Free"
            " places are in /offers, or ask your coordinator about the next round."
        ).format(better=choice_numbers(result.outranked))
    return _(
        "No place: your choices {better} were filled by students ahead of you in the lottery."
        " Free places are in /offers, or ask your coordinator about the next round."
    ).format(better=choice_numbers(result.outranked))


async def ranking_view(
    db: Database, student: User, settings: HandlerSettings, locale: str, page: int = 0
) -> tuple[str, InlineKeyboardMarkup]:
    builder = InlineKeyboard()
    found = await db.rounds.for_student(student)
    if found is None:
        back_to_menu_button(builder)
        return (
            _("There is no placement round for you now. Free places are in /offers."),
            builder.as_markup(),
        )
    ranked = await db.rounds.preferences(found.id, student.id)
    offers = await db.placements.offers_by_ids(found.offer_ids)
    order = [offer.id for offer in sorted(offers.values(), key=lambda o: (o.starts_on, o.id))]
    placed = found.takes_preferences(db.clock.now()) and await db.rounds.placed_for(
        found, student.id
    )
    open_now = found.takes_preferences(db.clock.now()) and not placed
    shown = page_of(order, ranked, page) if open_now and len(ranked) < found.choices else []
    described = await offer_lines(db, [offers[i] for i in {*ranked, *shown} if i in offers], locale)
    lines = [_("<b>Placement round</b>: {kind}").format(kind=kind_name(found.kind))]
    if open_now:
        lines.append(
            _(
                "Rank up to {k} offers, the one you want most first, until {deadline}. Every"
                " tap is saved. Ranking in your true order is always best for you: an offer"
                " you put lower never costs you a higher one."
            ).format(k=found.choices, deadline=fmt_datetime(found.deadline_at, settings.timezone))
        )
    elif placed:
        lines.append(_("You already have a practice placement for these dates. See /myplacement."))
    elif found.status is RoundStatus.PUBLISHED:
        lines.append(await result_line(db, found, student, locale))
    else:
        lines.append(_("Ranking has closed. You will be told your result when it is published."))
    lines.append("")
    lines.append(_("<b>Your choices</b>:") if ranked else _("You have not ranked any offer yet."))
    for position, offer_id in enumerate(ranked, start=1):
        lines.append(f"{position}. {described.get(offer_id, '—')}")
    if shown:
        lines.append("")
        lines.append(_("<b>Offers you can add</b>:"))
        for offer_id in shown:
            lines.append(f"<b>{order.index(offer_id) + 1}</b>. {described[offer_id]}")
    if open_now:
        rank_buttons(builder, found, ranked, order, shown, page)
    back_to_menu_button(builder)
    return "\n".join(lines), builder.as_markup()


def page_of(order: list[int], ranked: list[int], page: int) -> list[int]:
    unranked = [offer_id for offer_id in order if offer_id not in ranked]
    pages = max(1, -(-len(unranked) // OFFERS_PER_PAGE))
    page = page % pages
    return unranked[page * OFFERS_PER_PAGE : (page + 1) * OFFERS_PER_PAGE]


def rank_buttons(
    builder: InlineKeyboard,
    found: PlacementRound,
    ranked: list[int],
    order: list[int],
    shown: list[int],
    page: int,
) -> None:
    widths: list[int] = []
    for position, offer_id in enumerate(ranked, start=1):
        if position > 1:
            builder.button(
                text=f"⬆️ {position}",
                callback_data=RankCb(action="up", round_id=found.id, offer_id=offer_id),
            )
        builder.button(
            text=f"✖️ {position}",
            callback_data=RankCb(action="remove", round_id=found.id, offer_id=offer_id),
        )
        widths.append(2 if position > 1 else 1)
    for offer_id in shown:
        builder.button(
            text=f"➕ {order.index(offer_id) + 1}",
            callback_data=RankCb(action="add", round_id=found.id, offer_id=offer_id),
        )
    widths.extend([4] * (-(-len(shown) // 4)))
    if len(order) - len(ranked) > OFFERS_PER_PAGE and shown:
        for target, label in ((page - 1, "◀️"), (page + 1, "▶️")):
            builder.button(
                text=label,
                callback_data=RankCb(action="page", round_id=found.id, page=max(0, target)),
            )
        widths.append(2)
    widths.append(1)  # the menu
    builder.adjust(*widths)


async def ranking_command(
    message: Message,
    user: User,
    db: Database,
    state: FSMContext,
    settings: HandlerSettings,
    locale: str,
) -> None:
    await state.set_state(None)
    text, markup = await ranking_view(db, user, settings, locale)
    await message.answer(text, reply_markup=markup)


async def ranking_button(
    query: CallbackQuery, user: User, db: Database, settings: HandlerSettings, locale: str
) -> None:
    text, markup = await ranking_view(db, user, settings, locale)
    await show(query, text, markup)


def changed(ranked: list[int], action: str, offer_id: int) -> list[int]:
    """The list after one tap (the repository checks the result against the round)."""
    if action == "add":
        return [*ranked, offer_id]
    if offer_id not in ranked:
        return ranked
    if action == "remove":
        return [offer for offer in ranked if offer != offer_id]
    index = ranked.index(offer_id)  # "up"
    if index == 0:
        return ranked
    moved = list(ranked)
    moved[index - 1], moved[index] = moved[index], moved[index - 1]
    return moved


def rank_problem(problem: DomainError) -> str:
    if isinstance(problem, RoundClosed):
        return _("Ranking has closed for this round; your list stays as it was submitted.")
    if isinstance(problem, AlreadyApplied):
        return _("You already have a practice placement for these dates. See /myplacement.")
    if isinstance(problem, InvalidValue):
        detail = str(problem).split(": ", 1)[-1]
        if detail == "too_many":
            return _("You have ranked as many offers as this round allows. Remove one first.")
        if detail == "duplicate":
            return _("This offer is already on your list.")
    return not_allowed()


async def rank_tap(
    query: CallbackQuery,
    callback_data: RankCb,
    user: User,
    db: Database,
    settings: HandlerSettings,
    locale: str,
) -> None:
    page = callback_data.page
    if callback_data.action != "page":
        ranked = await db.rounds.preferences(callback_data.round_id, user.id)
        try:
            await db.rounds.rank(
                user,
                callback_data.round_id,
                changed(ranked, callback_data.action, callback_data.offer_id),
            )
        except DomainError as problem:
            await query.answer(rank_problem(problem), show_alert=True)
            if not isinstance(problem, RoundClosed):
                return
        else:
            await query.answer(_("Saved."))
    text, markup = await ranking_view(db, user, settings, locale, page)
    await show(query, text, markup)


def get_router() -> Router:
    router = Router(name="ranking")
    router.message.filter(HasRole(*STUDENTS))
    router.callback_query.filter(HasRole(*STUDENTS))
    router.message.register(ranking_command, Command("round"))
    router.callback_query.register(ranking_button, MenuCb.filter(F.action == "round"))
    router.callback_query.register(
        rank_tap, RankCb.filter(F.action.in_({"add", "up", "remove", "page"}))
    )
    return router
