"""Cost of a whole placement round on a real SQLite file: 5,000 students × 1,000 offers × 5
preferences (bench/allocation_cost.py's cohort), through db.rounds as the bot runs it.

Prints the time of each step — opening (the cohort's invitations queued), closing (the
allocation computed and its results written), publishing (every placement under the placement
rules, every result and summary notice queued) — and, as the baseline measured in the same
run, one transaction that inserts as many plain application rows as the publish places. The
issue's target: the whole publish under 30 s. Also: the longest the event loop went without
running another task during the publish (it yields every YIELD_EVERY placements).

    .venv/bin/python bench/round_publish.py [--students 5000] [--offers 1000] [--choices 5]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.allocation_cost import cohort
from db import Database, ManualClock
from db.domain.models import OrgKind, Role, User
from db.domain.placements import OfferInput, PracticeKind
from db.timeutil import to_db
from tests.factories import make_member, make_org, make_university


async def seed(db: Database, students: int, offers: int, capacities: dict[int, int]) -> User:
    """Schools, offers and students written in bulk (the bench measures the round, not them)."""
    university = await make_university(db)
    coordinator = await make_member(db, Role.COORDINATOR, university, 1)
    schools = [await make_org(db, OrgKind.SCHOOL, name=f"№{n} мектеп") for n in range(1, 201)]
    directors = [await make_member(db, Role.DIRECTOR, s, 10 + i) for i, s in enumerate(schools)]
    start = db.today() + timedelta(days=30)
    for offer in range(1, offers + 1):
        index = offer % len(schools)
        await db.placements.create_offer(
            directors[index],
            OfferInput(
                schools[index].id,
                PracticeKind.PEDAGOGICAL,
                f"Пән {offer}",
                start,
                start + timedelta(days=27),
                min(capacities[offer], 500),
            ),
        )
    now = to_db(db.clock.now())
    await db.execute_many(
        "INSERT INTO users (telegram_id, full_name, role, organization_id, locale, programme,"
        " study_year, consent_at, created_at, seen_at) VALUES (?, ?, 'student', ?, 'kk',"
        " '6B01501', 3, ?, ?, ?)",
        [
            (100_000 + n, f"Студент {n}", university.id, now, now, now)
            for n in range(1, students + 1)
        ],
    )
    return coordinator


async def longest_stall(task: asyncio.Task[object]) -> float:
    """The longest gap between two wake-ups of a task that only sleeps, while `task` runs."""
    longest, last = 0.0, time.perf_counter()
    while not task.done():
        await asyncio.sleep(0)
        now = time.perf_counter()
        longest, last = max(longest, now - last), now
    return longest


async def main(students: int, offers: int, choices: int) -> None:
    preferences, capacities = cohort(students, offers, choices, seed=2026)
    with tempfile.TemporaryDirectory() as directory:
        clock = ManualClock(datetime.now(UTC))
        db = await Database.open(Path(directory) / "bench.db", clock)
        coordinator = await seed(db, students, offers, capacities)
        first_student = await db.fetch_value("SELECT min(id) FROM users WHERE role = 'student'")

        started = time.perf_counter()
        opened = await db.rounds.open(
            coordinator,
            PracticeKind.PEDAGOGICAL,
            frozenset({3}),
            clock.now() + timedelta(days=3),
            choices,
        )
        opening = time.perf_counter() - started
        first_offer = min(opened.offer_ids)
        await db.execute_many(
            "INSERT INTO round_preferences (round_id, student_id, position, offer_id)"
            " VALUES (?, ?, ?, ?)",
            [
                (opened.id, first_student + student - 1, position, first_offer + offer - 1)
                for student, ranked in preferences.items()
                for position, offer in enumerate(ranked, start=1)
            ],
        )
        clock.advance(timedelta(days=4))
        started = time.perf_counter()
        await db.rounds.close_due()
        closing = time.perf_counter() - started
        preview = await db.rounds.preview(opened.id)
        assert preview is not None

        started = time.perf_counter()
        publishing = asyncio.create_task(db.rounds.publish(coordinator, opened.id))
        stall = await longest_stall(publishing)
        placed = await publishing
        publish = time.perf_counter() - started
        queued = await db.fetch_value("SELECT count(*) FROM outbox")

        started = time.perf_counter()
        await db.execute_many(
            "INSERT INTO applications (offer_id, organization_id, student_id, status, queued_at,"
            " created_at, updated_at) VALUES (?, 1, ?, 'withdrawn', ?, ?, ?)",
            [(first_offer, first_student + n, to_db(clock.now()), "x", "x") for n in range(placed)],
        )
        baseline = time.perf_counter() - started
        await db.close()

    print(f"{students} students, {offers} offers, {choices} choices each")
    print(f"baseline (insert {placed} plain application rows, one transaction): {baseline:.2f} s")
    print(f"open (cohort told):           {opening:6.2f} s")
    print(f"close (allocate, results):    {closing:6.2f} s")
    print(
        f"publish ({placed} placed, {queued} notices in the outbox): {publish:6.2f} s "
        f"({publish / baseline:.0f}x the baseline); longest loop stall {stall * 1000:.0f} ms"
    )
    print(f"unplaced: {len(preview.unplaced)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--students", type=int, default=5000)
    parser.add_argument("--offers", type=int, default=1000)
    parser.add_argument("--choices", type=int, default=5)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.students, arguments.offers, arguments.choices))
