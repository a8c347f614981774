"""Placement rounds, the coordinator's side: open one, follow it, preview, rerun, publish."""

from __future__ import annotations

import io
import logging
from datetime import datetime

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from db import Database
from db.domain.errors import DomainError, InvalidValue, NotAllowed, NotFound
from db.domain.models import User
from db.domain.placements import PracticeKind, parse_kind
from db.domain.roles import ROUND_ORGANIZERS
from db.domain.rounds import (
    PlacementRound,
    Priority,
    RoundStatus,
    check_deadline,
    check_programmes,
    check_study_years,
    parse_scores,
)
from db.rounds import RoundClosed, RoundOverlaps, RoundPreview
from handlers.kit.callbacks import MenuCb
from handlers.kit.common import cancel_button
from handlers.kit.dates import parse_local_datetime
from handlers.kit.drafts import read_form, start_form, write_form
from handlers.kit.filters import HasRole
from handlers.kit.formatting import esc, fmt_datetime
from handlers.kit.guards import or_refuse
from handlers.kit.keyboard import InlineKeyboard
from handlers.kit.menu import back_to_menu_button
from handlers.kit.settings import HandlerSettings
from handlers.kit.texts import not_allowed, send_text_please
from handlers.kit.ui import show
from handlers.placements.callbacks import RoundCb
from handlers.placements.states import NewRound, RoundForm
from handlers.placements.texts import kind_buttons, kind_name, org_title

log = logging.getLogger(__name__)

SCORES_FILE_MAX = 1024 * 1024


def status_name(status: RoundStatus) -> str:
    names = {
        RoundStatus.OPEN: _("open for ranking"),
        RoundStatus.CLOSED: _("closed, awaiting publication"),
        RoundStatus.PUBLISHED: _("published"),
    }
    return names[status]


def programmes_line(codes: frozenset[str]) -> str:
    if not codes:
        return _("Programmes: all")
    return _("Programmes: {codes}").format(codes=", ".join(sorted(codes)))


def years_text(found: PlacementRound) -> str:
    return ", ".join(str(year) for year in sorted(found.cohort.study_years))


def round_problem(problem: DomainError) -> str:
    if isinstance(problem, RoundOverlaps):
        return _(
            "Round #{id} is already open for some of these students and dates. Publish or close"
            " it first."
        ).format(id=problem.round_id)
    if isinstance(problem, RoundClosed):
        return _("This round has moved on meanwhile; here is where it stands now.")
    if isinstance(problem, InvalidValue) and str(problem).startswith("offers"):
        return _(
            "There are no open offers of this kind with free places that start after the"
            " deadline. Publish offers first, or choose an earlier deadline."
        )
    if isinstance(problem, InvalidValue) and str(problem).startswith("deadline"):
        return _("The deadline must be in the future.")
    if isinstance(problem, NotAllowed | NotFound):
        return not_allowed()
    return _("This cannot be done.")


def choice_line(preview: RoundPreview) -> str:
    parts = [
        _("No. {n}").format(n=choice) + f" — {count}"
        for choice, count in sorted(
            (choice, count) for choice, count in preview.by_choice.items() if choice is not None
        )
    ]
    return "; ".join(parts) if parts else "—"


PREVIEW_NAMES = 15  # a card must stay within Telegram's 4,096 characters


async def preview_lines(db: Database, preview: RoundPreview, locale: str) -> list[str]:
    lines = [
        _("Got a place by choice: {choices}.").format(choices=choice_line(preview)),
        ngettext("Unplaced: {n} student.", "Unplaced: {n} students.", len(preview.unplaced)).format(
            n=len(preview.unplaced)
        ),
    ]
    if preview.unplaced:
        people = await db.users.by_ids(preview.unplaced[:PREVIEW_NAMES])
        names = sorted(person.full_name for person in people.values())
        lines.append(esc(", ".join(names)) + more(len(preview.unplaced) - len(names)))
    if preview.left:
        shown = sorted(preview.left.items())[:PREVIEW_NAMES]
        offers = await db.placements.offers_by_ids(offer_id for offer_id, places in shown)
        schools = await db.orgs.by_ids([offer.organization_id for offer in offers.values()])
        lines.append(_("Places left:"))
        for offer_id, places in shown:
            offer = offers[offer_id]
            school = schools.get(offer.organization_id)
            lines.append(
                f"• {esc(offer.subject)} — {org_title(school, locale)}: "
                + ngettext("{n} place", "{n} places", places).format(n=places)
            )
        if len(preview.left) > len(shown):
            lines.append(more(len(preview.left) - len(shown)).strip())
    return lines


def more(hidden: int) -> str:
    if hidden <= 0:
        return ""
    return " " + ngettext("… and {n} more.", "… and {n} more.", hidden).format(n=hidden)


async def round_view(
    db: Database, found: PlacementRound, settings: HandlerSettings, locale: str
) -> tuple[str, InlineKeyboardMarkup]:
    cohort, ranked = await db.rounds.cohort_size(found)
    lines = [
        _("<b>Placement round #{id}</b>: {kind}").format(id=found.id, kind=kind_name(found.kind)),
        _("Students of year(s): {years}").format(years=years_text(found)),
        programmes_line(found.cohort.programmes),
        ngettext("Offers: {n}", "Offers: {n}", len(found.offer_ids)).format(n=len(found.offer_ids)),
        _("Ranking until: {deadline}").format(
            deadline=fmt_datetime(found.deadline_at, settings.timezone)
        ),
        _("Ties broken by: {priority}").format(
            priority=_("imported scores")
            if found.priority is Priority.SCORE
            else _("a lottery (seed {seed})").format(seed=found.seed)
        ),
        _("Status: {status}").format(status=status_name(found.status)),
        _("Ranked their choices: {ranked} of {cohort}").format(ranked=ranked, cohort=cohort),
    ]
    builder = InlineKeyboard()
    if found.status is RoundStatus.OPEN:
        builder.button(
            text=_("⏹ Close ranking now"), callback_data=RoundCb(action="close", round_id=found.id)
        )
    preview = await db.rounds.preview(found.id)
    if preview is not None:
        lines.append("")
        lines.append(
            _("<b>Result</b>:") if found.status is RoundStatus.PUBLISHED else _("<b>Preview</b>:")
        )
        lines.extend(await preview_lines(db, preview, locale))
    if found.status is RoundStatus.CLOSED:
        builder.button(
            text=_("🔁 Allocate again"), callback_data=RoundCb(action="rerun", round_id=found.id)
        )
        builder.button(
            text=_("✅ Publish the result"),
            callback_data=RoundCb(action="publish", round_id=found.id),
        )
    builder.button(text=_("⬅️ Rounds"), callback_data=RoundCb(action="list"))
    builder.adjust(1)
    return "\n".join(lines), builder.as_markup()


async def rounds_view(db: Database, settings: HandlerSettings) -> tuple[str, InlineKeyboardMarkup]:
    rounds = await db.rounds.recent()
    lines = [_("<b>Placement rounds</b>")]
    if not rounds:
        lines.append(
            _(
                "None yet. In a round, students rank the offers they want until a deadline;"
                " then one fair allocation places them all at once."
            )
        )
    builder = InlineKeyboard()
    for found in rounds:
        lines.append(
            _("No. {n}").format(n=found.id)
            + f" · {kind_name(found.kind)} · "
            + _("year(s) {years}").format(years=years_text(found))
            + f" · {status_name(found.status)} · "
            + fmt_datetime(found.deadline_at, settings.timezone)
        )
        builder.button(
            text=_("No. {n}").format(n=found.id),
            callback_data=RoundCb(action="open", round_id=found.id),
        )
    builder.button(text=_("➕ New round"), callback_data=RoundCb(action="new"))
    back_to_menu_button(builder)
    builder.adjust(*([min(len(rounds), 5)] if rounds else []), 1, 1)
    return "\n".join(lines), builder.as_markup()


async def rounds_command(
    message: Message, db: Database, state: FSMContext, settings: HandlerSettings
) -> None:
    await state.clear()
    text, markup = await rounds_view(db, settings)
    await message.answer(text, reply_markup=markup)


async def rounds_button(
    query: CallbackQuery, db: Database, state: FSMContext, settings: HandlerSettings
) -> None:
    await state.clear()
    text, markup = await rounds_view(db, settings)
    await show(query, text, markup)


async def open_round_card(
    query: CallbackQuery,
    callback_data: RoundCb,
    db: Database,
    settings: HandlerSettings,
    locale: str,
) -> None:
    found = await or_refuse(query, await db.rounds.get(callback_data.round_id))
    if found is None:
        return
    text, markup = await round_view(db, found, settings, locale)
    await show(query, text, markup)


# ----- a new round ----------------------------------------------------------------------------


async def new_round(query: CallbackQuery, state: FSMContext) -> None:
    await start_form(state, RoundForm())
    await state.set_state(NewRound.kind)
    builder = InlineKeyboard()
    kind_buttons(builder, lambda kind: RoundCb(action="kind", value=kind.value))
    cancel_button(builder)
    builder.adjust(1)
    await show(query, _("New placement round. Which practice is it for?"), builder.as_markup())


async def round_kind_chosen(
    query: CallbackQuery, callback_data: RoundCb, state: FSMContext
) -> None:
    if parse_kind(callback_data.value) is None:
        await query.answer(not_allowed(), show_alert=True)
        return
    await write_form(state, RoundForm(kind=callback_data.value))
    await state.set_state(NewRound.study_years)
    builder = InlineKeyboard()
    cancel_button(builder)
    await show(
        query,
        _("Students of which year of study? Send a number, or several: 3, 4"),
        builder.as_markup(),
    )


async def round_years_written(message: Message, state: FSMContext) -> None:
    try:
        years = check_study_years(message.text or "")
    except InvalidValue:
        await message.answer(_("Please send years of study from 1 to 6, for example: 3 or 3, 4"))
        return
    await write_form(state, RoundForm(study_years=sorted(years)))
    await state.set_state(NewRound.programmes)
    builder = InlineKeyboard()
    builder.button(text=_("All programmes ▶️"), callback_data=RoundCb(action="allprogrammes"))
    cancel_button(builder)
    builder.adjust(1)
    await message.answer(
        _(
            "For which programmes? Send their codes, or the beginning of them, separated by"
            " commas (6B01501, 6B015), or press “All programmes”."
        ),
        reply_markup=builder.as_markup(),
    )


async def round_programmes_written(message: Message, state: FSMContext) -> None:
    try:
        codes = check_programmes(message.text or "")
    except InvalidValue:
        await message.answer(
            _("Please send programme codes of letters and digits, for example: 6B01501, 6B015")
        )
        return
    await write_form(state, RoundForm(programmes=sorted(codes)))
    await ask_deadline(message, state)


async def all_programmes(query: CallbackQuery, state: FSMContext) -> None:
    await write_form(state, RoundForm(programmes=[]))
    await query.answer()
    if isinstance(query.message, Message):
        await ask_deadline(query.message, state)


async def ask_deadline(message: Message, state: FSMContext) -> None:
    await state.set_state(NewRound.deadline)
    await message.answer(
        _(
            "Until when may students rank the offers? Send the date and time, for example"
            " 25.01.2027 18:00"
        )
    )


async def round_deadline_written(
    message: Message, user: User, db: Database, state: FSMContext, settings: HandlerSettings
) -> None:
    deadline = parse_local_datetime(message.text or "", db.today(), settings.timezone)
    if deadline is None:
        await message.answer(_("Please send the date and time like this: 25.01.2027 18:00"))
        return
    try:
        check_deadline(deadline, db.clock.now())
    except InvalidValue as problem:
        await message.answer(round_problem(problem))
        return
    data = await read_form(state, RoundForm)
    refusal = await db.rounds.opening_problem(
        user,
        PracticeKind(data["kind"]),
        frozenset(data.get("study_years", [])),
        deadline,
        frozenset(data.get("programmes", [])),
    )
    if refusal is not None:  # said now, not after the scores file and the last tap
        await message.answer(
            round_problem(refusal) + "\n\n" + _("Send another deadline, or /cancel.")
        )
        return
    await write_form(state, RoundForm(deadline=deadline.isoformat()))
    await state.set_state(NewRound.priority)
    builder = InlineKeyboard()
    builder.button(
        text=_("🎲 A lottery"), callback_data=RoundCb(action="priority", value=Priority.LOTTERY)
    )
    builder.button(
        text=_("📊 Scores from a file"),
        callback_data=RoundCb(action="priority", value=Priority.SCORE),
    )
    cancel_button(builder)
    builder.adjust(1)
    await message.answer(
        _(
            "When more students want an offer than it has places, who goes first? A lottery, or"
            " scores you send as a file (for example the average mark)?"
        ),
        reply_markup=builder.as_markup(),
    )


async def round_priority_chosen(
    query: CallbackQuery,
    callback_data: RoundCb,
    db: Database,
    state: FSMContext,
    settings: HandlerSettings,
) -> None:
    if callback_data.value == Priority.SCORE:
        await state.set_state(NewRound.scores)
        builder = InlineKeyboard()
        cancel_button(builder)
        await show(query, scores_request(), builder.as_markup())
        return
    await write_form(state, RoundForm(scores={}))
    text, markup = await confirm_view(db, state, settings)
    await show(query, text, markup)


def scores_request() -> str:
    return _(
        "Send a CSV file (Excel: Save as → CSV) with two columns: the student — Telegram id,"
        " @username or full name as registered — and the score. Higher scores go first;"
        " students without a score come after, in lottery order."
    )


async def round_scores_sent(
    message: Message,
    bot: Bot,
    user: User,
    db: Database,
    state: FSMContext,
    settings: HandlerSettings,
) -> None:
    text = await received_text(message, bot)
    if text is None:
        return
    try:
        lines = parse_scores(text)
    except InvalidValue as problem:
        await message.answer(scores_problem(str(problem)) + "\n\n" + scores_request())
        return
    data = await read_form(state, RoundForm)
    scores, unmatched = await db.rounds.match_scores(
        user,
        frozenset(data.get("study_years", [])),
        lines,
        frozenset(data.get("programmes", [])),
    )
    if unmatched:
        listed = "\n".join(
            _("line {line}: {student}").format(line=line.line, student=esc(line.student))
            for line in unmatched[:10]
        )
        await message.answer(
            ngettext(
                "{n} line names no student of this round (or several, or one twice), so"
                " nothing was taken:",
                "{n} lines name no student of this round (or several, or one twice), so"
                " nothing was taken:",
                len(unmatched),
            ).format(n=len(unmatched))
            + "\n"
            + listed
            + "\n\n"
            + _("Please correct the file and send it again.")
        )
        return
    await write_form(state, RoundForm(scores={str(k): v for k, v in scores.items()}))
    text, markup = await confirm_view(db, state, settings)
    await message.answer(text, reply_markup=markup)


async def received_text(message: Message, bot: Bot) -> str | None:
    """The uploaded CSV's text, or None after telling the sender what is wrong with it."""
    document = message.document
    name = (document.file_name or "").lower() if document else ""
    if document is None or not name.endswith((".csv", ".txt")):
        await message.answer(_("Please send the scores as a .csv file."))
        return None
    if (document.file_size or 0) > SCORES_FILE_MAX:
        await message.answer(_("The file is larger than 1 MB; a list of scores is much smaller."))
        return None
    content = io.BytesIO()
    try:
        await bot.download(document.file_id, destination=content)
    except (TelegramAPIError, OSError) as error:
        log.warning("could not download a scores file: %s", error)
        await message.answer(
            _("The file could not be received from Telegram. Please send it again.")
        )
        return None
    raw = content.getvalue()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1251", errors="replace")  # older Excel in Russian or Kazakh


def scores_problem(detail: str) -> str:
    if detail.startswith("scores: line "):
        return _("Line {line} of the file has no score (a number) after the student.").format(
            line=detail.rsplit(" ", 1)[-1]
        )
    if detail.endswith("too_many"):
        return _("The file has too many lines for one round.")
    return _("The file has no scores in it.")


async def confirm_view(
    db: Database, state: FSMContext, settings: HandlerSettings
) -> tuple[str, InlineKeyboardMarkup]:
    await state.set_state(NewRound.confirm)
    data = await read_form(state, RoundForm)
    kind = PracticeKind(data["kind"])
    deadline = datetime.fromisoformat(data["deadline"])
    offers, places = await db.rounds.eligible_offers(kind, deadline)
    builder = InlineKeyboard()
    if offers:
        builder.button(text=_("✅ Open the round"), callback_data=RoundCb(action="create"))
    cancel_button(builder)
    builder.adjust(1)
    scores = data.get("scores") or {}
    lines = [
        _("<b>New placement round</b>: {kind}").format(kind=kind_name(kind)),
        _("Students of year(s): {years}").format(
            years=", ".join(str(year) for year in data.get("study_years", []))
        ),
        programmes_line(frozenset(data.get("programmes", []))),
        _("Ranking until: {deadline}").format(deadline=fmt_datetime(deadline, settings.timezone)),
        _("Each student ranks up to {k} offers.").format(k=settings.round_choices),
        ngettext(
            "It covers {n} open offer that starts after the deadline",
            "It covers {n} open offers that start after the deadline",
            offers,
        ).format(n=offers)
        + " "
        + ngettext("({n} free place).", "({n} free places).", places).format(n=places),
        ngettext(
            "Ties are broken by the scores of {n} student, higher first; the rest come after, in"
            " lottery order.",
            "Ties are broken by the scores of {n} students, higher first; the rest come after,"
            " in lottery order.",
            len(scores),
        ).format(n=len(scores))
        if scores
        else _(
            "Ties between students are broken by a lottery; its seed is kept, so the result can"
            " be computed again."
        ),
    ]
    if not offers:
        lines.append("")
        lines.append(round_problem(InvalidValue("offers", "none")))
    return "\n".join(lines), builder.as_markup()


async def round_create(
    query: CallbackQuery,
    user: User,
    db: Database,
    state: FSMContext,
    settings: HandlerSettings,
    locale: str,
) -> None:
    data = await read_form(state, RoundForm)
    await state.clear()
    try:
        opened = await db.rounds.open(
            user,
            PracticeKind(data["kind"]),
            frozenset(data["study_years"]),
            datetime.fromisoformat(data["deadline"]),
            settings.round_choices,
            {int(k): v for k, v in data["scores"].items()} if data.get("scores") else None,
            frozenset(data.get("programmes", [])),
        )
    except DomainError as problem:
        await show(query, round_problem(problem))
        return
    await query.answer(_("The round is open. Its students have been told."))
    text, markup = await round_view(db, opened, settings, locale)
    await show(query, text, markup)


# ----- closing, rerunning, publishing --------------------------------------------------------


async def round_action(
    query: CallbackQuery,
    callback_data: RoundCb,
    user: User,
    db: Database,
    settings: HandlerSettings,
    locale: str,
) -> None:
    try:
        if callback_data.action == "close":
            await db.rounds.close(user, callback_data.round_id)
            answer = _("Ranking is closed. Here is the allocation to check before publishing.")
        elif callback_data.action == "rerun":
            await db.rounds.rerun(user, callback_data.round_id)
            answer = _("Allocated again with the current choices and places.")
        else:
            placed = await db.rounds.publish(user, callback_data.round_id)
            answer = ngettext(
                "Published: {n} student placed. Everyone has been told their result.",
                "Published: {n} students placed. Everyone has been told their result.",
                placed,
            ).format(n=placed)
    except NotFound:
        await query.answer(not_allowed(), show_alert=True)
        return
    except DomainError as problem:
        answer = round_problem(problem)
    found = await db.rounds.get(callback_data.round_id)
    assert found is not None  # rounds are never deleted
    await query.answer(answer, show_alert=True)
    text, markup = await round_view(db, found, settings, locale)
    await show(query, text, markup)


async def publish_asked(query: CallbackQuery, callback_data: RoundCb) -> None:
    builder = InlineKeyboard()
    builder.button(
        text=_("✅ Yes, publish"),
        callback_data=RoundCb(action="publish!", round_id=callback_data.round_id),
    )
    builder.button(
        text=_("⬅️ Back"), callback_data=RoundCb(action="open", round_id=callback_data.round_id)
    )
    builder.adjust(1)
    await show(
        query,
        _(
            "Publish round #{id}? The students are placed as in the preview and each is told"
            " the result. This cannot be undone here."
        ).format(id=callback_data.round_id),
        builder.as_markup(),
    )


async def round_text_expected(message: Message) -> None:
    await message.answer(send_text_please())


def get_router() -> Router:
    router = Router(name="rounds")
    router.message.filter(HasRole(*ROUND_ORGANIZERS))
    router.callback_query.filter(HasRole(*ROUND_ORGANIZERS))
    router.message.register(rounds_command, Command("rounds"))
    router.callback_query.register(rounds_button, MenuCb.filter(F.action == "rounds"))
    router.callback_query.register(rounds_button, RoundCb.filter(F.action == "list"))
    router.callback_query.register(open_round_card, RoundCb.filter(F.action == "open"))
    router.callback_query.register(new_round, RoundCb.filter(F.action == "new"))
    router.callback_query.register(
        round_kind_chosen, NewRound.kind, RoundCb.filter(F.action == "kind")
    )
    router.message.register(round_years_written, NewRound.study_years, F.text)
    router.message.register(round_programmes_written, NewRound.programmes, F.text)
    router.callback_query.register(
        all_programmes, NewRound.programmes, RoundCb.filter(F.action == "allprogrammes")
    )
    router.message.register(round_deadline_written, NewRound.deadline, F.text)
    router.callback_query.register(
        round_priority_chosen, NewRound.priority, RoundCb.filter(F.action == "priority")
    )
    router.message.register(round_scores_sent, NewRound.scores)
    router.message.register(round_text_expected, NewRound.study_years)
    router.message.register(round_text_expected, NewRound.deadline)
    router.message.register(round_text_expected, NewRound.programmes)
    router.callback_query.register(
        round_create, NewRound.confirm, RoundCb.filter(F.action == "create")
    )
    router.callback_query.register(publish_asked, RoundCb.filter(F.action == "publish"))
    router.callback_query.register(
        round_action, RoundCb.filter(F.action.in_({"close", "rerun", "publish!"}))
    )
    return router
