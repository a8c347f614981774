"""How schools' requests read: categories, statuses, the request card, refusals."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from db.domain.errors import DomainError, InvalidValue, NotAllowed, NotFound
from db.domain.issues import (
    Attachment,
    Comment,
    Issue,
    IssueCategory,
    IssueChanged,
    IssueClosed,
    IssueStatus,
)
from db.domain.models import Organization, User
from handlers.kit.formatting import clip_lines, esc, fmt_date, fmt_datetime
from handlers.kit.settings import HandlerSettings
from handlers.kit.texts import not_allowed


def category_name(category: IssueCategory) -> str:
    names = {
        IssueCategory.STAFFING: _("staffing and vacancies"),
        IssueCategory.METHODOLOGY: _("methodology support"),
        IssueCategory.INCLUSION: _("inclusive education, SEN"),
        IssueCategory.DIGITAL: _("digital skills and AI"),
        IssueCategory.STUDENT: _("a student on placement"),
        IssueCategory.INFRASTRUCTURE: _("infrastructure"),
        IssueCategory.OTHER: _("other"),
    }
    return names[category]


def status_name(status: IssueStatus) -> str:
    names = {
        IssueStatus.NEW: _("🆕 new"),
        IssueStatus.IN_PROGRESS: _("🔧 in progress"),
        IssueStatus.RESOLVED: _("✅ resolved"),
        IssueStatus.CLOSED: _("🔒 closed"),
        IssueStatus.REJECTED: _("❌ rejected"),
    }
    return names[status]


def issue_line(number: int, issue: Issue, school: Organization | None, locale: str) -> str:
    urgent = "🔥 " if issue.urgent else ""
    where = esc(school.name(locale)) if school else "—"
    first = f"<b>{number}.</b> {urgent}#{issue.id} {esc(issue.title)}"
    return f"{first}\n    {where} · {status_name(issue.status)}"


def issue_card(
    issue: Issue,
    school: Organization | None,
    people: dict[int, User],
    comments: list[Comment],
    attachments: list[Attachment],
    locale: str,
    settings: HandlerSettings,
) -> str:
    author = people.get(issue.author_id)
    assignee = people.get(issue.assignee_id or 0)
    lines = [
        ("🔥 " if issue.urgent else "") + f"<b>#{issue.id} {esc(issue.title)}</b>",
        _("Category: {category}").format(category=category_name(issue.category)),
        _("Status: {status}").format(status=status_name(issue.status)),
        _("School: {school}").format(
            school=esc(f"{school.name(locale)}, {school.city}") if school else "—"
        ),
        _("Posted by {author}, {date}").format(
            author=esc(author.full_name) if author else "—",
            date=fmt_date(issue.created_at, settings.timezone),
        ),
        _("Assigned to: {name}").format(
            name=esc(assignee.full_name) if assignee else _("nobody yet")
        ),
    ]
    if issue.vacancy_subject and issue.vacancy_starts_on:
        lines.append(
            _("Vacancy: {subject}, from {date}").format(
                subject=esc(issue.vacancy_subject), date=fmt_date(issue.vacancy_starts_on)
            )
        )
    if issue.reject_reason:
        lines.append(_("Reason: {reason}").format(reason=esc(issue.reject_reason)))
    lines += ["", esc(issue.description)]
    if attachments:
        lines.append(
            ngettext("📎 {n} attachment", "📎 {n} attachments", len(attachments)).format(
                n=len(attachments)
            )
        )
    if comments:
        lines += ["", _("Comments:")]
        for comment in comments[-5:]:
            who = people.get(comment.author_id)
            lines.append(
                f"— <i>{esc(who.full_name) if who else '—'}, "
                f"{fmt_datetime(comment.created_at, settings.timezone)}</i>: "
                f"{esc(comment.body[:400])}"
            )
    text = "\n".join(lines)
    return clip_lines(text, 4000)


def issue_problem(error: DomainError) -> str:
    if isinstance(error, IssueChanged):
        return _(
            "Someone changed this request a moment ago: it is now {status}. Here it is as it "
            "stands."
        ).format(status=status_name(error.issue.status))
    if isinstance(error, IssueClosed):
        return _("This request is closed: it takes no more comments or changes.")
    if isinstance(error, NotAllowed | NotFound):  # one answer: no oracle of which ids exist
        return not_allowed()
    if isinstance(error, InvalidValue):
        return issue_value_problem(error)
    return _("This cannot be done.")


def issue_value_problem(error: InvalidValue) -> str:
    problems = {
        ("title", "too_short"): _("Please give the request a short title (at least 3 characters)."),
        ("title", "too_long"): _("Please keep the title under 120 characters."),
        ("description", "empty"): _("Please describe what you need."),
        ("description", "too_long"): _(
            "Please keep the description under 3000 characters; details can go into comments."
        ),
        ("comment", "empty"): _("Please write a few words."),
        ("comment", "too_long"): _("Please keep a comment under 2000 characters."),
        ("reason", "empty"): _("Please write a few words."),
        ("reason", "too_long"): _("Please keep the reason under 500 characters."),
        ("status", "not_allowed_now"): _(
            "The request cannot go to that status from where it is now."
        ),
        ("attachments", "too_many"): _("Up to 5 files can be attached."),
        ("assignee", "not_staff"): _(
            "Requests can be assigned only to the university's coordinators."
        ),
        ("vacancy_subject", "empty"): _("Please write which subject the teacher is needed for."),
        ("vacancy_starts_on", "empty"): _("Please give the date the teacher is needed from."),
    }
    return problems.get((error.field, error.detail), _("This value cannot be accepted."))
