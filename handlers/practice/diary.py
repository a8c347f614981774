"""/diary and /report: the student's practice diary and final report; the mentor reads both.

The diary lists the days of the hours log (and any other day written), newest first, a week at
a time; the student taps a day to write what they did and a short reflection.
"""

from __future__ import annotations

from datetime import date

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from db import Database
from db.domain.diary import DIARY_PAGE, DID_MAX, REFLECTION_MAX, REPORT_MAX_BYTES, ReportFile
from db.domain.errors import DomainError, InvalidValue
from db.domain.evaluations import AlreadySubmitted
from db.domain.models import Role, User
from db.domain.placements import Application, ApplicationStatus
from handlers.kit.drafts import read_form, start_form, write_form
from handlers.kit.filters import HasRole, Registered
from handlers.kit.formatting import esc, fmt_date
from handlers.kit.keyboard import InlineKeyboard
from handlers.kit.menu import back_to_menu_button
from handlers.kit.texts import not_allowed, send_text_please, stale_button
from handlers.kit.ui import show
from handlers.practice.callbacks import DiaryCb
from handlers.practice.progress import may_see
from handlers.practice.states import DiaryFlow, DiaryForm, ReportFlow, ReportForm
from handlers.practice.texts import number

STUDENT = HasRole(Role.STUDENT)


async def diary_view(
    db: Database, application: Application, reader: User, before: date
) -> tuple[str, InlineKeyboardMarkup]:
    """A week of the diary before `before`; the student gets a button to write each day."""
    days = await db.diary.days(application.id, before, DIARY_PAGE)
    writer = application.student_id == reader.id
    builder = InlineKeyboard()
    lines = [_("📓 <b>Practice diary</b>"), ""]
    today = db.today()
    offer = await db.placements.offer(application.offer_id) if writer else None
    running = offer is not None and offer.starts_on <= today <= offer.ends_on
    if running and before > today and all(day.day != today for day in days):
        builder.button(
            text=_("✍️ Today"),
            callback_data=DiaryCb(
                action="write", application_id=application.id, day=today.toordinal()
            ),
        )
    if not days:
        lines.append(_("No days yet: the days you log hours for appear here."))
    for day in days:
        heading = f"<b>{fmt_date(day.day)}</b>"
        if day.hours:
            heading += " · " + _("{hours} h").format(hours=number(day.hours))
        lines.append(heading)
        if day.entry is None:
            lines.append("    " + _("not written yet"))
        else:
            lines.append("    " + esc(day.entry.did))
            lines.append("    <i>" + esc(day.entry.reflection) + "</i>")
        if writer:
            builder.button(
                text=("✍️ " if day.entry is None else "✏️ ") + fmt_date(day.day),
                callback_data=DiaryCb(
                    action="write", application_id=application.id, day=day.day.toordinal()
                ),
            )
    if len(days) == DIARY_PAGE:
        builder.button(
            text=_("◀️ Earlier"),
            callback_data=DiaryCb(
                action="page", application_id=application.id, day=days[-1].day.toordinal()
            ),
        )
    back_to_menu_button(builder)
    builder.adjust(1)
    return "\n".join(lines), builder.as_markup()


async def diary_command(message: Message, user: User, db: Database, state: FSMContext) -> None:
    await state.clear()
    placement = await db.practice.current_placement(user)
    if placement is None:
        await message.answer(_("Your diary opens once your practice has started."))
        return
    text, markup = await diary_view(db, placement, user, date.max)
    await message.answer(text, reply_markup=markup)


async def readable(db: Database, user: User, application_id: int) -> Application | None:
    application = await db.placements.application(application_id)
    if application is None or application.status is not ApplicationStatus.APPROVED:
        return None
    return application if await may_see(db, user, application) else None


async def diary_page(
    query: CallbackQuery, callback_data: DiaryCb, user: User, db: Database
) -> None:
    application = await readable(db, user, callback_data.application_id)
    if application is None:
        await query.answer(not_allowed(), show_alert=True)
        return
    before = date.max if callback_data.day == 0 else date.fromordinal(callback_data.day)
    await show(query, *(await diary_view(db, application, user, before)))


async def write_day(
    query: CallbackQuery, callback_data: DiaryCb, user: User, db: Database, state: FSMContext
) -> None:
    application = await readable(db, user, callback_data.application_id)
    if application is None or application.student_id != user.id or callback_data.day == 0:
        await query.answer(not_allowed(), show_alert=True)
        return
    day = date.fromordinal(callback_data.day)
    await state.set_state(DiaryFlow.did)
    await start_form(state, DiaryForm(diary_app=application.id, diary_day=day.isoformat()))
    entry = await db.diary.entry(application.id, day)
    text = _("{date}: what did you do? (lessons, classes, other work)").format(date=fmt_date(day))
    if entry is not None:
        text += "\n\n" + _("Now written:") + "\n" + esc(entry.did)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(text)


async def did_written(message: Message, state: FSMContext) -> None:
    text = (message.text or "").strip()
    if not text:
        await message.answer(send_text_please())
        return
    if len(text) > DID_MAX:
        await message.answer(_("Please keep it under {max} characters.").format(max=DID_MAX))
        return
    await write_form(state, DiaryForm(diary_did=text))
    await state.set_state(DiaryFlow.reflection)
    await message.answer(_("A short reflection: what worked, what would you do differently?"))


async def reflection_written(message: Message, user: User, db: Database, state: FSMContext) -> None:
    text = (message.text or "").strip()
    if not text:
        await message.answer(send_text_please())
        return
    if len(text) > REFLECTION_MAX:
        await message.answer(_("Please keep it under {max} characters.").format(max=REFLECTION_MAX))
        return
    form = await read_form(state, DiaryForm)
    day = date.fromisoformat(form.get("diary_day", date.min.isoformat()))
    try:
        await db.diary.write(user, form.get("diary_app", 0), day, form.get("diary_did", ""), text)
    except DomainError as problem:
        await state.clear()
        await message.answer(diary_problem(problem))
        return
    await state.clear()
    application = await db.placements.application(form.get("diary_app", 0))
    assert application is not None
    view, markup = await diary_view(db, application, user, date.max)
    await message.answer(_("Saved.") + "\n\n" + view, reply_markup=markup)


def diary_problem(problem: DomainError) -> str:
    if isinstance(problem, AlreadySubmitted):
        return _("The practice is graded; its diary and report can no longer change.")
    if isinstance(problem, InvalidValue) and problem.detail == "outside_practice":
        return _("Only a day of your practice, up to today, can be written.")
    if isinstance(problem, InvalidValue) and problem.detail == "not_a_document":
        return _("The report must be a PDF or Word file (.pdf, .doc, .docx).")
    if isinstance(problem, InvalidValue) and problem.detail == "too_large":
        return _("The file is too large: at most {size} MB.").format(
            size=REPORT_MAX_BYTES // (1024 * 1024)
        )
    return stale_button()


async def report_command(message: Message, user: User, db: Database, state: FSMContext) -> None:
    placement = await db.practice.current_placement(user)
    if placement is None:
        await state.clear()
        await message.answer(_("You can upload a report once your practice has started."))
        return
    report = await db.diary.report(placement.id)
    await state.set_state(ReportFlow.file)
    await start_form(state, ReportForm(report_app=placement.id))
    text = _("Send your practice report as a file: PDF or Word, up to {size} MB.").format(
        size=REPORT_MAX_BYTES // (1024 * 1024)
    )
    if report is not None:
        text += "\n\n" + _("Uploaded already: {name}, {date}. A new file replaces it.").format(
            name=esc(report.file.file_name), date=fmt_date(report.uploaded_at, db.timezone)
        )
    await message.answer(text)


async def report_sent(message: Message, user: User, db: Database, state: FSMContext) -> None:
    document = message.document
    assert document is not None
    form = await read_form(state, ReportForm)
    file = ReportFile(
        document.file_id,
        document.file_name or "",
        document.mime_type or "",
        document.file_size or 0,
    )
    try:
        report = await db.diary.attach_report(user, form.get("report_app", 0), file)
    except DomainError as problem:
        if isinstance(problem, InvalidValue):  # the student may send another file
            await message.answer(diary_problem(problem))
            return
        await state.clear()
        await message.answer(diary_problem(problem))
        return
    await state.clear()
    await message.answer(
        _("Report saved: {name}. Your mentor and the practice supervisor can open it.").format(
            name=esc(report.file.file_name)
        )
    )


async def not_a_file(message: Message) -> None:
    await message.answer(_("The report must be a PDF or Word file (.pdf, .doc, .docx)."))


async def not_text(message: Message) -> None:
    await message.answer(send_text_please())


def get_router() -> Router:
    router = Router(name="diary")
    router.message.register(diary_command, Command("diary"), STUDENT)
    router.message.register(report_command, Command("report"), STUDENT)
    router.callback_query.register(diary_page, DiaryCb.filter(F.action == "page"), Registered())
    router.callback_query.register(write_day, DiaryCb.filter(F.action == "write"), STUDENT)
    router.message.register(did_written, DiaryFlow.did, F.text, STUDENT)
    router.message.register(reflection_written, DiaryFlow.reflection, F.text, STUDENT)
    router.message.register(report_sent, ReportFlow.file, F.document, STUDENT)
    router.message.register(not_text, DiaryFlow.did)
    router.message.register(not_text, DiaryFlow.reflection)
    router.message.register(not_a_file, ReportFlow.file)
    return router
