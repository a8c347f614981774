"""Placement rounds: opening, ranking, the preview of the allocation, publishing."""

from __future__ import annotations

import asyncio
import secrets
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import aiosqlite

from db import audit
from db.domain.errors import DomainError, InvalidValue, NotAllowed, NotFound
from db.domain.models import Role, User
from db.domain.placements import AlreadyApplied, PracticeKind
from db.domain.roles import ROUND_ORGANIZERS, require_role
from db.domain.rounds import (
    Allocation,
    Cohort,
    PlacementRound,
    Priority,
    RoundStatus,
    ScoreLine,
    StudentResult,
    allocate,
    check_deadline,
    check_preferences,
    lottery_ranks,
    priority_ranks,
)
from db.memoranda import covers_period
from db.rows import all_rows, first_column, one_row
from db.timeutil import date_from_db, date_to_db, from_db, to_db
from db.users import directors_of

if TYPE_CHECKING:
    from db.database import Database

# A publish places thousands of students in one transaction on the event loop's thread; it
# yields this often so that people reading meanwhile are answered (writers wait their turn).
YIELD_EVERY = 50


class RoundClosed(DomainError):
    """The round no longer takes preferences (its deadline passed, or it was closed early)."""


class RoundOverlaps(DomainError):
    """Another round not yet published is for some of the same students and days."""

    def __init__(self, round_id: int) -> None:
        super().__init__(f"round {round_id}")
        self.round_id = round_id


@dataclass(frozen=True, slots=True)
class RoundPreview:
    round: PlacementRound
    ranked: int  # students who submitted a list
    by_choice: Counter[int | None]  # 1st, 2nd, … choice; None: unplaced
    unplaced: list[int]
    left: dict[int, int]  # offer -> places still free after the allocation


_ROUND_SELECT = """
SELECT r.*,
       (SELECT group_concat(ro.offer_id) FROM round_offers ro WHERE ro.round_id = r.id) AS offers,
       (SELECT min(o.starts_on) FROM round_offers ro JOIN practice_offers o ON o.id = ro.offer_id
         WHERE ro.round_id = r.id) AS starts_on,
       (SELECT max(o.ends_on) FROM round_offers ro JOIN practice_offers o ON o.id = ro.offer_id
         WHERE ro.round_id = r.id) AS ends_on
FROM placement_rounds r
"""


def _cohort_where(cohort: Cohort) -> tuple[str, list[int | str]]:
    """SQL over `users` for the students a cohort holds (who can be sent a message)."""
    years = sorted(cohort.study_years)
    clauses = [
        "role = 'student'",
        "telegram_id IS NOT NULL",
        f"study_year IN ({','.join('?' * len(years))})",
    ]
    params: list[int | str] = list(years)
    if cohort.university_id is not None:
        clauses.append("organization_id = ?")
        params.append(cohort.university_id)
    if cohort.programmes:
        codes = sorted(cohort.programmes)
        clauses.append("(" + " OR ".join(["upper(programme) LIKE ?"] * len(codes)) + ")")
        params.extend(f"{code}%" for code in codes)
    return " AND ".join(clauses), params


def round_from_row(row: aiosqlite.Row) -> PlacementRound:
    return PlacementRound(
        id=row["id"],
        kind=PracticeKind(row["kind"]),
        cohort=Cohort(
            frozenset(int(year) for year in row["study_years"].split(",")),
            row["university_id"],
            frozenset(code for code in row["programmes"].split(",") if code),
        ),
        choices=row["choices"],
        deadline_at=from_db(row["deadline_at"]),
        seed=row["seed"],
        priority=Priority(row["priority"]),
        status=RoundStatus(row["status"]),
        created_by=row["created_by"],
        offer_ids=frozenset(int(offer) for offer in (row["offers"] or "").split(",") if offer),
        starts_on=date_from_db(row["starts_on"]),
        ends_on=date_from_db(row["ends_on"]),
    )


async def _round(conn: aiosqlite.Connection, round_id: int) -> PlacementRound:
    row = await one_row(conn, _ROUND_SELECT + " WHERE r.id = ?", (round_id,))
    if row is None:
        raise NotFound("round")
    return round_from_row(row)


class RoundRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # ----- reading ----------------------------------------------------------------------------

    async def get(self, round_id: int) -> PlacementRound | None:
        row = await self._db.fetch_one(_ROUND_SELECT + " WHERE r.id = ?", (round_id,))
        return None if row is None else round_from_row(row)

    async def recent(self, limit: int = 10) -> list[PlacementRound]:
        rows = await self._db.fetch_all(_ROUND_SELECT + " ORDER BY r.id DESC LIMIT ?", (limit,))
        return [round_from_row(row) for row in rows]

    async def for_student(self, student: User) -> PlacementRound | None:
        """The newest round whose cohort includes this student (open, closed or published)."""
        rows = await self._db.fetch_all(_ROUND_SELECT + " ORDER BY r.id DESC LIMIT 20")
        for row in rows:
            found = round_from_row(row)
            if found.cohort.includes(student):
                return found
        return None

    async def preferences(self, round_id: int, student_id: int) -> list[int]:
        rows = await self._db.fetch_all(
            "SELECT offer_id FROM round_preferences WHERE round_id = ? AND student_id = ?"
            " ORDER BY position",
            (round_id, student_id),
        )
        return [row["offer_id"] for row in rows]

    async def result(self, round_id: int, student_id: int) -> StudentResult | None:
        row = await self._db.fetch_one(
            "SELECT * FROM round_results WHERE round_id = ? AND student_id = ?",
            (round_id, student_id),
        )
        if row is None:
            return None
        return StudentResult(
            offer_id=row["offer_id"],
            choice=row["choice"],
            outranked=tuple(int(position) for position in row["outranked"].split(",") if position),
            lost_reason=row["lost_reason"],
        )

    async def placed_at(self, round_id: int, organization_id: int) -> int:
        """How many the published round placed at this school."""
        placed = await self._db.fetch_value(
            "SELECT count(*) FROM round_results r JOIN applications a ON a.id = r.application_id"
            " WHERE r.round_id = ? AND a.organization_id = ?",
            (round_id, organization_id),
        )
        return int(placed)

    async def preview(self, round_id: int) -> RoundPreview | None:
        """The last allocation computed for a closed (or published) round."""
        found = await self.get(round_id)
        if found is None or found.status is RoundStatus.OPEN:
            return None
        rows = await self._db.fetch_all(
            "SELECT student_id, offer_id, choice FROM round_results WHERE round_id = ?",
            (round_id,),
        )
        taken = Counter(row["offer_id"] for row in rows if row["offer_id"] is not None)
        offers = await self._db.placements.offers_by_ids(found.offer_ids)
        left = {
            offer_id: offer.places - offer.taken - offer.pending - taken[offer_id]
            if found.status is RoundStatus.CLOSED
            else offer.free
            for offer_id, offer in offers.items()
        }
        return RoundPreview(
            round=found,
            ranked=len(rows),
            by_choice=Counter(row["choice"] for row in rows),
            unplaced=sorted(row["student_id"] for row in rows if row["offer_id"] is None),
            left={offer_id: places for offer_id, places in left.items() if places > 0},
        )

    # ----- opening and ranking ------------------------------------------------------------------

    async def open(
        self,
        actor: User,
        kind: PracticeKind,
        study_years: frozenset[int],
        deadline_at: datetime,
        choices: int,
        scores: Mapping[int, float] | None = None,
        programmes: frozenset[str] = frozenset(),
    ) -> PlacementRound:
        """A round over every open offer of `kind` with free places that starts after the
        deadline; the cohort's students are told. With `scores` (by student id), ties are
        broken by them (higher first), else by the lottery alone."""
        require_role(actor, ROUND_ORGANIZERS)
        now = self._db.clock.now()
        check_deadline(deadline_at, now)
        university = actor.organization_id if actor.role is Role.COORDINATOR else None
        cohort = Cohort(study_years, university, programmes)
        async with self._db.transaction() as conn:
            offers = await self._eligible(kind, deadline_at, conn)
            if not offers:
                raise InvalidValue("offers", "none")
            await self._refuse_overlap(cohort, offers, conn)
            cursor = await conn.execute(
                "INSERT INTO placement_rounds (kind, study_years, university_id, programmes,"
                " choices, deadline_at, seed, priority, created_by, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    kind.value,
                    ",".join(str(year) for year in sorted(study_years)),
                    university,
                    ",".join(sorted(programmes)),
                    choices,
                    to_db(deadline_at),
                    secrets.randbits(48),
                    (Priority.LOTTERY if scores is None else Priority.SCORE).value,
                    actor.id,
                    to_db(now),
                ),
            )
            assert cursor.lastrowid is not None
            round_id = cursor.lastrowid
            await conn.executemany(
                "INSERT INTO round_scores (round_id, student_id, score) VALUES (?, ?, ?)",
                [(round_id, student, score) for student, score in (scores or {}).items()],
            )
            await conn.executemany(
                "INSERT INTO round_offers (round_id, offer_id) VALUES (?, ?)",
                [(round_id, row["id"]) for row in offers],
            )
            opened = await _round(conn, round_id)
            students = await self._cohort(cohort, conn)
            placed = await self._placed_during(opened, students, conn)
            students = [student for student in students if student not in placed]
            await self._db.outbox.add_many(conn, [(students, "round.opened", {"round": round_id})])
            await audit.record(conn, now, actor.id, "round.open", "round", round_id)
            return opened

    async def _refuse_overlap(
        self,
        cohort: Cohort,
        offers: Sequence[aiosqlite.Row],
        conn: aiosqlite.Connection | None = None,
    ) -> None:
        """RoundOverlaps when an unpublished round is for some of these students and days."""
        if not offers:
            return
        starts_on = min(date_from_db(row["starts_on"]) for row in offers)
        ends_on = max(date_from_db(row["ends_on"]) for row in offers)
        unpublished = await self._db.fetch_all(
            _ROUND_SELECT + " WHERE r.status != 'published'", (), conn
        )
        for other in unpublished:
            existing = round_from_row(other)
            if existing.overlaps(cohort, starts_on, ends_on):
                raise RoundOverlaps(existing.id)

    async def opening_problem(
        self,
        actor: User,
        kind: PracticeKind,
        study_years: frozenset[int],
        deadline_at: datetime,
        programmes: frozenset[str] = frozenset(),
    ) -> DomainError | None:
        """For the form's last step: why `open` with these answers would be refused, if it
        would (no offers, or another round for the same students and days)."""
        university = actor.organization_id if actor.role is Role.COORDINATOR else None
        offers = await self._eligible(kind, deadline_at)
        if not offers:
            return InvalidValue("offers", "none")
        try:
            await self._refuse_overlap(Cohort(study_years, university, programmes), offers)
        except RoundOverlaps as overlap:
            return overlap
        return None

    async def placed_for(self, found: PlacementRound, student_id: int) -> bool:
        """Whether the student already has a placement for some of the round's days."""
        return bool(await self._placed_during(found, [student_id]))

    async def eligible_offers(self, kind: PracticeKind, deadline_at: datetime) -> tuple[int, int]:
        """(offers, free places) a round of `kind` closing at `deadline_at` would cover."""
        rows = await self._eligible(kind, deadline_at)
        return len(rows), sum(row["free"] for row in rows)

    async def _eligible(
        self, kind: PracticeKind, deadline_at: datetime, conn: aiosqlite.Connection | None = None
    ) -> list[aiosqlite.Row]:
        """Open offers of `kind` with free places, starting after the deadline's day."""
        deadline_day = deadline_at.astimezone(self._db.timezone).date()
        partners_only = (
            " AND " + covers_period("o.organization_id", "o.starts_on", "o.ends_on")
            if self._db.placements.policy.require_memorandum
            else ""
        )
        return await self._db.fetch_all(
            "SELECT * FROM (SELECT o.id, o.starts_on, o.ends_on, o.places - o.taken -"
            " (SELECT count(*) FROM applications a WHERE a.offer_id = o.id"
            "  AND a.status = 'pending') AS free"
            " FROM practice_offers o WHERE o.status = 'open' AND o.kind = ? AND o.starts_on > ?"
            f"{partners_only}) WHERE free > 0 ORDER BY starts_on, id",
            (kind.value, date_to_db(deadline_day)),
            conn,
        )

    async def cohort_size(self, found: PlacementRound) -> tuple[int, int]:
        """(students in the round's cohort, those who have ranked), counted in SQL."""
        where, params = _cohort_where(found.cohort)
        cohort = await self._db.fetch_value(f"SELECT count(*) FROM users WHERE {where}", params)
        ranked = await self._db.fetch_value(
            "SELECT count(DISTINCT student_id) FROM round_preferences WHERE round_id = ?",
            (found.id,),
        )
        return int(cohort), int(ranked)

    async def _cohort(self, cohort: Cohort, conn: aiosqlite.Connection | None = None) -> list[int]:
        where, params = _cohort_where(cohort)
        rows = await self._db.fetch_all(
            f"SELECT id FROM users WHERE {where} ORDER BY id", params, conn
        )
        return [row["id"] for row in rows]

    async def _placed_during(
        self,
        found: PlacementRound,
        student_ids: Sequence[int],
        conn: aiosqlite.Connection | None = None,
    ) -> dict[int, int]:
        """Students (of `student_ids`) already placed for some of the round's days, with the
        placement: a round is for those still without a place."""
        placed: dict[int, int] = {}
        for start in range(0, len(student_ids), 500):
            chunk = list(student_ids[start : start + 500])
            rows = await self._db.fetch_all(
                "SELECT a.student_id, a.id FROM applications a"
                " JOIN practice_offers o ON o.id = a.offer_id"
                f" WHERE a.status = 'approved' AND a.student_id IN ({','.join('?' * len(chunk))})"
                " AND o.starts_on <= ? AND o.ends_on >= ?",
                (*chunk, date_to_db(found.ends_on), date_to_db(found.starts_on)),
                conn,
            )
            placed.update((row["student_id"], row["id"]) for row in rows)
        return placed

    async def match_scores(
        self,
        actor: User,
        study_years: frozenset[int],
        lines: Sequence[ScoreLine],
        programmes: frozenset[str] = frozenset(),
    ) -> tuple[dict[int, float], list[ScoreLine]]:
        """Each line's student found among the cohort (by Telegram id, @username or the full
        name as registered), and the lines that name nobody, somebody twice or several people."""
        require_role(actor, ROUND_ORGANIZERS)
        university = actor.organization_id if actor.role is Role.COORDINATOR else None
        ids = await self._cohort(Cohort(study_years, university, programmes))
        people = await self._db.users.by_ids(ids)
        by_key: dict[str, list[int]] = {}
        for person in people.values():
            keys = {str(person.telegram_id), " ".join(person.full_name.split()).casefold()}
            if person.username:
                keys.add("@" + person.username.casefold())
            for key in keys:
                by_key.setdefault(key, []).append(person.id)
        scores: dict[int, float] = {}
        problems = []
        for line in lines:
            found = by_key.get(" ".join(line.student.split()).casefold(), [])
            if len(found) != 1 or found[0] in scores:
                problems.append(line)
                continue
            scores[found[0]] = line.score
        return scores, problems

    async def rank(self, student: User, round_id: int, offer_ids: Sequence[int]) -> list[int]:
        """Replace the student's ranked list (best first); an empty list withdraws it."""
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            found = await _round(conn, round_id)
            if not found.cohort.includes(student):
                raise NotAllowed("round")
            if not found.takes_preferences(now):
                raise RoundClosed()
            placed = await self._placed_during(found, [student.id], conn)
            if placed:
                raise AlreadyApplied(placed[student.id], same_offer=False)
            ranked = (
                check_preferences(offer_ids, found.offer_ids, found.choices) if offer_ids else ()
            )
            await conn.execute(
                "DELETE FROM round_preferences WHERE round_id = ? AND student_id = ?",
                (round_id, student.id),
            )
            await conn.executemany(
                "INSERT INTO round_preferences (round_id, student_id, position, offer_id)"
                " VALUES (?, ?, ?, ?)",
                [
                    (round_id, student.id, position, offer)
                    for position, offer in enumerate(ranked, 1)
                ],
            )
        return list(ranked)

    # ----- closing, preview, publishing ---------------------------------------------------------

    async def close_due(self) -> int:
        """The deadline job: close every round whose deadline has passed; tell its author."""
        now = self._db.clock.now()
        due = await self._db.fetch_all(
            "SELECT id FROM placement_rounds WHERE status = 'open' AND deadline_at <= ?",
            (to_db(now),),
        )
        for (round_id,) in due:
            async with self._db.transaction() as conn:
                await self._close(conn, round_id, now)
        return len(due)

    async def close(self, actor: User, round_id: int) -> PlacementRound:
        """Close before the deadline (the coordinator's choice) and compute the preview."""
        require_role(actor, ROUND_ORGANIZERS)
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            found = await _round(conn, round_id)
            if found.status is not RoundStatus.OPEN:
                raise RoundClosed()
            await self._close(conn, round_id, now, told=False)
            await audit.record(conn, now, actor.id, "round.close", "round", round_id)
            return await _round(conn, round_id)

    async def _close(
        self, conn: aiosqlite.Connection, round_id: int, now: datetime, *, told: bool = True
    ) -> None:
        cursor = await conn.execute(
            "UPDATE placement_rounds SET status = 'closed', closed_at = ?"
            " WHERE id = ? AND status = 'open'",
            (to_db(now), round_id),
        )
        if cursor.rowcount != 1:
            return
        found = await _round(conn, round_id)
        await self._allocate(conn, found)
        if told and found.created_by is not None:
            await self._db.outbox.add_many(
                conn, [([found.created_by], "round.ready", {"round": round_id})]
            )

    async def rerun(self, actor: User, round_id: int) -> None:
        """Allocate again, after preferences or places changed (same seed: same ties)."""
        require_role(actor, ROUND_ORGANIZERS)
        async with self._db.transaction() as conn:
            found = await _round(conn, round_id)
            if found.status is not RoundStatus.CLOSED:
                raise RoundClosed()
            await self._allocate(conn, found)

    async def _allocate(self, conn: aiosqlite.Connection, found: PlacementRound) -> Allocation:
        rows = await all_rows(
            conn,
            "SELECT student_id, offer_id FROM round_preferences WHERE round_id = ?"
            " ORDER BY student_id, position",
            (found.id,),
        )
        preferences: dict[int, list[int]] = {}
        for row in rows:
            preferences.setdefault(row["student_id"], []).append(row["offer_id"])
        capacities = {
            row["id"]: row["free"]
            for row in await all_rows(
                conn,
                "SELECT o.id, o.places - o.taken - (SELECT count(*) FROM applications a"
                "   WHERE a.offer_id = o.id AND a.status = 'pending') AS free"
                " FROM round_offers ro JOIN practice_offers o ON o.id = ro.offer_id"
                " WHERE ro.round_id = ? AND o.status = 'open'",
                (found.id,),
            )
        }
        students = list(preferences)
        if found.priority is Priority.SCORE:
            scores = {
                row["student_id"]: row["score"]
                for row in await all_rows(
                    conn,
                    "SELECT student_id, score FROM round_scores WHERE round_id = ?",
                    (found.id,),
                )
            }
            ranks = priority_ranks(students, scores, found.seed)
        else:
            ranks = lottery_ranks(students, found.seed)
        allocation = allocate(preferences, capacities, ranks)
        await conn.execute("DELETE FROM round_results WHERE round_id = ?", (found.id,))
        await conn.executemany(
            "INSERT INTO round_results (round_id, student_id, offer_id, choice, outranked)"
            " VALUES (?, ?, ?, ?, ?)",
            [
                (
                    found.id,
                    outcome.student_id,
                    outcome.offer_id,
                    outcome.choice,
                    ",".join(
                        str(preferences[outcome.student_id].index(offer) + 1)
                        for offer in outcome.outranked_at
                    ),
                )
                for outcome in allocation.outcomes.values()
            ],
        )
        return allocation

    async def publish(self, actor: User, round_id: int) -> int:
        """Place everyone the preview placed, once; each student is told the result and why.

        A student placed meanwhile elsewhere, or an offer filled meanwhile, makes that one
        result unplaced (with its reason), not the whole publish fail. Returns those placed.
        """
        require_role(actor, ROUND_ORGANIZERS)
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE placement_rounds SET status = 'published', published_at = ?"
                " WHERE id = ? AND status = 'closed'",
                (to_db(now), round_id),
            )
            if cursor.rowcount != 1:
                await _round(conn, round_id)  # NotFound for a forged id
                raise RoundClosed()
            results = await all_rows(
                conn,
                "SELECT student_id, offer_id FROM round_results WHERE round_id = ?"
                " AND offer_id IS NOT NULL ORDER BY student_id",
                (round_id,),
            )
            placed = await self._place_all(conn, actor, round_id, results)
            students = await first_column(
                conn, "SELECT student_id FROM round_results WHERE round_id = ?", (round_id,)
            )
            messages: list[tuple[list[int], str, dict[str, int] | None]] = [
                ([student], "round.result", {"round": round_id}) for student in students
            ]
            for school, directors in (await directors_of(conn, placed)).items():
                messages.append((directors, "round.placed", {"round": round_id, "org": school}))
            await self._db.outbox.add_many(conn, messages)
            await audit.record(
                conn, now, actor.id, "round.publish", "round", round_id, placed=sum(placed.values())
            )
            return sum(placed.values())

    async def _place_all(
        self,
        conn: aiosqlite.Connection,
        actor: User,
        round_id: int,
        results: list[aiosqlite.Row],
    ) -> Counter[int]:
        """Each result placed under the placement rules, or turned unplaced; by school."""
        placed: Counter[int] = Counter()
        schools = {
            offer.id: offer.organization_id
            for offer in (
                await self._db.placements.offers_by_ids(row["offer_id"] for row in results)
            ).values()
        }
        for number, row in enumerate(results, start=1):
            if number % YIELD_EVERY == 0:
                await asyncio.sleep(0)  # statements run on the loop's thread: let readers in
            await conn.execute("SAVEPOINT place")
            try:
                application_id = await self._db.placements.place_within(
                    conn, actor, row["offer_id"], row["student_id"]
                )
            except DomainError as problem:
                await conn.execute("ROLLBACK TO place")
                await conn.execute(
                    "UPDATE round_results SET offer_id = NULL, choice = NULL, lost_reason = ?"
                    " WHERE round_id = ? AND student_id = ?",
                    (
                        "overlap" if isinstance(problem, AlreadyApplied) else "full",
                        round_id,
                        row["student_id"],
                    ),
                )
            else:
                await conn.execute(
                    "UPDATE round_results SET application_id = ? WHERE round_id = ?"
                    " AND student_id = ?",
                    (application_id, round_id, row["student_id"]),
                )
                placed[schools[row["offer_id"]]] += 1
            await conn.execute("RELEASE place")
        return placed
