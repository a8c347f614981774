"""Notifications about schools' requests, in each recipient's language."""

from __future__ import annotations

from typing import Any

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from db.domain.issues import Issue, IssueStatus
from handlers.issues.callbacks import IssueCb
from handlers.issues.texts import category_name, status_name
from handlers.kit.formatting import esc
from handlers.kit.keyboard import InlineKeyboard
from handlers.kit.notices import Notice, NoticeContext, Renderer


def open_button(issue_id: int) -> InlineKeyboardMarkup:

    builder = InlineKeyboard()
    builder.button(
        text=_("Open the request"), callback_data=IssueCb(action="open", issue_id=issue_id)
    )
    return builder.as_markup()


async def _issue(context: NoticeContext, payload: dict[str, Any]) -> tuple[Issue, str] | None:
    issue = await context.db.issues.get(int(payload.get("issue_id", 0)))
    if issue is None:
        return None
    school = await context.db.orgs.get(issue.organization_id)
    title = (
        f"#{issue.id} «{esc(issue.title)}» — {esc(school.name(context.locale)) if school else '—'}"
    )
    return issue, title


async def _name(context: NoticeContext, user_id: Any) -> str:
    person = await context.db.users.get(int(user_id or 0))
    return esc(person.full_name) if person else "—"


async def urgent(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    found = await _issue(context, payload)
    if found is None:
        return None
    issue, title = found
    text = _(
        "🔥 Urgent request from a school: {title}\nCategory: {category}\n\n{description}"
    ).format(
        title=title,
        category=category_name(issue.category),
        description=esc(issue.description[:1500]),
    )
    return Notice(text, open_button(issue.id))


async def assigned(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    found = await _issue(context, payload)
    if found is None:
        return None
    issue, title = found
    text = _("👤 {actor} assigned you a school's request: {title}").format(
        actor=await _name(context, payload.get("by")), title=title
    )
    return Notice(text, open_button(issue.id))


async def status_changed(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    found = await _issue(context, payload)
    if found is None:
        return None
    issue, title = found
    status = IssueStatus(payload.get("status", issue.status.value))
    text = _("Request {title}: {status} ({actor}).").format(
        title=title, status=status_name(status), actor=await _name(context, payload.get("by"))
    )
    if status is IssueStatus.REJECTED and issue.reject_reason:
        text += "\n" + _("Reason: {reason}").format(reason=esc(issue.reject_reason))
    if status is IssueStatus.RESOLVED and issue.status is IssueStatus.RESOLVED:
        text += "\n" + _("If it is solved, please confirm; if not, reopen it with a comment.")
        return Notice(text, confirm_buttons(issue))
    return Notice(text, open_button(issue.id))


def confirm_buttons(issue: Issue) -> InlineKeyboardMarkup:
    """The school confirms a resolution (or reopens it) straight from the message."""

    builder = InlineKeyboard()
    builder.button(
        text=_("✅ Confirm it is solved"),
        callback_data=IssueCb(action="close", issue_id=issue.id, version=issue.version),
    )
    builder.button(
        text=_("↩️ Reopen"),
        callback_data=IssueCb(action="reopen", issue_id=issue.id, version=issue.version),
    )
    builder.button(
        text=_("Open the request"), callback_data=IssueCb(action="open", issue_id=issue.id)
    )
    builder.adjust(2, 1)
    return builder.as_markup()


async def commented(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    found = await _issue(context, payload)
    comment = await context.db.issues.comment_by_id(int(payload.get("comment_id", 0)))
    if found is None or comment is None:
        return None
    issue, title = found
    text = _("💬 {author} commented on {title}:\n{body}").format(
        author=await _name(context, comment.author_id), title=title, body=esc(comment.body[:2000])
    )
    return Notice(text, open_button(issue.id))


async def stale(context: NoticeContext, payload: dict[str, Any]) -> Notice | None:
    found = await _issue(context, payload)
    if found is None or found[0].finished:
        return None
    issue, title = found
    days = int(payload.get("days", 0))
    text = ngettext(
        "⏰ No activity for {n} day on the request {title}. Please take a look.",
        "⏰ No activity for {n} days on the request {title}. Please take a look.",
        days,
    ).format(n=days, title=title)
    return Notice(text, open_button(issue.id))


RENDERERS: dict[str, Renderer] = {
    "issue.urgent": urgent,
    "issue.assigned": assigned,
    "issue.status": status_changed,
    "issue.comment": commented,
    "issue.stale": stale,
}
