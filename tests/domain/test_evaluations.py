"""The end-of-practice rules, without a database: letter grades, the rubric, ratings."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from db.domain.errors import InvalidValue
from db.domain.evaluations import (
    LETTER_GRADES,
    MENTOR_ASPECTS,
    MIN_RESPONSES,
    RUBRIC,
    SCHOOL_ASPECTS,
    EvaluationInput,
    EvaluationKind,
    check_evaluation,
    check_ratings,
    letter_grade,
    prefilled_rubric,
    summarize,
)

BOUNDARIES = [
    (100, "A"), (95, "A"), (94, "A−"), (90, "A−"), (89, "B+"), (85, "B+"), (84, "B"),
    (80, "B"), (79, "B−"), (75, "B−"), (74, "C+"), (70, "C+"), (69, "C"), (65, "C"),
    (64, "C−"), (60, "C−"), (59, "D+"), (55, "D+"), (54, "D"), (50, "D"), (49, "FX"),
    (25, "FX"), (24, "F"), (0, "F"),
]  # fmt: skip


@pytest.mark.parametrize(("mark", "letter"), BOUNDARIES)
def test_the_credit_system_letter_of_every_boundary(mark: int, letter: str) -> None:
    assert letter_grade(mark) == letter


@given(st.integers(0, 99))
def test_a_higher_mark_never_has_a_lower_letter(mark: int) -> None:
    order = [letter for _, letter in LETTER_GRADES]
    assert order.index(letter_grade(mark + 1)) <= order.index(letter_grade(mark))


@pytest.mark.parametrize("mark", [-1, 101, 1000, True, 50.5])
def test_a_mark_outside_0_to_100_is_refused(mark: object) -> None:
    with pytest.raises(InvalidValue) as refused:
        letter_grade(mark)  # type: ignore[arg-type]
    assert refused.value.field == "mark"


def test_the_form_starts_from_the_visits_average() -> None:
    rubric = prefilled_rubric({"planning": 4.6, "delivery": 3.2, "management": None})
    assert rubric["planning"] == 5 and rubric["delivery"] == 3
    assert rubric["management"] == 4  # no visits scored it: a neutral start the mentor changes
    assert set(rubric) == set(RUBRIC)


def test_a_final_evaluation_needs_a_mark_and_a_mid_term_one_has_none() -> None:
    scores = dict.fromkeys(RUBRIC, 4)
    final = check_evaluation(EvaluationKind.FINAL, EvaluationInput(scores, " Clear ", "Pace", 88))
    assert final.strengths == "Clear" and final.recommended_mark == 88
    with pytest.raises(InvalidValue):
        check_evaluation(EvaluationKind.FINAL, EvaluationInput(scores, "Clear", "Pace"))
    with pytest.raises(InvalidValue):
        check_evaluation(EvaluationKind.MID, EvaluationInput(scores, "Clear", "Pace", 70))
    with pytest.raises(InvalidValue):
        check_evaluation(EvaluationKind.MID, EvaluationInput({**scores, "planning": 6}, "a", "b"))
    with pytest.raises(InvalidValue):  # what to improve is the point of a mid-term evaluation
        check_evaluation(EvaluationKind.MID, EvaluationInput(scores, "a", "  "))
    mid = check_evaluation(EvaluationKind.MID, EvaluationInput(scores, "  ", "Pace"))
    assert mid.strengths == "" and mid.to_improve == "Pace"  # strengths are asked at the end


def test_ratings_cover_the_school_and_the_mentor() -> None:
    ratings = dict.fromkeys(SCHOOL_ASPECTS + MENTOR_ASPECTS, 5)
    assert check_ratings(ratings) == ratings
    with pytest.raises(InvalidValue):
        check_ratings({**ratings, "support": 0})
    with pytest.raises(InvalidValue):
        check_ratings(dict.fromkeys(SCHOOL_ASPECTS, 3))


@given(st.lists(st.integers(1, 5), min_size=0, max_size=12))
def test_feedback_is_never_shown_for_fewer_than_three_students(points: list[int]) -> None:
    ratings = [dict.fromkeys(SCHOOL_ASPECTS + MENTOR_ASPECTS, point) for point in points]
    summary = summarize(ratings)
    if len(points) < MIN_RESPONSES:
        assert summary is None
    else:
        assert summary is not None and summary.responses == len(points)
        assert summary.school["support"] == pytest.approx(sum(points) / len(points), abs=0.01)
