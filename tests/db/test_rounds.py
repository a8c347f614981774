"""Placement rounds on a real SQLite file: opening, ranking, the deadline, preview, publishing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from db import Database, ManualClock
from db.domain.errors import InvalidValue, NotAllowed
from db.domain.memoranda import Area, MemorandumInput
from db.domain.models import OrgKind, Role
from db.domain.placements import (
    AlreadyApplied,
    ApplicationStatus,
    PlacementPolicy,
    PracticeKind,
)
from db.domain.rounds import RoundStatus
from db.rounds import RoundClosed, RoundOverlaps
from tests.factories import (
    make_member,
    make_offer,
    make_org,
    make_student,
    make_university,
    person,
)


class World:
    async def build(self, db: Database) -> World:
        self.university = await make_university(db)
        self.school = await make_org(db, OrgKind.SCHOOL, name="№7 мектеп-гимназия")
        self.coordinator = await make_member(db, Role.COORDINATOR, self.university, 10)
        self.director = await make_member(db, Role.DIRECTOR, self.school, 11)
        self.students = [
            await make_student(db, 100 + i, self.university, name=f"Студент {i}") for i in range(6)
        ]
        self.offers = [
            await make_offer(db, self.director, self.school, places=places, subject=subject)
            for places, subject in ((2, "Математика"), (1, "Информатика"), (1, "Физика"))
        ]
        return self


@pytest.fixture
async def world(db: Database) -> World:
    return await World().build(db)


async def open_round(db: Database, world: World, days: int = 5) -> int:
    deadline = db.clock.now() + timedelta(days=days)
    opened = await db.rounds.open(
        world.coordinator, PracticeKind.PEDAGOGICAL, frozenset({3}), deadline, 3
    )
    return opened.id


async def test_a_round_covers_the_kinds_offers_and_tells_its_cohort(
    db: Database, world: World
) -> None:
    round_id = await open_round(db, world)
    found = await db.rounds.get(round_id)
    assert found is not None and found.offer_ids == {offer.id for offer in world.offers}
    told = await db.fetch_value("SELECT count(*) FROM outbox WHERE kind = 'round.opened'")
    assert told == len(world.students)


async def test_ranking_rules_and_nothing_changes_on_a_refusal(db: Database, world: World) -> None:
    round_id = await open_round(db, world)
    student = world.students[0]
    a, b, c = (offer.id for offer in world.offers)
    assert await db.rounds.rank(student, round_id, [b, a]) == [b, a]
    outside = await make_offer(db, world.director, world.school, kind="observation")
    for bad, detail in (([a, a], "duplicate"), ([outside.id], "outside_round")):
        with pytest.raises(InvalidValue) as refused:
            await db.rounds.rank(student, round_id, bad)
        assert refused.value.args[0].endswith(detail)
    with pytest.raises(NotAllowed):
        await db.rounds.rank(world.director, round_id, [a])
    assert await db.rounds.preferences(round_id, student.id) == [b, a]
    assert await db.rounds.rank(student, round_id, [c, b, a]) == [c, b, a]


async def test_more_choices_than_the_round_allows_are_refused(db: Database, world: World) -> None:
    deadline = db.clock.now() + timedelta(days=5)
    opened = await db.rounds.open(
        world.coordinator, PracticeKind.PEDAGOGICAL, frozenset({3}), deadline, 2
    )
    with pytest.raises(InvalidValue):
        await db.rounds.rank(world.students[0], opened.id, [o.id for o in world.offers])


async def test_overlapping_rounds_and_past_deadlines_are_refused(
    db: Database, world: World
) -> None:
    first = await open_round(db, world)
    with pytest.raises(RoundOverlaps) as overlap:
        await open_round(db, world)
    assert overlap.value.round_id == first
    with pytest.raises(InvalidValue):
        await db.rounds.open(
            world.coordinator,
            PracticeKind.OBSERVATION,
            frozenset({2}),
            db.clock.now() - timedelta(hours=1),
            3,
        )
    with pytest.raises(NotAllowed):
        await db.rounds.open(
            world.director,
            PracticeKind.PEDAGOGICAL,
            frozenset({4}),
            db.clock.now() + timedelta(days=1),
            3,
        )


async def test_deadline_allocation_preview_and_one_publish(
    db: Database, world: World, clock: ManualClock
) -> None:
    round_id = await open_round(db, world)
    maths, informatics, physics = (offer.id for offer in world.offers)
    for student in world.students:  # everyone wants informatics first, maths second
        await db.rounds.rank(student, round_id, [informatics, maths])
    clock.advance(timedelta(days=6))
    with pytest.raises(RoundClosed):
        await db.rounds.rank(world.students[0], round_id, [physics])
    assert await db.rounds.close_due() == 1
    assert await db.rounds.close_due() == 0
    preview = await db.rounds.preview(round_id)
    assert preview is not None and preview.ranked == 6
    assert preview.by_choice == {1: 1, 2: 2, None: 3}
    assert preview.left == {physics: 1}
    ready = await db.fetch_value("SELECT count(*) FROM outbox WHERE kind = 'round.ready'")
    assert ready == 1

    placed = await db.rounds.publish(world.coordinator, round_id)
    assert placed == 3
    with pytest.raises(RoundClosed):
        await db.rounds.publish(world.coordinator, round_id)
    found = await db.rounds.get(round_id)
    assert found is not None and found.status is RoundStatus.PUBLISHED
    statuses = [
        a.status
        for offer in world.offers
        for a in await db.placements.applications_for_offer(offer.id)
    ]
    assert statuses == [ApplicationStatus.APPROVED] * 3
    results = await db.fetch_value("SELECT count(*) FROM outbox WHERE kind = 'round.result'")
    approved = await db.fetch_value("SELECT count(*) FROM outbox WHERE kind = 'placement.approved'")
    assert (results, approved) == (6, 0), "one result per student, no second notice"
    rows = [await db.rounds.result(round_id, s.id) for s in world.students]
    unplaced = [row for row in rows if row is not None and row.offer_id is None]
    assert [row.outranked for row in unplaced] == [(1, 2)] * 3, "both choices outranked"


async def test_a_place_taken_before_publishing_leaves_that_student_unplaced(
    db: Database, world: World
) -> None:
    round_id = await open_round(db, world)
    physics = world.offers[2].id
    first, second = world.students[:2]
    await db.rounds.rank(first, round_id, [physics])
    await db.rounds.close(world.coordinator, round_id)
    await db.placements.apply(second, physics)  # first come, meanwhile
    assert await db.rounds.publish(world.coordinator, round_id) == 0
    row = await db.rounds.result(round_id, first.id)
    assert row is not None and row.offer_id is None and row.lost_reason == "full"


async def test_a_rerun_sees_changed_places(db: Database, world: World) -> None:
    round_id = await open_round(db, world)
    physics = world.offers[2].id
    await db.rounds.rank(world.students[0], round_id, [physics])
    await db.rounds.close(world.coordinator, round_id)
    await db.placements.apply(world.students[1], physics)
    await db.rounds.rerun(world.coordinator, round_id)
    preview = await db.rounds.preview(round_id)
    assert preview is not None and preview.unplaced == [world.students[0].id]


async def test_a_student_placed_meanwhile_is_told_so_and_a_second_round_skips_the_placed(
    db: Database, world: World
) -> None:
    round_id = await open_round(db, world)
    maths, informatics, physics = (offer.id for offer in world.offers)
    first, second = world.students[:2]
    await db.rounds.rank(first, round_id, [informatics])
    await db.rounds.rank(second, round_id, [physics])
    await db.rounds.close(world.coordinator, round_id)
    await db.placements.place(world.coordinator, maths, first.id)  # placed directly meanwhile
    assert await db.rounds.publish(world.coordinator, round_id) == 1
    row = await db.rounds.result(round_id, first.id)
    assert row is not None and row.offer_id is None and row.lost_reason == "overlap"

    before = await db.fetch_value("SELECT count(*) FROM outbox WHERE kind = 'round.opened'")
    second_round = await open_round(db, world)
    invited = await db.fetch_value("SELECT count(*) FROM outbox WHERE kind = 'round.opened'")
    assert invited - before == len(world.students) - 2, "the two placed are not invited"
    with pytest.raises(AlreadyApplied):
        await db.rounds.rank(second, second_round, [informatics])
    assert await db.rounds.rank(world.students[2], second_round, [informatics]) == [informatics]


async def test_with_memoranda_required_a_round_covers_only_partners_offers(
    db: Database, world: World
) -> None:
    db.placements.policy = PlacementPolicy(require_memorandum=True)
    with pytest.raises(InvalidValue):  # no offer of this school is under a memorandum
        await open_round(db, world)
    today = db.today()
    await db.memoranda.create(
        world.coordinator,
        MemorandumInput(
            "Меморандум", today, today + timedelta(days=365), (Area.PRACTICE,), (world.school.id,)
        ),
    )
    found = await db.rounds.get(await open_round(db, world))
    assert found is not None and len(found.offer_ids) == 3


async def test_a_round_for_some_programmes_is_for_their_students_only(
    db: Database, world: World
) -> None:
    chemistry = await db.users.register_student(
        person(200, "Химик"), world.university.id, "6B01504 Химия", 3
    )
    deadline = db.clock.now() + timedelta(days=5)
    maths = await db.rounds.open(
        world.coordinator,
        PracticeKind.PEDAGOGICAL,
        frozenset({3}),
        deadline,
        3,
        programmes=frozenset({"6B01501"}),
    )
    with pytest.raises(NotAllowed):
        await db.rounds.rank(chemistry, maths.id, [world.offers[0].id])
    invited = await db.fetch_value("SELECT count(*) FROM outbox WHERE kind = 'round.opened'")
    assert invited == len(world.students), "the chemist is not invited"
    with pytest.raises(RoundOverlaps):  # a prefix of the same programme overlaps
        await db.rounds.open(
            world.coordinator,
            PracticeKind.PEDAGOGICAL,
            frozenset({3}),
            deadline,
            3,
            programmes=frozenset({"6B015"}),
        )
    other = await db.rounds.open(
        world.coordinator,
        PracticeKind.PEDAGOGICAL,
        frozenset({3}),
        deadline,
        3,
        programmes=frozenset({"6B01504"}),
    )
    assert await db.rounds.rank(chemistry, other.id, [world.offers[0].id]) == [world.offers[0].id]
