"""[placements] require_memorandum: offers and placements only under a memorandum valid for the
whole practice period; the offer form says why not; the expiry warning lists what it covers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiogram.utils.i18n import I18n

from db import Database, ManualClock
from db.domain.memoranda import Area, MemorandumInput
from db.domain.models import OrgKind, Role
from db.domain.placements import NoMemorandum, PlacementPolicy
from tests.factories import make_member, make_offer, make_org, make_student, make_university
from tests.fake_telegram import FakeUser
from tests.harness import ChatDriver
from tests.i18n_helpers import Translator


@pytest.fixture
def required(db: Database) -> Database:
    db.placements.policy = PlacementPolicy(require_memorandum=True)
    return db


async def test_offers_and_placements_need_a_memorandum_for_the_whole_period(
    required: Database,
) -> None:
    db = required
    university = await make_university(db)
    school = await make_org(db, OrgKind.SCHOOL, name="№7 мектеп")
    coordinator = await make_member(db, Role.COORDINATOR, university, 1)
    student = await make_student(db, 10, university)
    with pytest.raises(NoMemorandum):
        await make_offer(db, coordinator, school, starts_in_days=30, days=27)
    today = db.today()
    await db.memoranda.create(
        coordinator,
        MemorandumInput(
            "Ынтымақтастық", today, today + timedelta(days=50), (Area.PRACTICE,), (school.id,)
        ),
    )
    with pytest.raises(NoMemorandum):  # it ends before the practice does
        await make_offer(db, coordinator, school, starts_in_days=30, days=27)
    offer = await make_offer(db, coordinator, school, starts_in_days=10, days=27)
    db.placements.policy = PlacementPolicy(require_memorandum=False)
    late = await make_offer(db, coordinator, school, starts_in_days=40, days=27)
    db.placements.policy = PlacementPolicy(require_memorandum=True)
    with pytest.raises(NoMemorandum):
        await db.placements.place(coordinator, late.id, student.id)
    application = (await db.placements.apply(student, late.id)).application
    with pytest.raises(NoMemorandum):
        await db.placements.approve(coordinator, application.id)
    await db.placements.withdraw(student, application.id)
    assert (await db.placements.place(coordinator, offer.id, student.id)).offer_id == offer.id


async def test_the_offer_form_says_why_and_asks_for_other_dates(
    chat: ChatDriver, required: Database, i18n: I18n
) -> None:
    db = required
    t = Translator(i18n, "kk")
    school = await make_org(db, OrgKind.SCHOOL, name="№7 мектеп")
    director = await make_member(db, Role.DIRECTOR, school, 2, locale="kk")
    start = db.today() + timedelta(days=20)
    await db.memoranda.create(
        await make_member(db, Role.COORDINATOR, await make_university(db), 1),
        MemorandumInput(
            "Меморандум", db.today(), start + timedelta(days=10), (Area.PRACTICE,), (school.id,)
        ),
    )
    person = FakeUser(director.telegram_id or 2, "Д")
    await chat.send(person, "/newoffer")
    await chat.press(person, t("pedagogical practice").capitalize())
    await chat.send(person, "Информатика")
    await chat.send(person, start.strftime("%d.%m.%Y"))
    refused = await chat.send(person, (start + timedelta(days=27)).strftime("%d.%m.%Y"))
    assert (
        t(
            "This school or kindergarten has no partnership memorandum valid for the whole period"
            " {start} – {end}. Places can be offered, and students placed, only at partners with a"
            " memorandum (see /partners).",
            start=start.strftime("%d.%m.%Y"),
            end=(start + timedelta(days=27)).strftime("%d.%m.%Y"),
        )
        in refused.text
    )
    await chat.send(person, start.strftime("%d.%m.%Y"))
    asked = await chat.send(person, (start + timedelta(days=9)).strftime("%d.%m.%Y"))
    assert asked.text == t("How many students can you take?")


async def test_the_expiry_warning_lists_what_the_memorandum_covers(
    chat: ChatDriver, db: Database, clock: ManualClock, i18n: I18n
) -> None:
    t = Translator(i18n, "ru")
    university = await make_university(db)
    school = await make_org(db, OrgKind.SCHOOL, name="№7 мектеп")
    coordinator = await make_member(db, Role.COORDINATOR, university, 1, locale="ru")
    student = await make_student(db, 10, university, "Айгерім Бекова")
    today = db.today()
    await db.memoranda.create(
        coordinator,
        MemorandumInput(
            "Меморандум", today, today + timedelta(days=40), (Area.PRACTICE,), (school.id,)
        ),
    )
    offer = await make_offer(db, coordinator, school, starts_in_days=30, days=27)
    await make_offer(db, coordinator, school, starts_in_days=5, days=10, subject="Физика")
    await db.placements.place(coordinator, offer.id, student.id)
    assert await db.memoranda.remind_expiring(60) == 1
    await chat.deliver()
    told = chat.texts(FakeUser(1, "C"))[-1]
    assert (
        t("It covers {placements} and {offers}:").format(
            placements=t.plural("{n} placement", "{n} placements", 1),
            offers=t.plural("{n} open offer", "{n} open offers", 2),
        )
        in told
    )
    assert "⚠️ Информатика — №7 мектеп" in told and "(Айгерім Бекова)" in told
    assert "• Физика — №7 мектеп" in told
    assert t("⚠️ These run past the memorandum's end.") in told
