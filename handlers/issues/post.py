"""/issue: a school or kindergarten posts a need — category, details, files — to the university."""

from __future__ import annotations

from datetime import date

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from db import Database
from db.domain.documents import DOCUMENT_SIZE_MAX
from db.domain.errors import DomainError, InvalidValue
from db.domain.issues import (
    ATTACHMENTS_MAX,
    Attachment,
    IssueCategory,
    IssueInput,
    clean_body,
    clean_title,
)
from db.domain.models import User
from db.domain.roles import REQUEST_POSTERS
from handlers.issues.callbacks import PostCb
from handlers.issues.states import FileDraft, IssueForm, PostIssue
from handlers.issues.texts import (
    category_name,
    issue_problem,
    issue_value_problem,
)
from handlers.issues.triage import card_view
from handlers.kit.callbacks import MenuCb
from handlers.kit.common import cancel_button
from handlers.kit.dates import parse_date
from handlers.kit.drafts import read_form, write_form
from handlers.kit.filters import HasRole, Registered
from handlers.kit.formatting import esc, upper_first
from handlers.kit.keyboard import InlineKeyboard
from handlers.kit.settings import HandlerSettings
from handlers.kit.texts import send_text_please, stale_button, use_buttons_please
from handlers.kit.ui import show

DOCUMENT_TYPES = {
    "application/pdf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "image/jpeg",
    "image/png",
    "text/plain",
}


def files_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(text=_("📤 Send the request"), callback_data=PostCb(action="send"))
    cancel_button(builder)
    builder.adjust(1)
    return builder.as_markup()


def draft_text(data: IssueForm) -> str:
    lines = [
        _("<b>Your request</b>"),
        _("Category: {category}").format(category=category_name(IssueCategory(data["category"]))),
    ]
    if data.get("urgency") == "urgent":
        lines.append(_("🔥 Urgent"))
    if data.get("vacancy_subject"):
        lines.append(
            _("Vacancy: {subject}, from {date}").format(
                subject=esc(data["vacancy_subject"]), date=data.get("vacancy_label", "")
            )
        )
    lines += [f"<b>{esc(data.get('title', ''))}</b>", esc(data.get("description", ""))]
    attached = len(data.get("files", []))
    if attached:
        lines.append(_("📎 Files attached: {n}").format(n=attached))
    lines += ["", _("You can attach photos or documents (up to 5). Then send the request.")]
    return "\n".join(lines)


async def begin(user: User, state: FSMContext) -> tuple[str, InlineKeyboardMarkup]:
    await state.clear()
    await state.set_state(PostIssue.category)
    builder = InlineKeyboard()
    for category in IssueCategory:
        builder.button(
            text=upper_first(category_name(category)),
            callback_data=PostCb(action="category", value=category.value),
        )
    cancel_button(builder)
    builder.adjust(1)
    return _("What is the request about?"), builder.as_markup()


async def issue_command(message: Message, user: User, state: FSMContext) -> None:
    text, markup = await begin(user, state)
    await message.answer(text, reply_markup=markup)


async def issue_button(query: CallbackQuery, user: User, state: FSMContext) -> None:
    text, markup = await begin(user, state)
    await show(query, text, markup)


def urgency_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(text=_("Normal"), callback_data=PostCb(action="urgency", value="normal"))
    builder.button(text=_("🔥 Urgent"), callback_data=PostCb(action="urgency", value="urgent"))
    cancel_button(builder)
    builder.adjust(2, 1)
    return builder.as_markup()


async def category_chosen(query: CallbackQuery, callback_data: PostCb, state: FSMContext) -> None:
    if callback_data.value not in {c.value for c in IssueCategory}:
        await query.answer(use_buttons_please(), show_alert=True)
        return
    await write_form(state, IssueForm(category=callback_data.value))
    if callback_data.value == IssueCategory.STAFFING.value:
        await state.set_state(PostIssue.vacancy_subject)
        await show(
            query,
            _("Which subject is the teacher needed for (for example “Informatics and robotics”)?"),
        )
        return
    await state.set_state(PostIssue.urgency)
    await show(query, _("How urgent is it?"), urgency_keyboard())


async def vacancy_subject(message: Message, state: FSMContext) -> None:
    try:
        subject = clean_body(message.text or "", "vacancy_subject", 100)
    except InvalidValue as problem:
        await message.answer(issue_value_problem(problem))
        return
    await write_form(state, IssueForm(vacancy_subject=subject))
    await state.set_state(PostIssue.vacancy_date)
    await message.answer(_("From what date is the teacher needed (for example 01.09.2027)?"))


async def vacancy_date(message: Message, db: Database, state: FSMContext) -> None:
    day = parse_date(message.text or "", db.today())
    if day is None:
        await message.answer(_("Please write the date as DD.MM.YYYY, for example 12.01.2027."))
        return
    from handlers.kit.formatting import fmt_date

    await write_form(
        state, IssueForm(vacancy_starts_on=day.isoformat(), vacancy_label=fmt_date(day))
    )
    await state.set_state(PostIssue.urgency)
    await message.answer(_("How urgent is it?"), reply_markup=urgency_keyboard())


async def urgency_chosen(query: CallbackQuery, callback_data: PostCb, state: FSMContext) -> None:
    if callback_data.value not in ("normal", "urgent"):
        await query.answer(use_buttons_please(), show_alert=True)
        return
    await write_form(state, IssueForm(urgency=callback_data.value))
    await state.set_state(PostIssue.title)
    await show(query, _("A short title, for example “We need a robotics teacher”:"))


async def title_written(message: Message, state: FSMContext) -> None:
    try:
        title = clean_title(message.text or "")
    except InvalidValue as problem:
        await message.answer(issue_value_problem(problem))
        return
    await write_form(state, IssueForm(title=title))
    await state.set_state(PostIssue.description)
    await message.answer(_("Describe what you need: the situation, the numbers, who to contact."))


async def description_written(message: Message, state: FSMContext) -> None:
    try:
        description = clean_body(message.text or "", "description", 3000)
    except InvalidValue as problem:
        await message.answer(issue_value_problem(problem))
        return
    await write_form(state, IssueForm(description=description, files=[]))
    await state.set_state(PostIssue.files)
    await message.answer(
        draft_text(await read_form(state, IssueForm)), reply_markup=files_keyboard()
    )


async def attach(message: Message, state: FSMContext, attachment: FileDraft) -> None:
    data = await read_form(state, IssueForm)
    files = list(data.get("files", []))
    if len(files) >= ATTACHMENTS_MAX:
        await message.answer(issue_value_problem(InvalidValue("attachments", "too_many")))
        return
    files.append(attachment)
    group = message.media_group_id
    await write_form(state, IssueForm(files=files, last_group=group))
    if group is None or group != data.get("last_group"):  # one answer per album, not per photo
        await message.answer(
            draft_text(await read_form(state, IssueForm)), reply_markup=files_keyboard()
        )


async def photo_attached(message: Message, state: FSMContext) -> None:
    assert message.photo
    await attach(message, state, {"kind": "photo", "file_id": message.photo[-1].file_id})


async def document_attached(message: Message, state: FSMContext) -> None:
    document = message.document
    assert document is not None
    if (document.file_size or 0) > DOCUMENT_SIZE_MAX:
        await message.answer(_("This file is larger than 20 MB. Please send a smaller one."))
        return
    if document.mime_type not in DOCUMENT_TYPES:
        await message.answer(
            _(
                "This file type is not supported. Please send photos, or PDF, Word, Excel "
                "or PowerPoint files up to 20 MB."
            )
        )
        return
    await attach(
        message,
        state,
        {"kind": "document", "file_id": document.file_id, "file_name": document.file_name},
    )


async def text_while_attaching(message: Message) -> None:
    await message.answer(_("Attach photos or documents, or press “Send the request”."))


async def unsupported_attachment(message: Message) -> None:
    await message.answer(
        _(
            "This file type is not supported. Please send photos, or PDF, Word, Excel or "
            "PowerPoint files up to 20 MB."
        )
    )


async def send(
    query: CallbackQuery,
    user: User,
    db: Database,
    state: FSMContext,
    locale: str,
    settings: HandlerSettings,
) -> None:
    data = await read_form(state, IssueForm)
    try:
        issue = await db.issues.post(
            user,
            IssueInput(
                category=IssueCategory(data["category"]),
                urgency=data.get("urgency", "normal"),
                title=data.get("title", ""),
                description=data.get("description", ""),
                attachments=[
                    Attachment(f["kind"], f["file_id"], f.get("file_name"))
                    for f in data.get("files", [])
                ],
                vacancy_subject=data.get("vacancy_subject"),
                vacancy_starts_on=date.fromisoformat(starts_on)
                if (starts_on := data.get("vacancy_starts_on"))
                else None,
            ),
        )
    except DomainError as problem:
        await query.answer(issue_problem(problem), show_alert=True)
        return
    except (KeyError, ValueError):
        await query.answer(stale_button(), show_alert=True)
        return
    await state.clear()
    text, markup = await card_view(db, user, issue, locale, settings)
    sent = _(
        "Request #{id} has been sent to the university. You will be told of every change."
    ).format(id=issue.id)
    await show(query, sent + "\n\n" + text, markup)


TEXT_STATES = (
    PostIssue.vacancy_subject,
    PostIssue.vacancy_date,
    PostIssue.title,
    PostIssue.description,
)


async def not_text(message: Message) -> None:
    await message.answer(send_text_please())


async def expected_button(message: Message) -> None:
    await message.answer(use_buttons_please())


def get_router() -> Router:
    router = Router(name="issue_posting")
    router.message.filter(Registered())
    router.callback_query.filter(Registered())
    router.message.register(issue_command, Command("issue"), HasRole(*REQUEST_POSTERS))
    router.callback_query.register(
        issue_button, MenuCb.filter(F.action == "issue"), HasRole(*REQUEST_POSTERS)
    )
    router.callback_query.register(
        category_chosen,
        PostIssue.category,
        PostCb.filter(F.action == "category"),
        HasRole(*REQUEST_POSTERS),
    )
    router.message.register(
        vacancy_subject, PostIssue.vacancy_subject, F.text, HasRole(*REQUEST_POSTERS)
    )
    router.message.register(vacancy_date, PostIssue.vacancy_date, F.text, HasRole(*REQUEST_POSTERS))
    router.callback_query.register(
        urgency_chosen,
        PostIssue.urgency,
        PostCb.filter(F.action == "urgency"),
        HasRole(*REQUEST_POSTERS),
    )
    router.message.register(title_written, PostIssue.title, F.text, HasRole(*REQUEST_POSTERS))
    router.message.register(
        description_written, PostIssue.description, F.text, HasRole(*REQUEST_POSTERS)
    )
    router.message.register(photo_attached, PostIssue.files, F.photo, HasRole(*REQUEST_POSTERS))
    router.message.register(
        document_attached, PostIssue.files, F.document, HasRole(*REQUEST_POSTERS)
    )
    router.message.register(
        text_while_attaching, PostIssue.files, F.text, HasRole(*REQUEST_POSTERS)
    )
    router.message.register(unsupported_attachment, PostIssue.files, HasRole(*REQUEST_POSTERS))
    router.callback_query.register(
        send, PostIssue.files, PostCb.filter(F.action == "send"), HasRole(*REQUEST_POSTERS)
    )
    router.message.register(not_text, StateFilter(*TEXT_STATES))
    router.message.register(expected_button, StateFilter(PostIssue.category, PostIssue.urgency))
    return router
