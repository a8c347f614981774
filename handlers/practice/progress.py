"""/progress: visits, average scores and hours — for a student, a mentor's students, a school."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from db import Database
from db.domain.evaluations import EvaluationKind
from db.domain.models import Role, User
from db.domain.placements import PARTNER_KINDS, Application, ApplicationStatus
from db.domain.roles import STAFF
from handlers.kit.callbacks import MenuCb, OrgPickCb
from handlers.kit.filters import Registered
from handlers.kit.formatting import esc, fmt_date
from handlers.kit.keyboard import InlineKeyboard
from handlers.kit.menu import back_to_menu_button, menu_item
from handlers.kit.orgpicker import OrgPage, org_page_keyboard
from handlers.kit.settings import HandlerSettings
from handlers.kit.texts import not_allowed
from handlers.kit.ui import show
from handlers.practice.callbacks import DiaryCb, DocCb, DocKind, ProgressCb, VisitCb
from handlers.practice.states import SchoolSearch
from handlers.practice.texts import (
    PracticeEnding,
    ending_lines,
    no_visit_label,
    number,
    progress_text,
)


async def may_see(db: Database, viewer: User, application: Application) -> bool:
    if viewer.role in STAFF:
        return True
    if viewer.role is Role.STUDENT:
        return application.student_id == viewer.id
    if viewer.role is Role.MENTOR:
        return application.mentor_id == viewer.id
    if viewer.role is Role.DIRECTOR:
        offer = await db.placements.offer(application.offer_id)
        return offer is not None and offer.organization_id == viewer.organization_id
    return False


async def card(
    db: Database, application: Application, locale: str, settings: HandlerSettings, viewer: User
) -> tuple[str, PracticeEnding]:
    progress = await db.practice.progress(application, settings.required_hours)
    student = await db.users.get(application.student_id)
    ending = await practice_ending(db, application.id)
    school = await db.orgs.get(progress.offer.organization_id)
    assert student is not None
    lines = [progress_text(progress, student, school, locale), ""]
    lines += ending_lines(ending, show_texts=viewer.role is not Role.DIRECTOR)
    return "\n".join(lines), ending


async def practice_ending(db: Database, application_id: int) -> PracticeEnding:
    evaluations = await db.evaluations.of(application_id)
    mark = await db.evaluations.final_mark(application_id)
    diary_days = await db.diary.count(application_id)
    report = await db.diary.report(application_id)
    return PracticeEnding(evaluations, mark, diary_days, report)


def ending_buttons(
    builder: InlineKeyboard, application: Application, ending: PracticeEnding, viewer: User
) -> None:
    """The diary and the files that exist, for whoever may see the card."""
    app_id = application.id
    builder.button(text=_("📓 Diary"), callback_data=DiaryCb(action="page", application_id=app_id))
    if ending.report is not None:
        builder.button(
            text=_("📎 Report"), callback_data=DocCb(kind=DocKind.REPORT, application_id=app_id)
        )
    if ending.evaluations:
        builder.button(
            text=_("📄 Evaluation sheet"),
            callback_data=DocCb(kind=DocKind.SHEET, application_id=app_id),
        )
    final = ending.evaluations.get(EvaluationKind.FINAL)
    if final is not None and final.confirmed_at is not None:
        builder.button(
            text=_("📄 Characteristic"),
            callback_data=DocCb(kind=DocKind.CHARACTERISTIC, application_id=app_id),
        )
    if ending.mark is not None and (application.mentor_id == viewer.id or viewer.role in STAFF):
        builder.button(
            text=_("📄 Certificate of mentoring"),
            callback_data=DocCb(kind=DocKind.CERTIFICATE, application_id=app_id),
        )


async def list_view(
    db: Database,
    placements: list[Application],
    title: str,
    settings: HandlerSettings,
    extra: tuple[str, CallbackData] | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """Numbered students with a one-line progress each; `extra` is one more full-width button."""
    builder = InlineKeyboard()
    if not placements:
        lines = [title, "", _("No students on practice here right now.")]
    else:
        students = await db.users.by_ids([p.student_id for p in placements])
        lines = [title, ""]
        for index, placement in enumerate(placements[:30], start=1):
            progress = await db.practice.progress(placement, settings.required_hours)
            last = fmt_date(progress.last_visit) if progress.last_visit else "—"
            lines.append(
                _(
                    "<b>{index}.</b> {name}: visits {visits} (last {last}), hours "
                    "{confirmed}/{required}"
                ).format(
                    index=index,
                    name=esc(students[placement.student_id].full_name),
                    visits=progress.visits,
                    last=last,
                    confirmed=number(progress.hours_confirmed),
                    required=progress.hours_required,
                )
            )
            builder.button(
                text=str(index), callback_data=ProgressCb(action="app", value=placement.id)
            )
    if extra is not None:
        builder.button(text=extra[0], callback_data=extra[1])
    back_to_menu_button(builder)
    builder.adjust(*([6] * (-(-min(len(placements), 30) // 6))), 1, 1)
    return "\n".join(lines), builder.as_markup()


async def school_view(
    db: Database, organization_id: int, locale: str, settings: HandlerSettings
) -> tuple[str, InlineKeyboardMarkup]:
    school = await db.orgs.get(organization_id)
    title = _("Students on practice at {school}:").format(
        school=esc(school.name(locale) if school else "—")
    )
    no_visit = (
        no_visit_label(settings.no_visit_days),
        ProgressCb(action="novisit", value=organization_id),
    )
    return await list_view(
        db, await db.practice.placements_at(organization_id), title, settings, no_visit
    )


async def no_visit_view(
    db: Database, organization_id: int | None, settings: HandlerSettings
) -> tuple[str, InlineKeyboardMarkup]:
    found = await db.practice.without_recent_visit(settings.no_visit_days, organization_id)
    students = await db.users.by_ids([application.student_id for application, _ in found])
    builder = InlineKeyboard()
    days = ngettext("{n} day", "{n} days", settings.no_visit_days).format(n=settings.no_visit_days)
    lines = [_("No mentor visit for {days}:").format(days=days), ""]
    if not found:
        lines.append(_("Everyone has been visited recently."))
    for index, (application, last) in enumerate(found[:40], start=1):
        when = fmt_date(last) if last else _("never")
        lines.append(
            _("{index}. {name} — last visit: {when}").format(
                index=index, name=esc(students[application.student_id].full_name), when=when
            )
        )
        builder.button(
            text=str(index), callback_data=ProgressCb(action="app", value=application.id)
        )
    back_to_menu_button(builder)
    builder.adjust(*([6] * (-(-min(len(found), 40) // 6))), 1)
    return "\n".join(lines), builder.as_markup()


async def overview(
    user: User, db: Database, state: FSMContext, locale: str, settings: HandlerSettings
) -> tuple[str, InlineKeyboardMarkup]:
    await state.clear()
    if user.role is Role.STUDENT:
        placement = await db.practice.current_placement(user)
        builder = InlineKeyboard()
        back_to_menu_button(builder)
        if placement is None:
            return _(
                "Your progress appears here once your practice has started."
            ), builder.as_markup()
        text, ending = await card(db, placement, locale, settings, user)
        builder = InlineKeyboard()
        ending_buttons(builder, placement, ending, user)
        back_to_menu_button(builder)
        builder.adjust(1)
        return text, builder.as_markup()
    if user.role is Role.MENTOR:
        return await list_view(
            db,
            await db.placements.mentor_students(user.id),
            _("Your students:"),
            settings,
        )
    if user.role is Role.DIRECTOR and user.organization_id is not None:
        return await school_view(db, user.organization_id, locale, settings)
    if user.role in STAFF:
        await state.set_state(SchoolSearch.query)
        page = await OrgPage.load(db, sorted(PARTNER_KINDS), 0, "", locale)
        no_visit = InlineKeyboardButton(
            text=no_visit_label(settings.no_visit_days),
            callback_data=ProgressCb(action="novisit", value=0).pack(),
        )
        markup = org_page_keyboard(page, locale, "progorg", no_visit, menu_item())
        return _("Which school? Choose, or type part of its name:"), markup
    return not_allowed(), InlineKeyboard().as_markup()


async def progress_command(
    message: Message,
    user: User,
    db: Database,
    state: FSMContext,
    locale: str,
    settings: HandlerSettings,
) -> None:
    text, markup = await overview(user, db, state, locale, settings)
    await message.answer(text, reply_markup=markup)


async def progress_button(
    query: CallbackQuery,
    user: User,
    db: Database,
    state: FSMContext,
    locale: str,
    settings: HandlerSettings,
) -> None:
    text, markup = await overview(user, db, state, locale, settings)
    await show(query, text, markup)


async def one_student(
    query: CallbackQuery,
    callback_data: ProgressCb,
    user: User,
    db: Database,
    locale: str,
    settings: HandlerSettings,
) -> None:
    application = await db.placements.application(callback_data.value)
    if (
        application is None
        or application.status is not ApplicationStatus.APPROVED
        or not await may_see(db, user, application)
    ):
        await query.answer(not_allowed(), show_alert=True)
        return
    text, ending = await card(db, application, locale, settings, user)
    builder = InlineKeyboard()
    if user.role is Role.MENTOR or user.role in STAFF:
        builder.button(
            text=_("📝 Log a visit"), callback_data=VisitCb(action="for", value=application.id)
        )
    ending_buttons(builder, application, ending, user)
    back_to_menu_button(builder)
    builder.adjust(1)
    await show(query, text, builder.as_markup())


async def search_school(message: Message, user: User, db: Database, locale: str) -> None:
    if user.role not in STAFF:
        return
    page = await OrgPage.load(db, sorted(PARTNER_KINDS), 0, (message.text or "")[:100], locale)
    text = (
        _("Choose the school:")
        if page.total
        else _("Nothing found. Type another part of the name.")
    )
    await message.answer(text, reply_markup=org_page_keyboard(page, locale, "progorg"))


async def school_chosen(
    query: CallbackQuery,
    callback_data: OrgPickCb,
    user: User,
    db: Database,
    state: FSMContext,
    locale: str,
    settings: HandlerSettings,
) -> None:
    if user.role not in STAFF:
        await query.answer(not_allowed(), show_alert=True)
        return
    if callback_data.page is not None:
        page = await OrgPage.load(db, sorted(PARTNER_KINDS), callback_data.page, "", locale)
        await show(query, _("Choose the school:"), org_page_keyboard(page, locale, "progorg"))
        return
    await state.clear()
    text, markup = await school_view(db, callback_data.org_id or 0, locale, settings)
    await show(query, text, markup)


async def no_visit(
    query: CallbackQuery,
    callback_data: ProgressCb,
    user: User,
    db: Database,
    settings: HandlerSettings,
) -> None:
    organization_id: int | None = callback_data.value or None
    if user.role is Role.DIRECTOR:
        if organization_id != user.organization_id:
            await query.answer(not_allowed(), show_alert=True)
            return
    elif user.role not in STAFF:
        await query.answer(not_allowed(), show_alert=True)
        return
    text, markup = await no_visit_view(db, organization_id, settings)
    await show(query, text, markup)


def get_router() -> Router:
    router = Router(name="progress")
    router.message.filter(Registered())
    router.callback_query.filter(Registered())
    router.message.register(progress_command, Command("progress"))
    router.callback_query.register(progress_button, MenuCb.filter(F.action == "progress"))
    router.callback_query.register(one_student, ProgressCb.filter(F.action == "app"))
    router.message.register(search_school, SchoolSearch.query, F.text)
    router.callback_query.register(school_chosen, OrgPickCb.filter(F.purpose == "progorg"))
    router.callback_query.register(no_visit, ProgressCb.filter(F.action == "novisit"))
    return router
