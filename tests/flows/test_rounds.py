"""Placement rounds through the real Dispatcher: open → rank by taps → deadline → preview →
publish → results, and the refusals a student or a forged button meets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiogram.utils.i18n import I18n

from db import Database, ManualClock
from db.domain.models import OrgKind, Role
from db.domain.placements import ApplicationStatus
from tests.factories import make_member, make_offer, make_org, make_student, make_university
from tests.fake_telegram import FakeUser
from tests.harness import ChatDriver
from tests.i18n_helpers import Translator


class Network:
    async def build(self, db: Database, locale: str, students: int = 4) -> Network:
        self.university = await make_university(db)
        self.school = await make_org(db, OrgKind.SCHOOL, name="№7 мектеп")
        self.coordinator = await make_member(
            db, Role.COORDINATOR, self.university, 1, locale=locale
        )
        self.director = await make_member(db, Role.DIRECTOR, self.school, 2, locale=locale)
        self.students = [
            await make_student(db, 10 + i, self.university, f"Студент {i}", locale)
            for i in range(students)
        ]
        self.offers = [
            await make_offer(db, self.director, self.school, places=1, subject=subject)
            for subject in ("Математика", "Информатика", "Физика")
        ]
        return self


def person(user_id: int) -> FakeUser:
    return FakeUser(user_id, "P")


async def open_by_chat(chat: ChatDriver, t: Translator, deadline: str) -> None:
    coordinator = person(1)
    await chat.send(coordinator, "/rounds")
    await chat.press(coordinator, t("➕ New round"))
    await chat.press(coordinator, t("pedagogical practice").capitalize())
    wrong = await chat.send(coordinator, "three")
    assert wrong.text == t("Please send years of study from 1 to 6, for example: 3 or 3, 4")
    await chat.send(coordinator, "3")
    wrong_code = await chat.send(coordinator, "6B-015!")
    assert wrong_code.text == t(
        "Please send programme codes of letters and digits, for example: 6B01501, 6B015"
    )
    await chat.send(coordinator, "6b015")
    past = await chat.send(coordinator, "01.01.2020 10:00")
    assert past.text == t("The deadline must be in the future.")
    await chat.send(coordinator, deadline)
    confirm = await chat.press(coordinator, t("🎲 A lottery"))
    assert (
        t.plural(
            "It covers {n} open offer that starts after the deadline",
            "It covers {n} open offers that start after the deadline",
            3,
        )
        in confirm.text
    )
    await chat.press(coordinator, t("✅ Open the round"))


@pytest.mark.parametrize("locale", ["kk", "ru", "en"])
async def test_a_round_from_opening_to_results(
    chat: ChatDriver, db: Database, clock: ManualClock, i18n: I18n, locale: str
) -> None:
    t = Translator(i18n, locale)
    net = await Network().build(db, locale)
    deadline = (db.today() + timedelta(days=3)).strftime("%d.%m.%Y") + " 18:00"
    await open_by_chat(chat, t, deadline)
    [opened] = await db.rounds.recent()
    await chat.deliver()
    first, second, third, fourth = (person(10 + i) for i in range(4))
    invited = chat.texts(first)[-1]
    assert invited.startswith("🗳")

    maths, informatics, physics = (offer.id for offer in net.offers)
    # Three want informatics, then maths; the fourth wants physics, then informatics.
    number = {maths: 1, informatics: 2, physics: 3}
    for student in (first, second, third, fourth):
        view = await chat.send(student, "/round")
        assert t("You have not ranked any offer yet.") in view.text
        wanted = (physics, informatics) if student is fourth else (informatics, maths)
        for offer_id in wanted:
            await chat.press(student, f"➕ {number[offer_id]}")
    view = await chat.send(first, "/round")
    assert "1. Информатика" in view.text and "2. Математика" in view.text
    await chat.press(first, "⬆️ 2")  # maths first now …
    await chat.press(first, "⬆️ 2")  # … and back: informatics first
    assert await db.rounds.preferences(opened.id, net.students[0].id) == [informatics, maths]

    clock.advance(timedelta(days=4))
    late = await chat.press(first, "✖️ 1", message=view)
    assert chat.last_answer()["text"] == t(
        "Ranking has closed for this round; your list stays as it was submitted."
    )
    assert await db.rounds.preferences(opened.id, net.students[0].id) == [informatics, maths]
    assert t("Ranking has closed. You will be told your result when it is published.") in late.text

    assert await db.rounds.close_due() == 1
    await chat.deliver()
    coordinator = person(1)
    assert chat.texts(coordinator)[-1] == t(
        "🗳 Ranking in round #{id} has closed. The allocation is ready for you to check and"
        " publish.",
        id=opened.id,
    )
    card = await chat.press(coordinator, t("🗳 Open the round"))
    assert t("<b>Preview</b>:") in card.text
    assert t("Programmes: {codes}", codes="6B015") in card.text
    assert sum(f"Студент {i}" in card.text for i in range(3)) == 1, "who is unplaced, by name"
    assert t.plural("Unplaced: {n} student.", "Unplaced: {n} students.", 1) in card.text
    await chat.press(coordinator, t("✅ Publish the result"))
    await chat.press(coordinator, t("✅ Yes, publish"))
    assert chat.last_answer()["text"] == t.plural(
        "Published: {n} student placed. Everyone has been told their result.",
        "Published: {n} students placed. Everyone has been told their result.",
        3,
    )
    again = await chat.press_data(coordinator, f"rd:publish!:{opened.id}:")
    assert again is not None
    assert chat.last_answer()["text"] == t(
        "This round has moved on meanwhile; here is where it stands now."
    )
    placed = [
        a for offer in net.offers for a in await db.placements.applications_for_offer(offer.id)
    ]
    assert len(placed) == 3 and all(a.status is ApplicationStatus.APPROVED for a in placed)

    await chat.deliver()
    everyone = (first, second, third, fourth)
    results = {student.id: chat.texts(student)[-1] for student in everyone}
    assert sum(t("🗳 Placement round result.") in text for text in results.values()) == 4
    notices = [[text for text in chat.texts(s) if text.startswith("🗳")] for s in everyone]
    assert all(len(sent) == 2 for sent in notices), (
        "each student got the invitation and one result, nothing more"
    )
    assert (
        t("You are placed at {place}: your choice No. 1.", place="Физика — №7 мектеп, Семей")
        in (results[fourth.id])
    )
    losers = [text for text in results.values() if "/offers" in text]
    assert len(losers) == 1
    assert (
        t(
            "No place: your choices {better} were filled by students ahead of you in the lottery."
            " Free places are in /offers, or ask your coordinator about the next round.",
            better=t("No. {n}", n=1) + ", " + t("No. {n}", n=2),
        )
        in losers[0]
    )
    await chat.deliver()
    director_told = chat.texts(person(2))[-1]
    assert director_told == t.plural(
        "🗳 A placement round has placed {n} student at your school. See them in /myoffers.",
        "🗳 A placement round has placed {n} students at your school. See them in /myoffers.",
        3,
    )


async def test_forged_and_foreign_preference_buttons_change_nothing(
    chat: ChatDriver, db: Database, i18n: I18n
) -> None:
    t = Translator(i18n, "en")
    net = await Network().build(db, "en")
    opened = await db.rounds.open(
        net.coordinator,
        net.offers[0].kind,
        frozenset({3}),
        db.clock.now() + timedelta(days=2),
        2,
    )
    maths, informatics, physics = (offer.id for offer in net.offers)
    student, other = person(10), person(11)
    await chat.send(student, "/round")
    await chat.press(student, "➕ 1")
    await chat.press(student, "➕ 2")
    refused = await chat.press_data(student, f"rk:add:{opened.id}:{physics}:0")
    assert refused is not None
    assert chat.last_answer()["text"] == t(
        "You have ranked as many offers as this round allows. Remove one first."
    )
    await chat.press_data(student, f"rk:add:{opened.id}:{maths}:0")
    assert chat.last_answer()["text"] in {
        t("This offer is already on your list."),
        t("You have ranked as many offers as this round allows. Remove one first."),
    }
    outside = await make_offer(db, net.director, net.school, kind="observation")
    await chat.send(other, "/round")
    await chat.press_data(other, f"rk:add:{opened.id}:{outside.id}:0")
    assert chat.last_answer()["text"] == t("This is not available to you.")
    # the student's own button pressed by a mentor (not a student): refused before anything
    await make_member(db, Role.MENTOR, net.school, 3, locale="en")
    await chat.send(person(3), "/menu")
    await chat.press_data(person(3), f"rk:remove:{opened.id}:{maths}:0")
    assert chat.last_answer()["text"] == t("This button is out of date. Send /menu to start again.")
    assert await db.rounds.preferences(opened.id, net.students[0].id) == [maths, informatics]
    assert await db.rounds.preferences(opened.id, net.students[1].id) == []


async def test_scores_from_a_file_decide_ties_and_the_reason_says_so(
    chat: ChatDriver, db: Database, clock: ManualClock, i18n: I18n
) -> None:
    t = Translator(i18n, "ru")
    net = await Network().build(db, "ru", students=3)
    coordinator = person(1)
    await chat.send(coordinator, "/rounds")
    await chat.press(coordinator, t("➕ New round"))
    await chat.press(coordinator, t("pedagogical practice").capitalize())
    await chat.send(coordinator, "3")
    await chat.press(coordinator, t("All programmes ▶️"))
    await chat.send(coordinator, (db.today() + timedelta(days=3)).strftime("%d.%m.%Y") + " 18:00")
    await chat.press(coordinator, t("📊 Scores from a file"))
    await chat.feed(chat.telegram.document_update(coordinator, "scores.pdf", b"%PDF"))
    assert chat.telegram.last_bot_message(1).text == t("Please send the scores as a .csv file.")
    broken = "студент;балл\nСтудент 0;отлично\n".encode()
    await chat.feed(chat.telegram.document_update(coordinator, "scores.csv", broken, "text/csv"))
    assert (
        t("Line {line} of the file has no score (a number) after the student.", line=2)
        in chat.telegram.last_bot_message(1).text
    )
    unknown = "студент;балл\nСтудент 0;3,9\nНекто;3,1\n".encode("cp1251")
    await chat.feed(chat.telegram.document_update(coordinator, "scores.csv", unknown, "text/csv"))
    reply = chat.telegram.last_bot_message(1).text
    assert t("line {line}: {student}", line=3, student="Некто") in reply
    assert await db.rounds.recent() == [], "nothing opened from a file with problems"
    scores = "студент;балл\nСтудент 0;3,9\nСтудент 1;3,1\n".encode()
    await chat.feed(chat.telegram.document_update(coordinator, "scores.csv", scores, "text/csv"))
    confirm = chat.telegram.last_bot_message(1).text
    assert (
        t.plural(
            "Ties are broken by the scores of {n} student, higher first; the rest come after, in"
            " lottery order.",
            "Ties are broken by the scores of {n} students, higher first; the rest come after,"
            " in lottery order.",
            2,
        )
        in confirm
    )
    await chat.press(coordinator, t("✅ Open the round"))
    [opened] = await db.rounds.recent()
    maths = net.offers[0].id
    for student in net.students:  # all three want maths (one place) and nothing else
        await db.rounds.rank(student, opened.id, [maths])
    clock.advance(timedelta(days=4))
    await db.rounds.close_due()
    await db.rounds.publish(net.coordinator, opened.id)
    winner = await db.rounds.result(opened.id, net.students[0].id)
    assert winner is not None and winner.offer_id == maths, "the highest score wins"
    await chat.deliver()
    assert (
        t(
            "No place: your choices {better} were filled by students with higher scores. Free"
            " places are in /offers, or ask your coordinator about the next round.",
            better=t("No. {n}", n=1),
        )
        in chat.texts(person(11))[-1]
    )


async def test_an_overlapping_round_is_refused_before_the_last_steps_and_the_placed_cannot_rank(
    chat: ChatDriver, db: Database, i18n: I18n
) -> None:
    t = Translator(i18n, "kk")
    net = await Network().build(db, "kk")
    deadline = db.clock.now() + timedelta(days=2)
    first = await db.rounds.open(net.coordinator, net.offers[0].kind, frozenset({3}), deadline, 3)
    coordinator = person(1)
    await chat.send(coordinator, "/rounds")
    await chat.press(coordinator, t("➕ New round"))
    await chat.press(coordinator, t("pedagogical practice").capitalize())
    await chat.send(coordinator, "3, 4")
    await chat.press(coordinator, t("All programmes ▶️"))
    refused = await chat.send(
        coordinator, (db.today() + timedelta(days=3)).strftime("%d.%m.%Y") + " 18:00"
    )
    assert refused.text == t(
        "Round #{id} is already open for some of these students and dates. Publish or close"
        " it first.",
        id=first.id,
    ) + "\n\n" + t("Send another deadline, or /cancel.")
    assert len(await db.rounds.recent()) == 1

    await db.placements.place(net.coordinator, net.offers[1].id, net.students[0].id)
    view = await chat.send(person(10), "/round")
    assert t("You already have a practice placement for these dates. See /myplacement.") in (
        view.text
    )
    assert not any(label.startswith("➕") for label in view.button_labels())
