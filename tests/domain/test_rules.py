"""The pure rules of db/domain, tested without a database or a bot."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from db.domain.errors import InvalidValue
from db.domain.events import (
    CAPACITY_MAX,
    LENGTH_MAX,
    check_span,
    clean_address,
    clean_description,
    occurrences,
    parse_capacity,
)
from db.domain.invites import format_code, hash_code, normalize_code, roles_invitable_by
from db.domain.issues import (
    Issue,
    IssueCategory,
    IssueStatus,
    allowed_moves,
    may_assign,
    may_comment,
)
from db.domain.models import Role, User
from db.domain.placements import PLACES_MAX, can_manage, check_period, check_places, weeks
from db.domain.practice_log import LocationCheck, SharedLocation, distance_m, judge_location
from db.domain.reports import Period, academic_year
from db.domain.roles import (
    BROADCASTERS,
    EVENT_ORGANIZERS,
    NETWORK_STAFF,
    OFFER_MANAGERS,
    REPORT_VIEWERS,
    REQUEST_POSTERS,
    REQUEST_VIEWERS,
    STAFF,
)

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SCHOOL, OTHER_SCHOOL = 10, 11


def person(user_id: int, role: Role, organization_id: int | None = None) -> User:
    return User(
        id=user_id,
        telegram_id=user_id,
        full_name=f"Person {user_id}",
        username=None,
        role=role,
        organization_id=organization_id,
        locale="kk",
        programme=None,
        study_year=None,
        consent_at=NOW,
        created_at=NOW,
        seen_at=NOW,
        blocked_at=None,
    )


def request(status: IssueStatus, author_id: int = 1, assignee_id: int | None = None) -> Issue:
    return Issue(
        id=5,
        organization_id=SCHOOL,
        author_id=author_id,
        category=IssueCategory.STAFFING,
        urgency="normal",
        title="Robotics teacher",
        description="",
        vacancy_subject=None,
        vacancy_starts_on=None,
        status=status,
        assignee_id=assignee_id,
        reject_reason=None,
        version=1,
        last_activity_at=NOW,
        created_at=NOW,
    )


# ----- roles ----------------------------------------------------------------------------------


def test_role_sets_nest_as_the_network_does() -> None:
    assert STAFF < NETWORK_STAFF < REPORT_VIEWERS
    assert STAFF < OFFER_MANAGERS and Role.DEPARTMENT not in OFFER_MANAGERS
    assert REQUEST_POSTERS < REQUEST_VIEWERS and Role.STUDENT not in REQUEST_VIEWERS
    assert EVENT_ORGANIZERS == NETWORK_STAFF and Role.DIRECTOR in BROADCASTERS


def test_nobody_may_invite_an_admin_but_the_command_line() -> None:
    assert Role.ADMIN not in roles_invitable_by(Role.COORDINATOR)
    assert roles_invitable_by(Role.STUDENT) == frozenset()
    assert roles_invitable_by(None) == roles_invitable_by(Role.ADMIN)


# ----- schools' requests ----------------------------------------------------------------------


def test_a_new_request_moves_only_on_the_staff_side() -> None:
    issue = request(IssueStatus.NEW, author_id=1)
    coordinator = person(2, Role.COORDINATOR)
    author = person(1, Role.MENTOR, SCHOOL)
    assert allowed_moves(coordinator, issue) == {
        IssueStatus.IN_PROGRESS,
        IssueStatus.RESOLVED,
        IssueStatus.REJECTED,
    }
    assert allowed_moves(author, issue) == frozenset()
    assert may_assign(coordinator, issue) and not may_assign(author, issue)


def test_a_resolved_request_is_confirmed_or_reopened_by_its_school() -> None:
    issue = request(IssueStatus.RESOLVED, author_id=1)
    director = person(3, Role.DIRECTOR, SCHOOL)
    other_director = person(4, Role.DIRECTOR, OTHER_SCHOOL)
    assert allowed_moves(director, issue) == {IssueStatus.CLOSED, IssueStatus.IN_PROGRESS}
    assert allowed_moves(other_director, issue) == frozenset()
    assert allowed_moves(person(2, Role.COORDINATOR), issue) == frozenset()


def test_the_assignee_works_on_a_request_and_a_closed_one_takes_no_comments() -> None:
    assignee = person(7, Role.MENTOR, OTHER_SCHOOL)
    assert IssueStatus.RESOLVED in allowed_moves(
        assignee, request(IssueStatus.IN_PROGRESS, assignee_id=7)
    )
    assert may_comment(assignee, request(IssueStatus.IN_PROGRESS, assignee_id=7))
    assert not may_comment(assignee, request(IssueStatus.CLOSED, assignee_id=7))
    assert not may_comment(person(8, Role.MENTOR, OTHER_SCHOOL), request(IssueStatus.NEW))


# ----- placements -----------------------------------------------------------------------------


def test_only_staff_and_the_school_s_own_director_manage_its_offers() -> None:
    assert can_manage(person(1, Role.COORDINATOR), SCHOOL)
    assert can_manage(person(2, Role.DIRECTOR, SCHOOL), SCHOOL)
    assert not can_manage(person(3, Role.DIRECTOR, OTHER_SCHOOL), SCHOOL)
    assert not can_manage(person(4, Role.DEPARTMENT), SCHOOL)


@pytest.mark.parametrize(
    ("starts", "ends", "problem"),
    [
        (date(2026, 11, 30), date(2026, 12, 20), "in_past"),
        (date(2026, 12, 20), date(2026, 12, 19), "before_start"),
        (date(2026, 12, 2), date(2028, 1, 1), "too_long"),
    ],
)
def test_a_practice_period_must_be_ahead_and_in_order(
    starts: date, ends: date, problem: str
) -> None:
    with pytest.raises(InvalidValue) as refused:
        check_period(starts, ends, NOW.date())
    assert refused.value.detail == problem


def test_places_and_weeks() -> None:
    assert check_places(PLACES_MAX) == PLACES_MAX
    for wrong in (0, -1, PLACES_MAX + 1):
        with pytest.raises(InvalidValue):
            check_places(wrong)
    assert weeks(date(2027, 1, 11), date(2027, 2, 5)) == 4


# ----- events ---------------------------------------------------------------------------------


def test_an_event_ends_after_it_starts_and_within_the_longest_span() -> None:
    check_span(NOW, NOW + LENGTH_MAX)
    for end, problem in [(NOW, "before_start"), (NOW + LENGTH_MAX + timedelta(1), "too_long")]:
        with pytest.raises(InvalidValue) as refused:
            check_span(NOW, end)
        assert refused.value.detail == problem


@pytest.mark.parametrize("text", ["0", "-3", "two", "", str(CAPACITY_MAX + 1), "9" * 30])
def test_a_capacity_outside_the_range_is_refused(text: str) -> None:
    with pytest.raises(InvalidValue):
        parse_capacity(text)


def test_capacity_description_and_address_as_typed_on_a_phone() -> None:
    assert parse_capacity(" 25 ") == 25
    assert clean_address("  Семей,\n Глинки 20 ") == "Семей, Глинки 20"
    assert clean_address("   ") is None
    with pytest.raises(InvalidValue):
        clean_description("x" * 2501)


def test_a_monthly_series_keeps_the_day_or_the_month_s_last() -> None:
    start = datetime(2027, 1, 31, 10, 0, tzinfo=UTC)
    days = [moment.date() for moment in occurrences(start, "monthly", date(2027, 4, 30))]
    assert days == [date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30)]
    with pytest.raises(InvalidValue):
        occurrences(start, "weekly", date(2030, 1, 1))


# ----- visits, invitations, reports -----------------------------------------------------------


def test_a_visit_is_on_site_only_when_shared_live_near_the_school() -> None:
    school = (50.4111, 80.2275)
    near = SharedLocation(50.4115, 80.2275, fresh=True)
    assert 40 < distance_m(*school, near.latitude, near.longitude) < 50
    assert judge_location(near, school, 300)[0] is LocationCheck.ON_SITE
    forwarded = SharedLocation(50.4115, 80.2275, fresh=False)
    assert judge_location(forwarded, school, 300)[0] is LocationCheck.NOT_VERIFIED
    assert judge_location(None, school, 300) == (LocationCheck.NONE, None)


def test_an_invitation_code_reads_the_same_however_it_is_typed() -> None:
    code = "ABCDE23456FGHJK"
    assert normalize_code(" abcde-23456 fghjk ") == code
    assert format_code(code) == "ABCDE-23456-FGHJK"
    assert hash_code("abcde 23456 fghjk") == hash_code(code)


def test_the_academic_year_runs_september_to_august() -> None:
    assert academic_year(date(2026, 12, 1)) == Period(date(2026, 9, 1), date(2027, 8, 31))
    assert academic_year(date(2027, 3, 1), years_back=1).start == date(2025, 9, 1)
    with pytest.raises(InvalidValue):
        Period(date(2027, 1, 2), date(2027, 1, 1))
