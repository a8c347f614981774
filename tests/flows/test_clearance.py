"""Required documents: a student uploads them with their expiry, a coordinator verifies or
returns them, /myplacement says what is missing, and a week before the start both are told."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest
from aiogram.utils.i18n import I18n

from bot.config import PlacementSettings, Settings
from db import Database, ManualClock
from db.domain.clearance import DocumentStatus, RequiredDocument
from db.domain.errors import InvalidValue
from db.domain.models import OrgKind, Role
from db.domain.placements import PracticeKind
from tests.factories import make_member, make_offer, make_org, make_student, make_university
from tests.fake_telegram import FakeUser
from tests.harness import ChatDriver
from tests.i18n_helpers import Translator

MEDICAL = RequiredDocument(
    "medical_book",
    {"kk": "Медициналық кітапша", "ru": "Медицинская книжка", "en": "Medical record book"},
    frozenset(PracticeKind),
)
RECORD = RequiredDocument(
    "no_criminal_record",
    {"kk": "Соттылығы жоқ анықтама", "ru": "Справка о несудимости", "en": "No criminal record"},
    frozenset({PracticeKind.PEDAGOGICAL}),
)


@pytest.fixture
def settings(settings: Settings, db_path: Path) -> Settings:
    return dataclasses.replace(settings, placements=PlacementSettings(documents=(MEDICAL, RECORD)))


async def placed(db: Database, locale: str, starts_in_days: int = 20) -> None:
    university = await make_university(db)
    school = await make_org(db, OrgKind.SCHOOL, name="№7 мектеп")
    coordinator = await make_member(db, Role.COORDINATOR, university, 1, locale=locale)
    student = await make_student(db, 10, university, "Дана Серікова", locale)
    offer = await make_offer(db, coordinator, school, starts_in_days=starts_in_days, days=27)
    await db.placements.place(coordinator, offer.id, student.id)


@pytest.mark.parametrize("locale", ["kk", "ru", "en"])
async def test_upload_verify_and_return(
    chat: ChatDriver, db: Database, i18n: I18n, locale: str
) -> None:
    t = Translator(i18n, locale)
    await placed(db, locale)
    student, coordinator = FakeUser(10, "Д"), FakeUser(1, "К")
    mine = await chat.send(student, "/myplacement")
    assert (
        t("📄 Documents not in order yet: {names}. See /documents.").format(
            names=f"{MEDICAL.name(locale)}, {RECORD.name(locale)}"
        )
        in mine.text
    )
    listing = await chat.send(student, "/documents")
    assert t("❌ not uploaded") in listing.text
    await chat.press(student, "📎 1")
    wrong = await chat.send(student, "here it is")
    assert wrong.text == t("Please send a PDF file or a photo of the document.")
    await chat.feed(chat.telegram.document_update(student, "book.docx", b"PK"))
    assert chat.telegram.last_bot_message(10).text == t(
        "Please send a PDF file or a photo of the document."
    )
    await chat.feed(chat.telegram.document_update(student, "book.pdf", b"%PDF-1.4"))
    past = await chat.send(student, (db.today() - timedelta(days=1)).strftime("%d.%m.%Y"))
    assert past.text == t(
        "That date has passed: the document has expired. Send the date on a valid one."
    )
    saved = await chat.send(student, (db.today() + timedelta(days=365)).strftime("%d.%m.%Y"))
    assert t("Saved; a coordinator will check it.") in saved.text
    await chat.press(student, "📎 2")
    await chat.feed(chat.telegram.photo_update(student))
    await chat.send(student, (db.today() + timedelta(days=365)).strftime("%d.%m.%Y"))

    await chat.send(coordinator, "/checkdocs")
    first = chat.telegram.last_bot_message(1)
    assert first.document is not None and MEDICAL.name(locale) in (first.caption or "")
    await chat.press(coordinator, t("✅ Verify"))
    assert chat.last_answer()["text"] == t("Verified; the student has been told.")
    second = chat.telegram.last_bot_message(1)
    assert second.photo is not None
    await chat.press(coordinator, t("↩️ Return"))
    await chat.send(coordinator, "Суреті анық емес")
    assert chat.telegram.last_bot_message(1).text == t("No documents are waiting for a check.")
    again = await chat.press_data(coordinator, "cd:verify:2:medical_book:1:0", message=first)
    assert again is not None
    assert chat.last_answer()["text"] == t(
        "This document was checked or uploaded again meanwhile; here is the next one."
    )
    await chat.deliver()
    told = chat.texts(student)
    assert told[-2] == t("✅ Your document “{name}” is verified.", name=MEDICAL.name(locale))
    assert told[-1] == t(
        "↩️ Your document “{name}” was returned: {reason}. Please upload it again.",
        name=RECORD.name(locale),
        reason="Суреті анық емес",
    )
    held = await db.clearance.held((await db.users.by_telegram_id(10)).id)  # type: ignore[union-attr]
    assert held["medical_book"].status is DocumentStatus.VERIFIED
    assert held["no_criminal_record"].status is DocumentStatus.RETURNED


async def test_a_week_before_the_start_the_uncleared_hear_of_it_once(
    chat: ChatDriver, db: Database, clock: ManualClock, i18n: I18n, settings: Settings
) -> None:
    t = Translator(i18n, "ru")
    await placed(db, "ru", starts_in_days=10)
    documents = settings.placements.documents
    assert await db.clearance.remind_uncleared(documents) == 0, "not yet within a week"
    clock.advance(timedelta(days=4))
    assert await db.clearance.remind_uncleared(documents) == 1
    assert await db.clearance.remind_uncleared(documents) == 0, "once"
    await chat.deliver()
    assert chat.texts(FakeUser(10, "Д"))[-1].startswith(t("⏰ Your practice starts within a week."))
    assert chat.texts(FakeUser(1, "К"))[-1] == t.plural(
        "📄 {n} student starting practice within a week has documents not in order: {names}.",
        "📄 {n} students starting practice within a week have documents not in order: {names}.",
        1,
        names="Дана Серікова",
    )


async def test_the_rules_in_the_database(db: Database) -> None:
    university = await make_university(db)
    student = await make_student(db, 10, university)
    with pytest.raises(InvalidValue):
        await db.clearance.upload(student, MEDICAL, "f", "virus.exe", 10, db.today())
    with pytest.raises(InvalidValue):
        await db.clearance.upload(student, MEDICAL, "f", "a.pdf", 10, db.today() - timedelta(1))
    with pytest.raises(InvalidValue):
        await db.clearance.upload(student, MEDICAL, "f", "a.pdf", 21 * 1024 * 1024, db.today())
    assert await db.clearance.held(student.id) == {}
