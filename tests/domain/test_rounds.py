"""The allocation of a placement round, checked over random instances (hypothesis)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from db.domain.errors import InvalidValue
from db.domain.rounds import (
    Allocation,
    allocate,
    check_preferences,
    lottery_ranks,
    score_ranks,
)


@st.composite
def rounds(draw: st.DrawFn) -> tuple[dict[int, tuple[int, ...]], dict[int, int], dict[int, int]]:
    """Students with up to five ranked offers, offers with 0–4 places, a priority order."""
    offers = draw(st.integers(1, 8))
    students = draw(st.integers(1, 25))
    capacities = {offer: draw(st.integers(0, 4)) for offer in range(1, offers + 1)}
    preferences = {
        student: tuple(
            draw(st.lists(st.sampled_from(sorted(capacities)), min_size=1, max_size=5, unique=True))
        )
        for student in range(100, 100 + students)
    }
    seed = draw(st.integers(0, 2**32))
    return preferences, capacities, lottery_ranks(list(preferences), seed)


def assigned(allocation: Allocation, student: int) -> int | None:
    return allocation.outcomes[student].offer_id


def prefers(choices: Sequence[int], offer: int, current: int | None) -> bool:
    return current is None or choices.index(offer) < choices.index(current)


@given(rounds())
def test_no_offer_takes_more_than_its_places_and_everyone_gets_a_listed_offer_or_none(
    instance: tuple[dict[int, tuple[int, ...]], dict[int, int], dict[int, int]],
) -> None:
    preferences, capacities, ranks = instance
    allocation = allocate(preferences, capacities, ranks)
    for offer, students in allocation.placed.items():
        assert len(students) <= capacities[offer]
        assert allocation.left[offer] == capacities[offer] - len(students)
    for student, outcome in allocation.outcomes.items():
        if outcome.offer_id is not None:
            assert outcome.offer_id in preferences[student]
            assert preferences[student][(outcome.choice or 0) - 1] == outcome.offer_id
            assert student in allocation.placed[outcome.offer_id]


@given(rounds())
def test_the_allocation_is_stable(
    instance: tuple[dict[int, tuple[int, ...]], dict[int, int], dict[int, int]],
) -> None:
    """No student and offer would both rather have each other: an offer a student prefers to
    their own is full, and of students with higher priority only."""
    preferences, capacities, ranks = instance
    allocation = allocate(preferences, capacities, ranks)
    for student, choices in preferences.items():
        current = assigned(allocation, student)
        for offer in choices:
            if not prefers(choices, offer, current):
                break
            holders = allocation.placed[offer]
            assert len(holders) == capacities[offer], "a free place was left to a worse choice"
            assert all(ranks[holder] < ranks[student] for holder in holders)
            assert offer in allocation.outcomes[student].outranked_at


def true_rank(choices: Sequence[int], offer: int | None) -> int:
    return choices.index(offer) if offer in choices else len(choices)


@settings(max_examples=150)
@given(rounds(), st.data())
def test_no_student_gains_by_ranking_offers_in_another_order(
    instance: tuple[dict[int, tuple[int, ...]], dict[int, int], dict[int, int]],
    data: st.DataObject,
) -> None:
    preferences, capacities, ranks = instance
    truthful = allocate(preferences, capacities, ranks)
    liar = data.draw(st.sampled_from(sorted(preferences)))
    lie = tuple(
        data.draw(
            st.lists(st.sampled_from(sorted(capacities)), min_size=1, max_size=5, unique=True)
        )
    )
    lied = allocate({**preferences, liar: lie}, capacities, ranks)
    choices = preferences[liar]
    assert true_rank(choices, assigned(lied, liar)) >= true_rank(choices, assigned(truthful, liar))


@given(rounds())
def test_the_same_round_allocates_the_same_way(
    instance: tuple[dict[int, tuple[int, ...]], dict[int, int], dict[int, int]],
) -> None:
    preferences, capacities, ranks = instance
    reordered = dict(reversed(list(preferences.items())))
    assert allocate(preferences, capacities, ranks) == allocate(reordered, capacities, ranks)


def test_a_lottery_is_reproduced_by_its_seed_and_scores_break_ties_by_it() -> None:
    students = list(range(1, 200))
    assert lottery_ranks(students, 42) == lottery_ranks(list(reversed(students)), 42)
    assert lottery_ranks(students, 42) != lottery_ranks(students, 43)
    ranks = score_ranks({1: 88.0, 2: 95.5, 3: 88.0, 4: 70.0}, seed=7)
    assert ranks[2] == 0 and ranks[4] == 3
    assert {ranks[1], ranks[3]} == {1, 2}
    assert score_ranks({1: 88.0, 3: 88.0}, seed=7) == score_ranks({3: 88.0, 1: 88.0}, seed=7)


def test_the_explanation_names_the_choices_filled_by_higher_priority() -> None:
    preferences = {10: (1, 2, 3), 11: (1,), 12: (2,)}
    ranks: Mapping[int, int] = {11: 0, 12: 1, 10: 2}
    allocation = allocate(preferences, {1: 1, 2: 1, 3: 1}, ranks)
    outcome = allocation.outcomes[10]
    assert (outcome.offer_id, outcome.choice, outcome.outranked_at) == (3, 3, (1, 2))
    assert allocation.by_choice() == {1: 2, 3: 1}
    short = allocate({10: (1,), 11: (1,)}, {1: 1}, {10: 1, 11: 0})
    assert short.unplaced() == [10] and short.outcomes[10].outranked_at == (1,)


def test_a_ranked_list_is_checked_against_the_round() -> None:
    round_offers = frozenset({1, 2, 3, 4, 5, 6})
    assert check_preferences([3, 1], round_offers, 5) == (3, 1)
    for bad, detail in (
        ([], "empty"),
        ([1, 2, 3, 4, 5, 6], "too_many"),
        ([1, 1], "duplicate"),
        ([1, 9], "outside_round"),
    ):
        with pytest.raises(InvalidValue) as refused:
            check_preferences(bad, round_offers, 5)
        assert refused.value.detail == detail
