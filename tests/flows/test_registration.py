"""Registration through the real Dispatcher, in each language, with the bad input people send."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiogram.utils.i18n import I18n

from bot.app import create_dispatcher
from bot.config import Settings
from db import Database, ManualClock
from db.domain.invites import format_code
from db.domain.models import OrgKind, Role
from tests.conftest import ADMIN_ID
from tests.factories import make_member, make_org, make_student, make_university
from tests.fake_telegram import FakeUser
from tests.harness import ChatDriver
from tests.i18n_helpers import Translator

LANGUAGE_BUTTONS = {"kk": "Қазақша", "ru": "Русский", "en": "English"}


async def begin(chat: ChatDriver, user: FakeUser, t: Translator, start: str = "/start") -> None:
    await chat.send(user, start)
    await chat.press(user, LANGUAGE_BUTTONS[t.locale])
    await chat.press(user, t("✅ I agree"))


async def register_student(
    chat: ChatDriver, user: FakeUser, t: Translator, name: str = "Бекова Айгерім Нұрланқызы"
) -> None:
    await begin(chat, user, t)
    await chat.press(user, t("🎓 I am a student"))
    await chat.send(user, name)
    await chat.press(user, "Шәкәрім")
    await chat.send(user, "6B01501 Математика")
    await chat.press(user, "3")


@pytest.mark.parametrize("locale", ["kk", "ru", "en"])
async def test_student_registers_in_their_language(
    chat: ChatDriver, db: Database, i18n: I18n, locale: str
) -> None:
    university = await make_university(db)
    user = FakeUser(101, "Айгерім", username="aigerim_b", language_code="ru")
    t = Translator(i18n, locale)

    first = await chat.send(user, "/start")
    assert "🇷🇺 Русский ✓" in first.button_labels(), "Telegram's language is preselected"
    await register_student(chat, user, t)

    saved = await db.users.by_telegram_id(101)
    assert saved is not None
    assert (saved.role, saved.locale, saved.organization_id) == (
        Role.STUDENT,
        locale,
        university.id,
    )
    assert (saved.full_name, saved.programme, saved.study_year) == (
        "Бекова Айгерім Нұрланқызы",
        "6B01501 Математика",
        3,
    )
    assert saved.username == "aigerim_b"
    texts = chat.texts(user)
    assert any(
        t(
            "Welcome, {name}! Your role: {role}, {organization}.",
            name="Бекова Айгерім Нұрланқызы",
            role=t("student"),
            organization="Шәкәрім университеті",
        )
        in text
        for text in texts
    )
    menu = chat.telegram.last_bot_message(user.id)
    assert t("👤 Profile") in menu.button_labels()
    commands = chat.telegram.commands[('{"chat_id": 101, "type": "chat"}', "")]
    assert {"command": "profile", "description": t("My profile")} in commands


async def test_language_texts_are_really_translated(chat: ChatDriver, db: Database) -> None:
    await make_university(db)
    kazakh = FakeUser(102, "Дәулет", language_code="kk")
    russian = FakeUser(103, "Дмитрий", language_code="ru")
    await chat.send(kazakh, "/start")
    await chat.press(kazakh, "Қазақша")
    await chat.send(russian, "/start")
    await chat.press(russian, "Русский")
    assert "келісесіз бе" in chat.telegram.last_bot_message(102).text.lower()
    assert "согласны" in chat.telegram.last_bot_message(103).text.lower()


async def test_returning_user_goes_straight_to_the_menu(
    chat: ChatDriver, db: Database, i18n: I18n
) -> None:
    university = await make_university(db)
    await make_student(db, 104, university, locale="ru")
    reply = await chat.send(FakeUser(104, "Айгерім"), "/start")
    assert Translator(i18n, "ru")("👤 Profile") in reply.button_labels()


async def test_mentor_registers_through_an_invitation_link(
    chat: ChatDriver, db: Database, i18n: I18n
) -> None:
    school = await make_org(db, OrgKind.SCHOOL, name="№7 мектеп-гимназия")
    created = await db.invites.create(None, Role.MENTOR, school.id, max_uses=2)
    user = FakeUser(201, "Гүлнар", language_code="kk")
    t = Translator(i18n, "kk")

    await begin(chat, user, t, start=f"/start {created.code}")
    asked = chat.telegram.last_bot_message(201)
    assert "№7 мектеп-гимназия" in asked.text
    await chat.send(user, "Сапарова Гүлнар")

    mentor = await db.users.by_telegram_id(201)
    assert mentor is not None
    assert (mentor.role, mentor.organization_id) == (Role.MENTOR, school.id)
    invite = await db.invites.peek(created.code)
    assert invite.uses == 1
    grants = [
        entry
        for entry in await db.audit.for_object("user", mentor.id)
        if entry.action == "role.grant"
    ]
    assert grants
    assert grants[0].details["role"] == "mentor"


async def test_code_typed_by_hand_in_any_case_and_spacing(
    chat: ChatDriver, db: Database, i18n: I18n
) -> None:
    school = await make_org(db)
    created = await db.invites.create(None, Role.DIRECTOR, school.id)
    user = FakeUser(202, "Асқар", language_code="ru")
    t = Translator(i18n, "ru")
    await begin(chat, user, t)
    await chat.press(user, t("🔑 I have an invitation code"))
    await chat.send(user, " " + format_code(created.code).lower().replace("-", " ") + " ")
    await chat.send(user, "Жұмабаев Асқар")
    director = await db.users.by_telegram_id(202)
    assert director is not None
    assert director.role is Role.DIRECTOR


async def test_invalid_codes_are_explained_and_nothing_is_written(
    chat: ChatDriver, db: Database, clock: ManualClock, i18n: I18n
) -> None:
    school = await make_org(db)
    t = Translator(i18n, "en")
    expired = await db.invites.create(None, Role.MENTOR, school.id, valid_days=1)
    used_up = await db.invites.create(None, Role.MENTOR, school.id, max_uses=1)
    await make_member_with(db, used_up.code, 300)
    revoked = await db.invites.create(None, Role.MENTOR, school.id)
    admin = await make_member(db, Role.ADMIN, school, 301)
    await db.invites.revoke(admin, revoked.invite.id)
    clock.advance(timedelta(days=2))

    user = FakeUser(302, "Guest", language_code="en")
    await begin(chat, user, t)
    await chat.press(user, t("🔑 I have an invitation code"))
    cases = {
        "AAAAA-BBBBB-CCCCC-DDDDD": "This invitation code is not valid. Check it and send it again.",
        "hello": "This invitation code is not valid. Check it and send it again.",
        expired.code: "This invitation code has expired. Ask the person who gave it for a new one.",
        used_up.code: "This invitation code has already been used as many times as allowed. Ask the person who gave it for a new one.",
        revoked.code: "This invitation code was withdrawn. Ask the person who gave it for a new one.",
    }
    for code, problem in cases.items():
        reply = await chat.send(user, code)
        assert t(problem) in reply.text
    assert await db.users.by_telegram_id(302) is None


async def make_member_with(db: Database, code: str, telegram_id: int) -> None:
    from tests.factories import person

    await db.invites.redeem(code, person(telegram_id))


async def test_last_use_of_a_code_goes_to_one_person_only(
    chat: ChatDriver, db: Database, i18n: I18n
) -> None:
    school = await make_org(db)
    created = await db.invites.create(None, Role.MENTOR, school.id, max_uses=1)
    t = Translator(i18n, "ru")
    first, second = FakeUser(310, "Первый"), FakeUser(311, "Второй")
    for user in (first, second):
        await begin(chat, user, t, start=f"/start {created.code}")
    await chat.send(first, "Иванова Мария")
    reply = await chat.send(second, "Петрова Анна")
    assert (
        t(
            "This invitation code has already been used as many times as allowed. Ask the person who gave it for a new one."
        )
        in reply.text
    )
    assert await db.users.by_telegram_id(311) is None


async def test_bad_names_are_refused_and_the_step_repeats(
    chat: ChatDriver, db: Database, i18n: I18n
) -> None:
    await make_university(db)
    user = FakeUser(401, "Long", language_code="en")
    t = Translator(i18n, "en")
    await begin(chat, user, t)
    await chat.press(user, t("🎓 I am a student"))
    assert (
        t("That is too long for a name: please keep it under 100 characters.")
        in (await chat.send(user, "A" * 5000)).text
    )
    assert (
        t("A name needs letters. Please write your full name.")
        in (await chat.send(user, "12345")).text
    )
    await chat.feed(chat.telegram.sticker_update(user))
    assert chat.telegram.last_bot_message(401).text == t("Please send this as a text message.")
    reply = await chat.send(user, "Smith   John ")
    assert "Шәкәрім" in " ".join(reply.button_labels())


async def test_text_where_a_button_is_expected(chat: ChatDriver, i18n: I18n) -> None:
    user = FakeUser(402, "Typist", language_code="en")
    t = Translator(i18n, "en")
    await chat.send(user, "/start")
    reply = await chat.send(user, "English please")
    assert reply.text == t("Please choose one of the buttons above, or send /cancel to stop.")


async def test_forged_and_stale_buttons_change_nothing(
    chat: ChatDriver, db: Database, i18n: I18n
) -> None:
    await make_university(db)
    school = await make_org(db)
    user = FakeUser(403, "Forger", language_code="en")
    t = Translator(i18n, "en")
    await begin(chat, user, t)
    await chat.press(user, t("🎓 I am a student"))
    await chat.send(user, "Forger Frank")
    await chat.press_data(user, f"org:reguni:{school.id}:")
    assert chat.last_answer()["show_alert"] is True
    await chat.press(user, "Шәкәрім")
    await chat.send(user, "Pedagogy")
    await chat.press_data(user, "regyear:99")
    assert chat.last_answer()["text"] == t(
        "Please choose one of the buttons above, or send /cancel to stop."
    )
    assert await db.users.by_telegram_id(403) is None
    await chat.press(user, "4")
    saved = await db.users.by_telegram_id(403)
    assert saved is not None
    assert saved.study_year == 4

    old_consent = chat.telegram.bot_messages(403)[0]
    await chat.press_data(user, "consent:1", old_consent)
    assert chat.last_answer()["text"] == t("This button is out of date. Send /menu to start again.")


async def test_group_chats_are_ignored(chat: ChatDriver) -> None:
    before = len(chat.telegram.requests)
    await chat.feed(chat.telegram.group_message_update(FakeUser(404, "Group"), "/start"))
    assert len(chat.telegram.requests) == before


async def test_blocking_and_coming_back_are_recorded(chat: ChatDriver, db: Database) -> None:
    university = await make_university(db)
    await make_student(db, 405, university)
    user = FakeUser(405, "Blocker")
    await chat.feed(chat.telegram.block_update(user))
    blocked = await db.users.by_telegram_id(405)
    assert blocked is not None
    assert blocked.blocked_at is not None
    await chat.send(user, "/menu")
    back = await db.users.by_telegram_id(405)
    assert back is not None
    assert back.blocked_at is None


async def test_unknown_and_forbidden_commands(chat: ChatDriver, db: Database, i18n: I18n) -> None:
    university = await make_university(db)
    await make_student(db, 406, university, locale="ru")
    user = FakeUser(406, "Студент")
    t = Translator(i18n, "ru")
    assert (await chat.send(user, "/frobnicate")).text == t(
        "I do not know this command. /help lists what I can do."
    )
    assert (await chat.send(user, "/invite")).text == t(
        "This command is not available for your role. /help lists yours."
    )
    guest = FakeUser(407, "Guest", language_code="ru")
    assert (await chat.send(guest, "/profile")).text == t("Please register first: send /start.")


async def test_cancel_leaves_any_step(chat: ChatDriver, db: Database, i18n: I18n) -> None:
    await make_university(db)
    user = FakeUser(408, "Cancel", language_code="en")
    t = Translator(i18n, "en")
    await begin(chat, user, t)
    await chat.press(user, t("🎓 I am a student"))
    reply = await chat.send(user, "/cancel")
    assert reply.text.startswith(t("Cancelled."))
    reply = await chat.send(user, "Some Name")
    assert reply.text == t("Please register first: send /start.")


async def test_conversation_survives_a_restart(
    chat: ChatDriver, settings: Settings, db: Database, i18n: I18n
) -> None:
    await make_university(db)
    user = FakeUser(409, "Restart", language_code="en")
    t = Translator(i18n, "en")
    await begin(chat, user, t)
    await chat.press(user, t("🎓 I am a student"))
    chat.dispatcher = create_dispatcher(settings, db, i18n)  # a new process: nothing in memory
    await chat.send(user, "Restarted Rita")
    await chat.press(user, "Шәкәрім")
    await chat.send(user, "Primary education")
    await chat.press(user, "2")
    saved = await db.users.by_telegram_id(409)
    assert saved is not None
    assert saved.locale == "en"
    assert saved.study_year == 2


async def test_config_admin_registers_as_admin(chat: ChatDriver, db: Database, i18n: I18n) -> None:
    user = FakeUser(ADMIN_ID, "Admin", language_code="en")
    t = Translator(i18n, "en")
    await begin(chat, user, t)
    await chat.send(user, "Admin Adminov")
    admin = await db.users.by_telegram_id(ADMIN_ID)
    assert admin is not None
    assert admin.role is Role.ADMIN


async def test_declining_consent_registers_nothing(
    chat: ChatDriver, db: Database, i18n: I18n
) -> None:
    user = FakeUser(410, "No", language_code="ru")
    t = Translator(i18n, "ru")
    await chat.send(user, "/start")
    await chat.press(user, "Русский")
    reply = await chat.press(user, t("Decline"))
    assert reply.text == t(
        "Without your consent we cannot register you. If you change your mind, send /start."
    )
    assert await db.users.by_telegram_id(410) is None


async def test_registered_student_accepts_a_new_role(
    chat: ChatDriver, db: Database, i18n: I18n
) -> None:
    university = await make_university(db)
    school = await make_org(db)
    await make_student(db, 411, university, locale="en")
    created = await db.invites.create(None, Role.MENTOR, school.id)
    user = FakeUser(411, "Graduate")
    t = Translator(i18n, "en")
    await chat.send(user, f"/start {created.code}")
    await chat.press(user, t("✅ Accept"))
    mentor = await db.users.by_telegram_id(411)
    assert mentor is not None
    assert (mentor.role, mentor.organization_id) == (Role.MENTOR, school.id)
