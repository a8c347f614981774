"""People's own data: /mydata sends all of it, /deleteme erases what identifies them."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiogram.utils.i18n import I18n

from db import Database, ManualClock
from db.domain.events import Audience, EventInput, EventKind
from db.domain.models import Organization, OrgKind, Role, User
from db.domain.practice_log import Activity, VisitInput
from db.domain.reports import Period, ReportScope
from handlers.account.registration import consent_text
from handlers.kit.settings import HandlerSettings
from tests.e2e.process import OPERATOR
from tests.factories import make_member, make_offer, make_org, make_student, make_university
from tests.fake_telegram import FakeUser
from tests.harness import ChatDriver
from tests.i18n_helpers import Translator

STUDENT_ID = 10


async def a_student_with_a_history(db: Database, clock: ManualClock, locale: str) -> User:
    """Placed, visited, with hours, a support conversation: everything /deleteme touches."""
    university = await make_university(db)
    school = await make_org(db, OrgKind.SCHOOL, name="№7 мектеп")
    coordinator = await make_member(db, Role.COORDINATOR, university, 1, locale=locale)
    mentor = await make_member(db, Role.MENTOR, school, 2, name="Гүлнар Сапарова")
    offer = await make_offer(db, coordinator, school, starts_in_days=1, mentor_ids=(mentor.id,))
    student = await make_student(db, STUDENT_ID, university, "Айгерім Бекова", locale)
    result = await db.placements.apply(student, offer.id, "Мен информатика мұғалімі боламын")
    await db.placements.approve(coordinator, result.application.id)
    clock.advance(timedelta(days=3))
    scores = dict.fromkeys(("planning", "delivery", "management", "technology", "inclusion"), 4)
    await db.practice.log_visit(
        mentor,
        VisitInput(
            result.application.id,
            db.today(),
            "Бөлшектер",
            "5А",
            scores,
            "draft-1",
            comment="Айгерім сыныппен жақсы жұмыс істеді",
            photo_file_id="photo-1",
        ),
        300,
    )
    await db.practice.log_hours(student, db.today(), 4, Activity.TAUGHT, "Екі сабақ")
    await db.support.write(student, "Маған кеңес керек")
    return student


async def plans_ahead(db: Database, student: User) -> tuple[int, int]:
    """A pending application for a later practice and a place at a full seminar: (offer, event)."""
    coordinator = await db.users.by_telegram_id(1)
    school = await make_org(db, OrgKind.SCHOOL, name="№12 мектеп")
    assert coordinator is not None
    later = await make_offer(db, coordinator, school, starts_in_days=120)
    await db.placements.apply(student, later.id)
    starts = db.clock.now() + timedelta(days=10)
    [seminar] = await db.events.create(
        coordinator,
        EventInput(
            EventKind.SEMINAR,
            "Инклюзия",
            starts,
            starts + timedelta(hours=2),
            Audience(everyone=True),
            address="Семей",
            capacity=1,
        ),
    )
    await db.events.answer(student, seminar.id, going=True)
    other = await make_student(db, 11, await first_university(db), "Дана Омарова", "kk")
    await db.events.answer(other, seminar.id, going=True)  # waits for the only place
    return later.id, seminar.id


async def first_university(db: Database) -> Organization:
    row = await db.fetch_one("SELECT id FROM organizations WHERE kind = 'university'")
    assert row is not None
    org = await db.orgs.get(row["id"])
    assert org is not None
    return org


@pytest.mark.parametrize("locale", ["kk", "ru", "en"])
async def test_my_data_is_everything_stored_about_me(
    chat: ChatDriver, db: Database, clock: ManualClock, i18n: I18n, locale: str
) -> None:
    t = Translator(i18n, locale)
    await a_student_with_a_history(db, clock, locale)
    await chat.send(FakeUser(STUDENT_ID, "Айгерім", language_code=locale), "/mydata")
    [request] = chat.telegram.calls("sendDocument")
    name, content = next(iter(request.files.values()))
    assert name == "seriktes-my-data.json"
    data = json.loads(content)
    assert data["profile"]["full_name"] == "Айгерім Бекова"
    assert data["profile"]["telegram_id"] == STUDENT_ID
    assert data["applications"][0]["motivation"] == "Мен информатика мұғалімі боламын"
    assert data["visits_to_my_lessons"][0]["comment"] == "Айгерім сыныппен жақсы жұмыс істеді"
    assert data["practice_hours"][0]["note"] == "Екі сабақ"
    assert data["confidential_support"][0]["body"] == "Маған кеңес керек"
    caption = request.params["caption"]
    assert f"{t('Placement applications')}: 1" in caption
    assert "/deleteme" in caption


async def test_deleting_my_data_keeps_the_figures_but_not_me(
    chat: ChatDriver, db: Database, clock: ManualClock, db_path: Path
) -> None:
    student = await a_student_with_a_history(db, clock, "en")
    later_offer, seminar = await plans_ahead(db, student)
    period = Period(db.today() - timedelta(days=30), db.today() + timedelta(days=60))
    before = await db.reports.build(ReportScope(), period, {"pedagogical": 72}, "en")
    me = FakeUser(STUDENT_ID, "Aigerim", language_code="en")

    warning = await chat.send(me, "/deleteme")
    assert "cannot be undone" in warning.body
    confirm = warning.find_button("Yes, delete my data")
    assert confirm is not None
    done = await chat.press(me, "Yes, delete my data")
    assert "• placement applications: 2" in done.body
    assert "• lesson visits: 1" in done.body
    assert "Confidential support messages deleted: 1." in done.body
    assert "were withdrawn: 1." in done.body and "given back: 1." in done.body

    with sqlite3.connect(db_path) as raw:
        dump = "\n".join(raw.iterdump())
    for trace in (
        "Айгерім Бекова",
        "Мен информатика",
        "сыныппен жақсы",
        "Екі сабақ",
        "кеңес керек",
    ):
        assert trace not in dump, trace
    erased = await db.users.get(student.id)
    assert erased is not None and erased.telegram_id is None and erased.username is None
    [withdrawn] = [
        a for a in await db.placements.student_applications(student.id) if a.offer_id == later_offer
    ]
    assert withdrawn.status.value == "withdrawn"  # the place it held is free again
    waiting = await db.users.by_telegram_id(11)
    assert waiting is not None
    moved_up = await db.events.registration(waiting, seminar)
    assert moved_up is not None and moved_up.status.value == "going"
    after = await db.reports.build(ReportScope(), period, {"pedagogical": 72}, "en")
    assert after.placement_totals == before.placement_totals
    assert after.coverage == before.coverage
    assert after.visits.visits == before.visits.visits
    assert after.hours.pending == before.hours.pending

    await chat.press_data(me, confirm["callback_data"], warning)  # a second, late press
    assert chat.last_answer()["show_alert"] is True
    again = await chat.send(me, "/start")
    assert "Қазақша" in " ".join(again.button_labels())  # a newcomer again: choose a language


@pytest.mark.parametrize("locale", ["kk", "ru", "en"])
def test_the_consent_text_says_what_is_kept_and_how_to_get_or_erase_it(
    i18n: I18n, locale: str
) -> None:
    named = HandlerSettings(ZoneInfo("Asia/Almaty"), "kk", frozenset(), operator=OPERATOR)
    unnamed = HandlerSettings(ZoneInfo("Asia/Almaty"), "kk", frozenset())
    with i18n.context(), i18n.use_locale(locale):
        text = consent_text(named, locale)
        fallback = consent_text(unnamed, locale)
    with i18n.context(), i18n.use_locale("en"):
        english = consent_text(named, "en")
    assert OPERATOR[locale] in text
    assert OPERATOR[locale] not in fallback
    assert {"kk": "университет", "ru": "университет", "en": "university"}[locale] in fallback
    # Law RK No. 94-V: consent to collection *and* processing
    assert {
        "kk": "жинауға және өңдеуге",
        "ru": "сбор и обработку",
        "en": "collection and processing",
    }[locale] in text
    assert "/mydata" in text and "/deleteme" in text
    assert "Telegram" in text
    assert locale == "en" or text != english  # translated, not the English fallback
    assert {"kk": "білім басқармасы", "ru": "управление образования", "en": "education"}[
        locale
    ] in text  # who sees the data includes the department


MENTOR_LEFT = (
    "👩‍🏫 Your mentor for {place} has left Seriktes. The school will assign you another"
    " mentor, and you will be told who. Details: /myplacement"
)
MENTOR_NEEDED = (
    "⚠️ {student} ({place}) has no mentor now: their mentor has left Seriktes. Please"
    " assign another one."
)


def assert_localized(body: str, t: Translator, msgid: str) -> None:
    """The message is this msgid in the reader's language: its fixed words, not the English."""
    words = [part for part in re.split(r"\{[a-z]+\}", t(msgid)) if part.strip()]
    assert words and all(part.strip() in body for part in words), body
    assert t.locale == "en" or t(msgid) != msgid, f"{msgid!r} is not translated"


async def outbox_rows(db: Database, kind: str) -> list[Any]:
    return await db.fetch_all("SELECT user_id FROM outbox WHERE kind = ?", (f"placement.{kind}",))


@pytest.mark.parametrize("locale", ["kk", "ru", "en"])
async def test_a_mentor_who_leaves_hands_their_students_back(
    chat: ChatDriver, db: Database, clock: ManualClock, i18n: I18n, locale: str
) -> None:
    student = await a_student_with_a_history(db, clock, locale)
    [application] = await db.placements.student_applications(student.id)
    offer = await db.placements.offer(application.offer_id)
    assert offer is not None and application.mentor_id is not None
    school = await db.orgs.get(offer.organization_id)
    assert school is not None
    director = await make_member(db, Role.DIRECTOR, school, 3, "Бауыржан Ахметов", locale)
    successor = await make_member(db, Role.MENTOR, school, 4, "Сәуле Жанатқызы", locale)
    await chat.deliver()
    mentor = FakeUser(2, "Гүлнар", language_code="ru")
    t, t_mentor = Translator(i18n, locale), Translator(i18n, "ru")

    await chat.send(mentor, "/deleteme")
    await chat.press(mentor, t_mentor("🗑 Yes, delete my data"))
    await chat.deliver()

    told = chat.telegram.last_bot_message(STUDENT_ID)
    assert_localized(told.body, t, MENTOR_LEFT)
    left = await db.placements.application(application.id)
    assert left is not None and left.mentor_id is None
    asked = chat.telegram.last_bot_message(3)
    assert "Айгерім Бекова" in asked.body
    assert_localized(asked.body, t, MENTOR_NEEDED)
    director_user = FakeUser(3, "Бауыржан", language_code=locale)
    await chat.press(director_user, t("Open the application"), asked)
    await chat.press(director_user, t("👩‍🏫 Assign a mentor"))
    await chat.press(director_user, "Сәуле")
    await chat.deliver()
    assigned = await db.placements.application(application.id)
    assert assigned is not None and assigned.mentor_id == successor.id
    assert "Сәуле Жанатқызы" in chat.telegram.last_bot_message(STUDENT_ID).body
    assert director.id in {row["user_id"] for row in await outbox_rows(db, "mentor_needed")}


async def test_my_data_names_organizations_in_the_reader_s_language(db: Database) -> None:
    from db.domain.models import OrgKind, Role
    from db.domain.orgs import OrgInput
    from tests.factories import make_member

    school = await db.orgs.create(
        OrgInput(
            kind=OrgKind.SCHOOL,
            name_kk="№7 мектеп-гимназия",
            name_ru="Школа-гимназия №7",
            name_en=None,
            city="Семей",
        )
    )
    kazakh = await make_member(db, Role.MENTOR, school, 61, locale="kk")
    russian = await make_member(db, Role.MENTOR, school, 62, locale="ru")
    assert (await db.personal.collect(kazakh))["profile"]["organization"] == "№7 мектеп-гимназия"
    assert (await db.personal.collect(russian))["profile"]["organization"] == "Школа-гимназия №7"
