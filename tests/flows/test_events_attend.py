"""Events through the real Dispatcher: creating, answering, calendar files, attendance."""

from __future__ import annotations

from datetime import timedelta

from aiogram.utils.i18n import I18n
from icalendar import Calendar

from db import Database, ManualClock
from db.domain.events import Audience, EventInput, EventKind
from db.domain.models import OrgKind, Role
from tests.factories import make_member, make_org, make_student, make_university
from tests.fake_telegram import FakeUser
from tests.harness import ChatDriver
from tests.i18n_helpers import Translator


async def people(db: Database) -> None:
    university = await make_university(db)
    school = await make_org(db, OrgKind.SCHOOL, name="№7 мектеп-гимназия")
    await make_member(db, Role.COORDINATOR, university, 1, name="Координатор", locale="en")
    for i, locale in enumerate(("kk", "ru", "en")):
        await make_member(db, Role.MENTOR, school, 10 + i, name=f"Mentor {i}", locale=locale)
    await make_student(db, 30, university, locale="ru")


async def test_an_organizer_publishes_and_mentors_answer(
    chat: ChatDriver, db: Database, clock: ManualClock, i18n: I18n
) -> None:
    await people(db)
    t = Translator(i18n, "en")
    organizer = FakeUser(1, "Organizer")
    day = (db.clock.now() + timedelta(days=5)).astimezone(chat.dispatcher["settings"].timezone)
    await chat.send(organizer, "/newevent")
    await chat.press(organizer, t("seminar").capitalize())
    assert (await chat.send(organizer, "AI")).text == t(
        "Please give the event a title (at least 3 characters)."
    )
    await chat.send(organizer, "AI in teaching")
    await chat.press(organizer, t("Skip ▶️"))
    assert (await chat.send(organizer, "tomorrow 3pm")).text == t(
        "Please write the date and time as DD.MM.YYYY HH:MM, for example 25.12.2026 15:00."
    )
    assert (await chat.send(organizer, "01.01.2020 10:00")).text == t(
        "That time has already passed. Please give a later one."
    )
    await chat.send(organizer, day.strftime("%d.%m.%Y") + " 15:00")
    assert (await chat.send(organizer, "14:00")).text == t("The end must come after the start.")
    await chat.send(organizer, "17:00")
    await chat.press(organizer, t("💻 Online"))
    assert (await chat.send(organizer, "zoom 123")).text == t(
        "That is not a link. Please send a full address such as https://meet.example.kz/room."
    )
    await chat.send(organizer, "https://meet.example.kz/ai")
    await chat.press(organizer, t("Done ✅"))
    assert chat.last_answer()["text"] == t("Please choose who the event is for.")
    await chat.press(organizer, t("mentors").capitalize())
    await chat.press(organizer, t("Done ✅"))
    await chat.press(organizer, t("Registration with a limited number of places"))
    assert (await chat.send(organizer, "0")).text == t(
        "Please give a number of places from 1 to {max}.", max=100000
    )
    await chat.send(organizer, "2")
    await chat.press(organizer, t("1 day and 1 hour before"))
    preview = await chat.press(organizer, t("Once"))
    assert "AI in teaching" in preview.text and "15:00" in preview.text
    published = await chat.press(organizer, t("✅ Publish"))
    assert t("Published; the audience has been told.") in published.text
    event_id = int(await db.fetch_value("SELECT id FROM events"))
    assert (
        await db.fetch_value("SELECT count(*) FROM event_reminders WHERE status = 'pending'") == 2
    )

    await chat.deliver()
    for index, locale in enumerate(("kk", "ru", "en")):
        tl = Translator(i18n, locale)
        mentor = FakeUser(10 + index, "M")
        news = chat.telegram.last_bot_message(10 + index)
        assert news.text.startswith(tl("📢 New event:")) and "15:00" in news.text
        await chat.press(mentor, tl("✅ I'll attend"), news)
    third = chat.last_answer()
    assert third["show_alert"] is True and "1" in third["text"], (
        "the third is told they wait, position 1"
    )
    await chat.press_data(FakeUser(10, "M"), f"ev:going:{event_id}:0:0")
    assert chat.last_answer()["text"] == Translator(i18n, "kk")(
        "You are already registered for this event."
    )

    student = FakeUser(30, "Student")
    await chat.send(student, "/events")
    assert chat.telegram.last_bot_message(30).text == Translator(i18n, "ru")(
        "No upcoming events for you right now."
    )
    await chat.press_data(student, f"ev:going:{event_id}:0:0")
    assert chat.last_answer()["text"] == Translator(i18n, "ru")("This event is not for you.")

    await chat.send(FakeUser(11, "M"), "/events")
    card = await chat.press(FakeUser(11, "M"), "1")
    await chat.press(FakeUser(11, "M"), Translator(i18n, "ru")("📅 Add to my calendar"), card)
    document = chat.telegram.last_bot_message(11).document
    assert (
        document is not None
        and document[0] == f"event-{event_id}.ics"
        and b"BEGIN:VEVENT" in document[1]
    )
    (entry,) = Calendar.from_ical(document[1]).walk("VEVENT")
    event = await db.events.get(event_id)
    assert event is not None
    assert str(entry["uid"]) == f"event-{event_id}@seriktes"
    assert str(entry["summary"]) == event.title
    assert entry.decoded("dtstart") == event.starts_at
    assert entry.decoded("dtend") == event.ends_at


async def test_attendance_and_the_attendee_list(
    chat: ChatDriver, db: Database, clock: ManualClock, i18n: I18n
) -> None:
    await people(db)
    t = Translator(i18n, "en")
    coordinator = await db.users.by_telegram_id(1)
    assert coordinator is not None
    start = db.clock.now() + timedelta(days=1)
    (event,) = await db.events.create(
        coordinator,
        EventInput(
            EventKind.TRAINING,
            "Robotics training",
            start,
            start + timedelta(hours=3),
            Audience(roles=frozenset({Role.MENTOR})),
            address="Room 5",
        ),
    )
    for telegram_id in (10, 11):
        user = await db.users.by_telegram_id(telegram_id)
        assert user is not None
        await db.events.answer(user, event.id, True)
    organizer = FakeUser(1, "C")
    await chat.send(organizer, "/events")
    await chat.press(organizer, "1")
    await chat.press(organizer, t("👥 Attendance"))
    await chat.press(organizer, "Mentor 0")
    assert chat.last_answer()["text"] == t("Attendance can be marked once the event has started.")
    clock.advance(timedelta(days=1, hours=1))
    await chat.press(organizer, "Mentor 0")
    listing = chat.telegram.last_message_with_button(1, "Mentor 1")
    assert t("Came: {came} of {total}", came=1, total=2) in listing.text
    await chat.press(organizer, t("⬅️ Back"))
    await chat.press(organizer, t("📄 Attendee list (CSV)"))
    document = chat.telegram.last_bot_message(1).document
    assert document is not None
    table = document[1].decode("utf-8-sig")
    assert "Mentor 0" in table and "Mentor 1" in table and t("yes") in table
