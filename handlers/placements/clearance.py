"""Required documents: students upload them with their expiry; coordinators verify or return."""

from __future__ import annotations

from contextlib import suppress

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from db import Database
from db.clearance import UpcomingPractice
from db.domain.clearance import (
    RequiredDocument,
    Standing,
    StudentDocument,
    required_for,
    standing,
)
from db.domain.errors import DomainError, InvalidValue, NotAllowed, NotFound
from db.domain.models import User
from db.domain.roles import STAFF, STUDENTS
from handlers.kit.callbacks import MenuCb
from handlers.kit.common import cancel_button
from handlers.kit.dates import parse_date
from handlers.kit.filters import HasRole
from handlers.kit.formatting import esc, fmt_date
from handlers.kit.keyboard import InlineKeyboard
from handlers.kit.menu import back_to_menu_button
from handlers.kit.settings import HandlerSettings
from handlers.kit.texts import not_allowed
from handlers.kit.ui import show
from handlers.placements.callbacks import CheckDocCb, MyDocCb
from handlers.placements.period import date_hint
from handlers.placements.states import ReturnDocument, UploadDocument
from handlers.placements.texts import value_problem


def needed(
    documents: tuple[RequiredDocument, ...], upcoming: list[UpcomingPractice]
) -> list[RequiredDocument]:
    """For the student's coming practices; all configured ones when none is known yet."""
    if not upcoming:
        return list(documents)
    return required_for(documents, [practice.kind for practice in upcoming])


def standing_line(state: Standing, held: StudentDocument | None) -> str:
    if state is Standing.CLEARED and held is not None:
        return _("✅ verified, valid until {date}").format(date=fmt_date(held.expires_on))
    if state is Standing.EXPIRES and held is not None:
        return _("⚠️ valid only until {date}, before your practice ends").format(
            date=fmt_date(held.expires_on)
        )
    if state is Standing.SUBMITTED:
        return _("⏳ uploaded, awaiting a coordinator's check")
    if state is Standing.RETURNED and held is not None:
        return _("↩️ returned: {reason}").format(reason=esc(held.reason or "—"))
    return _("❌ not uploaded")


async def documents_view(
    db: Database, student: User, settings: HandlerSettings
) -> tuple[str, InlineKeyboardMarkup]:
    builder = InlineKeyboard()
    upcoming = await db.clearance.upcoming(student.id)
    wanted = needed(settings.required_documents, upcoming)
    if not wanted:
        back_to_menu_button(builder)
        return _("No documents are required for your practice."), builder.as_markup()
    held = await db.clearance.held(student.id)
    last_day = max((practice.ends_on for practice in upcoming), default=None)
    lines = [
        _(
            "<b>Documents for your practice</b>. Each must be verified before the practice"
            " starts. Send a PDF or a photo; a coordinator checks it."
        ),
        "",
    ]
    for number, document in enumerate(wanted, start=1):
        state = standing(held.get(document.key), last_day)
        lines.append(
            f"{number}. <b>{esc(document.name(student.locale))}</b>: "
            f"{standing_line(state, held.get(document.key))}"
        )
        builder.button(
            text=f"📎 {number}", callback_data=MyDocCb(action="upload", key=document.key)
        )
    back_to_menu_button(builder)
    builder.adjust(min(len(wanted), 4), 1)
    return "\n".join(lines), builder.as_markup()


async def missing_line(db: Database, student: User, settings: HandlerSettings) -> str | None:
    """For /myplacement: what is not in order yet, in one line; None when all is."""
    upcoming = await db.clearance.upcoming(student.id)
    if not upcoming or not settings.required_documents:
        return None
    held = await db.clearance.held(student.id)
    last_day = max(practice.ends_on for practice in upcoming)
    open_items = [
        document.name(student.locale)
        for document in needed(settings.required_documents, upcoming)
        if standing(held.get(document.key), last_day) is not Standing.CLEARED
    ]
    if not open_items:
        return None
    return _("📄 Documents not in order yet: {names}. See /documents.").format(
        names=esc(", ".join(open_items))
    )


async def documents_command(
    message: Message, user: User, db: Database, state: FSMContext, settings: HandlerSettings
) -> None:
    await state.clear()
    text, markup = await documents_view(db, user, settings)
    await message.answer(text, reply_markup=markup)


async def documents_button(
    query: CallbackQuery, user: User, db: Database, state: FSMContext, settings: HandlerSettings
) -> None:
    await state.clear()
    text, markup = await documents_view(db, user, settings)
    await show(query, text, markup)


def configured(settings: HandlerSettings, key: str) -> RequiredDocument | None:
    return next((d for d in settings.required_documents if d.key == key), None)


async def upload_asked(
    query: CallbackQuery,
    callback_data: MyDocCb,
    user: User,
    state: FSMContext,
    settings: HandlerSettings,
) -> None:
    document = configured(settings, callback_data.key)
    if document is None:
        await query.answer(not_allowed(), show_alert=True)
        return
    await state.set_state(UploadDocument.file)
    await state.set_data({"key": document.key})
    builder = InlineKeyboard()
    cancel_button(builder)
    await show(
        query,
        _("Send “{name}”: a PDF file, or a photo of it.").format(
            name=esc(document.name(user.locale))
        ),
        builder.as_markup(),
    )


async def file_sent(message: Message, state: FSMContext) -> None:
    if message.photo:
        largest = message.photo[-1]
        file = {"file_id": largest.file_id, "name": "photo.jpg", "size": largest.file_size or 1}
    elif message.document:
        document = message.document
        file = {
            "file_id": document.file_id,
            "name": document.file_name or "",
            "size": document.file_size or 0,
        }
    else:
        await message.answer(_("Please send a PDF file or a photo of the document."))
        return
    name = str(file["name"]).lower()
    if not name.endswith((".pdf", ".jpg", ".jpeg", ".png")):
        await message.answer(_("Please send a PDF file or a photo of the document."))
        return
    await state.update_data(file)
    await state.set_state(UploadDocument.expires_on)
    await message.answer(_("Valid until which date (as written on the document)?"))


async def expiry_written(
    message: Message, user: User, db: Database, state: FSMContext, settings: HandlerSettings
) -> None:
    expires_on = parse_date(message.text or "", db.today())
    if expires_on is None:
        await message.answer(date_hint())
        return
    data = await state.get_data()
    document = configured(settings, str(data.get("key", "")))
    if document is None:
        await state.clear()
        await message.answer(not_allowed())
        return
    try:
        await db.clearance.upload(
            user,
            document,
            str(data["file_id"]),
            str(data["name"]),
            int(data["size"]),
            expires_on,
        )
    except InvalidValue as problem:
        await message.answer(upload_problem(problem))
        if problem.field != "expires_on":
            await state.clear()
        return
    await state.clear()
    text, markup = await documents_view(db, user, settings)
    await message.answer(
        _("Saved; a coordinator will check it.") + "\n\n" + text, reply_markup=markup
    )


def upload_problem(problem: InvalidValue) -> str:
    if problem.field == "expires_on":
        return _("That date has passed: the document has expired. Send the date on a valid one.")
    if problem.detail == "too_large":
        return _("The file is larger than 20 MB. Please send a smaller scan.")
    if problem.detail == "not_pdf_or_photo":
        return _("Please send a PDF file or a photo of the document.")
    return value_problem(problem)


# ----- the coordinator's check -------------------------------------------------------------


async def send_next(
    bot: Bot, chat_id: int, db: Database, settings: HandlerSettings, offset: int, locale: str
) -> None:
    held, total = await db.clearance.to_check(offset)
    if held is None and offset > 0:
        offset = 0
        held, total = await db.clearance.to_check(0)
    if held is None:
        builder = InlineKeyboard()
        back_to_menu_button(builder)
        await bot.send_message(
            chat_id, _("No documents are waiting for a check."), reply_markup=builder.as_markup()
        )
        return
    student = await db.users.get(held.student_id)
    document = configured(settings, held.key)
    caption = "\n".join(
        [
            _("Document {position} of {total} to check").format(position=offset + 1, total=total),
            _("Student: {name}").format(name=esc(student.full_name if student else "—")),
            _("Document: {name}").format(name=esc(document.name(locale) if document else held.key)),
            _("Valid until: {date}").format(date=fmt_date(held.expires_on)),
        ]
    )
    builder = InlineKeyboard()
    for label, action in ((_("✅ Verify"), "verify"), (_("↩️ Return"), "return")):
        builder.button(
            text=label,
            callback_data=CheckDocCb(
                action=action,
                student_id=held.student_id,
                key=held.key,
                version=held.version,
                offset=offset,
            ),
        )
    if total > 1:
        builder.button(
            text=_("Skip ▶️"),
            callback_data=CheckDocCb(action="next", offset=(offset + 1) % total),
        )
    builder.adjust(2, 1)
    if held.file_type == "photo":
        await bot.send_photo(
            chat_id, held.file_id, caption=caption, reply_markup=builder.as_markup()
        )
    else:
        await bot.send_document(
            chat_id, held.file_id, caption=caption, reply_markup=builder.as_markup()
        )


async def check_command(
    message: Message,
    bot: Bot,
    db: Database,
    state: FSMContext,
    settings: HandlerSettings,
    locale: str,
) -> None:
    await state.clear()
    await send_next(bot, message.chat.id, db, settings, 0, locale)


async def check_button(
    query: CallbackQuery, bot: Bot, db: Database, settings: HandlerSettings, locale: str
) -> None:
    await query.answer()
    await send_next(bot, query.from_user.id, db, settings, 0, locale)


async def checked(
    query: CallbackQuery,
    callback_data: CheckDocCb,
    bot: Bot,
    user: User,
    db: Database,
    settings: HandlerSettings,
    locale: str,
) -> None:
    if callback_data.action == "verify":
        try:
            await db.clearance.check(
                user, callback_data.student_id, callback_data.key, callback_data.version
            )
        except DomainError as problem:
            await query.answer(check_problem(problem), show_alert=True)
            return
        await query.answer(_("Verified; the student has been told."))
    else:
        await query.answer()
    await drop_keyboard(query)
    await send_next(bot, query.from_user.id, db, settings, callback_data.offset, locale)


async def drop_keyboard(query: CallbackQuery) -> None:
    if isinstance(query.message, Message):
        with suppress(TelegramBadRequest):  # an old message may no longer be editable
            await query.message.edit_reply_markup(reply_markup=None)


def check_problem(problem: DomainError) -> str:
    if isinstance(problem, NotAllowed | NotFound):
        return not_allowed()
    if isinstance(problem, InvalidValue):
        return value_problem(problem)
    return _("This document was checked or uploaded again meanwhile; here is the next one.")


async def return_asked(query: CallbackQuery, callback_data: CheckDocCb, state: FSMContext) -> None:
    await state.set_state(ReturnDocument.reason)
    await state.set_data(
        {
            "student_id": callback_data.student_id,
            "key": callback_data.key,
            "version": callback_data.version,
            "offset": callback_data.offset,
        }
    )
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(
            _("What is wrong with it? The student will read this and upload it again.")
        )


async def reason_written(
    message: Message,
    bot: Bot,
    user: User,
    db: Database,
    state: FSMContext,
    settings: HandlerSettings,
    locale: str,
) -> None:
    data = await state.get_data()
    try:
        await db.clearance.check(
            user,
            int(data["student_id"]),
            str(data["key"]),
            int(data["version"]),
            message.text or "",
        )
    except InvalidValue as problem:
        await message.answer(value_problem(problem))
        return
    except DomainError as problem:
        await state.clear()
        await message.answer(check_problem(problem))
        return
    await state.clear()
    await message.answer(_("Returned; the student has been told."))
    await send_next(bot, message.chat.id, db, settings, int(data.get("offset", 0)), locale)


def get_router() -> Router:
    router = Router(name="clearance")
    students, staff = HasRole(*STUDENTS), HasRole(*STAFF)
    router.message.register(documents_command, Command("documents"), students)
    router.callback_query.register(
        documents_button, MenuCb.filter(F.action == "documents"), students
    )
    router.callback_query.register(upload_asked, MyDocCb.filter(F.action == "upload"), students)
    router.message.register(file_sent, UploadDocument.file, students)
    router.message.register(expiry_written, UploadDocument.expires_on, F.text, students)
    router.message.register(check_command, Command("checkdocs"), staff)
    router.callback_query.register(check_button, MenuCb.filter(F.action == "checkdocs"), staff)
    router.callback_query.register(return_asked, CheckDocCb.filter(F.action == "return"), staff)
    router.callback_query.register(
        checked, CheckDocCb.filter(F.action.in_({"verify", "next"})), staff
    )
    router.message.register(reason_written, ReturnDocument.reason, F.text, staff)
    return router
