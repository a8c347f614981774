"""Events and reminders: rules on a real SQLite file, and reminders fired by the real scheduler
after moving a manual clock, delivered in each recipient's language."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from aiogram.utils.i18n import I18n

from bot.scheduler import Scheduler
from bot.workers.reminders import ReminderEngine
from db import Database, ManualClock
from db.domain.errors import InvalidValue, NotAllowed
from db.domain.events import (
    AlreadyAnswered,
    Audience,
    EventCancelled,
    EventChanges,
    EventInput,
    EventKind,
    Rsvp,
    occurrences,
)
from db.domain.models import OrgKind, Role, User
from handlers.events.calendar_file import ics
from tests.factories import make_member, make_org, make_student, make_university
from tests.fake_telegram import wait_until
from tests.harness import ChatDriver
from tests.i18n_helpers import Translator


class Town:
    async def build(self, db: Database) -> Town:
        university = await make_university(db)
        self.school = await make_org(db, OrgKind.SCHOOL, name="№7 мектеп-гимназия")
        self.other = await make_org(db, OrgKind.SCHOOL, name="№12 мектеп")
        self.coordinator = await make_member(db, Role.COORDINATOR, university, 1, locale="ru")
        self.mentors = [
            await make_member(
                db,
                Role.MENTOR,
                self.school,
                10 + i,
                name=f"Тәлімгер {i}",
                locale=("kk", "ru", "en")[i],
            )
            for i in range(3)
        ]
        self.other_mentor = await make_member(db, Role.MENTOR, self.other, 20, locale="kk")
        self.student = await make_student(db, 30, university, locale="en")
        return self


@pytest.fixture
async def town(db: Database) -> Town:
    return await Town().build(db)


def seminar(db: Database, **overrides: object) -> EventInput:
    start = db.clock.now().replace(microsecond=0) + timedelta(days=3)
    fields: dict[str, object] = {
        "kind": EventKind.SEMINAR,
        "title": "Инклюзивті педагогика",
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "audience": Audience(roles=frozenset({Role.MENTOR})),
        "address": "Глинки к., 20А, 305 ауд.",
    }
    fields.update(overrides)
    return EventInput(**fields)  # type: ignore[arg-type]


async def kinds(db: Database, user: User) -> list[str]:
    return [kind for kind, _, _ in await db.outbox.for_user(user.id)]


async def test_publishing_tells_the_audience_only(db: Database, town: Town) -> None:
    (event,) = await db.events.create(
        town.coordinator,
        seminar(
            db,
            audience=Audience(
                roles=frozenset({Role.MENTOR}), organization_ids=frozenset({town.school.id})
            ),
        ),
    )
    for mentor in town.mentors:
        assert "event.published" in await kinds(db, mentor)
    assert "event.published" not in await kinds(db, town.other_mentor), (
        "roles and organizations combine"
    )
    assert "event.published" not in await kinds(db, town.student)
    assert not db.events.may_see(town.student, event)
    with pytest.raises(NotAllowed):
        await db.events.answer(town.other_mentor, event.id, going=True)
    with pytest.raises(NotAllowed):
        await db.events.create(town.mentors[0], seminar(db))


async def test_bad_event_input(db: Database, town: Town) -> None:
    now = db.clock.now()
    cases = {
        ("starts_at", "in_past"): seminar(
            db, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1)
        ),
        ("ends_at", "before_start"): seminar(db, ends_at=now + timedelta(days=2)),
        ("online_url", "not_a_url"): seminar(db, online_url="zoom meeting 123"),
        ("capacity", "out_of_range"): seminar(db, capacity=0),
        ("audience", "empty"): seminar(db, audience=Audience()),
        ("place", "empty"): seminar(db, address=None),
    }
    for (field, detail), data in cases.items():
        with pytest.raises(InvalidValue) as problem:
            await db.events.create(town.coordinator, data)
        assert (problem.value.field, problem.value.detail) == (field, detail)
    assert await db.fetch_value("SELECT count(*) FROM events") == 0


async def test_capacity_waiting_list_and_answers(db: Database, town: Town) -> None:
    (event,) = await db.events.create(town.coordinator, seminar(db, capacity=2))
    first, second, third = town.mentors
    assert (await db.events.answer(first, event.id, True)).status is Rsvp.GOING
    with pytest.raises(AlreadyAnswered):
        await db.events.answer(first, event.id, True)
    assert (await db.events.answer(second, event.id, True)).status is Rsvp.GOING
    waiting = await db.events.answer(third, event.id, True)
    assert (waiting.status, waiting.position) == (Rsvp.WAITLISTED, 1)
    await db.events.answer(first, event.id, False)
    promoted = await db.events.registration(third, event.id)
    assert promoted is not None and promoted.status is Rsvp.GOING
    assert "event.promoted" in await kinds(db, third)
    await db.events.cancel(town.coordinator, event.id, event.version)
    with pytest.raises(EventCancelled):
        await db.events.answer(first, event.id, True)
    assert "event.cancelled" in await kinds(db, third)


def test_series_dates() -> None:
    start = datetime(2027, 1, 31, 10, 0, tzinfo=UTC)
    monthly = occurrences(start, "monthly", date(2027, 4, 30))
    assert [d.date() for d in monthly] == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
    ]
    weekly = occurrences(start, "weekly", date(2027, 2, 14))
    assert len(weekly) == 3
    with pytest.raises(InvalidValue):
        occurrences(start, "weekly", date(2030, 1, 1))


async def test_a_weekly_series_is_one_announcement(db: Database, town: Town) -> None:
    data = seminar(db, repeat="weekly", until=(db.clock.now() + timedelta(days=3 + 7 * 5)).date())
    events = await db.events.create(town.coordinator, data)
    assert len(events) == 6 and len({e.series_id for e in events}) == 1
    assert (await kinds(db, town.mentors[0])).count("event.published") == 1
    assert (
        await db.fetch_value("SELECT count(*) FROM event_reminders WHERE status = 'pending'") == 12
    )


async def test_reminders_fire_once_and_follow_time_changes(
    db: Database, town: Town, clock: ManualClock
) -> None:
    (event,) = await db.events.create(town.coordinator, seminar(db))
    await db.events.answer(town.mentors[0], event.id, True)
    due = await db.events.reminders_due_before(event.starts_at)
    assert [at for _, at in due] == [
        event.starts_at - timedelta(hours=24),
        event.starts_at - timedelta(hours=1),
    ]
    first = due[0][0]
    assert await db.events.fire_reminder(first) == 0, "not before it is due"
    clock.set(due[0][1])
    assert await db.events.fire_reminder(first) == 1
    assert await db.events.fire_reminder(first) == 0, "never twice"
    moved = await db.events.update(
        town.coordinator,
        event.id,
        event.version,
        EventChanges(starts_at=event.starts_at + timedelta(days=2)),
    )
    rows = {
        row["offset_minutes"]: (row["status"], row["due_at"])
        for row in await db.fetch_all("SELECT * FROM event_reminders")
    }
    assert rows[1440][0] == "pending", "moved later: the day-before reminder comes again"
    assert "event.changed" in await kinds(db, town.mentors[0])
    assert moved.version == event.version + 1


async def test_overdue_reminders_are_sent_late_or_recorded_as_missed(
    db: Database, town: Town, clock: ManualClock
) -> None:
    (soon,) = await db.events.create(town.coordinator, seminar(db))
    (past,) = await db.events.create(
        town.coordinator,
        seminar(
            db,
            starts_at=soon.starts_at - timedelta(days=1, hours=12),
            ends_at=soon.starts_at - timedelta(days=1),
        ),
    )
    for event in (soon, past):
        await db.events.answer(town.mentors[0], event.id, True)
    clock.set(soon.starts_at - timedelta(hours=2))  # the bot was down for days
    sent, missed = await db.events.settle_overdue()
    assert (sent, missed) == (1, 2), "soon's day-before is sent late; past's two are missed"
    payloads = [
        p for kind, p, _ in await db.outbox.for_user(town.mentors[0].id) if kind == "event.reminder"
    ]
    assert payloads == [{"event_id": soon.id, "offset": 1440, "late": True}]


async def test_without_registration_the_audience_minus_decliners_is_reminded(
    db: Database, town: Town, clock: ManualClock
) -> None:
    (event,) = await db.events.create(town.coordinator, seminar(db, registration=False))
    await db.events.answer(town.mentors[1], event.id, False)
    (reminder_id, due_at), _ = await db.events.reminders_due_before(event.starts_at)
    clock.set(due_at)
    assert await db.events.fire_reminder(reminder_id) == 3, (
        "four mentors in the audience, one declined"
    )


async def test_calendar_file() -> None:
    from db.domain.events import Event

    start = datetime(2026, 12, 25, 10, 0, tzinfo=UTC)
    event = Event(
        7,
        None,
        1,
        EventKind.SEMINAR,
        "AI; in, teaching",
        "Line one\nline two " + "ы" * 60,
        start,
        start + timedelta(hours=2),
        None,
        "Addr",
        "https://meet.example.kz/x",
        True,
        None,
        Audience(everyone=True),
        (60,),
        "published",
        3,
    )
    text = ics(event, "Семей, Глинки 20", start).decode()
    assert "DTSTART:20261225T100000Z" in text and "SUMMARY:AI\\; in\\, teaching" in text
    assert "UID:event-7@seriktes" in text and "\r\n " in text, "long lines are folded"
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


async def test_reminders_through_the_real_scheduler_in_each_language(
    chat: ChatDriver, db: Database, town: Town, clock: ManualClock, i18n: I18n
) -> None:
    (event,) = await db.events.create(town.coordinator, seminar(db))
    for mentor in town.mentors:
        await db.events.answer(mentor, event.id, True)
    scheduler = Scheduler()
    scheduler.start()
    engine = ReminderEngine(db, scheduler, horizon=timedelta(minutes=15))
    try:
        await engine.start()
        assert scheduler.job_count() == 1, "only the refill job: nothing is due within the horizon"
        clock.set(
            event.starts_at - timedelta(hours=24, seconds=1)
        )  # one second before the first reminder
        await engine.refresh()
        first = engine.job_id((await db.events.reminders_due_before(event.starts_at))[0][0])
        assert scheduler.has_job(first)
        await wait_until(
            lambda: scheduler.runs[first] >= 1, timeout=5, what="the day-before reminder"
        )
        await chat.deliver()
    finally:
        await scheduler.shutdown()
    for mentor, locale in zip(town.mentors, ("kk", "ru", "en"), strict=True):
        t = Translator(i18n, locale)
        messages = [m.text or "" for m in chat.telegram.bot_messages(mentor.telegram_id or 0)]
        reminders = [text for text in messages if text.startswith(t("⏰ Reminder:"))]
        assert len(reminders) == 1, (locale, messages)
        text = reminders[0]
        assert {"kk": "2026 жылғы", "ru": "г.", "en": "2026"}[locale] in text, (
            "the date is written for the reader"
        )
        assert event.title in text
    assert (await db.events.reminder_counts()) == {"sent": 1, "pending": 1}
