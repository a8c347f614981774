"""Students' proposals of their own practice school, and the coordinator's decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import aiosqlite

from db import audit
from db.domain.errors import NotFound
from db.domain.models import OrgKind, User
from db.domain.orgs import OrgInput
from db.domain.placements import (
    PARTNER_KINDS,
    OfferInput,
    PracticeKind,
    check_period,
    clean_reason,
)
from db.domain.proposals import (
    NOTE_MAX,
    NewSchool,
    ProposalDecided,
    ProposalPending,
    ProposalStatus,
    SchoolProposal,
)
from db.domain.roles import STAFF, STUDENTS, require_role
from db.memoranda import covers_period
from db.orgs import upsert_organization
from db.rows import one_row
from db.timeutil import date_from_db, date_to_db, from_db, to_db
from db.users import coordinators_of

if TYPE_CHECKING:
    from db.database import Database


@dataclass(frozen=True, slots=True)
class Approval:
    proposal: SchoolProposal
    placed: bool  # False: a memorandum is required first and there is none for the period
    organization_id: int
    new_school: bool  # added to the directory by this approval
    has_memorandum: bool  # one covers the period (else the school is a candidate partner)


def proposal_from_row(row: aiosqlite.Row) -> SchoolProposal:
    new_school = (
        NewSchool(
            row["school_name"], row["school_city"], row["school_address"], row["school_contact"]
        )
        if row["organization_id"] is None
        else None
    )
    return SchoolProposal(
        id=row["id"],
        student_id=row["student_id"],
        kind=PracticeKind(row["kind"]),
        organization_id=row["organization_id"],
        new_school=new_school,
        starts_on=date_from_db(row["starts_on"]),
        ends_on=date_from_db(row["ends_on"]),
        note=row["note"],
        status=ProposalStatus(row["status"]),
        reason=row["reason"],
        application_id=row["application_id"],
        created_at=from_db(row["created_at"]),
    )


async def _proposal(conn: aiosqlite.Connection, proposal_id: int) -> SchoolProposal:
    row = await one_row(conn, "SELECT * FROM school_proposals WHERE id = ?", (proposal_id,))
    if row is None:
        raise NotFound("proposal")
    return proposal_from_row(row)


class ProposalRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, proposal_id: int) -> SchoolProposal | None:
        row = await self._db.fetch_one(
            "SELECT * FROM school_proposals WHERE id = ?", (proposal_id,)
        )
        return None if row is None else proposal_from_row(row)

    async def pending(self, limit: int = 20) -> list[SchoolProposal]:
        rows = await self._db.fetch_all(
            "SELECT * FROM school_proposals WHERE status = 'pending' ORDER BY created_at, id"
            " LIMIT ?",
            (limit,),
        )
        return [proposal_from_row(row) for row in rows]

    async def latest_of(self, student_id: int) -> SchoolProposal | None:
        row = await self._db.fetch_one(
            "SELECT * FROM school_proposals WHERE student_id = ? ORDER BY id DESC LIMIT 1",
            (student_id,),
        )
        return None if row is None else proposal_from_row(row)

    async def submit(
        self,
        student: User,
        kind: PracticeKind,
        school: int | NewSchool,
        starts_on: date,
        ends_on: date,
        note: str | None,
    ) -> SchoolProposal:
        """One pending proposal per student; the university's coordinators are told."""
        require_role(student, STUDENTS)
        check_period(starts_on, ends_on, self._db.today())
        text = note.strip()[:NOTE_MAX] if note and note.strip() else None
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            if await one_row(
                conn,
                "SELECT 1 FROM school_proposals WHERE student_id = ? AND status = 'pending'",
                (student.id,),
            ):
                raise ProposalPending()
            if isinstance(school, int):
                row = await one_row(conn, "SELECT kind FROM organizations WHERE id = ?", (school,))
                if row is None or OrgKind(row["kind"]) not in PARTNER_KINDS:
                    raise NotFound("organization")
            new = school if isinstance(school, NewSchool) else None
            cursor = await conn.execute(
                "INSERT INTO school_proposals (student_id, kind, organization_id, school_name,"
                " school_city, school_address, school_contact, starts_on, ends_on, note,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    student.id,
                    kind.value,
                    school if isinstance(school, int) else None,
                    new.name if new else None,
                    new.city if new else None,
                    new.address if new else None,
                    new.contact if new else None,
                    date_to_db(starts_on),
                    date_to_db(ends_on),
                    text,
                    to_db(now),
                ),
            )
            assert cursor.lastrowid is not None
            proposal_id = cursor.lastrowid
            coordinators = await coordinators_of(conn, student.organization_id)
            await self._db.outbox.add_many(
                conn, [(coordinators, "proposal.submitted", {"proposal": proposal_id})]
            )
            await audit.record(conn, now, student.id, "proposal.submit", "proposal", proposal_id)
            return await _proposal(conn, proposal_id)

    async def withdraw(self, student: User, proposal_id: int) -> SchoolProposal:
        async with self._db.transaction() as conn:
            proposal = await _proposal(conn, proposal_id)
            if proposal.student_id != student.id:
                raise NotFound("proposal")
            if proposal.status is not ProposalStatus.PENDING:
                raise ProposalDecided(proposal.status)
            await conn.execute(
                "UPDATE school_proposals SET status = 'withdrawn' WHERE id = ?", (proposal_id,)
            )
            return await _proposal(conn, proposal_id)

    async def decline(self, actor: User, proposal_id: int, reason: str) -> SchoolProposal:
        require_role(actor, STAFF)
        text = clean_reason(reason)
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            proposal = await self._pending(conn, proposal_id)
            await conn.execute(
                "UPDATE school_proposals SET status = 'declined', reason = ?, decided_by = ?,"
                " decided_at = ? WHERE id = ?",
                (text, actor.id, to_db(now), proposal_id),
            )
            await self._db.outbox.add_many(
                conn, [([proposal.student_id], "proposal.declined", {"proposal": proposal_id})]
            )
            await audit.record(conn, now, actor.id, "proposal.decline", "proposal", proposal_id)
            return await _proposal(conn, proposal_id)

    async def _pending(self, conn: aiosqlite.Connection, proposal_id: int) -> SchoolProposal:
        proposal = await _proposal(conn, proposal_id)
        if proposal.status is not ProposalStatus.PENDING:
            raise ProposalDecided(proposal.status)
        return proposal

    async def approve(self, actor: User, proposal_id: int) -> Approval:
        """Place the student at the proposed school for the proposed period.

        A school not in the directory is added first (a candidate partner until a memorandum
        is recorded). With [placements] require_memorandum and no memorandum for the period,
        the school stays added but the proposal waits: the coordinator records one, then
        approves again.
        """
        require_role(actor, STAFF)
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            proposal = await self._pending(conn, proposal_id)
            organization_id, new_school = await self._school_of(conn, proposal, actor)
            has_memorandum = bool(
                await self._db.fetch_value(
                    f"SELECT {covers_period('?', '?', '?')}",
                    (organization_id, date_to_db(proposal.starts_on), date_to_db(proposal.ends_on)),
                    conn,
                )
            )
            if self._db.placements.policy.require_memorandum and not has_memorandum:
                await audit.record(
                    conn, now, actor.id, "proposal.needs_memorandum", "proposal", proposal_id
                )
                return Approval(
                    await _proposal(conn, proposal_id), False, organization_id, new_school, False
                )
            application_id = await self._place(conn, actor, proposal, organization_id)
            await conn.execute(
                "UPDATE school_proposals SET status = 'approved', application_id = ?,"
                " decided_by = ?, decided_at = ? WHERE id = ?",
                (application_id, actor.id, to_db(now), proposal_id),
            )
            await self._db.outbox.add_many(
                conn, [([proposal.student_id], "proposal.approved", {"proposal": proposal_id})]
            )
            await audit.record(conn, now, actor.id, "proposal.approve", "proposal", proposal_id)
            return Approval(
                await _proposal(conn, proposal_id),
                True,
                organization_id,
                new_school,
                has_memorandum,
            )

    async def _school_of(
        self, conn: aiosqlite.Connection, proposal: SchoolProposal, actor: User
    ) -> tuple[int, bool]:
        """The proposal's organization; a new school is added to the directory now."""
        if proposal.organization_id is not None:
            return proposal.organization_id, False
        assert proposal.new_school is not None
        school = proposal.new_school
        organization_id, _ = await upsert_organization(
            conn,
            OrgInput(
                OrgKind.SCHOOL,
                name_kk=school.name,
                name_ru=school.name,
                name_en=None,
                city=school.city,
                address=school.address,
            ),
            to_db(self._db.clock.now()),
        )
        self._db.after_commit(self._db.orgs.forget_cached)
        await conn.execute(
            "UPDATE school_proposals SET organization_id = ? WHERE id = ?",
            (organization_id, proposal.id),
        )
        await audit.record(
            conn, self._db.clock.now(), actor.id, "org.create", "organization", organization_id
        )
        return organization_id, True

    async def _place(
        self,
        conn: aiosqlite.Connection,
        actor: User,
        proposal: SchoolProposal,
        organization_id: int,
    ) -> int:
        """A one-place offer, closed to others, with the student placed on it."""
        student = await one_row(
            conn, "SELECT programme FROM users WHERE id = ?", (proposal.student_id,)
        )
        offer = OfferInput(
            organization_id=organization_id,
            kind=proposal.kind,
            subject=(student["programme"] if student else None) or "—",
            starts_on=proposal.starts_on,
            ends_on=proposal.ends_on,
            places=1,
            notes=proposal.note,
        )
        return await self._db.placements.place_on_own_offer(conn, actor, offer, proposal.student_id)
