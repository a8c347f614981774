"""The end of a practice: evaluations, the characteristic, the final mark, the student's feedback.

Who may do what:
- the placement's mentor evaluates (mid-term and final, once each) and signs the
  characteristic; a mid-term evaluation exists only for a practice longer than the configured
  number of weeks, from its midpoint on, and only before the final one;
- the director of the placement's school confirms the characteristic (the school's stamp);
- a coordinator sets the final mark out of 100, also before the final evaluation exists (the
  conversation warns: a mentor who never answers must not block the grade);
- the student rates the school and the mentor once, after the mark is set; answers are shown
  only in aggregate, and only from MIN_RESPONSES responses on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from db.domain.errors import DomainError, InvalidValue
from db.domain.models import Role, User
from db.domain.placements import Application
from db.domain.practice_log import CRITERIA, check_points, clean_field
from db.domain.roles import GRADERS

QUALITIES = ("responsibility", "communication", "reflection")  # beyond the lesson rubric
RUBRIC = CRITERIA + QUALITIES
MARK_MAX = 100
TEXT_MAX = 2000
CHARACTERISTIC_MAX = 6000
SCHOOL_ASPECTS = ("conditions", "support", "workload")
MENTOR_ASPECTS = ("availability", "feedback", "example")
MIN_RESPONSES = 3  # fewer answers could point at the one student who gave them
LAST_WEEK = timedelta(days=6)  # the final evaluation is asked for from this long before the end
DUE_LIST_SIZE = 20
MID_TERM_WEEKS = 6  # the default: a practice longer than this gets a mid-term evaluation
CONFIRM_WAIT = timedelta(days=2)  # a signed characteristic unconfirmed this long: remind
UNGRADED_AFTER = timedelta(days=7)  # a practice ended this long ago without a mark: remind

# The credit system's letter grades (Kazakhstan): the lowest mark of each.
LETTER_GRADES = (
    (95, "A"),
    (90, "A−"),
    (85, "B+"),
    (80, "B"),
    (75, "B−"),
    (70, "C+"),
    (65, "C"),
    (60, "C−"),
    (55, "D+"),
    (50, "D"),
    (25, "FX"),
    (0, "F"),
)


class EvaluationKind(StrEnum):
    MID = "mid"
    FINAL = "final"


class PracticeReminder(StrEnum):
    """The reminders of the end of practice; each is sent once per placement."""

    MID_DUE = "mid_due"  # to the mentor, at the midpoint of a long practice
    FINAL_DUE = "final_due"  # to the mentor, in the last week
    CONFIRM_DUE = "confirm_due"  # to the school's directors, CONFIRM_WAIT after signing
    UNGRADED = "ungraded"  # to the coordinators, UNGRADED_AFTER the end


class AlreadySubmitted(DomainError):
    """The evaluation, confirmation, mark or rating exists; a second one changes nothing."""


class NotReady(DomainError):
    """The step before this one is missing (e.g. no signed characteristic to confirm)."""

    def __init__(self, missing: str) -> None:
        super().__init__(missing)
        self.missing = missing


@dataclass(frozen=True, slots=True)
class EvaluationInput:
    scores: Mapping[str, int]  # RUBRIC, 1–5 each
    strengths: str
    to_improve: str
    recommended_mark: int | None = None  # final evaluations only


@dataclass(frozen=True, slots=True)
class Evaluation:
    id: int
    application_id: int
    kind: EvaluationKind
    author_id: int
    scores: dict[str, int]
    strengths: str
    to_improve: str
    recommended_mark: int | None
    characteristic: str | None
    signed_at: datetime | None
    confirmed_by: int | None
    confirmed_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class FinalMark:
    application_id: int
    mark: int
    letter: str
    graded_by: int
    graded_at: datetime


@dataclass(frozen=True, slots=True)
class Ungraded:
    application_id: int
    student_id: int
    offer_id: int
    organization_id: int
    recommended_mark: int | None  # from the final evaluation; None: the mentor has not sent it


@dataclass(frozen=True, slots=True)
class FeedbackSummary:
    """Averages of the students' ratings of one school and its mentors, 1–5."""

    responses: int
    school: dict[str, float]
    mentors: dict[str, float]


@dataclass(frozen=True, slots=True)
class SchoolFeedback:
    organization_id: int
    name: str
    summary: FeedbackSummary


def letter_grade(mark: int) -> str:
    check_mark(mark)
    return next(letter for lowest, letter in LETTER_GRADES if mark >= lowest)


def check_mark(mark: int) -> int:
    if isinstance(mark, bool) or not isinstance(mark, int) or not 0 <= mark <= MARK_MAX:
        raise InvalidValue("mark", "out_of_range")
    return mark


def check_rubric(scores: Mapping[str, int]) -> dict[str, int]:
    return check_points(scores, RUBRIC)


def prefilled_rubric(visit_averages: Mapping[str, float | None]) -> dict[str, int]:
    """The mentor's form starts from the average of their visits (rounded), 4 where none."""
    return {
        name: max(1, min(5, round(visit_averages.get(name) or 4))) if name in CRITERIA else 4
        for name in RUBRIC
    }


class Period(Protocol):
    """A practice's period: an offer, or just its two dates."""

    @property
    def starts_on(self) -> date: ...

    @property
    def ends_on(self) -> date: ...


def has_mid_term(period: Period, weeks: int) -> bool:
    return (period.ends_on - period.starts_on).days > weeks * 7


def midpoint(period: Period) -> date:
    return period.starts_on + (period.ends_on - period.starts_on) / 2


def mid_term_open(period: Period, today: date, weeks: int) -> bool:
    """The mentor may give (and is asked for) the mid-term evaluation from the midpoint on."""
    return has_mid_term(period, weeks) and midpoint(period) <= today <= period.ends_on


def final_due_from(period: Period) -> date:
    return period.ends_on - LAST_WEEK


def check_evaluation(kind: EvaluationKind, data: EvaluationInput) -> EvaluationInput:
    """A final evaluation needs strengths and a mark; a mid-term one only what to improve."""
    if kind is EvaluationKind.MID:
        strengths = (data.strengths or "").strip()
        if len(strengths) > TEXT_MAX:
            raise InvalidValue("strengths", "too_long")
    else:
        strengths = clean_field(data.strengths, "strengths", TEXT_MAX)
    to_improve = clean_field(data.to_improve, "to_improve", TEXT_MAX)
    mark = data.recommended_mark
    if kind is EvaluationKind.FINAL:
        if mark is None:
            raise InvalidValue("mark", "missing")
        check_mark(mark)
    elif mark is not None:
        raise InvalidValue("mark", "not_mid_term")
    return EvaluationInput(check_rubric(data.scores), strengths, to_improve, mark)


def check_ratings(ratings: Mapping[str, int]) -> dict[str, int]:
    return check_points(ratings, SCHOOL_ASPECTS + MENTOR_ASPECTS, "ratings")


def may_evaluate(actor: User, application: Application) -> bool:
    return actor.role is Role.MENTOR and application.mentor_id == actor.id


def may_confirm(actor: User, school_id: int) -> bool:
    return actor.role is Role.DIRECTOR and actor.organization_id == school_id


def may_grade(actor: User) -> bool:
    return actor.role in GRADERS


def summarize(ratings: Sequence[Mapping[str, int]]) -> FeedbackSummary | None:
    """Averages per aspect, or None below MIN_RESPONSES (never one student's answer)."""
    if len(ratings) < MIN_RESPONSES:
        return None

    def average(aspect: str) -> float:
        return round(sum(rating[aspect] for rating in ratings) / len(ratings), 2)

    return FeedbackSummary(
        responses=len(ratings),
        school={aspect: average(aspect) for aspect in SCHOOL_ASPECTS},
        mentors={aspect: average(aspect) for aspect in MENTOR_ASPECTS},
    )
