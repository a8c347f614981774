"""Under concurrency every operation sees the row it has just written (issue 14, part 5).

The shared reader connection must never sit in an old snapshot: no statement stays open
across an await, and an operation that returns its own write reads it in its transaction.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from db import Database
from db.domain.events import Audience, EventInput, EventKind, Rsvp
from db.domain.issues import IssueCategory, IssueInput
from db.domain.models import OrgKind, Role, User
from db.domain.placements import OfferInput, PracticeKind
from tests.factories import make_member, make_org, make_student, make_university

PEOPLE = 150


async def busy_reader(db: Database, stop: asyncio.Event) -> int:
    """Reads that keep the shared reader connection busy while others write and read."""
    reads = 0
    while not stop.is_set():
        await db.fetch_all("SELECT id FROM users ORDER BY id")
        await db.orgs.page([], 0, 8, "", "kk")
        reads += 1
        await asyncio.sleep(0)  # statements run inline and never suspend: let the others in
    return reads


@asynccontextmanager
async def busy_readers(db: Database, count: int = 4) -> AsyncIterator[None]:
    stop = asyncio.Event()
    readers = [asyncio.create_task(busy_reader(db, stop)) for _ in range(count)]
    try:
        yield
    finally:
        stop.set()
        reads = await asyncio.gather(*readers)
    assert all(reads), "the readers ran alongside"


async def test_hundreds_of_rsvps_each_see_their_own_answer(db: Database) -> None:
    university = await make_university(db)
    coordinator = await make_member(db, Role.COORDINATOR, university, 1)
    students = [await make_student(db, 100 + i, university) for i in range(PEOPLE)]
    start = db.clock.now().replace(microsecond=0) + timedelta(days=2)
    (event,) = await db.events.create(
        coordinator,
        EventInput(
            kind=EventKind.SEMINAR,
            title="AI in teaching",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            audience=Audience(everyone=True),
            address="Glinki 20",
            registration=True,
            capacity=PEOPLE // 2,
        ),
    )

    async def answer_then_look(student: User) -> Rsvp | None:
        registration = await db.events.answer(student, event.id, True)
        seen = await db.events.registration(student, event.id)
        assert seen is not None, "a committed registration is invisible to the next read"
        assert seen.status is registration.status
        return registration.status

    async with busy_readers(db):
        statuses = await asyncio.gather(*(answer_then_look(student) for student in students))
    assert statuses.count(Rsvp.GOING) == PEOPLE // 2
    assert statuses.count(Rsvp.WAITLISTED) == PEOPLE - PEOPLE // 2


async def test_applications_and_requests_are_read_back_by_their_authors(db: Database) -> None:
    university = await make_university(db)
    coordinator = await make_member(db, Role.COORDINATOR, university, 1)
    schools = [await make_org(db, OrgKind.SCHOOL) for _ in range(5)]
    directors = [
        await make_member(db, Role.DIRECTOR, school, 10 + i) for i, school in enumerate(schools)
    ]
    today = db.today()
    offers = [
        await db.placements.create_offer(
            coordinator,
            OfferInput(
                organization_id=school.id,
                kind=PracticeKind.PEDAGOGICAL,
                subject="Информатика",
                starts_on=today + timedelta(days=30),
                ends_on=today + timedelta(days=60),
                places=10,
            ),
        )
        for school in schools
    ]
    students = [await make_student(db, 500 + i, university) for i in range(PEOPLE)]

    async def apply_then_look(index: int) -> None:
        student = students[index]
        result = await db.placements.apply(student, offers[index % len(offers)].id, None, True)
        mine = await db.placements.student_applications(student.id)
        assert result.application.id in {application.id for application in mine}

    async def post_then_look(index: int) -> None:
        director = directors[index % len(directors)]
        issue = await db.issues.post(
            director,
            IssueInput(
                category=IssueCategory.METHODOLOGY,
                urgency="normal",
                title=f"Request {index}",
                description="A teacher of robotics from September.",
            ),
        )
        seen = await db.issues.get(issue.id)
        assert seen is not None and seen.title == f"Request {index}"

    async with busy_readers(db):
        await asyncio.gather(
            *(apply_then_look(i) for i in range(PEOPLE)),
            *(post_then_look(i) for i in range(PEOPLE)),
        )
