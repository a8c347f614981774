"""Events and their reminders.

An event is for an audience: everybody, or people with certain roles and/or at certain
organizations (both given: people with one of the roles at one of the organizations).
People answer "I'll attend" / "Can't attend"; with registration and a capacity, the places go
first come first served and then to a waiting list that moves up when someone drops out.

Reminders are rows, one per event and offset ("24 hours before"). When one falls due it is
turned into outbox rows for its recipients — the registered, or for events without
registration the whole audience except those who declined — and marked sent in the same
transaction. A reminder found overdue at startup is sent late if the event has not started,
otherwise recorded as missed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import aiosqlite

from db import audit
from db.domain.errors import InvalidValue, NotAllowed, NotFound
from db.domain.events import (
    LATE_AFTER,
    AlreadyAnswered,
    Audience,
    Event,
    EventCancelled,
    EventChanged,
    EventChanges,
    EventInput,
    EventKind,
    EventOver,
    Registration,
    Rsvp,
    check_capacity,
    check_times,
    clean_address,
    clean_description,
    clean_title,
    clean_url,
    occurrences,
)
from db.domain.models import Role, User
from db.domain.roles import EVENT_ORGANIZERS, STAFF
from db.outbox import PRIORITY_REMINDER
from db.rows import first_column, one_row
from db.timeutil import date_to_db, from_db, to_db

if TYPE_CHECKING:
    from db.database import Database

PRIORITY_ANNOUNCEMENT = 8


@dataclass(slots=True)
class _Pending:
    notices: list[tuple[list[int], str, dict[str, Any], int]] = field(default_factory=list)


_EVENT_SELECT = """
SELECT e.*,
       (SELECT count(*) FROM event_registrations r
        WHERE r.event_id = e.id AND r.status = 'going') AS going_count,
       (SELECT count(*) FROM event_registrations r
        WHERE r.event_id = e.id AND r.status = 'waitlisted') AS waiting_count,
       (SELECT group_concat(a.kind || ':' || a.value) FROM event_audience a
        WHERE a.event_id = e.id) AS audience_list
FROM events e
"""

# Rows of `e` (events) visible to a person with :role at :organization.
_AUDIENCE_MATCH = """
(e.everyone = 1 OR (
    (NOT EXISTS (SELECT 1 FROM event_audience a WHERE a.event_id = e.id AND a.kind = 'role')
     OR EXISTS (SELECT 1 FROM event_audience a WHERE a.event_id = e.id AND a.kind = 'role'
                AND a.value = :role))
    AND
    (NOT EXISTS (SELECT 1 FROM event_audience a WHERE a.event_id = e.id AND a.kind = 'organization')
     OR EXISTS (SELECT 1 FROM event_audience a WHERE a.event_id = e.id AND a.kind = 'organization'
                AND a.value = :organization))
))
"""


def event_from_row(row: aiosqlite.Row) -> Event:
    roles: set[Role] = set()
    organizations: set[int] = set()
    for item in (row["audience_list"] or "").split(","):
        if not item:
            continue
        kind, value = item.split(":", 1)
        if kind == "role":
            roles.add(Role(value))
        else:
            organizations.add(int(value))
    return Event(
        id=row["id"],
        series_id=row["series_id"],
        organizer_id=row["organizer_id"],
        kind=EventKind(row["kind"]),
        title=row["title"],
        description=row["description"],
        starts_at=from_db(row["starts_at"]),
        ends_at=from_db(row["ends_at"]),
        organization_id=row["organization_id"],
        address=row["address"],
        online_url=row["online_url"],
        registration=bool(row["registration"]),
        capacity=row["capacity"],
        audience=Audience(bool(row["everyone"]), frozenset(roles), frozenset(organizations)),
        reminder_offsets=tuple(json.loads(row["reminder_offsets"])),
        status=row["status"],
        version=row["version"],
        going=row["going_count"],
        waitlisted=row["waiting_count"],
    )


async def _event(conn: aiosqlite.Connection, event_id: int) -> Event:
    row = await one_row(conn, _EVENT_SELECT + " WHERE e.id = ?", (event_id,))
    if row is None:
        raise NotFound("event")
    return event_from_row(row)


async def audience_members(conn: aiosqlite.Connection, audience: Audience) -> list[int]:
    """Everyone the audience covers who can be written to."""
    clauses = ["telegram_id IS NOT NULL", "blocked_at IS NULL"]
    params: list[Any] = []
    if not audience.everyone:
        if audience.roles:
            clauses.append(f"role IN ({','.join('?' * len(audience.roles))})")
            params += [role.value for role in sorted(audience.roles)]
        if audience.organization_ids:
            clauses.append(f"organization_id IN ({','.join('?' * len(audience.organization_ids))})")
            params += sorted(audience.organization_ids)
    return await first_column(
        conn, f"SELECT id FROM users WHERE {' AND '.join(clauses)} ORDER BY id", params
    )


class EventRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # ----- reading ---------------------------------------------------------------------------

    async def get(self, event_id: int) -> Event | None:
        row = await self._db.fetch_one(_EVENT_SELECT + " WHERE e.id = ?", (event_id,))
        return None if row is None else event_from_row(row)

    def may_see(self, user: User, event: Event) -> bool:
        return user.role in EVENT_ORGANIZERS or event.audience.includes(user)

    def may_manage(self, user: User, event: Event) -> bool:
        """Coordinators and admins manage every event; department officials their own."""
        if user.role in STAFF:
            return True
        return user.role is Role.DEPARTMENT and event.organizer_id == user.id

    async def upcoming_for(self, user: User, offset: int, limit: int) -> tuple[list[Event], int]:
        """Events not yet over that this person may see, soonest first (paged in SQL)."""
        where = "e.status = 'published' AND e.ends_at > :now"
        params: dict[str, Any] = {"now": to_db(self._db.clock.now())}
        if user.role not in EVENT_ORGANIZERS:
            where += " AND " + _AUDIENCE_MATCH
            params.update(role=user.role.value, organization=str(user.organization_id))
        total = await self._db.fetch_value(f"SELECT count(*) FROM events e WHERE {where}", params)
        rows = await self._db.fetch_all(
            _EVENT_SELECT
            + f" WHERE {where} ORDER BY e.starts_at, e.id LIMIT :limit OFFSET :offset",
            {**params, "limit": limit, "offset": offset},
        )
        return [event_from_row(row) for row in rows], int(total)

    async def answers(self, user: User, event_ids: Sequence[int]) -> dict[int, Rsvp]:
        """This person's answer to each of these events that they answered (one query)."""
        if not event_ids:
            return {}
        marks = ",".join("?" * len(event_ids))
        rows = await self._db.fetch_all(
            "SELECT event_id, status FROM event_registrations"
            f" WHERE user_id = ? AND event_id IN ({marks})",
            (user.id, *event_ids),
        )
        return {row["event_id"]: Rsvp(row["status"]) for row in rows}

    async def registration(
        self, user: User, event_id: int, conn: aiosqlite.Connection | None = None
    ) -> Registration | None:
        row = await self._db.fetch_one(
            "SELECT * FROM event_registrations WHERE event_id = ? AND user_id = ?",
            (event_id, user.id),
            conn,
        )
        if row is None:
            return None
        position = None
        if row["status"] == Rsvp.WAITLISTED:
            ahead = await self._db.fetch_value(
                "SELECT count(*) FROM event_registrations WHERE event_id = ? AND status = "
                "'waitlisted'"
                " AND queued_at < ?",
                (event_id, row["queued_at"]),
                conn,
            )
            position = int(ahead) + 1
        attended = None if row["attended"] is None else bool(row["attended"])
        return Registration(event_id, user.id, Rsvp(row["status"]), attended, position)

    async def attendees(self, event_id: int) -> list[tuple[User, Registration]]:
        from db.users import user_from_row

        rows = await self._db.fetch_all(
            "SELECT u.*, r.status AS rsvp, r.attended AS attended_flag FROM event_registrations r"
            " JOIN users u ON u.id = r.user_id WHERE r.event_id = ? AND r.status IN ('going', "
            "'waitlisted')"
            " ORDER BY r.status = 'waitlisted', u.full_name",
            (event_id,),
        )
        return [
            (
                user_from_row(row),
                Registration(
                    event_id,
                    row["id"],
                    Rsvp(row["rsvp"]),
                    None if row["attended_flag"] is None else bool(row["attended_flag"]),
                ),
            )
            for row in rows
        ]

    # ----- creating and changing -------------------------------------------------------------

    async def create(self, organizer: User, data: EventInput) -> list[Event]:
        """Publish an event (or every occurrence of a series); the audience is told once."""
        if organizer.role not in EVENT_ORGANIZERS:
            raise NotAllowed("role")
        title = clean_title(data.title)
        description = clean_description(data.description)
        address = None if data.address is None else clean_address(data.address)
        url = None if data.online_url is None else clean_url(data.online_url)
        if address is None and url is None and data.organization_id is None:
            raise InvalidValue("place", "empty")
        if data.audience.is_empty():
            raise InvalidValue("audience", "empty")
        check_capacity(data.capacity)
        offsets = tuple(
            sorted(
                {offset for offset in data.reminder_offsets if 0 < offset <= 60 * 24 * 14},
                reverse=True,
            )
        )
        now = self._db.clock.now()
        check_times(data.starts_at, data.ends_at, now)
        duration = data.ends_at - data.starts_at
        starts = occurrences(data.starts_at, data.repeat, data.until)
        async with self._db.transaction() as conn:
            if data.organization_id is not None:
                exists = await one_row(
                    conn, "SELECT 1 FROM organizations WHERE id = ?", (data.organization_id,)
                )
                if exists is None:
                    raise NotFound("organization")
            series_id = None
            if data.repeat is not None:
                cursor = await conn.execute(
                    "INSERT INTO event_series (rule, until_on, created_by, created_at) VALUES "
                    "(?, ?, ?, ?)",
                    (
                        data.repeat,
                        date_to_db(data.until or data.starts_at.date()),
                        organizer.id,
                        to_db(now),
                    ),
                )
                series_id = cursor.lastrowid
            ids = []
            for start in starts:
                ids.append(
                    await self._insert(
                        conn,
                        organizer,
                        data,
                        title,
                        description,
                        address,
                        url,
                        offsets,
                        start,
                        start + duration,
                        series_id,
                        now,
                    )
                )
            members = await audience_members(conn, data.audience)
            await self._db.outbox.add(
                conn,
                [m for m in members if m != organizer.id],
                "event.published",
                {"event_id": ids[0], "count": len(ids)},
                PRIORITY_ANNOUNCEMENT,
            )
            await audit.record(
                conn, now, organizer.id, "event.create", "event", ids[0], occurrences=len(ids)
            )
            return [await _event(conn, event_id) for event_id in ids]

    async def _insert(
        self,
        conn: aiosqlite.Connection,
        organizer: User,
        data: EventInput,
        title: str,
        description: str,
        address: str | None,
        url: str | None,
        offsets: tuple[int, ...],
        starts_at: datetime,
        ends_at: datetime,
        series_id: int | None,
        now: datetime,
    ) -> int:
        cursor = await conn.execute(
            "INSERT INTO events (series_id, organizer_id, kind, title, description, starts_at, "
            "ends_at,"
            " organization_id, address, online_url, registration, capacity, everyone, "
            "reminder_offsets,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                series_id,
                organizer.id,
                data.kind.value,
                title,
                description,
                to_db(starts_at),
                to_db(ends_at),
                data.organization_id,
                address,
                url,
                int(data.registration),
                data.capacity,
                int(data.audience.everyone),
                json.dumps(list(offsets)),
                to_db(now),
                to_db(now),
            ),
        )
        assert cursor.lastrowid is not None
        event_id = cursor.lastrowid
        await conn.executemany(
            "INSERT INTO event_audience (event_id, kind, value) VALUES (?, ?, ?)",
            [(event_id, "role", role.value) for role in sorted(data.audience.roles)]
            + [
                (event_id, "organization", str(org))
                for org in sorted(data.audience.organization_ids)
            ],
        )
        await self._plan_reminders(conn, event_id, starts_at, offsets, now)
        return event_id

    async def _plan_reminders(
        self,
        conn: aiosqlite.Connection,
        event_id: int,
        starts_at: datetime,
        offsets: Iterable[int],
        now: datetime,
    ) -> None:
        """(Re)set each reminder's due time; those that would be due already are dropped."""
        for offset in offsets:
            due = starts_at - timedelta(minutes=offset)
            status = "pending" if due > now else "cancelled"
            await conn.execute(
                "INSERT INTO event_reminders (event_id, offset_minutes, due_at, status) VALUES "
                "(?, ?, ?, ?)"
                " ON CONFLICT (event_id, offset_minutes) DO UPDATE SET due_at = excluded.due_at,"
                " status = excluded.status, late = 0, fired_at = NULL",
                (event_id, offset, to_db(due), status),
            )

    async def update(
        self, actor: User, event_id: int, seen_version: int, changes: EventChanges
    ) -> Event:
        """Change the time or place (and more); the registered are told, reminders follow."""
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            event = await _event(conn, event_id)
            if not self.may_manage(actor, event):
                raise NotAllowed("event")
            if event.version != seen_version:
                raise EventChanged()
            if event.cancelled:
                raise EventCancelled()
            starts_at = changes.starts_at or event.starts_at
            ends_at = changes.ends_at or (
                event.ends_at + (starts_at - event.starts_at)
                if changes.starts_at
                else event.ends_at
            )
            values: dict[str, Any] = {}
            if changes.starts_at or changes.ends_at:
                check_times(starts_at, ends_at, now)
                values.update(starts_at=to_db(starts_at), ends_at=to_db(ends_at))
            if changes.title is not None:
                values["title"] = clean_title(changes.title)
            if changes.description is not None:
                values["description"] = clean_description(changes.description)
            if changes.address is not None:
                values["address"] = clean_address(changes.address)
            if changes.online_url is not None:
                values["online_url"] = (
                    clean_url(changes.online_url) if changes.online_url.strip() else None
                )
            if changes.capacity is not None:
                check_capacity(changes.capacity)
                if changes.capacity < event.going:
                    raise InvalidValue("capacity", "below_registered")
                values["capacity"] = changes.capacity
            if not values:
                return event
            address = values.get("address", event.address) if "address" in values else event.address
            url = (
                values.get("online_url", event.online_url)
                if "online_url" in values
                else event.online_url
            )
            if address is None and url is None and event.organization_id is None:
                raise InvalidValue("place", "empty")
            assignments = ", ".join(f"{column} = ?" for column in values)
            await conn.execute(
                f"UPDATE events SET {assignments}, version = version + 1, updated_at = ? WHERE "
                "id = ?",
                (*values.values(), to_db(now), event_id),
            )
            if "starts_at" in values:
                await self._plan_reminders(conn, event_id, starts_at, event.reminder_offsets, now)
            if "capacity" in values:
                await self._promote(conn, event_id, now)
            waiting = await first_column(
                conn,
                "SELECT user_id FROM event_registrations WHERE event_id = ?"
                " AND status = 'waitlisted'",
                (event_id,),
            )
            people = list(dict.fromkeys([*await self._recipients(conn, event), *waiting]))
            await self._db.outbox.add(
                conn,
                [p for p in people if p != actor.id],
                "event.changed",
                {"event_id": event_id, "fields": changes.names()},
                PRIORITY_REMINDER,
            )
            await audit.record(
                conn, now, actor.id, "event.update", "event", event_id, fields=changes.names()
            )
            return await _event(conn, event_id)

    async def cancel(self, actor: User, event_id: int, seen_version: int) -> Event:
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            event = await _event(conn, event_id)
            if not self.may_manage(actor, event):
                raise NotAllowed("event")
            if event.cancelled:
                raise EventCancelled()
            if event.version != seen_version:
                raise EventChanged()
            await conn.execute(
                "UPDATE events SET status = 'cancelled', version = version + 1, updated_at = ? "
                "WHERE id = ?",
                (to_db(now), event_id),
            )
            await conn.execute(
                "UPDATE event_reminders SET status = 'cancelled' WHERE event_id = ? AND status "
                "= 'pending'",
                (event_id,),
            )
            people = await self._recipients(conn, event)
            await self._db.outbox.add(
                conn,
                [p for p in people if p != actor.id],
                "event.cancelled",
                {"event_id": event_id},
                PRIORITY_REMINDER,
            )
            await audit.record(conn, now, actor.id, "event.cancel", "event", event_id)
            return await _event(conn, event_id)

    # ----- answers -----------------------------------------------------------------------------

    async def answer(self, user: User, event_id: int, going: bool) -> Registration:
        """I'll attend / Can't attend. Capacity is enforced here; the waiting list moves up."""
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            event = await _event(conn, event_id)
            row = await one_row(
                conn,
                "SELECT status FROM event_registrations WHERE event_id = ? AND user_id = ?",
                (event_id, user.id),
            )
            if not self.may_see(user, event):
                raise NotAllowed("event")
            if event.cancelled:
                raise EventCancelled()
            if event.ends_at <= now:
                raise EventOver()
            current = None if row is None else Rsvp(row["status"])
            if going:
                if current in (Rsvp.GOING, Rsvp.WAITLISTED):
                    raise AlreadyAnswered(current)
                status = Rsvp.WAITLISTED if event.registration and event.full else Rsvp.GOING
            else:
                if current is Rsvp.DECLINED:
                    raise AlreadyAnswered(current)
                status = Rsvp.DECLINED
            await conn.execute(
                "INSERT INTO event_registrations (event_id, user_id, status, queued_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (event_id, user_id) DO UPDATE SET"
                " status = excluded.status, queued_at = excluded.queued_at, updated_at = "
                "excluded.updated_at",
                (event_id, user.id, status.value, to_db(now), to_db(now)),
            )
            if current is Rsvp.GOING and status is Rsvp.DECLINED:
                await self._promote(conn, event_id, now)
            found = await self.registration(user, event_id, conn)
        if found is None:
            raise NotFound("registration")
        return found

    async def _promote(self, conn: aiosqlite.Connection, event_id: int, now: datetime) -> None:
        event = await _event(conn, event_id)
        if not event.registration:
            return
        free = (event.places_left if event.capacity is not None else event.waitlisted) or 0
        if free <= 0:
            return
        promoted = await first_column(
            conn,
            "SELECT user_id FROM event_registrations WHERE event_id = ? AND status = 'waitlisted'"
            " ORDER BY queued_at LIMIT ?",
            (event_id, free),
        )
        for user_id in promoted:
            await conn.execute(
                "UPDATE event_registrations SET status = 'going', updated_at = ? WHERE event_id "
                "= ? AND user_id = ?",
                (to_db(now), event_id, user_id),
            )
        await self._db.outbox.add(conn, promoted, "event.promoted", {"event_id": event_id})

    async def mark_attendance(
        self, actor: User, event_id: int, user_id: int, attended: bool
    ) -> None:
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            event = await _event(conn, event_id)
            if not self.may_manage(actor, event):
                raise NotAllowed("event")
            if event.starts_at > now:
                raise InvalidValue("attendance", "not_started")
            cursor = await conn.execute(
                "UPDATE event_registrations SET attended = ?, updated_at = ? WHERE event_id = ? "
                "AND user_id = ?"
                " AND status = 'going'",
                (int(attended), to_db(now), event_id, user_id),
            )
            if cursor.rowcount != 1:
                raise NotFound("registration")
            await audit.record(
                conn,
                now,
                actor.id,
                "event.attendance",
                "event",
                event_id,
                user_id=user_id,
                attended=attended,
            )

    # ----- reminders ---------------------------------------------------------------------------

    async def _recipients(self, conn: aiosqlite.Connection, event: Event) -> list[int]:
        if event.registration:
            return await first_column(
                conn,
                "SELECT r.user_id FROM event_registrations r JOIN users u ON u.id = r.user_id"
                " WHERE r.event_id = ? AND r.status = 'going' AND u.blocked_at IS NULL AND "
                "u.telegram_id IS NOT NULL",
                (event.id,),
            )
        declined = set(
            await first_column(
                conn,
                "SELECT user_id FROM event_registrations WHERE event_id = ? AND status = "
                "'declined'",
                (event.id,),
            )
        )
        return [
            user_id
            for user_id in await audience_members(conn, event.audience)
            if user_id not in declined
        ]

    async def reminders_due_before(
        self, moment: datetime, limit: int = 100_000
    ) -> list[tuple[int, datetime]]:
        rows = await self._db.fetch_all(
            "SELECT id, due_at FROM event_reminders WHERE status = 'pending' AND due_at <= ? "
            "ORDER BY due_at LIMIT ?",
            (to_db(moment), limit),
        )
        return [(row["id"], from_db(row["due_at"])) for row in rows]

    async def fire_reminder(self, reminder_id: int) -> int:
        """Queue the reminder for its recipients and mark it sent, in one transaction.

        Safe to call more than once or too early: it acts only on a pending reminder that is
        due. Returns the number of recipients (0 when it did nothing).
        """
        now = self._db.clock.now()
        async with self._db.transaction() as conn:
            row = await one_row(conn, "SELECT * FROM event_reminders WHERE id = ?", (reminder_id,))
            if (
                row is None
                or row["status"] != "pending"
                or from_db(row["due_at"]) > now + timedelta(seconds=1)
            ):
                return 0
            event = await _event(conn, row["event_id"])
            if event.cancelled:
                await conn.execute(
                    "UPDATE event_reminders SET status = 'cancelled' WHERE id = ?", (reminder_id,)
                )
                return 0
            if event.starts_at <= now:
                await conn.execute(
                    "UPDATE event_reminders SET status = 'missed', fired_at = ? WHERE id = ?",
                    (to_db(now), reminder_id),
                )
                return 0
            late = now - from_db(row["due_at"]) > LATE_AFTER
            people = await self._recipients(conn, event)
            await self._db.outbox.add(
                conn,
                people,
                "event.reminder",
                {"event_id": event.id, "offset": row["offset_minutes"], "late": late},
                PRIORITY_REMINDER,
            )
            await conn.execute(
                "UPDATE event_reminders SET status = 'sent', late = ?, fired_at = ? WHERE id = ?",
                (int(late), to_db(now), reminder_id),
            )
            return len(people)

    async def settle_overdue(self) -> tuple[int, int]:
        """At startup: overdue reminders are sent late, or recorded as missed if too late."""
        sent = missed = 0
        for reminder_id, _ in await self.reminders_due_before(self._db.clock.now()):
            before = await self._db.fetch_value(
                "SELECT status FROM event_reminders WHERE id = ?", (reminder_id,)
            )
            await self.fire_reminder(reminder_id)
            after = await self._db.fetch_value(
                "SELECT status FROM event_reminders WHERE id = ?", (reminder_id,)
            )
            if before == "pending" and after == "sent":
                sent += 1
            elif after == "missed":
                missed += 1
        return sent, missed

    async def reminder_counts(self) -> dict[str, int]:
        rows = await self._db.fetch_all(
            "SELECT status, count(*) AS n FROM event_reminders GROUP BY status"
        )
        return {row["status"]: row["n"] for row in rows}
