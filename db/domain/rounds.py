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

import heapq
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from db.domain.errors import InvalidValue

MAX_CHOICES = 5  # the default K; [placements] round_choices in the config


@dataclass(frozen=True, slots=True)
class Outcome:
    """One student's result, and why not a better one."""

    student_id: int
    offer_id: int | None  # None: unplaced
    choice: int | None  # 1 for the first choice, … ; None when unplaced
    outranked_at: tuple[int, ...]  # the better choices (offer ids), filled by higher priority


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
