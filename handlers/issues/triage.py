"""/issues: the university triages schools' requests, comments, assigns and resolves them."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from db import Database
from db.domain.errors import DomainError, InvalidValue
from db.domain.issues import (
    Issue,
    IssueCategory,
    IssueChanged,
    IssueFilter,
    IssueStatus,
    allowed_moves,
    is_school_side,
    is_staff_side,
    may_assign,
    may_comment,
)
from db.domain.models import User
from db.domain.roles import REQUEST_POSTERS, REQUEST_VIEWERS, STAFF
from handlers.issues.callbacks import IssueCb, ListCb
from handlers.issues.states import IssueForm, IssueText
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
from handlers.kit.drafts import read_form, write_form
from handlers.kit.filters import HasRole, Registered
from handlers.kit.formatting import upper_first
from handlers.kit.guards import or_refuse
from handlers.kit.keyboard import InlineKeyboard
from handlers.kit.menu import back_to_menu_button
from handlers.kit.settings import HandlerSettings
from handlers.kit.texts import not_allowed, send_text_please, stale_button
from handlers.kit.ui import show

PAGE_SIZE = 6


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
        # TRANSLATORS: a filter of schools' requests: the open ones (new or in progress).
        return _("open")
    if status == "all":
        # TRANSLATORS: a filter of schools' requests: all of them, whatever their status.
        return _("all")
    return status_name(IssueStatus(status))


async def list_view(
    db: Database, viewer: User, data: IssueForm, page: int, locale: str
) -> tuple[str, InlineKeyboardMarkup]:
    filters = filter_of(data)
    issues, total = await db.issues.page(viewer, filters, page * PAGE_SIZE, PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    schools = await db.orgs.by_ids([issue.organization_id for issue in issues])
    builder = InlineKeyboard()
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
    builder = InlineKeyboard()
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
    builder = InlineKeyboard()
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


def may_write(user: User, issue: Issue, purpose: str) -> bool:
    """Whether `user` is on the side that writes this text (a rejection reason: the staff
    side; a reopening: the school's; a comment: either); the state is checked after."""
    if purpose == "reject":
        return is_staff_side(user, issue)
    if purpose == "reopen":
        return is_school_side(user, issue)
    return is_staff_side(user, issue) or is_school_side(user, issue)


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
    if not may_write(user, issue, callback_data.action):  # no prompt for what cannot be saved
        await query.answer(not_allowed(), show_alert=True)
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
    builder = InlineKeyboard()
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
    builder = InlineKeyboard()
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


def get_router() -> Router:
    router = Router(name="issues")
    router.message.filter(Registered())
    router.callback_query.filter(Registered())
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
    return router
