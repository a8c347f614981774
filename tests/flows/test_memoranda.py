"""Partnership memoranda: recording one with its signed file, /partners, expiry reminders."""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta

import pytest
from aiogram.utils.i18n import I18n

from db import Database, ManualClock
from db.domain.documents import looks_intact
from db.domain.issues import IssueCategory, IssueInput
from db.domain.memoranda import Area, MemorandumInput
from db.domain.models import OrgKind, Role, User
from handlers.kit.formatting import fmt_date
from handlers.memoranda.callbacks import PartnerCb
from tests.factories import make_member, make_org, make_university
from tests.fake_telegram import FakeUser
from tests.harness import ChatDriver
from tests.i18n_helpers import Translator

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def cooperation(
    party_id: int, signed: date, expires: date, area: Area = Area.PRACTICE
) -> MemorandumInput:
    """A memorandum of cooperation with one partner."""
    return MemorandumInput("Memorandum of cooperation", signed, expires, (area,), (party_id,))


async def people(db: Database, locale: str) -> tuple[User, User]:
    university = await make_university(db)
    school = await make_org(db, OrgKind.SCHOOL, name="№7 мектеп-гимназия")
    await make_org(db, OrgKind.DEPARTMENT, name="Абай облысының білім басқармасы")
    coordinator = await make_member(db, Role.COORDINATOR, university, 1, "Анна Ким", locale)
    director = await make_member(db, Role.DIRECTOR, school, 10, "Әсел Омарова", locale)
    return coordinator, director


@pytest.mark.parametrize("locale", ["kk", "ru", "en"])
async def test_a_memorandum_is_recorded_with_its_signed_file(
    chat: ChatDriver, db: Database, i18n: I18n, locale: str
) -> None:
    t = Translator(i18n, locale)
    await people(db, locale)
    coordinator = FakeUser(1, "Анна", language_code=locale)
    await chat.send(coordinator, "/memorandum")
    await chat.press(coordinator, "№7 мектеп-гимназия")
    await chat.press(coordinator, "білім басқармасы")
    await chat.press(coordinator, t("Continue ▶️"))
    await chat.send(coordinator, "Педагог кадрларды даярлау туралы меморандум")
    future = await chat.send(coordinator, "15.09.2027")
    assert t("A memorandum cannot be signed in the future. Please check the date.") in future.body
    await chat.send(coordinator, "15.09.2025")
    backwards = await chat.send(coordinator, "01.09.2025")
    assert t("It must stay valid after the day it was signed ({signed}).", signed="")[:20] in (
        backwards.body
    )
    await chat.send(coordinator, "31.08.2030")
    await chat.press(coordinator, t("practice and internships"))
    await chat.press(coordinator, t("joint events"))
    await chat.press(coordinator, t("Continue ▶️"))
    await chat.press(coordinator, t("Me"))

    await chat.feed(chat.telegram.document_update(coordinator, "memo.pdf", PDF[:-8]))
    damaged = chat.telegram.last_bot_message(1)
    assert "PDF" in damaged.body  # "…looks damaged or is not really a PDF file…"
    assert t("Skip: no file yet") in damaged.button_labels()
    await chat.feed(chat.telegram.document_update(coordinator, "notes.txt", b"hello"))
    assert "PDF" in chat.telegram.last_bot_message(1).body
    await chat.feed(chat.telegram.document_update(coordinator, "Меморандум.docx", docx()))
    confirm = chat.telegram.last_bot_message(1)
    assert "Меморандум.docx" in confirm.body
    saved = await chat.press(coordinator, t("💾 Save the memorandum"))
    assert "✅" in saved.body

    [partner, *_] = (await db.memoranda.partners(0, 10))[0]
    [memorandum] = partner.memoranda
    assert memorandum.areas == (Area.PRACTICE, Area.EVENTS)
    assert memorandum.signed_on == date(2025, 9, 15)
    assert memorandum.document_name == "Меморандум.docx"
    assert len(memorandum.party_ids) == 2

    listing = await chat.press(coordinator, t("🤝 Partners"))
    assert "Педагог кадрларды даярлау туралы меморандум" in listing.body
    until = fmt_date(date(2030, 8, 31), locale=locale)
    assert t("✅ valid until {date}", date=until) in listing.body
    await chat.press(coordinator, "📄 1.1")
    sent = chat.telegram.calls("sendDocument")[-1]
    assert sent.params["document"].startswith("document-")


async def test_only_coordinators_and_admins_record_memoranda(
    chat: ChatDriver, db: Database, i18n: I18n
) -> None:
    await people(db, "en")
    director = FakeUser(10, "Әсел", language_code="en")
    answer = await chat.send(director, "/memorandum")
    assert "not available for your role" in answer.body
    answer = await chat.send(director, "/partners")
    assert "not available for your role" in answer.body


async def test_partners_count_this_years_work(
    chat: ChatDriver, db: Database, clock: ManualClock
) -> None:
    coordinator, director = await people(db, "en")
    assert director.organization_id is not None
    await db.memoranda.create(
        coordinator,
        cooperation(director.organization_id, date(2024, 5, 1), db.today() + timedelta(days=20)),
    )
    await db.issues.post(
        director, IssueInput(IssueCategory.DIGITAL, "normal", "Robotics teacher", "We need one")
    )
    listing = await chat.send(FakeUser(1, "Анна", language_code="en"), "/partners")
    assert "requests 1 (resolved 0)" in listing.body
    assert "expires on" in listing.body and "in 20 days" in listing.body


async def test_the_responsible_person_is_reminded_before_expiry(
    chat: ChatDriver, db: Database, clock: ManualClock, i18n: I18n
) -> None:
    coordinator, director = await people(db, "ru")
    assert director.organization_id is not None
    await db.memoranda.create(
        coordinator,
        MemorandumInput(
            "Меморандум о сотрудничестве",
            date(2021, 9, 1),
            db.today() + timedelta(days=75),
            (Area.PRACTICE, Area.TRAINING),
            (director.organization_id,),
        ),
    )
    assert await db.memoranda.remind_expiring(60) == 0  # not yet within 60 days
    clock.advance(timedelta(days=20))
    assert await db.memoranda.remind_expiring(60) == 1
    assert await db.memoranda.remind_expiring(60) == 0  # once, not every run
    await chat.deliver()
    reminder = chat.telegram.last_bot_message(1)
    assert "Меморандум о сотрудничестве" in reminder.body
    assert "через 55 дней" in reminder.body
    assert "🤝" in reminder.button_labels()[0]
    clock.advance(timedelta(days=31))
    assert await db.memoranda.remind_expiring(60) == 1  # a month later, once more


def test_signed_files_are_checked_for_damage() -> None:
    assert looks_intact("pdf", PDF)
    assert not looks_intact("pdf", PDF[: len(PDF) // 2])
    assert looks_intact("docx", docx())
    assert not looks_intact("docx", docx()[:-30])
    assert not looks_intact("docx", PDF)
    assert looks_intact("jpeg", b"\xff\xd8\xff\xe0" + b"0" * 100 + b"\xff\xd9")
    assert not looks_intact("jpeg", b"\xff\xd8\xff\xe0" + b"0" * 100)


async def test_when_the_responsible_person_left_the_coordinators_are_reminded(
    chat: ChatDriver, db: Database, clock: ManualClock
) -> None:
    _coordinator, director = await people(db, "en")
    assert director.organization_id is not None
    school = await db.orgs.get(director.organization_id)
    assert school is not None
    admin = await make_member(db, Role.ADMIN, school, 5, "Admin Aliya", "en")
    await db.memoranda.create(
        admin,
        cooperation(
            director.organization_id,
            date(2022, 1, 10),
            db.today() + timedelta(days=30),
            Area.RESEARCH,
        ),
    )
    await db.personal.erase(admin)
    assert await db.memoranda.remind_expiring(60) == 1
    await chat.deliver()
    assert "Memorandum of cooperation" in chat.telegram.last_bot_message(1).body


async def test_a_renewal_stops_the_old_memorandums_reminders(
    db: Database, clock: ManualClock
) -> None:
    coordinator, director = await people(db, "en")
    assert director.organization_id is not None
    parties = (director.organization_id,)
    old = MemorandumInput(
        "Memorandum 2021",
        date(2021, 9, 1),
        db.today() + timedelta(days=40),
        (Area.PRACTICE,),
        parties,
    )
    await db.memoranda.create(coordinator, old)
    renewal = MemorandumInput(
        "Memorandum 2026", db.today(), date(2031, 8, 31), (Area.PRACTICE,), parties
    )
    await db.memoranda.create(coordinator, renewal)
    assert await db.memoranda.remind_expiring(60) == 0


async def test_the_signed_file_can_follow_later(chat: ChatDriver, db: Database, i18n: I18n) -> None:
    coordinator, director = await people(db, "en")
    assert director.organization_id is not None
    await db.memoranda.create(
        coordinator,
        cooperation(director.organization_id, date(2025, 9, 1), date(2030, 8, 31)),
    )
    me = FakeUser(1, "Анна", language_code="en")
    listing = await chat.send(me, "/partners")
    assert "📎 1.1" in listing.button_labels()
    await chat.press(me, "📎 1.1")
    await chat.feed(chat.telegram.document_update(me, "scan.png", b"\x89PNG\r\n\x1a\n" + b"0" * 40))
    assert "damaged" in chat.telegram.last_bot_message(1).body
    await chat.feed(chat.telegram.document_update(me, "signed.pdf", PDF))
    assert "attached" in chat.telegram.last_bot_message(1).body
    listing = await chat.send(me, "/partners")
    assert "📄 1.1" in listing.button_labels()
    [partner], _total = await db.memoranda.partners(0, 10)
    assert partner.memoranda[0].document_name == "signed.pdf"


async def test_a_department_sees_the_partners_of_its_region(chat: ChatDriver, db: Database) -> None:
    coordinator, director = await people(db, "en")
    assert director.organization_id is not None
    abai = await make_org(db, OrgKind.DEPARTMENT, name="Абай облысының басқармасы", region="Абай")
    far = await make_org(db, OrgKind.SCHOOL, name="Өскемен мектебі", region="ШҚО")
    near = await make_org(db, OrgKind.SCHOOL, name="Семей мектебі", region="Абай")
    for school in (far, near):
        await db.memoranda.create(
            coordinator,
            MemorandumInput(
                f"Memorandum with {school.name('kk')}",
                date(2025, 1, 10),
                date(2030, 1, 10),
                (Area.PRACTICE,),
                (school.id,),
                document_file_id=f"file-{school.id}",
                document_name="m.pdf",
            ),
        )
    await make_member(db, Role.DEPARTMENT, abai, 30, "Official Marat", "en")
    official = FakeUser(30, "Marat", language_code="en")
    listing = await chat.send(official, "/partners")
    assert "Семей мектебі" in listing.body and "Өскемен мектебі" not in listing.body
    far_memo = next(
        m
        for p in (await db.memoranda.partners(0, 10))[0]
        for m in p.memoranda
        if p.organization.id == far.id
    )
    await chat.press_data(official, PartnerCb(action="doc", value=far_memo.id).pack(), listing)
    assert chat.last_answer()["show_alert"] is True
    assert chat.telegram.calls("sendDocument") == []


async def test_memorandum_years_are_checked(chat: ChatDriver, db: Database) -> None:
    await people(db, "en")
    me = FakeUser(1, "Анна", language_code="en")
    await chat.send(me, "/memorandum")
    await chat.press(me, "№7 мектеп-гимназия")
    await chat.press(me, "Continue")
    await chat.send(me, "Memorandum of cooperation")
    answer = await chat.send(me, "01.01.0001")
    assert "1991" in answer.body
    await chat.send(me, "15.09.2025")
    answer = await chat.send(me, "31.12.9999")
    assert "2100" in answer.body
