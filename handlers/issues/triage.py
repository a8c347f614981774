"""/issue: a school posts a need; /issues: the university triages, comments and resolves."""

from __future__ import annotations

from datetime import date

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from db import Database
from db.domain.documents import DOCUMENT_SIZE_MAX
from db.domain.errors import DomainError, InvalidValue
from db.domain.issues import (
    ATTACHMENTS_MAX,
    Attachment,
    Issue,
    IssueCategory,
    IssueChanged,
    IssueFilter,
    IssueInput,
    IssueStatus,
    allowed_moves,
    clean_body,
    clean_title,
    may_assign,
    may_comment,
)
from db.domain.models import User
from db.domain.roles import REQUEST_POSTERS, REQUEST_VIEWERS, STAFF
from handlers.issues.callbacks import IssueCb, ListCb, PostCb
from handlers.issues.states import FileDraft, IssueForm, IssueText, PostIssue
from handlers.issues.texts import (
    category_name,
    issue_card,
    issue_line,
    issue_problem,
    issue_value_problem,
    status_name,
)
from handlers.kit.callbacks import MenuCb
from handlers.kit.common import cancel_button
from handlers.kit.dates import parse_date
from handlers.kit.drafts import read_form, write_form
from handlers.kit.filters import HasRole, Registered
from handlers.kit.formatting import esc, upper_first
from handlers.kit.guards import or_refuse
from handlers.kit.menu import back_to_menu_button
from handlers.kit.settings import HandlerSettings
from handlers.kit.texts import not_allowed, send_text_please, stale_button, use_buttons_please
from handlers.kit.ui import show

PAGE_SIZE = 6
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


# ----- posting --------------------------------------------------------------------------------


def files_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
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


# ----- the list -------------------------------------------------------------------------------


def filter_of(data: IssueForm) -> IssueFilter:
    chosen = data.get("issue_filter", {})
    status = chosen.get("status", "open")
    category = chosen.get("category")
    return IssueFilter(
        status=IssueStatus(status) if status in {s.value for s in IssueStatus} else None,
        open_only=status == "open",
        category=IssueCategory(category) if category in {c.value for c in IssueCategory} else None,
        urgent_only=bool(chosen.get("urgent")),
    )


def status_filter_label(data: IssueForm) -> str:
    status = data.get("issue_filter", {}).get("status", "open")
    if status == "open":
        return _("open")
    if status == "all":
        return _("all")
    return status_name(IssueStatus(status))


async def list_view(
    db: Database, viewer: User, data: IssueForm, page: int, locale: str
) -> tuple[str, InlineKeyboardMarkup]:
    filters = filter_of(data)
    issues, total = await db.issues.page(viewer, filters, page * PAGE_SIZE, PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    schools = await db.orgs.by_ids([issue.organization_id for issue in issues])
    builder = InlineKeyboardBuilder()
    category = filters.category
    builder.button(
        text=_("Status: {value}").format(value=status_filter_label(data)),
        callback_data=ListCb(action="filter", name="status"),
    )
    builder.button(
        text=_("Category: {value}").format(value=category_name(category) if category else _("all")),
        callback_data=ListCb(action="filter", name="category"),
    )
    builder.button(
        text=_("🔥 Urgent only: {value}").format(
            value=_("yes") if filters.urgent_only else _("no")
        ),
        callback_data=ListCb(action="urgent"),
    )
    if not issues:
        text = _("No requests match.")
    else:
        lines = [_("School requests ({total}):").format(total=total), ""]
        lines += [
            issue_line(page * PAGE_SIZE + i + 1, issue, schools.get(issue.organization_id), locale)
            for i, issue in enumerate(issues)
        ]
        text = "\n".join(lines)
        for i, issue in enumerate(issues):
            builder.button(
                text=str(page * PAGE_SIZE + i + 1),
                callback_data=IssueCb(action="open", issue_id=issue.id),
            )
    navigation = [
        (label, target)
        for label, target in (("◀️", page - 1), ("▶️", page + 1))
        if 0 <= target < pages
    ]
    for label, target in navigation:
        builder.button(text=label, callback_data=ListCb(action="page", value=target))
    if viewer.role in REQUEST_POSTERS:
        builder.button(text=_("📨 New request"), callback_data=MenuCb(action="issue"))
    back_to_menu_button(builder)
    builder.adjust(
        1,
        1,
        1,
        *([len(issues)] if issues else []),
        *([len(navigation)] if navigation else []),
        1,
        1,
    )
    return text, builder.as_markup()


# ----- one issue ------------------------------------------------------------------------------


async def card_view(
    db: Database, viewer: User, issue: Issue, locale: str, settings: HandlerSettings
) -> tuple[str, InlineKeyboardMarkup]:
    comments = await db.issues.comments(issue.id)
    attachments = await db.issues.attachments(issue.id)
    people = await db.users.by_ids(
        [issue.author_id, issue.assignee_id, *(c.author_id for c in comments)]
    )
    school = await db.orgs.get(issue.organization_id)
    text = issue_card(issue, school, people, comments, attachments, locale, settings)
    builder = InlineKeyboardBuilder()
    moves = allowed_moves(viewer, issue)

    def act(action: str) -> IssueCb:
        return IssueCb(action=action, issue_id=issue.id, version=issue.version)

    if may_assign(viewer, issue):
        builder.button(text=_("👤 Assign"), callback_data=act("assign"))
    if issue.status is IssueStatus.RESOLVED:
        if IssueStatus.CLOSED in moves:
            builder.button(text=_("✅ Confirm it is solved"), callback_data=act("close"))
        if IssueStatus.IN_PROGRESS in moves:
            builder.button(text=_("↩️ Reopen"), callback_data=act("reopen"))
    else:
        if IssueStatus.IN_PROGRESS in moves:
            builder.button(text=_("🔧 Take into work"), callback_data=act("progress"))
        if IssueStatus.RESOLVED in moves:
            builder.button(text=_("✅ Resolved"), callback_data=act("resolve"))
        if IssueStatus.REJECTED in moves:
            builder.button(text=_("❌ Reject"), callback_data=act("reject"))
    if may_comment(viewer, issue):
        builder.button(text=_("💬 Comment"), callback_data=act("comment"))
    if attachments:
        builder.button(text=_("📎 Show the files"), callback_data=act("files"))
    builder.button(text=_("⬅️ All requests"), callback_data=ListCb(action="page", value=0))
    builder.adjust(2)
    return text, builder.as_markup()


async def visible_issue(db: Database, viewer: User, issue_id: int) -> Issue | None:
    issue = await db.issues.get(issue_id)
    if issue is None or not await db.issues.may_see(viewer, issue):
        return None
    return issue


# ----- posting --------------------------------------------------------------------------------


async def begin(user: User, state: FSMContext) -> tuple[str, InlineKeyboardMarkup]:
    await state.clear()
    await state.set_state(PostIssue.category)
    builder = InlineKeyboardBuilder()
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
    builder = InlineKeyboardBuilder()
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


# ----- the list -------------------------------------------------------------------------------


async def issues_command(
    message: Message, user: User, db: Database, state: FSMContext, locale: str
) -> None:
    await state.set_state(None)
    text, markup = await list_view(db, user, await read_form(state, IssueForm), 0, locale)
    await message.answer(text, reply_markup=markup)


async def issues_button(
    query: CallbackQuery, user: User, db: Database, state: FSMContext, locale: str
) -> None:
    await state.set_state(None)
    text, markup = await list_view(db, user, await read_form(state, IssueForm), 0, locale)
    await show(query, text, markup)


async def page(
    query: CallbackQuery,
    callback_data: ListCb,
    user: User,
    db: Database,
    state: FSMContext,
    locale: str,
) -> None:
    await state.set_state(None)
    text, markup = await list_view(
        db, user, await read_form(state, IssueForm), max(0, callback_data.value), locale
    )
    await show(query, text, markup)


async def toggle_urgent(
    query: CallbackQuery, user: User, db: Database, state: FSMContext, locale: str
) -> None:
    data = await read_form(state, IssueForm)
    chosen = dict(data.get("issue_filter", {}))
    chosen["urgent"] = not chosen.get("urgent")
    await write_form(state, IssueForm(issue_filter=chosen))
    text, markup = await list_view(db, user, await read_form(state, IssueForm), 0, locale)
    await show(query, text, markup)


async def choose_filter(query: CallbackQuery, callback_data: ListCb) -> None:
    builder = InlineKeyboardBuilder()
    if callback_data.name == "status":
        options = [("open", _("open")), ("all", _("all"))] + [
            (s.value, status_name(s)) for s in IssueStatus
        ]
    elif callback_data.name == "category":
        options = [("all", _("all"))] + [
            (c.value, upper_first(category_name(c))) for c in IssueCategory
        ]
    else:
        await query.answer(stale_button(), show_alert=True)
        return
    for index, (_value, label) in enumerate(options):
        builder.button(
            text=label, callback_data=ListCb(action="set", value=index, name=callback_data.name)
        )
    builder.adjust(1)
    await show(query, _("Choose:"), builder.as_markup())


async def filter_set(
    query: CallbackQuery,
    callback_data: ListCb,
    user: User,
    db: Database,
    state: FSMContext,
    locale: str,
) -> None:
    values = {
        "status": ["open", "all"] + [s.value for s in IssueStatus],
        "category": ["all"] + [c.value for c in IssueCategory],
    }.get(callback_data.name)
    if values is None or not 0 <= callback_data.value < len(values):
        await query.answer(stale_button(), show_alert=True)
        return
    data = await read_form(state, IssueForm)
    chosen = dict(data.get("issue_filter", {}))
    chosen[callback_data.name] = values[callback_data.value]
    await write_form(state, IssueForm(issue_filter=chosen))
    text, markup = await list_view(db, user, await read_form(state, IssueForm), 0, locale)
    await show(query, text, markup)


# ----- one issue ------------------------------------------------------------------------------


async def open_issue(
    query: CallbackQuery,
    callback_data: IssueCb,
    user: User,
    db: Database,
    state: FSMContext,
    locale: str,
    settings: HandlerSettings,
) -> None:
    issue = await or_refuse(query, await visible_issue(db, user, callback_data.issue_id))
    if issue is None:
        return
    await state.set_state(None)
    text, markup = await card_view(db, user, issue, locale, settings)
    await show(query, text, markup)


async def refresh(
    query: CallbackQuery,
    user: User,
    db: Database,
    issue: Issue,
    locale: str,
    settings: HandlerSettings,
) -> None:
    text, markup = await card_view(db, user, issue, locale, settings)
    await show(query, text, markup)


async def changed(
    query: CallbackQuery,
    user: User,
    db: Database,
    problem: DomainError,
    locale: str,
    settings: HandlerSettings,
) -> None:
    await query.answer(issue_problem(problem), show_alert=True)
    if isinstance(problem, IssueChanged) and await db.issues.may_see(user, problem.issue):
        await refresh(query, user, db, problem.issue, locale, settings)


TARGET_STATUS = {
    "progress": IssueStatus.IN_PROGRESS,
    "resolve": IssueStatus.RESOLVED,
    "close": IssueStatus.CLOSED,
}


async def move(
    query: CallbackQuery,
    callback_data: IssueCb,
    user: User,
    db: Database,
    locale: str,
    settings: HandlerSettings,
) -> None:
    try:
        issue = await db.issues.change_status(
            user, callback_data.issue_id, callback_data.version, TARGET_STATUS[callback_data.action]
        )
    except DomainError as problem:
        await changed(query, user, db, problem, locale, settings)
        return
    await query.answer(_("Done: {status}.").format(status=status_name(issue.status)))
    await refresh(query, user, db, issue, locale, settings)


async def ask_text(
    query: CallbackQuery,
    callback_data: IssueCb,
    user: User,
    db: Database,
    state: FSMContext,
    locale: str,
    settings: HandlerSettings,
) -> None:
    issue = await or_refuse(query, await visible_issue(db, user, callback_data.issue_id))
    if issue is None:
        return
    if callback_data.action != "comment" and issue.version != callback_data.version:
        await changed(query, user, db, IssueChanged(issue), locale, settings)
        return
    await state.set_state(IssueText.text)
    await write_form(
        state,
        IssueForm(
            issue_text={
                "id": issue.id,
                "version": callback_data.version,
                "purpose": callback_data.action,
            }
        ),
    )
    prompts = {
        "comment": _("Write your comment; the school and the people working on it will see it:"),
        "reject": _("Why is the request rejected? The school will read this reason:"),
        "reopen": _("What is still not solved? Your comment goes to the people working on it:"),
    }
    builder = InlineKeyboardBuilder()
    cancel_button(builder)
    await show(query, prompts[callback_data.action], builder.as_markup())


async def text_written(
    message: Message,
    user: User,
    db: Database,
    state: FSMContext,
    locale: str,
    settings: HandlerSettings,
) -> None:
    pending = (await read_form(state, IssueForm)).get("issue_text", {})
    issue_id, version, purpose = (
        int(pending.get("id", 0)),
        int(pending.get("version", 0)),
        pending.get("purpose"),
    )
    try:
        if purpose == "comment":
            await db.issues.comment(user, issue_id, message.text or "")
        elif purpose == "reject":
            await db.issues.change_status(
                user, issue_id, version, IssueStatus.REJECTED, message.text
            )
        elif purpose == "reopen":
            await db.issues.change_status(
                user, issue_id, version, IssueStatus.IN_PROGRESS, message.text
            )
        else:
            raise DomainError()
    except InvalidValue as problem:
        await message.answer(issue_value_problem(problem))
        return
    except DomainError as problem:
        await state.set_state(None)
        await message.answer(issue_problem(problem))
        if isinstance(problem, IssueChanged):
            text, markup = await card_view(db, user, problem.issue, locale, settings)
            await message.answer(text, reply_markup=markup)
        return
    await state.set_state(None)
    issue = await db.issues.get(issue_id)
    assert issue is not None
    text, markup = await card_view(db, user, issue, locale, settings)
    await message.answer(_("Sent.") + "\n\n" + text, reply_markup=markup)


async def text_not_text(message: Message) -> None:
    await message.answer(send_text_please())


async def choose_assignee(
    query: CallbackQuery, callback_data: IssueCb, user: User, db: Database
) -> None:
    issue = await or_refuse(query, await visible_issue(db, user, callback_data.issue_id))
    if issue is None:
        return
    builder = InlineKeyboardBuilder()
    for person in await db.issues.staff():
        mark = "✓ " if person.id == issue.assignee_id else ""
        builder.button(
            text=mark + person.full_name,
            callback_data=IssueCb(
                action="assignee",
                issue_id=issue.id,
                version=callback_data.version,
                value=person.id,
            ),
        )
    builder.button(text=_("⬅️ Back"), callback_data=IssueCb(action="open", issue_id=issue.id))
    builder.adjust(1)
    await show(query, _("Who will work on it?"), builder.as_markup())


async def assigned(
    query: CallbackQuery,
    callback_data: IssueCb,
    user: User,
    db: Database,
    locale: str,
    settings: HandlerSettings,
) -> None:
    try:
        issue = await db.issues.assign(
            user, callback_data.issue_id, callback_data.version, callback_data.value
        )
    except DomainError as problem:
        await changed(query, user, db, problem, locale, settings)
        return
    await query.answer(_("Assigned."))
    await refresh(query, user, db, issue, locale, settings)


async def files(query: CallbackQuery, callback_data: IssueCb, user: User, db: Database) -> None:
    issue = await visible_issue(db, user, callback_data.issue_id)
    if issue is None or not isinstance(query.message, Message):
        await query.answer(not_allowed(), show_alert=True)
        return
    await query.answer()  # the files may take a moment: stop the spinner now
    caption = f"#{issue.id}"
    for attachment in await db.issues.attachments(issue.id):
        if attachment.kind == "photo":
            await query.message.answer_photo(attachment.file_id, caption=caption)
        else:
            await query.message.answer_document(attachment.file_id, caption=caption)


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
    router = Router(name="issues")
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
    router.message.register(issues_command, Command("issues"), HasRole(*REQUEST_VIEWERS))
    router.callback_query.register(
        issues_button, MenuCb.filter(F.action == "issues"), HasRole(*REQUEST_VIEWERS)
    )
    router.callback_query.register(
        page, ListCb.filter(F.action == "page"), HasRole(*REQUEST_VIEWERS)
    )
    router.callback_query.register(
        toggle_urgent, ListCb.filter(F.action == "urgent"), HasRole(*REQUEST_VIEWERS)
    )
    router.callback_query.register(
        choose_filter, ListCb.filter(F.action == "filter"), HasRole(*REQUEST_VIEWERS)
    )
    router.callback_query.register(
        filter_set, ListCb.filter(F.action == "set"), HasRole(*REQUEST_VIEWERS)
    )
    router.callback_query.register(open_issue, IssueCb.filter(F.action == "open"))
    router.callback_query.register(move, IssueCb.filter(F.action.in_(set(TARGET_STATUS))))
    router.callback_query.register(
        ask_text, IssueCb.filter(F.action.in_({"comment", "reject", "reopen"}))
    )
    router.message.register(text_written, IssueText.text, F.text)
    router.message.register(text_not_text, IssueText.text)
    router.callback_query.register(
        choose_assignee, IssueCb.filter(F.action == "assign"), HasRole(*STAFF)
    )
    router.callback_query.register(
        assigned, IssueCb.filter(F.action == "assignee"), HasRole(*STAFF)
    )
    router.callback_query.register(files, IssueCb.filter(F.action == "files"))
    router.message.register(not_text, StateFilter(*TEXT_STATES))
    router.message.register(expected_button, StateFilter(PostIssue.category, PostIssue.urgency))
    return router
