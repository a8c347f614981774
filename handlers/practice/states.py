"""Conversation states of the practice feature and the drafts they fill (handlers.kit.drafts)."""

from __future__ import annotations

from typing import TypedDict

from aiogram.fsm.state import State, StatesGroup

from handlers.kit.steps import Browsing


class HoursFlow(StatesGroup):
    day = State()
    typed_day = State()
    hours = State()
    activity = State()
    note = State()


class ReturnHours(StatesGroup):
    comment = State()


class SchoolSearch(Browsing):
    query = State()


class VisitFlow(StatesGroup):
    student = State()
    date = State()
    topic = State()
    class_group = State()
    scores = State()
    comment = State()
    extras = State()


class VisitEdit(StatesGroup):
    text = State()
    scores = State()


class EvaluationFlow(StatesGroup):
    scores = State()
    strengths = State()
    to_improve = State()
    mark = State()
    characteristic = State()


class EvaluationForm(TypedDict, total=False):
    eval_app: int
    eval_kind: str  # EvaluationKind: "mid" or "final"
    eval_student: str  # the name shown on each rubric step
    eval_prefill: list[int]  # the visits' averages, rounded, in the order of the rubric
    eval_scores: list[int]
    eval_strengths: str
    eval_improve: str
    eval_text: str  # the characteristic as it will be signed


class DiaryFlow(StatesGroup):
    did = State()
    reflection = State()


class DiaryForm(TypedDict, total=False):
    diary_app: int
    diary_day: str  # ISO date
    diary_did: str


class ReportFlow(StatesGroup):
    file = State()


class ReportForm(TypedDict, total=False):
    report_app: int


class RatingFlow(StatesGroup):
    points = State()
    comment = State()


class RatingForm(TypedDict, total=False):
    rate_app: int
    rate_points: list[int]  # given so far, in the order of the aspects


class GradeFlow(StatesGroup):
    marks = State()


class GradeForm(TypedDict, total=False):
    grade_ids: list[int]  # the placements of the list the marks are typed for, in its order


class SharedPlace(TypedDict):
    lat: float
    lon: float
    fresh: bool  # sent live from the phone just now


class VisitForm(TypedDict, total=False):
    visit_app: int
    visit_day: str  # ISO date
    visit_topic: str
    visit_class: str
    visit_scores: list[int]
    visit_comment: str | None
    visit_photo: str | None
    visit_location: SharedPlace
    visit_token: str
    edit_visit: int
    edit_field: str


class HoursForm(TypedDict, total=False):
    hours_day: str  # ISO date
    hours_activity: str
    hours_value: float
    return_entry: int
