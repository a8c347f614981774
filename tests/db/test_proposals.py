"""Students' own-school proposals on a real SQLite file."""

from __future__ import annotations

from datetime import timedelta

import pytest

from db import Database
from db.domain.errors import InvalidValue, NotAllowed, NotFound
from db.domain.memoranda import Area, MemorandumInput
from db.domain.models import Organization, OrgKind, Role, User
from db.domain.placements import ApplicationStatus, PlacementPolicy, PracticeKind
from db.domain.proposals import NewSchool, ProposalDecided, ProposalPending, ProposalStatus
from tests.factories import make_member, make_org, make_student, make_university

HOME = NewSchool("Абай атындағы №3 мектеп", "Аягөз", "Бейбітшілік к., 5", "Директор, 8 705 …")


async def people(db: Database) -> tuple[Organization, User, User]:
    university = await make_university(db)
    coordinator = await make_member(db, Role.COORDINATOR, university, 1)
    student = await make_student(db, 10, university)
    return university, coordinator, student


async def test_a_new_school_is_added_on_approval_and_the_student_placed(db: Database) -> None:
    _, coordinator, student = await people(db)
    start = db.today() + timedelta(days=20)
    proposal = await db.proposals.submit(
        student, PracticeKind.DUAL, HOME, start, start + timedelta(days=90), "Үйге жақын"
    )
    told = await db.fetch_value("SELECT count(*) FROM outbox WHERE kind = 'proposal.submitted'")
    assert told == 1
    with pytest.raises(ProposalPending):
        await db.proposals.submit(student, PracticeKind.DUAL, HOME, start, start, None)
    with pytest.raises(NotAllowed):
        await db.proposals.approve(student, proposal.id)
    approval = await db.proposals.approve(coordinator, proposal.id)
    assert approval.placed and approval.new_school and not approval.has_memorandum
    school = await db.orgs.get(approval.organization_id)
    assert school is not None and school.city == "Аягөз" and school.kind is OrgKind.SCHOOL
    assert approval.proposal.status is ProposalStatus.APPROVED
    application = await db.placements.application(approval.proposal.application_id or 0)
    assert application is not None and application.status is ApplicationStatus.APPROVED
    with pytest.raises(ProposalDecided):
        await db.proposals.approve(coordinator, proposal.id)
    kinds = await db.fetch_all("SELECT kind FROM outbox WHERE user_id = ?", (student.id,))
    assert [row["kind"] for row in kinds] == ["proposal.approved"], "one message, not two"


async def test_with_memoranda_required_approval_waits_for_one(db: Database) -> None:
    _, coordinator, student = await people(db)
    db.placements.policy = PlacementPolicy(require_memorandum=True)
    start = db.today() + timedelta(days=20)
    proposal = await db.proposals.submit(
        student, PracticeKind.DUAL, HOME, start, start + timedelta(days=30), None
    )
    first = await db.proposals.approve(coordinator, proposal.id)
    assert not first.placed and first.new_school
    assert first.proposal.status is ProposalStatus.PENDING
    await db.memoranda.create(
        coordinator,
        MemorandumInput(
            "Меморандум",
            db.today(),
            start + timedelta(days=60),
            (Area.PRACTICE,),
            (first.organization_id,),
        ),
    )
    second = await db.proposals.approve(coordinator, proposal.id)
    assert second.placed and not second.new_school and second.has_memorandum
    assert second.organization_id == first.organization_id, "the school is added once"


async def test_decline_needs_a_reason_and_forged_ids_learn_nothing(db: Database) -> None:
    _, coordinator, student = await people(db)
    school = await make_org(db, OrgKind.SCHOOL, name="№7 мектеп")
    start = db.today() + timedelta(days=5)
    proposal = await db.proposals.submit(
        student, PracticeKind.PEDAGOGICAL, school.id, start, start + timedelta(days=27), None
    )
    with pytest.raises(InvalidValue):
        await db.proposals.decline(coordinator, proposal.id, "")
    declined = await db.proposals.decline(coordinator, proposal.id, "Бұл мектепте тәлімгер жоқ")
    assert declined.status is ProposalStatus.DECLINED
    with pytest.raises(NotFound):
        await db.proposals.approve(coordinator, 999)
    other = await make_student(db, 11, await make_university(db, name="Абай атындағы ҚазҰПУ"))
    with pytest.raises(NotFound):
        await db.proposals.withdraw(other, proposal.id)
    university = await make_org(db, OrgKind.UNIVERSITY, name="Университет")
    with pytest.raises(NotFound):  # only schools and kindergartens
        await db.proposals.submit(
            student, PracticeKind.DUAL, university.id, start, start + timedelta(days=3), None
        )
