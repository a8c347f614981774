"""Schools' requests: categories, the status machine, limits and texts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from db.domain.errors import DomainError, InvalidValue
from db.domain.models import Role, User
from db.domain.roles import STAFF
from db.domain.users import clean_text

TITLE_MIN, TITLE_MAX = 3, 120
DESCRIPTION_MAX = 3000  # the whole card must fit one Telegram message (4096)
COMMENT_MAX = 2000
REASON_MAX = 500
ATTACHMENTS_MAX = 5


class IssueCategory(StrEnum):
    STAFFING = "staffing"
    METHODOLOGY = "methodology"
    INCLUSION = "inclusion"
    DIGITAL = "digital"
    STUDENT = "student"
    INFRASTRUCTURE = "infrastructure"
    OTHER = "other"


class IssueStatus(StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REJECTED = "rejected"


OPEN_STATUSES = (IssueStatus.NEW, IssueStatus.IN_PROGRESS)


# Who may move an issue from one status to another: "staff" (coordinators, admins, the
# assignee) or "school" (the school's directors and the issue's author).
TRANSITIONS: dict[tuple[IssueStatus, IssueStatus], str] = {
    (IssueStatus.NEW, IssueStatus.IN_PROGRESS): "staff",
    (IssueStatus.NEW, IssueStatus.RESOLVED): "staff",
    (IssueStatus.IN_PROGRESS, IssueStatus.RESOLVED): "staff",
    (IssueStatus.NEW, IssueStatus.REJECTED): "staff",
    (IssueStatus.IN_PROGRESS, IssueStatus.REJECTED): "staff",
    (IssueStatus.RESOLVED, IssueStatus.CLOSED): "school",
    (IssueStatus.RESOLVED, IssueStatus.IN_PROGRESS): "school",
}


class IssueChanged(DomainError):
    """Someone else changed the issue since this person looked; `issue` is how it is now."""

    def __init__(self, issue: Issue) -> None:
        super().__init__(f"issue {issue.id} is now version {issue.version}")
        self.issue = issue


class IssueClosed(DomainError):
    """Closed or rejected issues take no more comments or changes."""


@dataclass(frozen=True, slots=True)
class Attachment:
    kind: str  # photo | document
    file_id: str
    file_name: str | None = None


@dataclass(frozen=True, slots=True)
class IssueInput:
    category: IssueCategory
    urgency: str
    title: str
    description: str
    attachments: Sequence[Attachment] = ()
    vacancy_subject: str | None = None
    vacancy_starts_on: date | None = None


@dataclass(frozen=True, slots=True)
class Issue:
    id: int
    organization_id: int
    author_id: int
    category: IssueCategory
    urgency: str
    title: str
    description: str
    vacancy_subject: str | None
    vacancy_starts_on: date | None
    status: IssueStatus
    assignee_id: int | None
    reject_reason: str | None
    version: int
    last_activity_at: datetime
    created_at: datetime

    @property
    def urgent(self) -> bool:
        return self.urgency == "urgent"

    @property
    def finished(self) -> bool:
        return self.status in (IssueStatus.CLOSED, IssueStatus.REJECTED)


@dataclass(frozen=True, slots=True)
class Comment:
    id: int
    issue_id: int
    author_id: int
    body: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class IssueFilter:
    status: IssueStatus | None = None
    category: IssueCategory | None = None
    organization_id: int | None = None
    urgent_only: bool = False
    open_only: bool = False


def clean_title(text: str) -> str:
    title = clean_text(text)
    if len(title) > TITLE_MAX:
        raise InvalidValue("title", "too_long")
    if len(title) < TITLE_MIN or not any(ch.isalpha() for ch in title):
        raise InvalidValue("title", "too_short")
    return title


def clean_body(text: str, name: str, limit: int) -> str:
    body = text.strip()
    if len(body) > limit:
        raise InvalidValue(name, "too_long")
    if not body:
        raise InvalidValue(name, "empty")
    return body


def is_staff_side(actor: User, issue: Issue) -> bool:
    """Coordinators and admins, and whoever the request is assigned to."""
    return actor.role in STAFF or actor.id == issue.assignee_id


def is_school_side(actor: User, issue: Issue) -> bool:
    """The request's author and the directors of its school."""
    if actor.id == issue.author_id:
        return True
    return actor.role is Role.DIRECTOR and actor.organization_id == issue.organization_id


def may_move(actor: User, issue: Issue, status: IssueStatus) -> bool:
    """Whether `actor` may move the request from its status to `status` now."""
    side = TRANSITIONS.get((issue.status, status))
    if side == "staff":
        return is_staff_side(actor, issue)
    if side == "school":
        return is_school_side(actor, issue)
    return False


def allowed_moves(actor: User, issue: Issue) -> frozenset[IssueStatus]:
    """Every status `actor` may move the request to from the one it has."""
    return frozenset(status for status in IssueStatus if may_move(actor, issue, status))


def may_comment(actor: User, issue: Issue) -> bool:
    return not issue.finished and (is_staff_side(actor, issue) or is_school_side(actor, issue))


def may_assign(actor: User, issue: Issue) -> bool:
    return not issue.finished and actor.role in STAFF
