"""Placement rules in the database, on a real SQLite file: capacity, waiting list, periods."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from db import Database, ManualClock
from db.domain.errors import InvalidValue, NotAllowed, NotFound
from db.domain.models import OrgKind, Role, User
from db.domain.placements import (
    AlreadyApplied,
    ApplicationStatus,
    OfferChanges,
    OfferClosed,
    OfferFull,
    OfferInput,
    PracticeKind,
    PracticeStarted,
    RowRefused,
    StaleState,
)
from tests.factories import make_member, make_offer, make_org, make_student, make_university


class World:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def build(self) -> World:
        db = self.db
        self.university = await make_university(db)
        self.school = await make_org(db, OrgKind.SCHOOL, name="№7 мектеп-гимназия")
        self.other_school = await make_org(db, OrgKind.SCHOOL, name="№12 мектеп")
        self.coordinator = await make_member(db, Role.COORDINATOR, self.university, 10)
        self.director = await make_member(db, Role.DIRECTOR, self.school, 11)
        self.other_director = await make_member(db, Role.DIRECTOR, self.other_school, 12)
        self.mentor = await make_member(db, Role.MENTOR, self.school, 13)
        self.other_mentor = await make_member(db, Role.MENTOR, self.other_school, 14)
        self.students = [
            await make_student(db, 100 + i, self.university, name=f"Студент {i}") for i in range(30)
        ]
        return self


@pytest.fixture
async def world(db: Database) -> World:
    return await World(db).build()


async def statuses(db: Database, offer_id: int) -> dict[int, str]:
    return {
        a.student_id: a.status.value for a in await db.placements.applications_for_offer(offer_id)
    }


async def kinds_for(db: Database, user: User) -> list[str]:
    return [kind for kind, _, _ in await db.outbox.for_user(user.id)]


async def test_three_students_two_places_waiting_list_and_promotion(
    db: Database, world: World
) -> None:
    offer = await make_offer(
        db, world.director, world.school, places=2, mentor_ids=(world.mentor.id,)
    )
    first, second, third = world.students[:3]
    a1 = (await db.placements.apply(first, offer.id, "Мен информатиканы жақсы көремін")).application
    a2 = (await db.placements.apply(second, offer.id)).application
    with pytest.raises(OfferFull):
        await db.placements.apply(third, offer.id)
    waiting = await db.placements.apply(third, offer.id, join_waitlist=True)
    assert (waiting.application.status, waiting.waitlist_position) == (
        ApplicationStatus.WAITLISTED,
        1,
    )

    await db.placements.approve(world.coordinator, a1.id)
    await db.placements.approve(world.director, a2.id)
    refreshed = await db.placements.offer(offer.id)
    assert refreshed is not None and (refreshed.taken, refreshed.free) == (2, 0)
    approved = await db.placements.application(a1.id)
    assert approved is not None and approved.mentor_id == world.mentor.id, (
        "the offer's only mentor is used"
    )

    clock_day_before = await db.placements.withdraw(first, a1.id)
    assert clock_day_before.status is ApplicationStatus.WITHDRAWN
    assert (await statuses(db, offer.id))[third.id] == "pending", (
        "the freed place goes to the waiting list"
    )
    assert "placement.promoted" in await kinds_for(db, third)
    assert "placement.approved" in await kinds_for(db, first)
    assert "placement.new_student" in await kinds_for(db, world.mentor)
    assert "placement.student_left" in await kinds_for(db, world.mentor)
    assert "placement.withdrawn" in await kinds_for(db, world.director)


async def test_approvals_never_exceed_places_under_concurrency(db: Database, world: World) -> None:
    offer = await make_offer(db, world.director, world.school, places=5)
    # Twenty applications: five pending, fifteen waiting; then everyone tries to approve everything.
    applications = []
    for student in world.students[:20]:
        result = await db.placements.apply(student, offer.id, join_waitlist=True)
        applications.append(result.application)

    async def approve(application_id: int, actor: User) -> bool:
        try:
            await db.placements.approve(actor, application_id)
        except (OfferFull, StaleState):
            return False
        return True

    actors = [world.coordinator, world.director]
    outcomes = await asyncio.gather(
        *(approve(a.id, actors[i % 2]) for i, a in enumerate(applications) for _ in range(2))
    )
    assert sum(outcomes) == 5
    assert await db.fetch_value("SELECT count(*) FROM applications WHERE status = 'approved'") == 5
    assert await db.fetch_value("SELECT taken FROM practice_offers WHERE id = ?", (offer.id,)) == 5


async def test_concurrent_applications_hold_exactly_the_free_places(
    db: Database, world: World
) -> None:
    offer = await make_offer(db, world.director, world.school, places=3)

    async def apply(student: User) -> str:
        try:
            return (await db.placements.apply(student, offer.id)).application.status.value
        except OfferFull:
            return "full"

    results = await asyncio.gather(*(apply(student) for student in world.students[:12]))
    assert results.count("pending") == 3 and results.count("full") == 9


async def test_one_active_application_per_period(db: Database, world: World) -> None:
    january = await make_offer(db, world.director, world.school, starts_in_days=40, days=20)
    overlapping = await make_offer(
        db, world.other_director, world.other_school, starts_in_days=50, days=20
    )
    later = await make_offer(
        db, world.other_director, world.other_school, starts_in_days=80, days=20
    )
    student = world.students[0]
    await db.placements.apply(student, january.id)
    with pytest.raises(AlreadyApplied) as twice:
        await db.placements.apply(student, january.id)
    assert twice.value.same_offer
    with pytest.raises(AlreadyApplied) as overlap:
        await db.placements.apply(student, overlapping.id)
    assert not overlap.value.same_offer
    assert (
        await db.placements.apply(student, later.id)
    ).application.status is ApplicationStatus.PENDING


async def test_closed_and_past_offers_take_no_applications(
    db: Database, world: World, clock: ManualClock
) -> None:
    offer = await make_offer(db, world.director, world.school, starts_in_days=5)
    waiting = await make_offer(db, world.director, world.school, starts_in_days=60, places=1)
    pending = await db.placements.apply(world.students[1], waiting.id)
    queued = await db.placements.apply(world.students[2], waiting.id, join_waitlist=True)
    await db.placements.set_open(world.director, waiting.id, False)
    with pytest.raises(OfferClosed):
        await db.placements.apply(world.students[0], waiting.id)
    for result in (pending, queued):
        closed = await db.placements.application(result.application.id)
        assert closed is not None and closed.status is ApplicationStatus.CANCELLED
        assert "placement.offer_closed" in await kinds_for(db, await _user(db, closed.student_id))
    clock.advance(timedelta(days=6))
    with pytest.raises(OfferClosed):
        await db.placements.apply(world.students[0], offer.id)


async def _user(db: Database, user_id: int) -> User:
    user = await db.users.get(user_id)
    assert user is not None
    return user


async def test_only_the_schools_director_or_staff_decide(db: Database, world: World) -> None:
    offer = await make_offer(db, world.director, world.school)
    application = (await db.placements.apply(world.students[0], offer.id)).application
    for outsider in (world.other_director, world.mentor, world.students[1]):
        with pytest.raises(NotAllowed):
            await db.placements.approve(outsider, application.id)
        with pytest.raises(NotAllowed):
            await db.placements.reject(outsider, application.id, "no reason")
    with pytest.raises(NotAllowed):
        await db.placements.create_offer(
            world.other_director,
            OfferInput(
                world.school.id, PracticeKind.DUAL, "Робототехника", db.today(), db.today(), 1
            ),
        )
    assert (await _user(db, world.students[0].id)).role is Role.STUDENT
    refreshed = await db.placements.application(application.id)
    assert refreshed is not None and refreshed.status is ApplicationStatus.PENDING


async def test_a_directors_review_queue_is_their_schools_pending_oldest_first(
    db: Database, world: World
) -> None:
    ours = await make_offer(db, world.director, world.school, places=3)
    theirs = await make_offer(db, world.other_director, world.other_school, places=3)
    for student in world.students[:3]:
        await db.placements.apply(student, ours.id)
    await db.placements.apply(world.students[3], theirs.id)
    first, total = await db.placements.review_queue(world.director, 0, 2)
    assert [a.student_id for a in first] == [s.id for s in world.students[:2]] and total == 3
    last, total = await db.placements.review_queue(world.director, 2, 2)
    assert [a.student_id for a in last] == [world.students[2].id] and total == 3
    beyond, total = await db.placements.review_queue(world.director, 5, 2)
    assert beyond == [] and total == 3  # past the end, the queue is still counted
    everyone, total = await db.placements.review_queue(world.coordinator, 0, 10)
    assert len(everyone) == 4 and total == 4


async def test_approving_what_was_withdrawn_a_second_ago(db: Database, world: World) -> None:
    offer = await make_offer(db, world.director, world.school)
    application = (await db.placements.apply(world.students[0], offer.id)).application
    await db.placements.withdraw(world.students[0], application.id)
    with pytest.raises(StaleState) as stale:
        await db.placements.approve(world.coordinator, application.id)
    assert stale.value.status is ApplicationStatus.WITHDRAWN
    assert await db.fetch_value("SELECT taken FROM practice_offers") == 0


async def test_withdrawal_only_until_the_start(
    db: Database, world: World, clock: ManualClock
) -> None:
    offer = await make_offer(db, world.director, world.school, starts_in_days=3)
    application = (await db.placements.apply(world.students[0], offer.id)).application
    await db.placements.approve(world.director, application.id)
    with pytest.raises(NotFound):
        await db.placements.withdraw(world.students[1], application.id)
    clock.advance(timedelta(days=3))
    with pytest.raises(PracticeStarted):
        await db.placements.withdraw(world.students[0], application.id)


async def test_offer_edits_keep_capacity_rules_and_tell_people(db: Database, world: World) -> None:
    offer = await make_offer(db, world.director, world.school, places=3)
    results = [
        await db.placements.apply(s, offer.id, join_waitlist=True) for s in world.students[:4]
    ]
    await db.placements.approve(world.director, results[0].application.id)
    with pytest.raises(InvalidValue) as below:
        await db.placements.update_offer(world.director, offer.id, OfferChanges(places=0))
    assert below.value.detail == "out_of_range"
    # 1 placed + 2 pending; down to 2 places: the newest pending goes back to the waiting list
    changed = await db.placements.update_offer(world.director, offer.id, OfferChanges(places=2))
    assert (changed.taken, changed.pending, changed.waitlisted) == (1, 1, 2)
    assert "placement.moved_to_waitlist" in await kinds_for(db, world.students[2])
    await db.placements.approve(world.director, results[1].application.id)
    with pytest.raises(InvalidValue) as under_taken:
        await db.placements.update_offer(world.director, offer.id, OfferChanges(places=1))
    assert under_taken.value.detail == "below_taken"
    grown = await db.placements.update_offer(world.director, offer.id, OfferChanges(places=4))
    assert (grown.taken, grown.pending, grown.waitlisted) == (2, 2, 0), (
        "more places promote the waiting list"
    )
    assert "placement.offer_changed" in await kinds_for(db, world.students[0])
    with pytest.raises(InvalidValue):
        await db.placements.update_offer(
            world.director, offer.id, OfferChanges(ends_on=offer.starts_on - timedelta(days=1))
        )


async def test_offer_input_is_validated(db: Database, world: World) -> None:
    today = db.today()
    cases = {
        ("starts_on", "in_past"): OfferInput(
            world.school.id, PracticeKind.PEDAGOGICAL, "Тарих", today - timedelta(days=1), today, 2
        ),
        ("ends_on", "before_start"): OfferInput(
            world.school.id, PracticeKind.PEDAGOGICAL, "Тарих", today + timedelta(days=5), today, 2
        ),
        ("places", "out_of_range"): OfferInput(
            world.school.id, PracticeKind.PEDAGOGICAL, "Тарих", today, today, 0
        ),
        ("subject", "too_short"): OfferInput(
            world.school.id, PracticeKind.PEDAGOGICAL, " 1 ", today, today, 2
        ),
        ("mentor", "not_of_this_school"): OfferInput(
            world.school.id,
            PracticeKind.PEDAGOGICAL,
            "Тарих",
            today,
            today,
            2,
            mentor_ids=(world.other_mentor.id,),
        ),
    }
    for (field, detail), data in cases.items():
        with pytest.raises(InvalidValue) as problem:
            await db.placements.create_offer(world.coordinator, data)
        assert (problem.value.field, problem.value.detail) == (field, detail)
    assert await db.fetch_value("SELECT count(*) FROM practice_offers") == 0


async def test_mentor_assignment_and_direct_placement(db: Database, world: World) -> None:
    offer = await make_offer(db, world.director, world.school, places=2)
    placed = await db.placements.place(world.coordinator, offer.id, world.students[0].id)
    assert placed.status is ApplicationStatus.APPROVED and placed.mentor_id is None
    with pytest.raises(InvalidValue):
        await db.placements.assign_mentor(world.director, placed.id, world.other_mentor.id)
    with pytest.raises(NotAllowed):
        await db.placements.assign_mentor(world.other_director, placed.id, world.mentor.id)
    assigned = await db.placements.assign_mentor(world.director, placed.id, world.mentor.id)
    assert assigned.mentor_id == world.mentor.id
    assert [a.student_id for a in await db.placements.mentor_students(world.mentor.id)] == [
        world.students[0].id
    ]
    assert "placement.mentor_assigned" in await kinds_for(db, world.students[0])
    with pytest.raises(NotAllowed):
        await db.placements.place(world.director, offer.id, world.students[1].id)
    await db.placements.place(world.coordinator, offer.id, world.students[1].id)
    with pytest.raises(OfferFull):
        await db.placements.place(world.coordinator, offer.id, world.students[2].id)


async def test_place_many_is_all_or_nothing(db: Database, world: World) -> None:
    offer = await make_offer(db, world.director, world.school, places=2)
    rows = [(offer.id, s.id, None) for s in world.students[:3]]
    with pytest.raises(RowRefused) as refused:
        await db.placements.place_many(rows)
    assert refused.value.index == 2 and isinstance(refused.value.problem, OfferFull)
    assert await db.fetch_value("SELECT count(*) FROM applications") == 0
    assert await db.placements.place_many(rows[:2]) == 2


async def test_browsing_pages_in_sql_with_filters(db: Database, world: World) -> None:
    almaty = await make_org(db, OrgKind.SCHOOL, name="Алматы мектебі", city="Алматы")
    for i in range(25):
        await make_offer(
            db,
            world.director,
            world.school,
            starts_in_days=10 + i,
            subject="Информатика" if i % 2 else "Робототехника",
        )
    await make_offer(db, world.coordinator, almaty, subject="Информатика", kind="dual")
    from db.domain.placements import BrowseFilter

    page, total = await db.placements.browse(BrowseFilter(), 0, 6)
    assert total == 26 and len(page) == 6
    assert [o.starts_on for o in page] == sorted(o.starts_on for o in page)
    _, in_almaty = await db.placements.browse(BrowseFilter(city="Алматы"), 0, 6)
    assert in_almaty == 1
    _, robotics = await db.placements.browse(BrowseFilter(subject_key="робототехника"), 0, 6)
    assert robotics == 13
    _, dual = await db.placements.browse(BrowseFilter(kind=PracticeKind.DUAL), 0, 6)
    assert dual == 1
    cities = await db.placements.browse_values(BrowseFilter(), "city")
    assert cities[0][0] == "Семей" and cities[0][2] == 25
