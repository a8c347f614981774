"""Placements through the real Dispatcher: publish, apply, decide, waiting list, mentors, notices."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiogram.utils.i18n import I18n

from db import Database
from db.domain.models import OrgKind, Role
from db.domain.placements import ApplicationStatus, BrowseFilter
from handlers.kit.formatting import fmt_date
from tests.factories import make_member, make_offer, make_org, make_student, make_university
from tests.fake_telegram import FakeUser
from tests.harness import ChatDriver
from tests.i18n_helpers import Translator


class People:
    async def build(self, db: Database, locale: str) -> People:
        self.university = await make_university(db)
        self.school = await make_org(
            db, OrgKind.SCHOOL, name="№7 мектеп-гимназия", address="Абай к-сі, 1"
        )
        await make_member(
            db, Role.COORDINATOR, self.university, 10, name="Коорд Инатор", locale=locale
        )
        await make_member(db, Role.DIRECTOR, self.school, 11, name="Директор Мектеп", locale=locale)
        await make_member(db, Role.MENTOR, self.school, 12, name="Тәлімгер Гүлнар", locale=locale)
        for i in range(3):
            await make_student(db, 20 + i, self.university, name=f"Студент {i}", locale=locale)
        self.coordinator = FakeUser(10, "Coordinator")
        self.director = FakeUser(11, "Director")
        self.mentor = FakeUser(12, "Mentor")
        self.students = [FakeUser(20 + i, f"Student{i}") for i in range(3)]
        return self


@pytest.mark.parametrize("locale", ["kk", "ru", "en"])
async def test_the_whole_placement_path(
    chat: ChatDriver, db: Database, i18n: I18n, locale: str
) -> None:
    t = Translator(i18n, locale)
    people = await People().build(db, locale)
    start = db.today() + timedelta(days=30)

    # The director publishes two places, with the school's mentor.
    await chat.send(people.director, "/newoffer")
    await chat.press(people.director, t("pedagogical practice").capitalize())
    await chat.send(people.director, "Информатика")
    await chat.send(people.director, start.strftime("%d.%m.%Y"))
    await chat.send(people.director, (start + timedelta(days=27)).strftime("%d.%m.%Y"))
    assert (await chat.send(people.director, "two")).text == t(
        "Please give a number of places from 1 to {max}.", max=500
    )
    await chat.send(people.director, "2")
    await chat.press(people.director, "Тәлімгер Гүлнар")
    await chat.press(people.director, t("Done ✅"))
    await chat.press(people.director, t("Skip ▶️"))
    published = await chat.press(people.director, t("✅ Publish"))
    assert t("Published: students can now apply.") in published.text
    offer = (await db.placements.browse(BrowseFilter(), 0, 1))[0][0]
    assert (offer.places, offer.mentor_ids) == (2, (await _id(db, 12),))

    # Three students compete for two places.
    for index, student in enumerate(people.students):
        listing = await chat.send(student, "/offers")
        assert "Информатика" in listing.text and fmt_date(start, locale=locale) in listing.text
        card = await chat.press(student, "1")
        if index < 2:
            await chat.press(student, t("✍️ Apply"))
            reply = (
                await chat.send(student, "Информатиканы жақсы көремін")
                if index == 0
                else await chat.press(student, t("Skip ▶️"))
            )
        else:
            assert t("🕒 Join the waiting list") in card.button_labels()
            await chat.press(student, t("🕒 Join the waiting list"))
            await chat.press(student, t("Skip ▶️"))
            reply = chat.telegram.last_bot_message(student.id)
            assert reply.text.startswith(
                t(
                    "You are on the waiting list, position {position}. We will tell you as soon as a place is free.",
                    position=1,
                )
            )

    # The coordinator approves both pending applications from the review queue.
    queue = await chat.send(people.coordinator, "/review")
    assert t("Awaiting a decision: {position} of {total}", position=1, total=2) in queue.text
    await chat.press(people.coordinator, t("✅ Approve"))
    await chat.press(people.coordinator, t("✅ Approve"))
    assert chat.telegram.last_bot_message(10).text == t(
        "No applications are waiting for a decision."
    )

    await chat.deliver()
    first_news = chat.telegram.last_bot_message(20).text
    assert (
        first_news.startswith(t("✅ You have a practice place!")) and "Абай к-сі, 1" in first_news
    )
    mentor_news = " ".join(m.text or "" for m in chat.telegram.bot_messages(12))
    assert "Студент 0" in mentor_news and "Студент 1" in mentor_news, (
        "the mentor hears of new students"
    )
    assert any(
        "Студент 1" in (m.text or "") and t("Open the application") in m.button_labels()
        for m in chat.telegram.bot_messages(11)
    ), "the director hears of new applications"

    # The first student withdraws; the waiting list moves up.
    await chat.send(people.students[0], "/myplacement")
    await chat.press(people.students[0], t("↩️ Withdraw application #{id}", id=1))
    await chat.press(people.students[0], t("Yes, withdraw"))
    assert chat.last_answer()["text"] == t("Application withdrawn.")
    await chat.deliver()
    promoted = chat.telegram.last_bot_message(22).text
    assert promoted.startswith(
        t(
            "🎉 A place opened up at {place}: your application #{id} has left the waiting list and is now under review.",
            place="Информатика — №7 мектеп-гимназия, Семей",
            id=3,
        )
    )

    # The director approves the promoted student; the mentor is the offer's.
    await chat.send(people.director, "/review")
    await chat.press(people.director, t("✅ Approve"))
    await chat.deliver()
    students = await chat.send(people.mentor, "/students")
    assert (
        "Студент 1" in students.text
        and "Студент 2" in students.text
        and "Студент 0" not in students.text
    )
    statuses = {
        a.student_id: a.status for a in await db.placements.applications_for_offer(offer.id)
    }
    assert sorted(statuses.values()) == [ApplicationStatus.APPROVED, ApplicationStatus.APPROVED]


async def _id(db: Database, telegram_id: int) -> int:
    user = await db.users.by_telegram_id(telegram_id)
    assert user is not None
    return user.id


async def test_bad_dates_and_places_are_explained(
    chat: ChatDriver, db: Database, i18n: I18n
) -> None:
    t = Translator(i18n, "en")
    university = await make_university(db)
    await make_org(db, OrgKind.SCHOOL, name="Gymnasium 7")
    await make_member(db, Role.COORDINATOR, university, 30, locale="en")
    coordinator = FakeUser(30, "C")
    await chat.send(coordinator, "/newoffer")
    await chat.press(coordinator, "Gymnasium 7")
    await chat.press(coordinator, t("graduate internship").capitalize())
    await chat.send(coordinator, "Robotics")
    assert (await chat.send(coordinator, "next monday")).text == t(
        "Please write the date as DD.MM.YYYY, for example 12.01.2027."
    )
    assert (await chat.send(coordinator, "01.01.2020")).text == t(
        "The start date has already passed. Please give a later date."
    )
    start = db.today() + timedelta(days=10)
    await chat.send(coordinator, start.isoformat())
    before = (start - timedelta(days=1)).strftime("%d.%m.%Y")
    assert (await chat.send(coordinator, before)).text == t(
        "The end date is before the start date. Please check the dates."
    )
    await chat.send(coordinator, (start + timedelta(days=5)).strftime("%d.%m.%Y"))
    assert (await chat.send(coordinator, "0")).text == t(
        "Please give a number of places from 1 to {max}.", max=500
    )
    assert (await chat.send(coordinator, "-3")).text == t(
        "Please give a number of places from 1 to {max}.", max=500
    )
    await chat.send(coordinator, "1")
    await chat.press(coordinator, t("Skip ▶️"))
    await chat.press(coordinator, t("✅ Publish"))
    publish_message = chat.telegram.last_message_with_button(30, t("✏️ Edit"))
    assert await db.fetch_value("SELECT count(*) FROM practice_offers") == 1
    stale = [m for m in chat.telegram.bot_messages(30) if m.find_button(t("✅ Publish"))]
    assert not stale, "the publish button is replaced by the offer card"
    await chat.press_data(coordinator, "no:publish", publish_message)
    assert await db.fetch_value("SELECT count(*) FROM practice_offers") == 1, (
        "a second press publishes nothing"
    )


async def test_applying_twice_and_old_buttons(chat: ChatDriver, db: Database, i18n: I18n) -> None:
    t = Translator(i18n, "ru")
    university = await make_university(db)
    school = await make_org(db)
    coordinator = await make_member(db, Role.COORDINATOR, university, 40)
    await make_student(db, 41, university, locale="ru")
    offer = await make_offer(db, coordinator, school, places=1)
    student = FakeUser(41, "S")
    await chat.send(student, "/offers")
    card = await chat.press(student, "1")
    await chat.press(student, t("✍️ Apply"))
    await chat.press(student, t("Skip ▶️"))
    await chat.press_data(student, f"offer:apply:{offer.id}", card)
    await chat.press(student, t("Skip ▶️"))
    assert chat.telegram.last_bot_message(41).text == t(
        "You have already applied for this place. See /myplacement."
    )
    assert await db.fetch_value("SELECT count(*) FROM applications") == 1


async def test_other_schools_cannot_see_or_decide(
    chat: ChatDriver, db: Database, i18n: I18n
) -> None:
    t = Translator(i18n, "kk")
    university = await make_university(db)
    school, other = await make_org(db), await make_org(db)
    coordinator = await make_member(db, Role.COORDINATOR, university, 50)
    await make_member(db, Role.DIRECTOR, other, 51, locale="kk")
    student = await make_student(db, 52, university)
    offer = await make_offer(db, coordinator, school)
    application = (await db.placements.apply(student, offer.id)).application
    intruder = FakeUser(51, "Other director")
    await chat.send(intruder, "/menu")
    for forged in (
        f"ap:open:{application.id}:0",
        f"ap:approve:{application.id}:-1",
        f"mo:open:{offer.id}:0",
        f"mo:apps:{offer.id}:0",
    ):
        await chat.press_data(intruder, forged)
        assert chat.last_answer()["show_alert"] is True
    assert (await chat.send(intruder, "/review")).text == t(
        "No applications are waiting for a decision."
    )
    refreshed = await db.placements.application(application.id)
    assert refreshed is not None and refreshed.status is ApplicationStatus.PENDING


async def test_stale_approval_after_a_withdrawal(
    chat: ChatDriver, db: Database, i18n: I18n
) -> None:
    t = Translator(i18n, "en")
    university = await make_university(db)
    school = await make_org(db)
    await make_member(db, Role.COORDINATOR, university, 60, locale="en")
    coordinator_user = await db.users.by_telegram_id(60)
    assert coordinator_user is not None
    student = await make_student(db, 61, university)
    offer = await make_offer(db, coordinator_user, school)
    application = (await db.placements.apply(student, offer.id)).application
    coordinator = FakeUser(60, "C")
    await chat.send(coordinator, "/review")
    await db.placements.withdraw(student, application.id)
    await chat.press(coordinator, t("✅ Approve"))
    assert chat.last_answer()["text"] == t(
        "This application has changed meanwhile: it is now {status}.", status=t("↩️ withdrawn")
    )


async def test_deciding_the_last_of_the_queue_goes_back_to_its_first(
    chat: ChatDriver, db: Database, i18n: I18n
) -> None:
    t = Translator(i18n, "en")
    university = await make_university(db)
    school = await make_org(db)
    director_user = await make_member(db, Role.DIRECTOR, school, 80, locale="en")
    offer = await make_offer(db, director_user, school, places=3)
    for telegram_id in (81, 82, 83):
        student = await make_student(db, telegram_id, university, name=f"Student {telegram_id}")
        await db.placements.apply(student, offer.id)
    director = FakeUser(80, "D")
    await chat.send(director, "/review")
    next_button = t.pgettext("the next application in the queue", "Next ▶️")
    await chat.press(director, next_button)
    last = await chat.press(director, next_button)
    assert t("Awaiting a decision: {position} of {total}", position=3, total=3) in last.text
    assert "Student 83" in last.text
    after = await chat.press(director, t("✅ Approve"))
    assert t("Awaiting a decision: {position} of {total}", position=1, total=2) in after.text
    assert "Student 81" in after.text


async def test_reject_with_reason_reaches_the_student(
    chat: ChatDriver, db: Database, i18n: I18n
) -> None:
    t = Translator(i18n, "kk")
    university = await make_university(db)
    school = await make_org(db)
    await make_member(db, Role.DIRECTOR, school, 70, locale="kk")
    director_user = await db.users.by_telegram_id(70)
    assert director_user is not None
    student = await make_student(db, 71, university, locale="kk")
    offer = await make_offer(db, director_user, school)
    await db.placements.apply(student, offer.id)
    director = FakeUser(70, "D")
    await chat.send(director, "/review")
    await chat.press(director, t("❌ Reject"))
    assert (await chat.send(director, "no")).text == t("Please write the reason in a few words.")
    await chat.send(director, "Бұл мерзімде орын жоқ")
    await chat.deliver()
    news = chat.telegram.last_bot_message(71).text
    assert "Бұл мерзімде орын жоқ" in news and "/offers" in news


async def test_losing_the_race_for_the_last_place_offers_the_waiting_list(
    chat: ChatDriver, db: Database, i18n: I18n
) -> None:
    t = Translator(i18n, "ru")
    university = await make_university(db)
    school = await make_org(db)
    coordinator = await make_member(db, Role.COORDINATOR, university, 40)
    await make_student(db, 41, university, locale="ru")
    await make_student(db, 42, university, locale="ru")
    await make_offer(db, coordinator, school, places=1)
    first, second = FakeUser(41, "A"), FakeUser(42, "B")
    for student in (first, second):  # both see a free place and start to apply
        await chat.send(student, "/offers")
        await chat.press(student, "1")
        await chat.press(student, t("✍️ Apply"))
    await chat.press(first, t("Skip ▶️"))
    lost = await chat.press(second, t("Skip ▶️"))
    assert lost.text == t("There are no free places left.") + " " + t(
        "You can join the waiting list: a freed place goes to the first in it."
    )
    await chat.press(second, t("🕒 Join the waiting list"), lost)
    joined = await chat.press(second, t("Skip ▶️"))
    assert (
        t(
            "You are on the waiting list, position {position}. We will tell you as soon as a place "
            "is free.",
            position=1,
        )
        in joined.text
    )
