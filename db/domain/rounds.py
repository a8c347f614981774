"""Placement rounds: students rank offers in a window, then one allocation places them.

The allocation is student-proposing deferred acceptance (Gale–Shapley): every student
proposes to their best offer not yet refused, each offer holds the best-ranked proposers up to
its places and refuses the rest, until nobody is refused. The result is stable (no student and
offer would both rather have each other than what they got), and no student can get a better
place by ranking offers in another order than their true one. Ties among students are broken
by one priority the coordinator chooses when opening the round: an imported score, or a lottery
whose seed is recorded so the same result can be computed again.

Everything here is pure: the transactions that read the preferences and write the placements
live in db/, and tests/domain/test_rounds.py checks the properties over random instances.
"""

from __future__ import annotations

import csv
import heapq
import io
import math
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from db.domain.errors import InvalidValue
from db.domain.models import Role, User
from db.domain.placements import PracticeKind

MAX_CHOICES = 5  # the default K; [placements] round_choices in the config
STUDY_YEARS = range(1, 7)


class Priority(StrEnum):
    """How ties between students wanting the same offer are broken."""

    LOTTERY = "lottery"
    SCORE = "score"  # an imported score, higher first; the lottery among equals


class RoundStatus(StrEnum):
    OPEN = "open"  # students rank until the deadline
    CLOSED = "closed"  # the deadline passed: the coordinator previews, reruns, publishes
    PUBLISHED = "published"  # placed; results sent


@dataclass(frozen=True, slots=True)
class Cohort:
    """Who a round is for: students of these years (at this university, when it has one)."""

    study_years: frozenset[int]
    university_id: int | None
    programmes: frozenset[str] = frozenset()  # code prefixes; empty: every programme

    def includes(self, person: User) -> bool:
        return (
            person.role is Role.STUDENT
            and person.study_year in self.study_years
            and (self.university_id is None or person.organization_id == self.university_id)
            and (not self.programmes or self._studies(person.programme or ""))
        )

    def _studies(self, programme: str) -> bool:
        return any(programme.upper().startswith(code) for code in self.programmes)

    def meets(self, other: Cohort) -> bool:
        same_university = (
            self.university_id is None
            or other.university_id is None
            or self.university_id == other.university_id
        )
        same_programmes = (
            not self.programmes
            or not other.programmes
            or any(
                a.startswith(b) or b.startswith(a)
                for a in self.programmes
                for b in other.programmes
            )
        )
        return same_university and same_programmes and bool(self.study_years & other.study_years)


@dataclass(frozen=True, slots=True)
class PlacementRound:
    id: int
    kind: PracticeKind
    cohort: Cohort
    choices: int
    deadline_at: datetime
    seed: int
    priority: Priority
    status: RoundStatus
    created_by: int | None
    offer_ids: frozenset[int]
    starts_on: date  # the earliest start among its offers
    ends_on: date  # the latest end among its offers

    def takes_preferences(self, now: datetime) -> bool:
        return self.status is RoundStatus.OPEN and now < self.deadline_at

    def overlaps(self, cohort: Cohort, starts_on: date, ends_on: date) -> bool:
        """Another round for some of the same students and days would place them twice."""
        return (
            self.status is not RoundStatus.PUBLISHED
            and self.cohort.meets(cohort)
            and self.starts_on <= ends_on
            and starts_on <= self.ends_on
        )


def check_study_years(text: str) -> frozenset[int]:
    """ "3", "3, 4" or "3 4": the years of study a round is for."""
    parts = text.replace(",", " ").split()
    if not parts or not all(part.isdigit() for part in parts):
        raise InvalidValue("study_years", "format")
    years = frozenset(int(part) for part in parts)
    if not years <= set(STUDY_YEARS):
        raise InvalidValue("study_years", "range")
    return years


PROGRAMME_CODE_MAX = 20


def check_programmes(text: str) -> frozenset[str]:
    """ "6B01501, 6B015" → the codes (or code prefixes) a round is for."""
    codes = frozenset(code.upper() for code in text.replace(",", " ").split())
    if not codes or not all(
        code.isalnum() and 2 <= len(code) <= PROGRAMME_CODE_MAX for code in codes
    ):
        raise InvalidValue("programmes", "format")
    return codes


def check_deadline(deadline_at: datetime, now: datetime) -> datetime:
    if deadline_at <= now:
        raise InvalidValue("deadline", "past")
    return deadline_at


@dataclass(frozen=True, slots=True)
class Outcome:
    """One student's result, and why not a better one."""

    student_id: int
    offer_id: int | None  # None: unplaced
    choice: int | None  # 1 for the first choice, … ; None when unplaced
    outranked_at: tuple[int, ...]  # the better choices (offer ids), filled by higher priority


@dataclass(frozen=True, slots=True)
class StudentResult:
    """A student's stored result in a round, as they are told it."""

    offer_id: int | None  # None: unplaced
    choice: int | None  # which of their choices they got
    outranked: tuple[int, ...]  # positions of their better choices, filled by others first
    lost_reason: str  # why publishing could not place them: "", "full" or "overlap"


@dataclass(frozen=True, slots=True)
class Allocation:
    outcomes: dict[int, Outcome]  # by student
    placed: dict[int, tuple[int, ...]]  # offer -> its students, best priority first
    left: dict[int, int]  # offer -> places still free

    def by_choice(self) -> Counter[int | None]:
        """How many got their 1st, 2nd, … choice (None: unplaced)."""
        return Counter(outcome.choice for outcome in self.outcomes.values())

    def unplaced(self) -> list[int]:
        return sorted(s for s, outcome in self.outcomes.items() if outcome.offer_id is None)


def check_preferences(
    offer_ids: Sequence[int], round_offers: frozenset[int], max_choices: int
) -> tuple[int, ...]:
    """A student's ranked list: offers of this round, each once, at most `max_choices`."""
    if not offer_ids:
        raise InvalidValue("preferences", "empty")
    if len(offer_ids) > max_choices:
        raise InvalidValue("preferences", "too_many")
    if len(set(offer_ids)) != len(offer_ids):
        raise InvalidValue("preferences", "duplicate")
    if not set(offer_ids) <= round_offers:
        raise InvalidValue("preferences", "outside_round")
    return tuple(offer_ids)


def lottery_ranks(student_ids: Sequence[int], seed: int) -> dict[int, int]:
    """Rank 0 is the highest priority; the same seed always gives the same order."""
    order = sorted(student_ids)
    random.Random(seed).shuffle(order)
    return {student: rank for rank, student in enumerate(order)}


def score_ranks(scores: Mapping[int, float], seed: int) -> dict[int, int]:
    """The higher score first; equal scores are ordered by the lottery of `seed`."""
    tie_break = lottery_ranks(list(scores), seed)
    order = sorted(scores, key=lambda student: (-scores[student], tie_break[student]))
    return {student: rank for rank, student in enumerate(order)}


def priority_ranks(
    student_ids: Sequence[int], scores: Mapping[int, float], seed: int
) -> dict[int, int]:
    """Students with a score first (higher first, lottery among equals), then the rest by the
    lottery: the order a round with imported scores uses."""
    scored = score_ranks({s: scores[s] for s in student_ids if s in scores}, seed)
    rest = lottery_ranks([s for s in student_ids if s not in scores], seed)
    return {**scored, **{student: len(scored) + rank for student, rank in rest.items()}}


@dataclass(frozen=True, slots=True)
class ScoreLine:
    line: int
    student: str  # a Telegram id, @username or the full name as registered
    score: float


SCORE_MAX_ROWS = 20_000


def parse_scores(text: str) -> list[ScoreLine]:
    """A CSV of `student,score` (comma, semicolon or tab; a header row is optional).

    Raises InvalidValue("scores", "line N") naming the first bad line.
    """
    numbered = [
        (line, [cell.strip() for cell in row])
        for line, row in enumerate(
            csv.reader(io.StringIO(text), delimiter=_delimiter(text)), start=1
        )
        if any(cell.strip() for cell in row)
    ]
    if numbered and _number(numbered[0][1][-1]) is None:
        numbered = numbered[1:]  # a header
    if not numbered:
        raise InvalidValue("scores", "empty")
    if len(numbered) > SCORE_MAX_ROWS:
        raise InvalidValue("scores", "too_many")
    parsed = []
    for line, cells in numbered:
        score = _number(cells[-1]) if len(cells) >= 2 else None
        if score is None or not cells[0]:
            raise InvalidValue("scores", f"line {line}")
        parsed.append(ScoreLine(line, cells[0], score))
    return parsed


def _delimiter(text: str) -> str:
    """Excel in Kazakh or Russian saves CSV with semicolons (the comma is the decimal mark)."""
    first = text.splitlines()[0] if text else ""
    return ";" if ";" in first else "\t" if "\t" in first else ","


def _number(cell: str) -> float | None:
    try:
        value = float(cell.replace(",", ".").strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def allocate(
    preferences: Mapping[int, Sequence[int]],
    capacities: Mapping[int, int],
    ranks: Mapping[int, int],
) -> Allocation:
    """Student-proposing deferred acceptance under one priority order (`ranks`, 0 best).

    `preferences`: student -> offer ids, best first (offers missing from `capacities` are
    skipped, as if refused); every student must have a rank.
    """
    next_choice = dict.fromkeys(preferences, 0)
    # each offer holds its proposers in a heap keyed by -rank: the worst held is on top
    held: dict[int, list[tuple[int, int]]] = {offer: [] for offer in capacities}
    free = sorted(preferences, key=lambda student: ranks[student], reverse=True)
    while free:
        student = free.pop()
        choices = preferences[student]
        while next_choice[student] < len(choices):
            offer = choices[next_choice[student]]
            next_choice[student] += 1
            places = capacities.get(offer, 0)
            if places <= 0:
                continue
            heap = held[offer]
            heapq.heappush(heap, (-ranks[student], student))
            if len(heap) <= places:
                break
            _, refused = heapq.heappop(heap)
            if refused == student:
                continue
            free.append(refused)
            break
    return _allocation(preferences, capacities, held)


def _allocation(
    preferences: Mapping[int, Sequence[int]],
    capacities: Mapping[int, int],
    held: Mapping[int, list[tuple[int, int]]],
) -> Allocation:
    assigned = {student: offer for offer, heap in held.items() for _, student in heap}
    outcomes = {}
    for student, choices in preferences.items():
        offer = assigned.get(student)
        choice = choices.index(offer) + 1 if offer is not None else None
        better = choices[: (choice - 1) if choice else len(choices)]
        outcomes[student] = Outcome(student, offer, choice, tuple(better))
    placed = {
        offer: tuple(student for _, student in sorted(heap, reverse=True))
        for offer, heap in held.items()
    }
    left = {offer: capacities[offer] - len(held[offer]) for offer in capacities}
    return Allocation(outcomes, placed, left)
