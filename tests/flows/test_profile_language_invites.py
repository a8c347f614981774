"""Profile, language switching and invitation codes through the real Dispatcher."""

from __future__ import annotations

from aiogram.utils.i18n import I18n

from db import Database
from db.domain.models import OrgKind, Role
from tests.conftest import ADMIN_ID
from tests.factories import make_member, make_org, make_student, make_university
from tests.fake_telegram import FakeUser
from tests.harness import ChatDriver
from tests.i18n_helpers import Translator


async def test_language_switch_applies_to_the_very_next_message(
    chat: ChatDriver, db: Database, i18n: I18n
) -> None:
    university = await make_university(db)
    await make_student(db, 120, university, locale="kk")
    user = FakeUser(120, "Айгерім", language_code="kk")
    await chat.send(user, "/language")
    reply = await chat.press(user, "English")
    assert reply.text.startswith("Language: 🇬🇧 English")
    saved = await db.users.by_telegram_id(120)
    assert saved is not None
    assert saved.locale == "en"
    assert (
        await chat.send(user, "/frobnicate")
    ).text == "I do not know this command. /help lists what I can do."
    published = chat.telegram.commands[('{"chat_id": 120, "type": "chat"}', "")]
    assert {"command": "profile", "description": "My profile"} in published
    await chat.send(user, "/language")
    await chat.press(user, "Русский")
    assert (await chat.send(user, "/frobnicate")).text == Translator(i18n, "ru")(
        "I do not know this command. /help lists what I can do."
    )


async def test_help_lists_the_commands_of_the_role(
    chat: ChatDriver, db: Database, i18n: I18n
) -> None:
    university = await make_university(db)
    await make_student(db, 121, university, locale="ru")
    await make_member(db, Role.COORDINATOR, university, 122, locale="ru")
    t = Translator(i18n, "ru")
    student_help = (await chat.send(FakeUser(121, "S"), "/help")).text
    coordinator_help = (await chat.send(FakeUser(122, "C"), "/help")).text
    assert "/invite" not in student_help
    assert "/profile — " + t("My profile") in student_help
    assert "/invite — " + t("Create an invitation code") in coordinator_help


async def test_student_edits_profile_and_bad_input_keeps_old_values(
    chat: ChatDriver, db: Database, i18n: I18n
) -> None:
    university = await make_university(db)
    other = await make_university(db, name="Абай атындағы ҚазҰПУ")
    await make_student(db, 130, university, locale="en")
    user = FakeUser(130, "Aigerim")
    t = Translator(i18n, "en")
    await chat.send(user, "/profile")
    await chat.press(user, t("✏️ Name"))
    assert (await chat.send(user, "x" * 101)).text == t(
        "That is too long for a name: please keep it under 100 characters."
    )
    await chat.send(user, "Bekova Aigerim")
    await chat.press(user, t("🏛 University"))
    await chat.press(user, "ҚазҰПУ")
    await chat.press(user, t("🎓 Year of study"))
    reply = await chat.press(user, "4")
    saved = await db.users.by_telegram_id(130)
    assert saved is not None
    assert (saved.full_name, saved.organization_id, saved.study_year) == (
        "Bekova Aigerim",
        other.id,
        4,
    )
    assert "Bekova Aigerim" in reply.text
    assert "Абай атындағы ҚазҰПУ" in reply.text


async def test_mentor_cannot_edit_organization_even_with_a_forged_button(
    chat: ChatDriver, db: Database, i18n: I18n
) -> None:
    school = await make_org(db)
    university = await make_university(db)
    await make_member(db, Role.MENTOR, school, 131, locale="en")
    user = FakeUser(131, "Mentor")
    await chat.send(user, "/profile")
    assert (
        Translator(i18n, "en")("🏛 University")
        not in chat.telegram.last_bot_message(131).button_labels()
    )
    await chat.press_data(user, "prof:university")
    assert chat.last_answer()["text"] == "This is not available to you."
    await chat.press_data(user, f"org:profuni:{university.id}:")
    mentor = await db.users.by_telegram_id(131)
    assert mentor is not None
    assert mentor.organization_id == school.id


async def test_coordinator_creates_a_code_that_a_new_mentor_then_uses(
    chat: ChatDriver, db: Database, i18n: I18n
) -> None:
    university = await make_university(db)
    await make_org(db, OrgKind.SCHOOL, name="№7 мектеп-гимназия")
    await make_org(db, OrgKind.KINDERGARTEN, name="«Балдырған» балабақшасы")
    await make_member(db, Role.COORDINATOR, university, 140, locale="ru")
    coordinator = FakeUser(140, "Координатор")
    t = Translator(i18n, "ru")

    await chat.send(coordinator, "/invite")
    labels = chat.telegram.last_bot_message(140).button_labels()
    assert t("administrator").capitalize() not in labels
    await chat.press(coordinator, t("mentor").capitalize())
    await chat.send(coordinator, "балдыр")
    await chat.press(coordinator, "Балдырған")
    assert (await chat.send(coordinator, "0")).text == t(
        "Please give a number from 1 to {limit}.", limit=10000
    )
    await chat.send(coordinator, "2")
    created = await chat.press(coordinator, t.plural("{n} day", "{n} days", 30))
    assert "https://t.me/seriktes_test_bot?start=" in created.text
    code = created.text.split("?start=")[1].split()[0]

    mentor = FakeUser(141, "Ментор", language_code="ru")
    await chat.send(mentor, f"/start {code}")
    await chat.press(mentor, "Русский")
    await chat.press(mentor, t("✅ I agree"))
    await chat.send(mentor, "Сапарова Гүлнар")
    saved = await db.users.by_telegram_id(141)
    assert saved is not None
    assert saved.role is Role.MENTOR

    listing = await chat.send(coordinator, "/invites")
    assert t.plural("{n} use left", "{n} uses left", 1) in listing.text
    await chat.press(coordinator, t("Withdraw …{hint}", hint=code[-4:]))
    assert chat.last_answer()["text"] == t("The code is withdrawn.")
    assert (await db.invites.active_created_by(await db.users.by_telegram_id(140))) == []  # type: ignore[arg-type]


async def test_students_cannot_reach_invitations_by_command_or_forged_button(
    chat: ChatDriver, db: Database, i18n: I18n
) -> None:
    university = await make_university(db)
    school = await make_org(db)
    await make_student(db, 150, university, locale="kk")
    user = FakeUser(150, "Student")
    t = Translator(i18n, "kk")
    assert (await chat.send(user, "/invite")).text == t(
        "This command is not available for your role. /help lists yours."
    )
    await chat.press_data(user, "invrole:admin")
    await chat.press_data(user, f"org:invorg:{school.id}:")
    await chat.press_data(user, "invdays:30")
    assert chat.last_answer()["show_alert"] is True
    assert await db.fetch_value("SELECT count(*) FROM invites") == 0


async def test_admin_from_config_is_promoted_even_if_registered_earlier(
    chat: ChatDriver, db: Database
) -> None:
    university = await make_university(db)
    await make_student(db, ADMIN_ID, university, locale="en")
    await chat.send(FakeUser(ADMIN_ID, "Admin"), "/menu")
    admin = await db.users.by_telegram_id(ADMIN_ID)
    assert admin is not None
    assert admin.role is Role.ADMIN
    grants = await db.audit.for_object("user", admin.id)
    assert any(
        entry.action == "role.grant" and entry.details.get("via") == "config" for entry in grants
    )
