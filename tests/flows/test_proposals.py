"""A student proposes their own school through the bot; a coordinator approves or declines."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiogram.utils.i18n import I18n

from db import Database
from db.domain.models import OrgKind, Role
from db.domain.proposals import ProposalStatus
from tests.factories import make_member, make_org, make_student, make_university
from tests.fake_telegram import FakeUser
from tests.harness import ChatDriver
from tests.i18n_helpers import Translator


@pytest.mark.parametrize("locale", ["kk", "ru", "en"])
async def test_a_new_home_town_school_proposed_approved_and_added(
    chat: ChatDriver, db: Database, i18n: I18n, locale: str
) -> None:
    t = Translator(i18n, locale)
    university = await make_university(db)
    await make_member(db, Role.COORDINATOR, university, 1, locale=locale)
    await make_student(db, 10, university, "Дана Серікова", locale)
    student, coordinator = FakeUser(10, "Д"), FakeUser(1, "К")
    start = db.today() + timedelta(days=14)
    await chat.send(student, "/propose")
    await chat.press(student, t("continuous (dual) practice").capitalize())
    await chat.press(student, t("➕ It is not in the list"))
    short = await chat.send(student, "№")
    assert short.text == t("That is too short; please write it in full.")
    await chat.send(student, "Абай атындағы №3 мектеп-гимназия")
    await chat.send(student, "Аягөз")
    await chat.press(student, t("Skip ▶️"))  # no address
    await chat.send(student, "Директор Ғалия, 8 705 123 45 67")
    bad = await chat.send(student, "ертең")
    assert bad.text == t("Please write the date as DD.MM.YYYY, for example 12.01.2027.")
    await chat.send(student, start.strftime("%d.%m.%Y"))
    await chat.send(student, (start + timedelta(days=90)).strftime("%d.%m.%Y"))
    card = await chat.send(student, "Менің туған қалам, директор келісті")
    assert "Абай атындағы №3 мектеп-гимназия, Аягөз" in card.text
    sent = await chat.press(student, t("📤 Send the proposal"))
    assert sent.text == t("Sent. The coordinator will decide, and you will be told.")
    again = await chat.send(student, "/propose")
    assert t("↩️ Withdraw the proposal") in str(again.reply_markup)

    await chat.deliver()
    told = chat.texts(coordinator)[-1]
    assert "Дана Серікова" in told and told.startswith("🏠")
    opened = await chat.press(coordinator, t("🏠 Open the proposal"))
    assert t("⚠️ Not in the directory yet: approving adds it.") in opened.text
    forged = await chat.press_data(student, "ps:approve:1")
    assert forged is not None
    assert chat.last_answer()["text"] == t("This button is out of date. Send /menu to start again.")
    approved = await chat.press(coordinator, t("✅ Approve"))
    assert (
        t(
            "⚠️ {school} has no memorandum for this period yet: it is a candidate partner."
            " A memorandum is needed (/memorandum).",
            school="Абай атындағы №3 мектеп-гимназия, Аягөз",
        )
        in approved.text
    )
    await chat.press_data(coordinator, "ps:approve:1")  # a second press of the old button
    assert chat.last_answer()["text"] == t("This proposal has already been decided or withdrawn.")
    await chat.deliver()
    assert chat.texts(student)[-1].startswith("✅")
    proposal = await db.proposals.latest_of((await db.users.by_telegram_id(10)).id)  # type: ignore[union-attr]
    assert proposal is not None and proposal.status is ProposalStatus.APPROVED


async def test_a_declined_proposal_tells_the_reason(
    chat: ChatDriver, db: Database, i18n: I18n
) -> None:
    t = Translator(i18n, "ru")
    university = await make_university(db)
    await make_member(db, Role.COORDINATOR, university, 1, locale="ru")
    await make_student(db, 10, university, "Дана", "ru")
    school = await make_org(db, OrgKind.SCHOOL, name="№7 мектеп")
    student, coordinator = FakeUser(10, "Д"), FakeUser(1, "К")
    start = db.today() + timedelta(days=14)
    await chat.send(student, "/propose")
    await chat.press(student, t("pedagogical practice").capitalize())
    await chat.send(student, "№7")
    await chat.press(student, "№7 мектеп")
    await chat.send(student, start.strftime("%d.%m.%Y"))
    await chat.send(student, (start + timedelta(days=27)).strftime("%d.%m.%Y"))
    await chat.press(student, t("Skip ▶️"))
    await chat.press(student, t("📤 Send the proposal"))
    await chat.send(coordinator, "/proposals")
    await chat.press(coordinator, t("No. {n}", n=1))
    await chat.press(coordinator, t("❌ Decline"))
    await chat.send(coordinator, "В этой школе нет наставника по предмету")
    await chat.deliver()
    assert chat.texts(student)[-1] == t(
        "Your proposal of {school} is declined: {reason}. You can propose another school"
        " (/propose) or choose from /offers.",
        school=f"№7 мектеп, {school.city}",
        reason="В этой школе нет наставника по предмету",
    )
