"""/stats: the network's figures with charts; /export: the same data as a spreadsheet.

Both start from one menu: a period (this month, this or last academic year, typed dates) and,
for those who see more than one organization, optionally one organization. The scope is
worked out from the person on every press, so a forged button cannot widen it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import date
from typing import Literal

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    FSInputFile,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
)
from aiogram.utils.i18n import gettext as _

from db import Database
from db.domain.errors import DomainError, InvalidValue, NotAllowed, NotFound
from db.domain.models import User
from db.domain.reports import Period, ReportScope, academic_year
from db.domain.roles import NETWORK_VIEWERS, REPORT_VIEWERS
from handlers.kit.callbacks import MenuCb, OrgPickCb
from handlers.kit.common import cancel_item
from handlers.kit.dates import parse_date
from handlers.kit.drafts import read_form, write_form
from handlers.kit.filters import HasRole
from handlers.kit.formatting import esc
from handlers.kit.keyboard import InlineKeyboard
from handlers.kit.menu import back_to_menu_button, menu_item
from handlers.kit.orgpicker import OrgPage, org_page_keyboard
from handlers.kit.settings import HandlerSettings
from handlers.kit.texts import not_allowed, send_text_please, stale_button
from handlers.kit.ui import show
from handlers.reports.callbacks import ReportCb
from handlers.reports.port import EXPORT_FORMATS, BarChart, ExportOrder, ReportBuilder
from handlers.reports.states import ReportDates, ReportForm
from handlers.reports.texts import (
    export_labels,
    feedback_text,
    file_stem,
    period_label,
    report_charts,
    report_heading,
    scope_label,
    summary_text,
    whole,
)

UPLOAD_LIMIT = 50 * 1024 * 1024  # what a bot may send as a document
_DATE_TOKEN = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./]\d{1,2}(?:[./]\d{2,4})?")


def period_code(period: Period) -> str:
    return f"c{period.start:%Y%m%d}_{period.end:%Y%m%d}"


def decode_period(code: str, today: date) -> Period | None:
    """The period a button means; None for a code no button of ours carries."""
    if code == "m":
        return Period(today.replace(day=1), today)
    if code in ("y0", "y1"):
        return academic_year(today, int(code[1]))
    match = re.fullmatch(r"c(\d{8})_(\d{8})", code)
    if match is None:
        return None
    try:
        start, end = (date(int(d[:4]), int(d[4:6]), int(d[6:])) for d in match.groups())
        return Period(start, end)
    except (ValueError, InvalidValue):
        return None


def parse_period(text: str, today: date) -> Period:
    """Two dates typed in any of the usual ways ("01.09.2026 – 31.12.2026", "01.11 – 30.11").

    Without years, the start is the latest such day up to today (reports look back) and the
    end the first such day from the start. Raises InvalidValue('period', two_dates |
    end_before_start | too_long | out_of_range).
    """
    tokens = _DATE_TOKEN.findall(text)
    if len(tokens) != 2:
        raise InvalidValue("period", "two_dates")
    start = _resolve(tokens[0], today, (today.year, today.year - 1), lambda day: day <= today)
    if start is None:
        raise InvalidValue("period", "two_dates")
    end = _resolve(tokens[1], start, (start.year, start.year + 1), lambda day: day >= start)
    if end is None:
        raise InvalidValue("period", "two_dates")
    return Period(start, end)


def _resolve(
    token: str, near: date, years: tuple[int, ...], fits: Callable[[date], bool]
) -> date | None:
    """A typed day; without a year, in the first of `years` where it `fits`."""
    day = parse_date(token, near)
    if day is None or token.count(".") + token.count("/") != 1:
        return day  # a year was typed (or it is not a date)
    for year in years:
        try:
            candidate = day.replace(year=year)
        except ValueError:  # 29 February
            continue
        if fits(candidate):
            return candidate
    return None


def period_problem(error: InvalidValue) -> str:
    if error.detail == "end_before_start":
        return _("The end of the period comes before its start. Send the earlier date first.")
    if error.detail == "too_long":
        return _("That period is longer than ten years. Please choose a shorter one.")
    if error.detail == "out_of_range":
        return _("Please choose dates between the years 2000 and 2100.")
    return _("Please send two dates, the first and the last day, e.g. 01.09.2026 – 31.12.2026.")


def may_choose_organization(user: User) -> bool:
    return user.role in NETWORK_VIEWERS


def menu_keyboard(
    user: User, what: str, org_id: int, today: date, token: str
) -> InlineKeyboardMarkup:
    this_year, last_year = academic_year(today), academic_year(today, 1)
    builder = InlineKeyboard()

    def period_button(text: str, code: str) -> None:
        data = ReportCb(action="period", what=what, period=code, org=org_id, token=token)
        builder.button(text=text, callback_data=data)

    period_button(_("This month"), "m")
    period_button(
        _("Academic year {years}").format(years=f"{this_year.start.year}/{this_year.end.year}"),
        "y0",
    )
    period_button(
        _("Academic year {years}").format(years=f"{last_year.start.year}/{last_year.end.year}"),
        "y1",
    )
    builder.button(
        text=_("📅 Other dates…"), callback_data=ReportCb(action="custom", what=what, org=org_id)
    )
    if may_choose_organization(user):
        builder.button(
            text=_("🏫 One organization…"), callback_data=ReportCb(action="orgs", what=what)
        )
        if org_id:
            builder.button(
                text=_("🌐 The whole network"), callback_data=ReportCb(action="allorgs", what=what)
            )
    back_to_menu_button(builder)
    builder.adjust(1)
    return builder.as_markup()


async def menu_view(
    db: Database, user: User, what: str, org_id: int, locale: str, token: str
) -> tuple[str, InlineKeyboardMarkup]:
    scope = await db.reports.scope_for(user, org_id or None)
    org = await db.orgs.get(scope.organization_id) if scope.organization_id else None
    title = _("📊 <b>Report</b>") if what == "stats" else _("📥 <b>Export to a spreadsheet</b>")
    lines = [title, _("Covers: {scope}").format(scope=esc(scope_label(scope, org, locale)))]
    lines += ["", _("Choose the period:")]
    return "\n".join(lines), menu_keyboard(user, what, org_id, db.today(), token)


def formats_keyboard(period: Period, org_id: int, token: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    labels = {"xlsx": _("📗 Excel workbook (.xlsx)"), "csv": _("📄 CSV files (.zip)")}
    for fmt in EXPORT_FORMATS:
        builder.button(
            text=labels[fmt],
            callback_data=ReportCb(
                action="fmt",
                what="export",
                period=period_code(period),
                org=org_id,
                fmt=fmt,
                token=token,
            ),
        )
    back_to_menu_button(builder)
    builder.adjust(1)
    return builder.as_markup()


def after_keyboard(what: str, org_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    label = _("📊 Another report") if what == "stats" else _("📥 Another export")
    builder.button(text=label, callback_data=ReportCb(action="again", what=what, org=org_id))
    back_to_menu_button(builder)
    builder.adjust(1)
    return builder.as_markup()


def report_problem(error: DomainError) -> str:
    if isinstance(error, InvalidValue) and error.field == "period":
        return period_problem(error)
    if isinstance(error, NotAllowed | NotFound):
        return not_allowed()
    return stale_button()


async def _heading(db: Database, scope: ReportScope, period: Period, locale: str) -> str:
    org = await db.orgs.get(scope.organization_id) if scope.organization_id else None
    return report_heading(period, scope_label(scope, org, locale))


async def send_charts(
    bot: Bot, chat_id: int, reports: ReportBuilder, charts: list[BarChart]
) -> None:
    """The charts as one album (drawn in a worker process)."""
    images = await reports.charts(charts)
    if len(images) == 1:  # an album needs two to ten
        await bot.send_photo(chat_id, BufferedInputFile(images[0], filename="chart-1.png"))
    elif images:
        await bot.send_media_group(
            chat_id,
            [
                InputMediaPhoto(media=BufferedInputFile(png, filename=f"chart-{index + 1}.png"))
                for index, png in enumerate(images)
            ],
        )


async def send_export(
    bot: Bot,
    chat_id: int,
    db: Database,
    reports: ReportBuilder,
    scope: ReportScope,
    period: Period,
    fmt: str,
    locale: str,
) -> str:
    """Build the file in a worker and send it; returns what to tell the person."""
    order = ExportOrder(scope, period, locale, fmt, export_labels(), file_stem(period))
    async with reports.export(order) as exported:
        if exported.path is None:
            return _(
                "There is nothing to export for {period}: no placements, visits, hours, requests"
                " or events in it that you may see."
            ).format(period=period_label(period))
        if exported.size > UPLOAD_LIMIT:
            return _(
                "The file is larger than Telegram lets a bot send (50 MB). Choose a shorter"
                " period or one organization."
            )
        caption = _("{heading}\nRows: {rows}").format(
            heading=esc(await _heading(db, scope, period, locale)), rows=whole(exported.data_rows)
        )
        await bot.send_document(
            chat_id, FSInputFile(exported.path, filename=exported.path.name), caption=caption
        )
    return _("✅ The export is ready: the file is above.")


async def open_menu(
    target: Message | CallbackQuery,
    db: Database,
    user: User,
    what: str,
    org_id: int,
    locale: str,
    state: FSMContext,
) -> None:
    # One press of a period per menu: a second tap (or an old menu) builds nothing twice.
    token = await issue_once(state, "report_menu")
    try:
        text, markup = await menu_view(db, user, what, org_id, locale, token)
    except DomainError as error:
        await _answer(target, report_problem(error))
        return
    await _reply(target, text, markup)


async def report_command(
    message: Message, db: Database, user: User, state: FSMContext, locale: str
) -> None:
    await state.clear()
    what = "export" if (message.text or "").lstrip("/").startswith("export") else "stats"
    await open_menu(message, db, user, what, 0, locale, state)


async def report_button(
    query: CallbackQuery,
    callback_data: MenuCb,
    db: Database,
    user: User,
    state: FSMContext,
    locale: str,
) -> None:
    await state.clear()
    await open_menu(query, db, user, callback_data.action, 0, locale, state)


async def back_to_menu(
    query: CallbackQuery,
    callback_data: ReportCb,
    db: Database,
    user: User,
    state: FSMContext,
    locale: str,
) -> None:
    org_id = callback_data.org if callback_data.action == "again" else 0
    await open_menu(query, db, user, callback_data.what, org_id, locale, state)


# ----- a period ---------------------------------------------------------------------------


async def period_chosen(
    query: CallbackQuery,
    callback_data: ReportCb,
    db: Database,
    user: User,
    reports: ReportBuilder,
    settings: HandlerSettings,
    state: FSMContext,
    locale: str,
) -> None:
    period = decode_period(callback_data.period, db.today())
    if period is None:
        await query.answer(stale_button(), show_alert=True)
        return
    scope = await scope_or_answer(query, db, user, callback_data.org)
    if scope is None:
        return
    if not await spend_once(state, "report_menu", callback_data.token):
        await query.answer(stale_button(), show_alert=True)
        return
    await query.answer()  # at once: charts take a moment
    await deliver(
        query,
        db,
        user,
        scope,
        reports,
        settings,
        state,
        callback_data.what,
        period,
        callback_data.org,
        locale,
    )


async def deliver(
    target: CallbackQuery | Message,
    db: Database,
    viewer: User,
    scope: ReportScope,
    reports: ReportBuilder,
    settings: HandlerSettings,
    state: FSMContext,
    what: str,
    period: Period,
    org_id: int,
    locale: str,
) -> None:
    if what == "export":
        token = await issue_once(state, "report_token")
        text = _("Export for {period}. Which format?").format(period=period_label(period))
        await _reply(target, text, formats_keyboard(period, org_id, token))
        return
    report = await db.reports.build(scope, period, settings.required_hours, locale)
    heading = await _heading(db, scope, period, locale)
    await _reply(target, summary_text(report, heading), after_keyboard(what, org_id))
    assert target.bot is not None
    assert target.from_user is not None
    if viewer.role in NETWORK_VIEWERS:
        feedback = await db.reports.school_feedback(scope, period, locale)
        await target.bot.send_message(target.from_user.id, feedback_text(feedback))
    await send_charts(target.bot, target.from_user.id, reports, report_charts(report, heading))


async def custom_period(query: CallbackQuery, callback_data: ReportCb, state: FSMContext) -> None:
    await state.set_state(ReportDates.period)
    await write_form(
        state, ReportForm(report_what=callback_data.what, report_org=callback_data.org)
    )
    builder = InlineKeyboard()
    builder.add(cancel_item())
    await show(
        query,
        _("Send the first and the last day of the period, e.g. 01.09.2026 – 31.12.2026:"),
        builder.as_markup(),
    )


async def period_typed(
    message: Message,
    db: Database,
    user: User,
    reports: ReportBuilder,
    settings: HandlerSettings,
    state: FSMContext,
    locale: str,
) -> None:
    try:
        period = parse_period(message.text or "", db.today())
    except InvalidValue as error:
        await message.answer(period_problem(error))
        return
    data = await read_form(state, ReportForm)
    await state.set_state(None)
    org_id = int(data.get("report_org", 0))
    scope = await scope_or_answer(message, db, user, org_id)
    if scope is not None:
        what = chosen_report(data)
        await deliver(
            message, db, user, scope, reports, settings, state, what, period, org_id, locale
        )


async def period_not_text(message: Message) -> None:
    await message.answer(send_text_please())


# ----- one organization ---------------------------------------------------------------------


async def organization_page(
    query: CallbackQuery, db: Database, user: User, number: int, locale: str
) -> None:
    # A department official may narrow only within their region: list only those.
    region = await db.reports.viewer_region(user)
    page = await OrgPage.load(db, [], number, "", locale, region)
    await show(
        query,
        _("Choose the organization, or type part of its name to search:"),
        org_page_keyboard(page, locale, "report", menu_item()),
    )


async def choose_organization(
    query: CallbackQuery,
    callback_data: ReportCb,
    db: Database,
    user: User,
    state: FSMContext,
    locale: str,
) -> None:
    await state.set_state(ReportDates.organization)
    await write_form(state, ReportForm(report_what=callback_data.what))
    await organization_page(query, db, user, 0, locale)


async def search_organization(message: Message, db: Database, user: User, locale: str) -> None:
    region = await db.reports.viewer_region(user)
    page = await OrgPage.load(db, [], 0, (message.text or "")[:100], locale, region)
    text = _("Choose:") if page.orgs else _("Nothing found. Try another part of the name.")
    await message.answer(text, reply_markup=org_page_keyboard(page, locale, "report", menu_item()))


async def organization_chosen(
    query: CallbackQuery,
    callback_data: OrgPickCb,
    db: Database,
    user: User,
    state: FSMContext,
    locale: str,
) -> None:
    if callback_data.page is not None:
        await organization_page(query, db, user, callback_data.page, locale)
        return
    what = chosen_report(await read_form(state, ReportForm))
    await state.set_state(None)
    await open_menu(query, db, user, what, callback_data.org_id or 0, locale, state)


# ----- the export itself ---------------------------------------------------------------------


async def format_chosen(
    query: CallbackQuery,
    callback_data: ReportCb,
    db: Database,
    user: User,
    reports: ReportBuilder,
    state: FSMContext,
    locale: str,
) -> None:
    period = decode_period(callback_data.period, db.today())
    if period is None or callback_data.fmt not in EXPORT_FORMATS:
        await query.answer(stale_button(), show_alert=True)
        return
    scope = await scope_or_answer(query, db, user, callback_data.org)
    if scope is None:
        return
    if not await spend_once(state, "report_token", callback_data.token):
        await query.answer(_("This export has already been made."), show_alert=True)
        return
    await query.answer()  # at once: Telegram stops waiting for an answer after a while
    await show(query, _("⏳ Preparing the file… Large exports take up to a minute."))
    assert query.bot is not None
    outcome = await send_export(
        query.bot, query.from_user.id, db, reports, scope, period, callback_data.fmt, locale
    )
    await query.bot.send_message(
        query.from_user.id, outcome, reply_markup=after_keyboard("export", callback_data.org)
    )


def get_router() -> Router:
    router = Router(name="reports")
    router.message.filter(HasRole(*REPORT_VIEWERS))
    router.callback_query.filter(HasRole(*REPORT_VIEWERS))
    router.message.register(report_command, Command("stats", "export"))
    router.callback_query.register(report_button, MenuCb.filter(F.action.in_({"stats", "export"})))
    router.callback_query.register(
        back_to_menu, ReportCb.filter(F.action.in_({"again", "allorgs"}))
    )
    router.callback_query.register(period_chosen, ReportCb.filter(F.action == "period"))
    router.callback_query.register(custom_period, ReportCb.filter(F.action == "custom"))
    router.message.register(period_typed, ReportDates.period, F.text)
    router.message.register(period_not_text, ReportDates.period)
    router.callback_query.register(
        choose_organization, ReportCb.filter(F.action == "orgs"), HasRole(*NETWORK_VIEWERS)
    )
    router.message.register(
        search_organization, ReportDates.organization, F.text, HasRole(*NETWORK_VIEWERS)
    )
    router.callback_query.register(
        organization_chosen, OrgPickCb.filter(F.purpose == "report"), HasRole(*NETWORK_VIEWERS)
    )
    router.callback_query.register(format_chosen, ReportCb.filter(F.action == "fmt"))
    return router


def chosen_report(data: ReportForm) -> str:
    """Which report a conversation that went through a step (dates, organization) is for."""
    return "export" if data.get("report_what") == "export" else "stats"


OnceKey = Literal["report_menu", "report_token"]


async def issue_once(state: FSMContext, key: OnceKey) -> str:
    """A token for buttons that may act only once; `spend_once` uses it up."""
    token = secrets.token_hex(4)
    await state.update_data({key: token})
    return token


async def spend_once(state: FSMContext, key: OnceKey, presented: str) -> bool:
    """Whether `presented` is the live token under `key`; afterwards it is spent."""
    if not presented or (await read_form(state, ReportForm)).get(key) != presented:
        return False
    await state.update_data({key: None})
    return True


async def scope_or_answer(
    target: CallbackQuery | Message, db: Database, user: User, org_id: int
) -> ReportScope | None:
    """What this person may see (narrowed to `org_id`); else tell them why not."""
    try:
        return await db.reports.scope_for(user, org_id or None)
    except DomainError as error:
        await _answer(target, report_problem(error))
        return None


async def _answer(target: CallbackQuery | Message, text: str) -> None:
    if isinstance(target, CallbackQuery):
        await target.answer(text, show_alert=True)
    else:
        await target.answer(text)


async def _reply(
    target: CallbackQuery | Message, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    if isinstance(target, CallbackQuery):
        await show(target, text, markup)
    else:
        await target.answer(text, reply_markup=markup)
