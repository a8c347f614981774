"""Logbook rules on a real SQLite file: who logs, which dates, locations, edits, hours."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from db import Database, ManualClock
from db.domain.errors import InvalidValue, NotAllowed
from db.domain.models import OrgKind, Role, User
from db.domain.placements import Application
from db.domain.practice_log import (
    Activity,
    EntryDecided,
    LocationCheck,
    SharedLocation,
    VisitChanges,
    VisitInput,
    VisitLocked,
    distance_m,
)
from tests.factories import make_member, make_offer, make_org, make_student, make_university

SCHOOL = (50.4200, 80.2500)
SCORES = {"planning": 5, "delivery": 4, "management": 4, "technology": 3, "inclusion": 5}
REQUIRED = {"pedagogical": 72}


class Setup:
    async def build(self, db: Database, clock: ManualClock) -> Setup:
        university = await make_university(db)
        self.school = await make_org(db, OrgKind.SCHOOL, latitude=SCHOOL[0], longitude=SCHOOL[1])
        other_school = await make_org(db, OrgKind.SCHOOL)
        self.coordinator = await make_member(db, Role.COORDINATOR, university, 1)
        self.mentor = await make_member(db, Role.MENTOR, self.school, 2)
        self.other_mentor = await make_member(db, Role.MENTOR, other_school, 3)
        self.student = await make_student(db, 4, university)
        self.offer = await make_offer(
            db,
            self.coordinator,
            self.school,
            starts_in_days=2,
            days=27,
            mentor_ids=(self.mentor.id,),
        )
        self.placement: Application = await db.placements.place(
            self.coordinator, self.offer.id, self.student.id
        )
        clock.advance(timedelta(days=5))  # the practice is running: day 4 of 28
        return self


@pytest.fixture
async def setup(db: Database, clock: ManualClock) -> Setup:
    return await Setup().build(db, clock)


def visit(setup: Setup, db: Database, token: str = "t1", **overrides: object) -> VisitInput:
    fields: dict[str, object] = {
        "application_id": setup.placement.id,
        "visited_on": db.today(),
        "topic": "Бөлшектерді қосу",
        "class_group": "5Б",
        "scores": SCORES,
        "draft_token": token,
    }
    fields.update(overrides)
    return VisitInput(**fields)  # type: ignore[arg-type]


def test_distance_is_in_metres() -> None:
    assert 1100 < distance_m(50.42, 80.25, 50.43, 80.25) < 1120


async def test_a_visit_with_a_fresh_location_near_the_school_is_on_site(
    db: Database, setup: Setup
) -> None:
    near = SharedLocation(SCHOOL[0] + 0.001, SCHOOL[1], fresh=True)  # about 111 m north
    saved, created = await db.practice.log_visit(
        setup.mentor, visit(setup, db, location=near), radius_m=300
    )
    assert (
        created
        and saved.location is LocationCheck.ON_SITE
        and saved.distance_m == pytest.approx(111, abs=2)
    )
    kinds = [kind for kind, _, _ in await db.outbox.for_user(setup.student.id)]
    assert "visit.logged" in kinds


async def test_far_or_forwarded_locations_are_saved_but_not_verified(
    db: Database, setup: Setup
) -> None:
    far = SharedLocation(SCHOOL[0] + 0.02, SCHOOL[1], fresh=True)
    forwarded = SharedLocation(SCHOOL[0], SCHOOL[1], fresh=False)
    first, _ = await db.practice.log_visit(
        setup.mentor, visit(setup, db, "a", location=far), radius_m=300
    )
    second, _ = await db.practice.log_visit(
        setup.mentor, visit(setup, db, "b", location=forwarded), radius_m=300
    )
    assert (first.location, second.location) == (
        LocationCheck.NOT_VERIFIED,
        LocationCheck.NOT_VERIFIED,
    )
    assert first.distance_m is not None and first.distance_m > 2000


async def test_saving_twice_records_one_visit(db: Database, setup: Setup) -> None:
    results = await asyncio.gather(
        *(db.practice.log_visit(setup.mentor, visit(setup, db, "same"), 300) for _ in range(3))
    )
    assert sorted(created for _, created in results) == [False, False, True]
    assert await db.fetch_value("SELECT count(*) FROM visits") == 1
    assert await db.fetch_value("SELECT count(*) FROM outbox WHERE kind = 'visit.logged'") == 1


async def test_only_the_mentor_or_a_coordinator_logs_visits(db: Database, setup: Setup) -> None:
    for outsider in (setup.other_mentor, setup.student):
        with pytest.raises(NotAllowed):
            await db.practice.log_visit(outsider, visit(setup, db, f"x{outsider.id}"), 300)
    saved, _ = await db.practice.log_visit(setup.coordinator, visit(setup, db, "c"), 300)
    assert saved.author_id == setup.coordinator.id


async def test_visit_dates_must_be_real_and_inside_the_period(db: Database, setup: Setup) -> None:
    cases = {
        "future": db.today() + timedelta(days=1),
        "outside_period": setup.offer.starts_on - timedelta(days=1),
    }
    for detail, day in cases.items():
        with pytest.raises(InvalidValue) as problem:
            await db.practice.log_visit(setup.mentor, visit(setup, db, detail, visited_on=day), 300)
        assert problem.value.detail == detail
    with pytest.raises(InvalidValue):
        await db.practice.log_visit(
            setup.mentor, visit(setup, db, "s", scores={**SCORES, "planning": 6}), 300
        )
    with pytest.raises(InvalidValue):
        await db.practice.log_visit(setup.mentor, visit(setup, db, "t", topic="   "), 300)
    assert await db.fetch_value("SELECT count(*) FROM visits") == 0


async def test_edits_for_24_hours_then_locked_and_audited(
    db: Database, setup: Setup, clock: ManualClock
) -> None:
    saved, _ = await db.practice.log_visit(setup.mentor, visit(setup, db), 300)
    with pytest.raises(NotAllowed):
        await db.practice.update_visit(setup.coordinator, saved.id, VisitChanges(comment="x"))
    clock.advance(timedelta(hours=23))
    edited = await db.practice.update_visit(
        setup.mentor, saved.id, VisitChanges(scores={**SCORES, "technology": 5}, comment="Жақсы")
    )
    assert (edited.scores["technology"], edited.comment) == (5, "Жақсы")
    entries = await db.audit.for_object("visit", saved.id)
    assert (
        entries[-1].action == "visit.update"
        and entries[-1].details["before"]["scores"]["technology"] == 3
    )
    clock.advance(timedelta(hours=2))
    with pytest.raises(VisitLocked):
        await db.practice.update_visit(setup.mentor, saved.id, VisitChanges(comment="late"))


async def test_hours_rules(db: Database, setup: Setup) -> None:
    student: User = setup.student
    await db.practice.log_hours(student, db.today(), 6, Activity.TAUGHT)
    await db.practice.log_hours(student, db.today(), 4.5, Activity.OBSERVED, "7А, 8Б")
    cases = [
        (db.today(), 2.0, "over_day"),
        (db.today() + timedelta(days=1), 1.0, "future"),
        (setup.offer.starts_on - timedelta(days=1), 1.0, "outside_period"),
        (db.today(), -1.0, "out_of_range"),
        (db.today(), 13.0, "out_of_range"),
        (db.today(), 0.3, "out_of_range"),
    ]
    for day, hours, detail in cases:
        with pytest.raises(InvalidValue) as problem:
            await db.practice.log_hours(student, day, hours, Activity.METHODICAL)
        assert problem.value.detail == detail, (day, hours)
    assert await db.fetch_value("SELECT sum(hours) FROM practice_hours") == 10.5


async def test_mentor_confirms_or_returns_and_progress_counts(db: Database, setup: Setup) -> None:
    first = await db.practice.log_hours(setup.student, db.today(), 6, Activity.TAUGHT)
    second = await db.practice.log_hours(
        setup.student, db.today() - timedelta(days=1), 4, Activity.OBSERVED
    )
    third = await db.practice.log_hours(
        setup.student, db.today() - timedelta(days=2), 2, Activity.METHODICAL
    )
    with pytest.raises(NotAllowed):
        await db.practice.review_hours(setup.other_mentor, first.id, confirm=True)
    await db.practice.review_hours(setup.mentor, first.id, confirm=True)
    with pytest.raises(EntryDecided):
        await db.practice.review_hours(setup.mentor, first.id, confirm=True)
    with pytest.raises(InvalidValue):
        await db.practice.review_hours(setup.mentor, second.id, confirm=False, comment=" ")
    await db.practice.review_hours(
        setup.mentor, second.id, confirm=False, comment="Сабақ кестесін тіркеңіз"
    )
    await db.practice.log_visit(setup.mentor, visit(setup, db), 300)
    progress = await db.practice.progress(setup.placement, REQUIRED)
    assert (progress.hours_confirmed, progress.hours_pending, progress.hours_required) == (
        6.0,
        2.0,
        72,
    )
    assert progress.visits == 1 and progress.averages["technology"] == 3
    assert third.status == "pending"
    kinds = [kind for kind, _, _ in await db.outbox.for_user(setup.student.id)]
    assert "hours.returned" in kinds


async def test_students_without_recent_visits(
    db: Database, setup: Setup, clock: ManualClock
) -> None:
    found = await db.practice.without_recent_visit(14)
    assert [(a.id, last) for a, last in found] == [(setup.placement.id, None)]
    await db.practice.log_visit(setup.mentor, visit(setup, db), 300)
    assert await db.practice.without_recent_visit(14) == []
    clock.advance(timedelta(days=15))
    assert [a.id for a, _ in await db.practice.without_recent_visit(14, setup.school.id)] == [
        setup.placement.id
    ]
