"""Visits, hours and progress through the real Dispatcher, as mentors and students use them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiogram.utils.i18n import I18n

from db import Database, ManualClock
from db.domain.models import OrgKind, Role
from db.domain.practice_log import LocationCheck
from tests.factories import make_member, make_offer, make_org, make_student, make_university
from tests.fake_telegram import FakeUser
from tests.harness import ChatDriver
from tests.i18n_helpers import Translator

SCHOOL = (50.4200, 80.2500)


async def placed(db: Database, clock: ManualClock, locale: str, students: int = 1) -> list[int]:
    university = await make_university(db)
    school = await make_org(
        db, OrgKind.SCHOOL, name="№7 мектеп", latitude=SCHOOL[0], longitude=SCHOOL[1]
    )
    coordinator = await make_member(db, Role.COORDINATOR, university, 1, locale=locale)
    mentor = await make_member(db, Role.MENTOR, school, 2, name="Тәлімгер Гүлнар", locale=locale)
    offer = await make_offer(
        db, coordinator, school, places=5, starts_in_days=1, mentor_ids=(mentor.id,)
    )
    placements = []
    for index in range(students):
        student = await make_student(
            db, 10 + index, university, name=f"Студент {index}", locale=locale
        )
        placements.append((await db.placements.place(coordinator, offer.id, student.id)).id)
    clock.advance(timedelta(days=3))
    return placements


def taps(chat: ChatDriver, before: int) -> int:
    return len(chat.telegram.callback_answers) - before


@pytest.mark.parametrize("locale", ["kk", "ru", "en"])
async def test_a_typical_visit_takes_six_taps(
    chat: ChatDriver, db: Database, clock: ManualClock, i18n: I18n, locale: str
) -> None:
    t = Translator(i18n, locale)
    await placed(db, clock, locale)
    mentor = FakeUser(2, "Mentor")
    start = len(chat.telegram.callback_answers)
    prompt = await chat.send(mentor, "/visit")
    assert "Студент 0" in prompt.text, "with one student the choice is skipped"
    await chat.send(mentor, "Бөлшектерді қосу")
    await chat.send(mentor, "5Б")
    for score in ("5", "4", "4", "3", "5"):
        await chat.press(mentor, score)
    await chat.send(mentor, "Сабақ жақсы өтті, уақытты жоспарлауға назар аударыңыз")
    await chat.feed(chat.telegram.location_update(mentor, SCHOOL[0] + 0.001, SCHOOL[1]))
    saved = await chat.press(mentor, t("✅ Save"))
    assert taps(chat, start) == 6
    assert t("✅ Visit saved; the student has been sent your feedback.") in saved.text
    visit = (await db.practice.visits_for(1))[0]
    assert visit.location is LocationCheck.ON_SITE
    assert visit.scores == {
        "planning": 5,
        "delivery": 4,
        "management": 4,
        "technology": 3,
        "inclusion": 5,
    }
    await chat.deliver()
    feedback = chat.telegram.last_bot_message(10).text
    assert feedback.startswith(t("Your mentor visited your lesson. Feedback:"))
    assert f"{t('Use of technology')}: 3/5" in feedback and "уақытты жоспарлауға" in feedback


async def test_bad_visit_input_is_explained_and_saves_nothing(
    chat: ChatDriver, db: Database, clock: ManualClock, i18n: I18n
) -> None:
    t = Translator(i18n, "en")
    await placed(db, clock, "en", students=2)
    mentor = FakeUser(2, "Mentor")
    await chat.send(mentor, "/visit")
    await chat.press(mentor, "Студент 1")
    await chat.press(mentor, t("📅 Other date"))
    tomorrow = (db.today() + timedelta(days=1)).strftime("%d.%m.%Y")
    assert (await chat.send(mentor, tomorrow)).text == t(
        "That date is in the future. Please give today's date or an earlier one."
    )
    long_ago = (db.today() - timedelta(days=30)).strftime("%d.%m.%Y")
    assert (await chat.send(mentor, long_ago)).text == t(
        "That date is outside the practice period."
    )
    await chat.send(mentor, (db.today() - timedelta(days=1)).strftime("%d.%m.%Y"))
    await chat.feed(chat.telegram.photo_update(mentor))
    assert chat.telegram.last_bot_message(2).text == t("Please send this as a text message.")
    await chat.send(mentor, "Fractions")
    await chat.send(mentor, "5B")
    await chat.press_data(mentor, "sc:0:9")
    assert chat.last_answer()["text"] == t(
        "Please choose one of the buttons above, or send /cancel to stop."
    )
    await chat.press_data(mentor, "sc:3:5")
    assert chat.last_answer()["show_alert"] is True, "scores are given in order, one per criterion"
    for score in ("3", "3", "3", "3", "3"):
        await chat.press(mentor, score)
    await chat.press(mentor, t("Skip ▶️"))
    location = chat.telegram.location_update(
        mentor,
        SCHOOL[0],
        SCHOOL[1],
        forward_origin={"type": "hidden_user", "date": 1, "sender_user_name": "x"},
    )
    await chat.feed(location)
    assert chat.telegram.bot_messages(2)[-2].text == t(
        "📍 Location received, but it is not fresh, so it cannot confirm the visit."
    )
    summary = chat.telegram.last_message_with_button(2, t("✅ Save"))
    await chat.press(mentor, t("✅ Save"))
    await chat.press_data(mentor, "vs:save:0", summary)
    assert chat.last_answer()["text"] == t("This button is out of date. Send /menu to start again.")
    visits = await db.practice.visits_for(2)
    assert len(visits) == 1 and visits[0].location is LocationCheck.NOT_VERIFIED
    assert visits[0].visited_on == db.today() - timedelta(days=1)


async def test_another_mentor_cannot_log_or_edit(
    chat: ChatDriver, db: Database, clock: ManualClock, i18n: I18n
) -> None:
    t = Translator(i18n, "ru")
    placements = await placed(db, clock, "ru")
    other_school = await make_org(db)
    await make_member(db, Role.MENTOR, other_school, 3, locale="ru")
    intruder = FakeUser(3, "Other")
    assert (await chat.send(intruder, "/visit")).text == t(
        "You have no students on practice right now."
    )
    await chat.press_data(intruder, f"vs:for:{placements[0]}")
    assert chat.last_answer()["text"] == t(
        "Only the student's mentor or a practice coordinator can do this."
    )
    await chat.press_data(intruder, f"pg:app:{placements[0]}")
    assert chat.last_answer()["show_alert"] is True


async def test_editing_a_visit_within_a_day_and_not_after(
    chat: ChatDriver, db: Database, clock: ManualClock, i18n: I18n
) -> None:
    t = Translator(i18n, "kk")
    await placed(db, clock, "kk")
    mentor = FakeUser(2, "Mentor")
    await chat.send(mentor, "/visit")
    await chat.send(mentor, "Тақырып")
    await chat.send(mentor, "7А")
    for score in "44444":
        await chat.press(mentor, score)
    await chat.press(mentor, t("Skip ▶️"))
    await chat.press(mentor, t("✅ Save"))
    await chat.press(mentor, t("✏️ Edit (within 24 hours)"))
    await chat.press(mentor, t("Comment"))
    reply = await chat.send(mentor, "Жақсы жұмыс")
    assert reply.text.startswith(t("Saved; the student has been sent the update."))
    clock.advance(timedelta(hours=25))
    await chat.press(mentor, t("✏️ Edit (within 24 hours)"))
    assert chat.last_answer()["text"] == t(
        "More than 24 hours have passed since this visit was logged; it can no longer be changed."
    )


async def test_hours_from_student_to_mentor_and_into_progress(
    chat: ChatDriver, db: Database, clock: ManualClock, i18n: I18n
) -> None:
    t = Translator(i18n, "ru")
    await placed(db, clock, "ru")
    student, mentor = FakeUser(10, "Student"), FakeUser(2, "Mentor")
    await chat.send(student, "/hours")
    await chat.press(student, t("➕ Log hours"))
    await chat.press(student, t("Today"))
    assert (await chat.send(student, "-2")).text == t(
        "Please give the hours as a number from 0.5 to 12, for example 4 or 1.5."
    )
    assert (await chat.send(student, "13")).text == t(
        "Please give the hours as a number from 0.5 to 12, for example 4 or 1.5."
    )
    await chat.send(student, "4,5")
    await chat.press(student, t("lessons taught").capitalize())
    saved = await chat.send(student, "5Б, 6А")
    assert t("Hours: {confirmed} of {required} confirmed", confirmed="0", required=72) in saved.text

    await chat.press(student, t("➕ Log hours"))
    await chat.press(student, t("Yesterday"))
    await chat.press(student, "6")
    await chat.press(student, t("methodical work").capitalize())
    await chat.press(student, t("Skip ▶️"))
    await chat.press(student, t("➕ Log hours"))
    await chat.press(student, t("Today"))
    await chat.send(student, "8")
    await chat.press(student, t("lessons observed").capitalize())
    over = await chat.press(student, t("Skip ▶️"))
    assert t("That would be more than 12 hours on one day.") in over.text

    await chat.deliver()
    notice = chat.telegram.last_bot_message(2)
    assert t("✅ Confirm") in notice.button_labels()
    listing = await chat.send(mentor, "/confirm")
    assert t("Hours awaiting confirmation: {n}", n=2) in listing.text
    await chat.press(mentor, "✅ 1")
    await chat.press(mentor, "↩️ 1")
    await chat.send(mentor, "Укажите класс и тему")
    await chat.deliver()
    assert "Укажите класс и тему" in chat.telegram.last_bot_message(10).text
    progress = await chat.send(student, "/progress")
    assert (
        t("Hours: {confirmed} of {required} confirmed", confirmed="6", required=72) in progress.text
    )


async def test_coordinator_sees_schools_and_students_without_visits(
    chat: ChatDriver, db: Database, clock: ManualClock, i18n: I18n
) -> None:
    t = Translator(i18n, "en")
    await placed(db, clock, "en", students=2)
    coordinator = FakeUser(1, "Coordinator")
    await chat.send(coordinator, "/progress")
    await chat.press(coordinator, t("🔕 No visit for {days} days", days=14))
    listing = chat.telegram.last_bot_message(1).text
    assert "Студент 0" in listing and "Студент 1" in listing and t("never") in listing
    await chat.send(coordinator, "/progress")
    school = await chat.press(coordinator, "№7 мектеп")
    assert "Студент 0" in school.text
    card = await chat.press(coordinator, "1")
    assert t("No mentor visits yet.") in card.text
