"""School requests and confidential support, on a real SQLite file."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from aiogram.utils.i18n import I18n

from bot.config import IssueSettings, Settings
from bot.jobs import STALE_ISSUES, register_jobs
from bot.scheduler import Scheduler
from db import Database, ManualClock
from db.domain.errors import InvalidValue, NotAllowed, NotFound
from db.domain.issues import (
    Attachment,
    IssueCategory,
    IssueChanged,
    IssueClosed,
    IssueInput,
    IssueStatus,
)
from db.domain.models import OrgKind, Role, User
from db.domain.support import ThreadTaken
from tests.factories import make_member, make_org, make_student, make_university
from tests.fake_telegram import wait_until


class Network:
    async def build(self, db: Database) -> Network:
        university = await make_university(db)
        self.school = await make_org(db, OrgKind.SCHOOL, region="Абай облысы")
        self.other_school = await make_org(db, OrgKind.SCHOOL, region="Алматы облысы")
        department_org = await make_org(
            db, OrgKind.DEPARTMENT, name="Абай облысының білім басқармасы", region="Абай облысы"
        )
        self.coordinators = [
            await make_member(db, Role.COORDINATOR, university, 1 + i) for i in range(2)
        ]
        self.director = await make_member(db, Role.DIRECTOR, self.school, 10)
        self.other_director = await make_member(db, Role.DIRECTOR, self.other_school, 11)
        self.mentor = await make_member(db, Role.MENTOR, self.school, 12)
        self.department = await make_member(db, Role.DEPARTMENT, department_org, 13)
        self.student = await make_student(db, 14, university)
        return self


@pytest.fixture
async def net(db: Database) -> Network:
    return await Network().build(db)


def need(**overrides: object) -> IssueInput:
    fields: dict[str, object] = {
        "category": IssueCategory.METHODOLOGY,
        "urgency": "normal",
        "title": "Инклюзивті сабақ жоспарлау",
        "description": "Ерекше білім беру қажеттілігі бар балалармен жұмысқа әдістемелік көмек керек.",
    }
    fields.update(overrides)
    return IssueInput(**fields)  # type: ignore[arg-type]


async def kinds(db: Database, user: User) -> list[str]:
    return [kind for kind, _, _ in await db.outbox.for_user(user.id)]


async def test_posting_rules(db: Database, net: Network) -> None:
    for outsider in (net.student, net.coordinators[0]):
        with pytest.raises(NotAllowed):
            await db.issues.post(outsider, need())
    with pytest.raises(InvalidValue) as empty:
        await db.issues.post(net.director, need(title="  "))
    assert empty.value.field == "title"
    with pytest.raises(InvalidValue) as long:
        await db.issues.post(net.director, need(description="ы" * 3001))
    assert long.value.detail == "too_long"
    with pytest.raises(InvalidValue):
        await db.issues.post(
            net.director, need(category=IssueCategory.STAFFING)
        )  # a vacancy needs subject and date
    vacancy = await db.issues.post(
        net.mentor,
        need(
            category=IssueCategory.STAFFING,
            vacancy_subject="Робототехника",
            vacancy_starts_on=date(2027, 9, 1),
            attachments=[Attachment("photo", "photo-1")],
        ),
    )
    assert (vacancy.organization_id, vacancy.vacancy_subject) == (net.school.id, "Робототехника")
    assert len(await db.issues.attachments(vacancy.id)) == 1


async def test_urgent_requests_reach_every_coordinator_at_once(db: Database, net: Network) -> None:
    await db.issues.post(net.director, need(urgency="urgent"))
    for coordinator in net.coordinators:
        assert "issue.urgent" in await kinds(db, coordinator)
    await db.issues.post(net.director, need())
    assert (await kinds(db, net.coordinators[0])).count("issue.urgent") == 1


async def test_who_sees_which_requests(db: Database, net: Network) -> None:
    ours = await db.issues.post(net.director, need())
    theirs = await db.issues.post(net.other_director, need(urgency="urgent"))
    from db.domain.issues import IssueFilter

    async def visible(viewer: User) -> set[int]:
        issues, _ = await db.issues.page(viewer, IssueFilter(), 0, 50)
        return {issue.id for issue in issues}

    assert await visible(net.director) == {ours.id}
    assert await visible(net.other_director) == {theirs.id}
    assert await visible(net.coordinators[0]) == {ours.id, theirs.id}
    assert await visible(net.department) == {ours.id}, "department officials see their region"
    assert await visible(net.student) == set()
    assert not await db.issues.may_see(net.other_director, ours)
    page, _ = await db.issues.page(net.coordinators[0], IssueFilter(), 0, 50)
    assert page[0].id == theirs.id, "urgent first"


async def test_the_whole_flow_with_notifications_and_audit(db: Database, net: Network) -> None:
    issue = await db.issues.post(net.director, need())
    coordinator, helper = net.coordinators
    issue = await db.issues.assign(coordinator, issue.id, issue.version, helper.id)
    assert (issue.status, issue.assignee_id) == (IssueStatus.IN_PROGRESS, helper.id)
    assert "issue.assigned" in await kinds(db, helper)
    await db.issues.comment(helper, issue.id, "Келесі аптада әдіскер жібереміз")
    assert "issue.comment" in await kinds(db, net.director)
    issue = await db.issues.change_status(helper, issue.id, issue.version, IssueStatus.RESOLVED)
    with pytest.raises(NotFound):  # another school's request: as if there were none
        await db.issues.change_status(
            net.other_director, issue.id, issue.version, IssueStatus.CLOSED
        )
    issue = await db.issues.change_status(
        net.director, issue.id, issue.version, IssueStatus.IN_PROGRESS, "Әлі келген жоқ"
    )
    assert issue.status is IssueStatus.IN_PROGRESS
    issue = await db.issues.change_status(helper, issue.id, issue.version, IssueStatus.RESOLVED)
    issue = await db.issues.change_status(net.director, issue.id, issue.version, IssueStatus.CLOSED)
    with pytest.raises(IssueClosed):
        await db.issues.comment(net.director, issue.id, "Рақмет")
    actions = [entry.action for entry in await db.audit.for_object("issue", issue.id)]
    assert actions == [
        "issue.create",
        "issue.assign",
        "issue.comment",
        "issue.status",
        "issue.status",
        "issue.status",
        "issue.status",
    ]


async def test_two_coordinators_at_the_same_moment(db: Database, net: Network) -> None:
    issue = await db.issues.post(net.director, need())
    first, second = net.coordinators
    results = await asyncio.gather(
        db.issues.change_status(first, issue.id, issue.version, IssueStatus.RESOLVED),
        db.issues.change_status(
            second, issue.id, issue.version, IssueStatus.REJECTED, "Біздің бейін емес"
        ),
        return_exceptions=True,
    )
    assert sum(isinstance(result, IssueChanged) for result in results) == 1
    winner = next(result for result in results if not isinstance(result, BaseException))
    loser = next(result for result in results if isinstance(result, IssueChanged))
    assert loser.issue.status == winner.status, "the second change is shown the first one"
    assert (await db.issues.get(issue.id)).status == winner.status  # type: ignore[union-attr]


async def test_rejecting_needs_a_reason_and_transitions_are_checked(
    db: Database, net: Network
) -> None:
    issue = await db.issues.post(net.director, need())
    with pytest.raises(InvalidValue):
        await db.issues.change_status(
            net.coordinators[0], issue.id, issue.version, IssueStatus.REJECTED, " "
        )
    with pytest.raises(InvalidValue) as jump:
        await db.issues.change_status(net.director, issue.id, issue.version, IssueStatus.CLOSED)
    assert jump.value.detail == "not_allowed_now"
    rejected = await db.issues.change_status(
        net.coordinators[0], issue.id, issue.version, IssueStatus.REJECTED, "Қайталанған өтініш"
    )
    assert rejected.reject_reason == "Қайталанған өтініш"
    assert "issue.status" in await kinds(db, net.director)


async def test_stale_reminders_go_to_the_assignee_or_coordinators_and_stop_when_it_moves(
    db: Database, net: Network, clock: ManualClock
) -> None:
    unassigned = await db.issues.post(net.director, need())
    assigned = await db.issues.post(net.director, need(title="Робототехника үйірмесі"))
    assigned = await db.issues.assign(
        net.coordinators[0], assigned.id, assigned.version, net.coordinators[1].id
    )
    assert await db.issues.remind_stale(7) == 0
    clock.advance(timedelta(days=7, hours=1))
    assert await db.issues.remind_stale(7) == 2
    assert await db.issues.remind_stale(7) == 0, "not again the same day"
    stale_for = {user.id: (await kinds(db, user)).count("issue.stale") for user in net.coordinators}
    assert stale_for == {net.coordinators[0].id: 1, net.coordinators[1].id: 2}
    clock.advance(timedelta(days=3))
    await db.issues.comment(net.coordinators[1], assigned.id, "Жұмыс істеп жатырмыз")
    clock.advance(timedelta(days=4))
    assert await db.issues.remind_stale(7) == 1, (
        "the one that moved is quiet; the other, a week on, again"
    )
    assert unassigned.id != assigned.id


async def test_the_stale_reminder_fires_through_the_real_scheduler(
    db: Database, net: Network, clock: ManualClock, settings: Settings
) -> None:
    await db.issues.post(net.director, need())
    scheduler = Scheduler()
    scheduler.start()
    try:
        register_jobs(scheduler, db, settings)
        assert scheduler.has_job(STALE_ISSUES)
        clock.advance(timedelta(days=IssueSettings().stale_days + 1))
        scheduler.run_now(STALE_ISSUES)
        await wait_until(
            lambda: scheduler.runs[STALE_ISSUES] >= 1,
            timeout=5,
            what="the scheduler to run the job",
        )
    finally:
        await scheduler.shutdown()
    assert "issue.stale" in await kinds(db, net.coordinators[0])


async def test_support_is_confidential(db: Database, net: Network, i18n: I18n) -> None:
    admin = await make_member(db, Role.ADMIN, net.school, 20)
    counsellor = await db.users.set_support(admin, net.coordinators[0].id, True)
    second = await db.users.set_support(admin, net.coordinators[1].id, True)
    with pytest.raises(NotAllowed):
        await db.users.set_support(net.coordinators[0], net.student.id, True)
    first = await db.support.write(net.student, "Практикада қиналып жүрмін")
    thread = await db.support.thread(first.thread_id)
    assert thread is not None
    assert db.support.may_read(counsellor, thread) and not db.support.may_read(net.director, thread)
    assert "support.message" in await kinds(db, counsellor) and "support.message" in await kinds(
        db, second
    )
    await db.support.take(counsellor, thread.id)
    with pytest.raises(ThreadTaken):
        await db.support.take(second, thread.id)
    taken = await db.support.thread(thread.id)
    assert taken is not None and not db.support.may_read(second, taken), (
        "once taken, it is between the two"
    )
    await db.support.write(counsellor, "Сөйлесейік", thread.id)
    assert "support.message" in await kinds(db, net.student)
    entries = [entry.details for entry in await db.audit.recent(100)]
    assert not any("қиналып" in str(details) for details in entries), (
        "no message text in the audit log"
    )
