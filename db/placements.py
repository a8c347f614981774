"""Teaching-practice placements: offers, applications, waiting lists and mentors.

The rules live here, inside transactions, so no button or race can break them:
- a `pending` application holds one of the offer's free places until it is decided, so the
  approvers see exactly as many pending applications as there are places to give;
- when no place is free a student may join the waiting list; a freed place goes to the first
  on it (their application becomes pending again);
- approved placements never exceed the offer's places (a guarded UPDATE, under BEGIN
  IMMEDIATE, even with many approvals at once);
- a student has at most one active application or placement in any period.
Every change queues notifications for the people it concerns in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import aiosqlite

from db import audit
from db.domain.errors import DomainError, InvalidValue, NotAllowed, NotFound
from db.domain.models import OrgKind, Role, User
from db.domain.placements import (
    DECIDABLE,
    MOTIVATION_MAX,
    NOTES_MAX,
    PARTNER_KINDS,
    SUBJECT_MAX,
    AlreadyApplied,
    Application,
    ApplicationStatus,
    ApplyResult,
    BrowseFilter,
    NoMemorandum,
    Offer,
    OfferChanges,
    OfferClosed,
    OfferFull,
    OfferInput,
    PlacementPolicy,
    PracticeKind,
    PracticeStarted,
    RowRefused,
    StaleState,
    can_manage,
    check_period,
    check_places,
    clean_optional,
    clean_reason,
    clean_subject,
)
from db.domain.roles import STAFF
from db.memoranda import covers_period
from db.rows import all_rows, one_row, one_value
from db.timeutil import date_from_db, date_to_db, from_db, maybe_from_db, to_db
from db.users import directors_of, fetch_user

if TYPE_CHECKING:
    from db.database import Database

_ACTIVE_SQL = "('pending', 'waitlisted', 'approved')"


@dataclass(slots=True)
class _Notices:
    """Notifications decided during a transaction; queued at its end."""

    items: list[tuple[list[int], str, dict[str, Any]]] = field(default_factory=list)

    def add(self, user_ids: Iterable[int | None], kind: str, **payload: Any) -> None:
        recipients = [user_id for user_id in user_ids if user_id is not None]
        if recipients:
            self.items.append((recipients, kind, payload))


_OFFER_SELECT = """
SELECT o.*,
       (SELECT count(*) FROM applications a WHERE a.offer_id = o.id AND a.status = 'pending')
           AS pending_count,
       (SELECT count(*) FROM applications a WHERE a.offer_id = o.id AND a.status = 'waitlisted')
           AS waitlisted_count,
       (SELECT group_concat(m.mentor_id) FROM offer_mentors m WHERE m.offer_id = o.id)
           AS mentor_list
FROM practice_offers o
"""
_ACTIVE_STATUSES = _ACTIVE_SQL


def offer_from_row(row: aiosqlite.Row) -> Offer:
    mentors = row["mentor_list"]
    return Offer(
        id=row["id"],
        organization_id=row["organization_id"],
        kind=PracticeKind(row["kind"]),
        subject=row["subject"],
        starts_on=date_from_db(row["starts_on"]),
        ends_on=date_from_db(row["ends_on"]),
        places=row["places"],
        taken=row["taken"],
        pending=row["pending_count"],
        waitlisted=row["waitlisted_count"],
        notes=row["notes"],
        status=row["status"],
        created_by=row["created_by"],
        mentor_ids=tuple(sorted(int(m) for m in mentors.split(","))) if mentors else (),
    )


def application_from_row(row: aiosqlite.Row) -> Application:
    return Application(
        id=row["id"],
        offer_id=row["offer_id"],
        student_id=row["student_id"],
        status=ApplicationStatus(row["status"]),
        motivation=row["motivation"],
        queued_at=from_db(row["queued_at"]),
        mentor_id=row["mentor_id"],
        decided_by=row["decided_by"],
        decided_at=maybe_from_db(row["decided_at"]),
        reason=row["reason"],
        created_at=from_db(row["created_at"]),
    )


async def _offer(conn: aiosqlite.Connection, offer_id: int) -> Offer:
    row = await one_row(conn, _OFFER_SELECT + " WHERE o.id = ?", (offer_id,))
    if row is None:
        raise NotFound("offer")
    return offer_from_row(row)


async def _application(conn: aiosqlite.Connection, application_id: int) -> Application:
    row = await one_row(conn, "SELECT * FROM applications WHERE id = ?", (application_id,))
    if row is None:
        raise NotFound("application")
    return application_from_row(row)


async def application_with_offer(
    conn: aiosqlite.Connection, application_id: int
) -> tuple[Application, Offer]:
    """Both rows, on the transaction's connection."""
    application = await _application(conn, application_id)
    offer_row = await one_row(conn, _OFFER_SELECT + " WHERE o.id = ?", (application.offer_id,))
    assert offer_row is not None  # the application exists, and so does its offer
    return application, offer_from_row(offer_row)


async def approved_placement(
    conn: aiosqlite.Connection, application_id: int
) -> tuple[Application, Offer]:
    """A placement (an approved application) and its offer; anything else is not found."""
    try:
        application, offer = await application_with_offer(conn, application_id)
    except NotFound:
        raise NotFound("placement") from None
    if application.status is not ApplicationStatus.APPROVED:
        raise NotFound("placement")
    return application, offer


async def _managed_application(
    conn: aiosqlite.Connection,
    actor: User,
    application_id: int,
    statuses: Iterable[ApplicationStatus],
) -> tuple[Application, Offer]:
    """The application and its offer, if `actor` manages the offer and it is in `statuses`."""
    application, offer = await application_with_offer(conn, application_id)
    if not can_manage(actor, offer.organization_id):
        raise NotAllowed("offer")
    if application.status not in statuses:
        raise StaleState(application.status)
    return application, offer


async def approvers(conn: aiosqlite.Connection, offer: Offer) -> list[int]:
    """Who decides on an offer's applications: its school's directors, and its author."""
    ids = (await directors_of(conn, [offer.organization_id]))[offer.organization_id]
    if offer.created_by is not None and offer.created_by not in ids:
        ids.append(offer.created_by)
    return ids


async def _insert_offer(
    conn: aiosqlite.Connection,
    actor_id: int,
    data: OfferInput,
    subject: str,
    notes: str | None,
    status: str,
    now: datetime,
) -> int:
    cursor = await conn.execute(
        "INSERT INTO practice_offers (organization_id, kind, subject, subject_key, starts_on,"
        " ends_on, places, notes, status, created_by, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            data.organization_id,
            data.kind.value,
            subject,
            subject.casefold(),
            date_to_db(data.starts_on),
            date_to_db(data.ends_on),
            data.places,
            notes,
            status,
            actor_id,
            to_db(now),
            to_db(now),
        ),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


class PlacementRepository:
    def __init__(self, db: Database, policy: PlacementPolicy) -> None:
        self._db = db
        self.policy = policy

    async def _check_memorandum(
        self,
        organization_id: int,
        starts_on: date,
        ends_on: date,
        conn: aiosqlite.Connection | None = None,
    ) -> None:
        if not self.policy.require_memorandum:
            return
        covered = await self._db.fetch_value(
            f"SELECT {covers_period('?', '?', '?')}",
            (organization_id, date_to_db(starts_on), date_to_db(ends_on)),
            conn,
        )
        if not covered:
            raise NoMemorandum(organization_id, starts_on, ends_on)

    async def memorandum_problem(
        self, organization_id: int, starts_on: date, ends_on: date
    ) -> NoMemorandum | None:
        """For a form: the refusal a new offer for these dates would meet, if any."""
        try:
            await self._check_memorandum(organization_id, starts_on, ends_on)
        except NoMemorandum as problem:
            return problem
        return None

    # ----- reading ----------------------------------------------------------------------------

    async def offer(self, offer_id: int) -> Offer | None:
        row = await self._db.fetch_one(_OFFER_SELECT + " WHERE o.id = ?", (offer_id,))
        return None if row is None else offer_from_row(row)

    async def application(self, application_id: int) -> Application | None:
        row = await self._db.fetch_one("SELECT * FROM applications WHERE id = ?", (application_id,))
        return None if row is None else application_from_row(row)

    async def offers_by_ids(self, offer_ids: Iterable[int]) -> dict[int, Offer]:
        """The offers that exist among `offer_ids`, in one query (for a list's lines)."""
        ids = sorted(set(offer_ids))
        if not ids:
            return {}
        rows = await self._db.fetch_all(
            _OFFER_SELECT + f" WHERE o.id IN ({','.join('?' * len(ids))})", ids
        )
        return {row["id"]: offer_from_row(row) for row in rows}

    async def applications_by_ids(self, application_ids: Iterable[int]) -> dict[int, Application]:
        ids = sorted(set(application_ids))
        if not ids:
            return {}
        rows = await self._db.fetch_all(
            f"SELECT * FROM applications WHERE id IN ({','.join('?' * len(ids))})", ids
        )
        return {row["id"]: application_from_row(row) for row in rows}

    async def browse(
        self, filters: BrowseFilter, offset: int, limit: int
    ) -> tuple[list[Offer], int]:
        """Open offers a student can still apply to, soonest first, one page (paged in SQL)."""
        where, params = self._browse_where(filters)
        total = await self._db.fetch_value(
            "SELECT count(*) FROM practice_offers o JOIN organizations g ON g.id = "
            f"o.organization_id WHERE {where}",
            params,
        )
        rows = await self._db.fetch_all(
            _OFFER_SELECT + " JOIN organizations g ON g.id = o.organization_id"
            f" WHERE {where} ORDER BY o.starts_on, o.id LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return [offer_from_row(row) for row in rows], int(total)

    def _browse_where(self, filters: BrowseFilter) -> tuple[str, tuple[Any, ...]]:
        clauses = ["o.status = 'open'", "o.starts_on >= ?"]
        params: list[Any] = [date_to_db(self._db.today())]
        if filters.kind is not None:
            clauses.append("o.kind = ?")
            params.append(filters.kind.value)
        if filters.city is not None:
            clauses.append("g.city = ?")
            params.append(filters.city)
        if filters.subject_key is not None:
            clauses.append("o.subject_key = ?")
            params.append(filters.subject_key)
        return " AND ".join(clauses), tuple(params)

    async def browse_values(
        self, filters: BrowseFilter, column: str, limit: int = 40
    ) -> list[tuple[str, str, int]]:
        """(value, label, offers) of a filter column among browsable offers, most common first."""
        expression = {"city": ("g.city", "g.city"), "subject": ("o.subject_key", "min(o.subject)")}[
            column
        ]
        where, params = self._browse_where(filters)
        rows = await self._db.fetch_all(
            f"SELECT {expression[0]} AS value, {expression[1]} AS label, count(*) AS n"
            " FROM practice_offers o JOIN organizations g ON g.id = o.organization_id"
            f" WHERE {where} GROUP BY {expression[0]} ORDER BY n DESC, label LIMIT ?",
            (*params, limit),
        )
        return [(row["value"], row["label"], row["n"]) for row in rows]

    async def managed_offers(
        self, actor: User, offset: int, limit: int, include_closed: bool = True
    ) -> tuple[list[Offer], int]:
        """Offers this person decides on: a director's school's, or all for coordinators."""
        clauses, params = ["1"], []
        if actor.role not in STAFF:
            if actor.role is not Role.DIRECTOR or actor.organization_id is None:
                return [], 0
            clauses.append("o.organization_id = ?")
            params.append(actor.organization_id)
        if not include_closed:
            clauses.append("o.status = 'open'")
        where = " AND ".join(clauses)
        total = await self._db.fetch_value(
            f"SELECT count(*) FROM practice_offers o WHERE {where}", params
        )
        rows = await self._db.fetch_all(
            _OFFER_SELECT + f" WHERE {where} ORDER BY o.status DESC, o.starts_on DESC, o.id DESC"
            " LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return [offer_from_row(row) for row in rows], int(total)

    async def applications_for_offer(self, offer_id: int) -> list[Application]:
        """Active applications: approved, then pending, then the waiting list in order."""
        rows = await self._db.fetch_all(
            f"SELECT * FROM applications WHERE offer_id = ? AND status IN {_ACTIVE_SQL}"
            " ORDER BY CASE status WHEN 'approved' THEN 0 WHEN 'pending' THEN 1 ELSE 2 END,"
            " queued_at, id",
            (offer_id,),
        )
        return [application_from_row(row) for row in rows]

    async def review_queue(
        self, actor: User, offset: int, limit: int
    ) -> tuple[list[Application], int]:
        """Pending applications on the offers this person decides on, oldest first."""
        clauses, params = ["a.status = 'pending'"], []
        if actor.role not in STAFF:
            if actor.role is not Role.DIRECTOR:
                return [], 0
            clauses.append("a.organization_id = ?")
            params.append(actor.organization_id)
        base = f"FROM applications a WHERE {' AND '.join(clauses)}"
        total = await self._db.fetch_value(f"SELECT count(*) {base}", params)
        rows = await self._db.fetch_all(
            f"SELECT a.* {base} ORDER BY a.queued_at, a.id LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return [application_from_row(row) for row in rows], int(total)

    async def student_applications(self, student_id: int, limit: int = 20) -> list[Application]:
        rows = await self._db.fetch_all(
            "SELECT a.* FROM applications a WHERE a.student_id = ?"
            " ORDER BY CASE WHEN a.status IN ('pending', 'waitlisted', 'approved') THEN 0 ELSE "
            "1 END,"
            " a.updated_at DESC, a.id DESC LIMIT ?",
            (student_id, limit),
        )
        return [application_from_row(row) for row in rows]

    async def waitlist_position(
        self, application: Application, conn: aiosqlite.Connection | None = None
    ) -> int | None:
        if application.status is not ApplicationStatus.WAITLISTED:
            return None
        ahead = await self._db.fetch_value(
            "SELECT count(*) FROM applications WHERE offer_id = ? AND status = 'waitlisted'"
            " AND (queued_at < ? OR (queued_at = ? AND id < ?))",
            (
                application.offer_id,
                to_db(application.queued_at),
                to_db(application.queued_at),
                application.id,
            ),
            conn,
        )
        return int(ahead) + 1

    async def mentor_students(self, mentor_id: int) -> list[Application]:
        """A mentor's current students: approved placements that have not ended."""
        rows = await self._db.fetch_all(
            "SELECT a.* FROM applications a JOIN practice_offers o ON o.id = a.offer_id"
            " WHERE a.mentor_id = ? AND a.status = 'approved' AND o.ends_on >= ?"
            " ORDER BY o.starts_on, a.id",
            (mentor_id, date_to_db(self._db.today())),
        )
        return [application_from_row(row) for row in rows]

    async def mentors_of(self, organization_id: int) -> list[User]:
        from db.users import user_from_row

        rows = await self._db.fetch_all(
            "SELECT * FROM users WHERE role = 'mentor' AND organization_id = ?"
            " AND telegram_id IS NOT NULL ORDER BY full_name",
            (organization_id,),
        )
        return [user_from_row(row) for row in rows]

    # ----- offers ------------------------------------------------------------------------------

    async def create_offer(self, actor: User, data: OfferInput) -> Offer:
        subject = clean_subject(data.subject)
        notes = clean_optional(data.notes, "notes", NOTES_MAX)
        check_places(data.places)
        check_period(data.starts_on, data.ends_on, self._db.today())
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            await self._check_org(conn, actor, data.organization_id)
            await self._check_memorandum(data.organization_id, data.starts_on, data.ends_on, conn)
            await self._check_mentors(conn, data.organization_id, data.mentor_ids)
            offer_id = await _insert_offer(conn, actor.id, data, subject, notes, "open", now)
            await conn.executemany(
                "INSERT INTO offer_mentors (offer_id, mentor_id) VALUES (?, ?)",
                [(offer_id, mentor_id) for mentor_id in dict.fromkeys(data.mentor_ids)],
            )
            await audit.record(
                conn,
                now,
                actor.id,
                "offer.create",
                "offer",
                offer_id,
                organization_id=data.organization_id,
                places=data.places,
            )
            return await _offer(conn, offer_id)

    async def _check_org(
        self, conn: aiosqlite.Connection, actor: User, organization_id: int
    ) -> None:
        kind = await one_value(
            conn, "SELECT kind FROM organizations WHERE id = ?", (organization_id,)
        )
        if kind is None or OrgKind(kind) not in PARTNER_KINDS:
            raise NotFound("organization")
        if not can_manage(actor, organization_id):
            raise NotAllowed("organization")

    async def _check_mentors(
        self, conn: aiosqlite.Connection, organization_id: int, mentor_ids: Sequence[int]
    ) -> None:
        for mentor_id in mentor_ids:
            row = await one_row(
                conn, "SELECT role, organization_id FROM users WHERE id = ?", (mentor_id,)
            )
            if row is None or row["role"] != "mentor" or row["organization_id"] != organization_id:
                raise InvalidValue("mentor", "not_of_this_school")

    async def update_offer(self, actor: User, offer_id: int, changes: OfferChanges) -> Offer:
        """Edit an offer; places never drop below those taken; the people concerned are told."""
        now = self._db.clock.now()
        notices = _Notices()
        async with self._db.transaction() as conn:
            offer = await _offer(conn, offer_id)
            if not can_manage(actor, offer.organization_id):
                raise NotAllowed("offer")
            values = self._changed_values(offer, changes)
            if not values:
                return offer
            if "starts_on" in values:
                await self._check_memorandum(
                    offer.organization_id,
                    date_from_db(values["starts_on"]),
                    date_from_db(values["ends_on"]),
                    conn,
                )
            assignments = ", ".join(f"{column} = ?" for column in values)
            await conn.execute(
                f"UPDATE practice_offers SET {assignments}, updated_at = ? WHERE id = ?",
                (*values.values(), to_db(now), offer_id),
            )
            if changes.mentor_ids is not None:
                await self._check_mentors(conn, offer.organization_id, changes.mentor_ids)
                await conn.execute("DELETE FROM offer_mentors WHERE offer_id = ?", (offer_id,))
                await conn.executemany(
                    "INSERT INTO offer_mentors (offer_id, mentor_id) VALUES (?, ?)",
                    [(offer_id, mentor_id) for mentor_id in dict.fromkeys(changes.mentor_ids)],
                )
            await self._rebalance(conn, offer_id, notices)
            affected = await self._active_people(conn, offer_id)
            notices.add(
                affected, "placement.offer_changed", offer_id=offer_id, fields=changes.names()
            )
            await audit.record(
                conn, now, actor.id, "offer.update", "offer", offer_id, fields=changes.names()
            )
            await self._queue(conn, notices)
            return await _offer(conn, offer_id)

    def _changed_values(self, offer: Offer, changes: OfferChanges) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if changes.subject is not None:
            subject = clean_subject(changes.subject)
            values.update(subject=subject, subject_key=subject.casefold())
        if changes.notes is not None:
            values["notes"] = clean_optional(changes.notes, "notes", NOTES_MAX)
        if changes.places is not None:
            check_places(changes.places)
            if changes.places < offer.taken:
                raise InvalidValue("places", "below_taken")
            values["places"] = changes.places
        if changes.starts_on is not None or changes.ends_on is not None:
            starts_on = changes.starts_on or offer.starts_on
            ends_on = changes.ends_on or offer.ends_on
            check_period(starts_on, ends_on, min(self._db.today(), offer.starts_on))
            values.update(starts_on=date_to_db(starts_on), ends_on=date_to_db(ends_on))
        return values

    async def set_open(self, actor: User, offer_id: int, is_open: bool) -> Offer:
        """Close (pending and waiting applications are cancelled, placements stay) or reopen."""
        now = self._db.clock.now()
        notices = _Notices()
        async with self._db.transaction() as conn:
            offer = await _offer(conn, offer_id)
            if not can_manage(actor, offer.organization_id):
                raise NotAllowed("offer")
            status = "open" if is_open else "closed"
            if offer.status == status:
                return offer
            await conn.execute(
                "UPDATE practice_offers SET status = ?, updated_at = ? WHERE id = ?",
                (status, to_db(now), offer_id),
            )
            if not is_open:
                waiting = await all_rows(
                    conn,
                    "SELECT id, student_id FROM applications WHERE offer_id = ?"
                    " AND status IN ('pending', 'waitlisted')",
                    (offer_id,),
                )
                await conn.execute(
                    "UPDATE applications SET status = 'cancelled', reason = 'offer closed',"
                    " decided_by = ?, decided_at = ?, updated_at = ?"
                    " WHERE offer_id = ? AND status IN ('pending', 'waitlisted')",
                    (actor.id, to_db(now), to_db(now), offer_id),
                )
                for row in waiting:
                    notices.add(
                        [row["student_id"]], "placement.offer_closed", application_id=row["id"]
                    )
            await audit.record(conn, now, actor.id, f"offer.{status}", "offer", offer_id)
            await self._queue(conn, notices)
            return await _offer(conn, offer_id)

    # ----- applications ------------------------------------------------------------------------

    async def apply(
        self,
        student: User,
        offer_id: int,
        motivation: str | None = None,
        join_waitlist: bool = False,
    ) -> ApplyResult:
        """Apply for a place; a full offer raises OfferFull unless `join_waitlist`."""
        if student.role is not Role.STUDENT:
            raise NotAllowed("role")
        text = clean_optional(motivation, "motivation", MOTIVATION_MAX)
        now = self._db.clock.now()
        notices = _Notices()
        async with self._db.transaction() as conn:
            offer = await _offer(conn, offer_id)
            if not offer.is_open or offer.starts_on < self._db.today():
                raise OfferClosed()
            await self._check_no_overlap(conn, student.id, offer)
            if offer.free > 0:
                status = ApplicationStatus.PENDING
            elif join_waitlist:
                status = ApplicationStatus.WAITLISTED
            else:
                raise OfferFull()
            cursor = await conn.execute(
                "INSERT INTO applications (offer_id, organization_id, student_id, status,"
                " motivation, queued_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    offer_id,
                    offer.organization_id,
                    student.id,
                    status.value,
                    text,
                    to_db(now),
                    to_db(now),
                    to_db(now),
                ),
            )
            assert cursor.lastrowid is not None
            application_id = cursor.lastrowid
            if status is ApplicationStatus.PENDING:
                notices.add(
                    await approvers(conn, offer), "placement.applied", application_id=application_id
                )
            await audit.record(
                conn,
                now,
                student.id,
                "application.create",
                "application",
                application_id,
                status=status.value,
            )
            await self._queue(conn, notices)
            application = await _application(conn, application_id)
            position = await self.waitlist_position(application, conn)
        return ApplyResult(application, position)

    async def _check_no_overlap(
        self, conn: aiosqlite.Connection, student_id: int, offer: Offer
    ) -> None:
        row = await one_row(
            conn,
            "SELECT a.id, a.offer_id FROM applications a JOIN practice_offers o ON o.id = "
            "a.offer_id"
            f" WHERE a.student_id = ? AND a.status IN {_ACTIVE_SQL}"
            " AND o.starts_on <= ? AND o.ends_on >= ? ORDER BY a.offer_id = ? DESC LIMIT 1",
            (student_id, date_to_db(offer.ends_on), date_to_db(offer.starts_on), offer.id),
        )
        if row is not None:
            raise AlreadyApplied(row["id"], same_offer=row["offer_id"] == offer.id)

    async def approve(self, actor: User, application_id: int) -> Application:
        now = self._db.clock.now()
        notices = _Notices()
        async with self._db.transaction() as conn:
            application, offer = await _managed_application(conn, actor, application_id, DECIDABLE)
            others_pending = offer.pending - (application.status is ApplicationStatus.PENDING)
            if offer.taken + others_pending >= offer.places:
                raise OfferFull()
            await self._check_memorandum(
                offer.organization_id, offer.starts_on, offer.ends_on, conn
            )
            # The guard in WHERE is what makes concurrent approvals safe, not the check above.
            cursor = await conn.execute(
                "UPDATE practice_offers SET taken = taken + 1 WHERE id = ? AND taken < places",
                (offer.id,),
            )
            if cursor.rowcount != 1:
                raise OfferFull()
            mentor_id = offer.mentor_ids[0] if len(offer.mentor_ids) == 1 else None
            approved = await one_row(
                conn,
                "UPDATE applications SET status = 'approved', decided_by = ?, decided_at = ?,"
                " mentor_id = ?, updated_at = ? WHERE id = ? RETURNING *",
                (actor.id, to_db(now), mentor_id, to_db(now), application_id),
            )
            assert approved is not None  # read in this transaction just above
            notices.add(
                [application.student_id], "placement.approved", application_id=application_id
            )
            notices.add([mentor_id], "placement.new_student", application_id=application_id)
            directors = [d for d in await approvers(conn, offer) if d != actor.id]
            notices.add(
                directors, "placement.decided", application_id=application_id, decision="approved"
            )
            await audit.record(
                conn, now, actor.id, "application.approve", "application", application_id
            )
            await self._queue(conn, notices)
            return application_from_row(approved)

    async def reject(self, actor: User, application_id: int, reason: str) -> Application:
        """Turn down a pending or waiting application, with a reason the student will read."""
        text = clean_reason(reason)
        now = self._db.clock.now()
        notices = _Notices()
        async with self._db.transaction() as conn:
            application, offer = await _managed_application(conn, actor, application_id, DECIDABLE)
            await self._close_application(conn, application_id, "rejected", actor.id, text)
            notices.add(
                [application.student_id], "placement.rejected", application_id=application_id
            )
            await self._promote(conn, offer.id, notices)
            await audit.record(
                conn,
                now,
                actor.id,
                "application.reject",
                "application",
                application_id,
                reason=text,
            )
            await self._queue(conn, notices)
            return await _application(conn, application_id)

    async def cancel_placement(self, actor: User, application_id: int, reason: str) -> Application:
        """Undo an approved placement (the school can no longer host the student)."""
        text = clean_reason(reason)
        now = self._db.clock.now()
        notices = _Notices()
        async with self._db.transaction() as conn:
            application, offer = await _managed_application(
                conn, actor, application_id, (ApplicationStatus.APPROVED,)
            )
            await self._close_application(conn, application_id, "cancelled", actor.id, text)
            await conn.execute(
                "UPDATE practice_offers SET taken = taken - 1 WHERE id = ?", (offer.id,)
            )
            notices.add(
                [application.student_id], "placement.cancelled", application_id=application_id
            )
            notices.add(
                [application.mentor_id], "placement.student_left", application_id=application_id
            )
            await self._promote(conn, offer.id, notices)
            await audit.record(
                conn,
                now,
                actor.id,
                "application.cancel",
                "application",
                application_id,
                reason=text,
            )
            await self._queue(conn, notices)
            return await _application(conn, application_id)

    async def withdraw(self, student: User, application_id: int) -> Application:
        """The student steps back: any time while waiting, until the start once placed."""
        now = self._db.clock.now()
        notices = _Notices()
        async with self._db.transaction() as conn:
            application = await _application(conn, application_id)
            if application.student_id != student.id:
                raise NotFound("application")
            if not application.active:
                raise StaleState(application.status)
            offer = await _offer(conn, application.offer_id)
            if application.status is ApplicationStatus.APPROVED:
                if offer.starts_on <= self._db.today():
                    raise PracticeStarted()
                await conn.execute(
                    "UPDATE practice_offers SET taken = taken - 1 WHERE id = ?", (offer.id,)
                )
                notices.add(
                    [application.mentor_id], "placement.student_left", application_id=application_id
                )
            await self._close_application(conn, application_id, "withdrawn", student.id, None)
            if application.status is not ApplicationStatus.WAITLISTED:
                notices.add(
                    await approvers(conn, offer),
                    "placement.withdrawn",
                    application_id=application_id,
                )
            await self._promote(conn, offer.id, notices)
            await audit.record(
                conn, now, student.id, "application.withdraw", "application", application_id
            )
            await self._queue(conn, notices)
            return await _application(conn, application_id)

    async def _close_application(
        self,
        conn: aiosqlite.Connection,
        application_id: int,
        status: str,
        actor_id: int | None,
        reason: str | None,
    ) -> None:
        now = to_db(self._db.clock.now())
        await conn.execute(
            "UPDATE applications SET status = ?, decided_by = ?, decided_at = ?, reason = ?,"
            " updated_at = ? WHERE id = ?",
            (status, actor_id, now, reason, now, application_id),
        )

    async def _promote(self, conn: aiosqlite.Connection, offer_id: int, notices: _Notices) -> None:
        """Give free places to the waiting list, first come first served."""
        offer = await _offer(conn, offer_id)
        now = to_db(self._db.clock.now())
        promoted = await all_rows(
            conn,
            "SELECT id, student_id FROM applications"
            " WHERE offer_id = ? AND status = 'waitlisted' ORDER BY queued_at, id LIMIT ?",
            (offer_id, offer.free),
        )
        deciders = await approvers(conn, offer) if promoted else []
        for row in promoted:
            await conn.execute(
                "UPDATE applications SET status = 'pending', updated_at = ? WHERE id = ?",
                (now, row["id"]),
            )
            notices.add([row["student_id"]], "placement.promoted", application_id=row["id"])
            notices.add(deciders, "placement.applied", application_id=row["id"], from_waitlist=True)

    async def _rebalance(
        self, conn: aiosqlite.Connection, offer_id: int, notices: _Notices
    ) -> None:
        """After places changed: surplus pending applications go back to the front of the queue."""
        offer = await _offer(conn, offer_id)
        surplus = offer.taken + offer.pending - offer.places
        if surplus > 0:
            moved = await all_rows(
                conn,
                "SELECT id, student_id FROM applications"
                " WHERE offer_id = ? AND status = 'pending'"
                " ORDER BY queued_at DESC, id DESC LIMIT ?",
                (offer_id, surplus),
            )
            for row in moved:
                await conn.execute(
                    "UPDATE applications SET status = 'waitlisted' WHERE id = ?", (row["id"],)
                )
                notices.add(
                    [row["student_id"]], "placement.moved_to_waitlist", application_id=row["id"]
                )
        await self._promote(conn, offer_id, notices)

    async def _active_people(self, conn: aiosqlite.Connection, offer_id: int) -> list[int]:
        rows = await all_rows(
            conn,
            "SELECT student_id, mentor_id FROM applications WHERE offer_id = ? AND status IN "
            f"{_ACTIVE_SQL}",
            (offer_id,),
        )
        people = [row["student_id"] for row in rows] + [
            row["mentor_id"] for row in rows if row["mentor_id"]
        ]
        return list(dict.fromkeys(people))

    async def _queue(self, conn: aiosqlite.Connection, notices: _Notices) -> None:
        await self._db.outbox.add_many(conn, notices.items)

    # ----- mentors and direct placement ---------------------------------------------------------

    async def assign_mentor(self, actor: User, application_id: int, mentor_id: int) -> Application:
        now = self._db.clock.now()
        notices = _Notices()
        async with self._db.transaction() as conn:
            application, offer = await _managed_application(
                conn, actor, application_id, (ApplicationStatus.APPROVED,)
            )
            await self._check_mentors(conn, offer.organization_id, [mentor_id])
            if application.mentor_id == mentor_id:
                return application
            await conn.execute(
                "UPDATE applications SET mentor_id = ?, updated_at = ? WHERE id = ?",
                (mentor_id, to_db(now), application_id),
            )
            notices.add(
                [application.student_id], "placement.mentor_assigned", application_id=application_id
            )
            notices.add([mentor_id], "placement.new_student", application_id=application_id)
            notices.add(
                [application.mentor_id], "placement.student_left", application_id=application_id
            )
            directors = [d for d in await approvers(conn, offer) if d != actor.id]
            notices.add(directors, "placement.mentor_set", application_id=application_id)
            await audit.record(
                conn,
                now,
                actor.id,
                "application.mentor",
                "application",
                application_id,
                mentor_id=mentor_id,
                previous=application.mentor_id,
            )
            await self._queue(conn, notices)
            return await _application(conn, application_id)

    async def release_mentor(self, conn: aiosqlite.Connection, mentor_id: int) -> None:
        """A mentor leaves (erases their data): students whose practice has not ended lose them.

        Runs in the caller's transaction. Each student is told, and whoever decides on the
        offer is asked to assign another mentor.
        """
        notices = _Notices()
        rows = await all_rows(
            conn,
            "SELECT a.id, a.student_id, a.offer_id FROM applications a"
            " JOIN practice_offers o ON o.id = a.offer_id WHERE a.mentor_id = ?"
            " AND a.status = 'approved' AND o.ends_on >= ? ORDER BY a.id",
            (mentor_id, date_to_db(self._db.today())),
        )
        if not rows:
            return
        await conn.execute(
            "UPDATE applications SET mentor_id = NULL, updated_at = ? WHERE id IN"
            f" ({','.join('?' * len(rows))})",
            (to_db(self._db.clock.now()), *(row["id"] for row in rows)),
        )
        deciders: dict[int, list[int]] = {}  # by offer: a mentor's students often share one
        for row in rows:
            if row["offer_id"] not in deciders:
                offer = await _offer(conn, row["offer_id"])
                deciders[offer.id] = [d for d in await approvers(conn, offer) if d != mentor_id]
            notices.add([row["student_id"]], "placement.mentor_left", application_id=row["id"])
            notices.add(
                deciders[row["offer_id"]], "placement.mentor_needed", application_id=row["id"]
            )
        await self._queue(conn, notices)

    async def place(
        self, actor: User | None, offer_id: int, student_id: int, mentor_id: int | None = None
    ) -> Application:
        """Place a student directly (coordinators; None is the command line)."""
        async with self._db.transaction() as conn:
            application_id = await self._place(conn, actor, offer_id, student_id, mentor_id)
            return await _application(conn, application_id)

    async def place_many(self, rows: Sequence[tuple[int, int, int | None]]) -> int:
        """(offer, student, mentor) rows from the command line: all placed, or none.

        A refused row raises RowRefused with its index, so the caller can name the line.
        """
        async with self._db.transaction() as conn:
            for index, (offer_id, student_id, mentor_id) in enumerate(rows):
                try:
                    await self._place(conn, None, offer_id, student_id, mentor_id)
                except DomainError as problem:
                    raise RowRefused(index, problem) from problem
        return len(rows)

    async def place_on_own_offer(
        self, conn: aiosqlite.Connection, actor: User, data: OfferInput, student_id: int
    ) -> int:
        """Inside the caller's transaction (an approved proposal of the student's own school):
        a one-place offer closed to others, and the student placed on it as `place_within`."""
        subject = data.subject[:SUBJECT_MAX]
        offer_id = await _insert_offer(
            conn, actor.id, data, subject, data.notes, "closed", self._db.clock.now()
        )
        return await self.place_within(conn, actor, offer_id, student_id)

    async def place_within(
        self, conn: aiosqlite.Connection, actor: User, offer_id: int, student_id: int
    ) -> int:
        """Inside the caller's transaction (a round's publish, an approved proposal): the rules
        of a direct placement, but the student and the directors are told by the caller's own
        notice, once; the mentor, if any, as usual."""
        return await self._place(conn, actor, offer_id, student_id, None, tell_decision=False)

    async def _place(
        self,
        conn: aiosqlite.Connection,
        actor: User | None,
        offer_id: int,
        student_id: int,
        mentor_id: int | None,
        *,
        tell_decision: bool = True,
    ) -> int:
        if actor is not None and actor.role not in STAFF:
            raise NotAllowed("role")
        now = self._db.clock.now()
        notices = _Notices()
        offer = await _offer(conn, offer_id)
        student = await fetch_user(conn, student_id)
        if student.role is not Role.STUDENT or student.telegram_id is None:
            raise NotFound("student")
        if offer.ends_on < self._db.today():
            raise OfferClosed()
        await self._check_no_overlap(conn, student.id, offer)
        if offer.free <= 0:
            raise OfferFull()
        await self._check_memorandum(offer.organization_id, offer.starts_on, offer.ends_on, conn)
        if mentor_id is None and len(offer.mentor_ids) == 1:
            mentor_id = offer.mentor_ids[0]
        if mentor_id is not None:
            await self._check_mentors(conn, offer.organization_id, [mentor_id])
        actor_id = None if actor is None else actor.id
        cursor = await conn.execute(
            "UPDATE practice_offers SET taken = taken + 1 WHERE id = ? AND taken < places",
            (offer_id,),
        )
        if cursor.rowcount != 1:
            raise OfferFull()
        cursor = await conn.execute(
            "INSERT INTO applications (offer_id, organization_id, student_id, status, queued_at,"
            " mentor_id, decided_by, decided_at, created_at, updated_at)"
            " VALUES (?, ?, ?, 'approved', ?, ?, ?, ?, ?, ?)",
            (
                offer_id,
                offer.organization_id,
                student_id,
                to_db(now),
                mentor_id,
                actor_id,
                to_db(now),
                to_db(now),
                to_db(now),
            ),
        )
        assert cursor.lastrowid is not None
        application_id = cursor.lastrowid
        if tell_decision:
            notices.add([student_id], "placement.approved", application_id=application_id)
        notices.add([mentor_id], "placement.new_student", application_id=application_id)
        if tell_decision:
            directors = [d for d in await approvers(conn, offer) if d != actor_id]
            notices.add(
                directors, "placement.decided", application_id=application_id, decision="placed"
            )
        await audit.record(
            conn,
            now,
            actor_id,
            "application.place",
            "application",
            application_id,
            student_id=student_id,
        )
        await self._queue(conn, notices)
        return application_id
