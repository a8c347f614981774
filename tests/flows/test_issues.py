"""Schools' requests and confidential support through the real Dispatcher."""

from __future__ import annotations

import pytest
from aiogram.utils.i18n import I18n

from db import Database
from db.domain.issues import IssueStatus
from db.domain.models import OrgKind, Role
from tests.factories import make_member, make_org, make_student, make_university
from tests.fake_telegram import FakeUser
from tests.harness import ChatDriver
from tests.i18n_helpers import Translator


async def network(db: Database, locale: str) -> None:
    university = await make_university(db)
    school = await make_org(db, OrgKind.SCHOOL, name="№7 мектеп-гимназия")
    other = await make_org(db, OrgKind.SCHOOL, name="№12 мектеп")
    await make_member(db, Role.COORDINATOR, university, 1, name="Координатор Анна", locale=locale)
    await make_member(db, Role.COORDINATOR, university, 2, name="Әдіскер Бауыржан", locale=locale)
    await make_member(db, Role.DIRECTOR, school, 10, name="Директор Әсел", locale=locale)
    await make_member(db, Role.DIRECTOR, other, 11, name="Директор Марат", locale=locale)
    await make_student(db, 20, university, locale=locale)


async def post(chat: ChatDriver, t: Translator, director: FakeUser, urgent: bool = False) -> None:
    await chat.send(director, "/issue")
    await chat.press(director, t("inclusive education, SEN").capitalize())
    await chat.press(director, t("🔥 Urgent") if urgent else t("Normal"))
    await chat.send(director, "Инклюзия бойынша көмек")
    await chat.send(director, "Үш оқушыға жеке бағдарлама керек; тьютор жоқ.")


@pytest.mark.parametrize("locale", ["kk", "ru", "en"])
async def test_posted_assigned_commented_confirmed(
    chat: ChatDriver, db: Database, i18n: I18n, locale: str
) -> None:
    t = Translator(i18n, locale)
    await network(db, locale)
    director, coordinator, helper = (
        FakeUser(10, "Әсел"),
        FakeUser(1, "Анна"),
        FakeUser(2, "Бауыржан"),
    )

    await post(chat, t, director, urgent=True)
    await chat.feed(chat.telegram.photo_update(director))
    sent = await chat.press(director, t("📤 Send the request"))
    assert (
        t("Request #{id} has been sent to the university. You will be told of every change.", id=1)
        in sent.text
    )
    assert t("📎 {n} attachment", n=1) in sent.text or "📎" in sent.text
    await chat.deliver()
    urgent = chat.telegram.last_bot_message(1)
    assert urgent.text.startswith("🔥") and t("Open the request") in urgent.button_labels()

    await chat.press(coordinator, t("Open the request"))
    await chat.press(coordinator, t("👤 Assign"))
    await chat.press(coordinator, "Әдіскер Бауыржан")
    await chat.deliver()
    await chat.press(helper, t("Open the request"))
    await chat.press(helper, t("💬 Comment"))
    await chat.send(helper, "Келесі аптада тьютор келеді")
    await chat.press(helper, t("✅ Resolved"))
    await chat.deliver()
    texts = [m.text or "" for m in chat.telegram.bot_messages(10)]
    assert any("Келесі аптада тьютор келеді" in text for text in texts), (
        "the director reads the comment"
    )
    assert any(
        t("If it is solved, please confirm; if not, reopen it with a comment.") in text
        for text in texts
    )
    await chat.press(director, t("✅ Confirm it is solved"))
    issue = await db.issues.get(1)
    assert issue is not None and issue.status is IssueStatus.CLOSED


async def test_bad_input_while_posting(chat: ChatDriver, db: Database, i18n: I18n) -> None:
    t = Translator(i18n, "en")
    await network(db, "en")
    director = FakeUser(10, "Director")
    await chat.send(director, "/issue")
    await chat.press(director, t("staffing and vacancies").capitalize())
    await chat.send(director, "Informatics and robotics")
    assert (await chat.send(director, "soon")).text == t(
        "Please write the date as DD.MM.YYYY, for example 12.01.2027."
    )
    await chat.send(director, "01.09.2027")
    await chat.press(director, t("Normal"))
    assert (await chat.send(director, "!!")).text == t(
        "Please give the request a short title (at least 3 characters)."
    )
    await chat.send(director, "We need a robotics teacher")
    too_long = await chat.send(director, "x" * 3500)
    assert too_long.text == t(
        "Please keep the description under 3000 characters; details can go into comments."
    )
    await chat.send(director, "From September, 18 hours a week.")
    await chat.feed(chat.telegram.sticker_update(director))
    unsupported = t(
        "This file type is not supported. Please send photos, or PDF, Word, Excel or PowerPoint files up to 20 MB."
    )
    assert chat.telegram.last_bot_message(10).text == unsupported
    sent = await chat.press(director, t("📤 Send the request"))
    assert (
        t("Vacancy: {subject}, from {date}", subject="Informatics and robotics", date="Sep 1, 2027")
        in sent.text
    )


async def test_another_school_cannot_see_or_change(
    chat: ChatDriver, db: Database, i18n: I18n
) -> None:
    t = Translator(i18n, "ru")
    await network(db, "ru")
    await post(chat, t, FakeUser(10, "Director"))
    await chat.press(FakeUser(10, "Director"), t("📤 Send the request"))
    intruder = FakeUser(11, "Other")
    assert (await chat.send(intruder, "/issues")).text == t("No requests match.")
    issue = await db.issues.get(1)
    assert issue is not None
    for forged in (
        "is:open:1:0:0",
        f"is:comment:1:{issue.version}:0",
        f"is:close:1:{issue.version}:0",
    ):
        await chat.press_data(intruder, forged)
        assert chat.last_answer()["show_alert"] is True
    student = FakeUser(20, "Student")
    assert (await chat.send(student, "/issues")).text == t(
        "This command is not available for your role. /help lists yours."
    )
    refreshed = await db.issues.get(1)
    assert refreshed is not None and refreshed.version == issue.version


async def test_the_second_coordinator_sees_the_first_change(
    chat: ChatDriver, db: Database, i18n: I18n
) -> None:
    t = Translator(i18n, "en")
    await network(db, "en")
    await post(chat, t, FakeUser(10, "Director"))
    await chat.press(FakeUser(10, "Director"), t("📤 Send the request"))
    first, second = FakeUser(1, "A"), FakeUser(2, "B")
    for coordinator in (first, second):
        await chat.send(coordinator, "/issues")
        await chat.press(coordinator, "1")
    await chat.press(first, t("✅ Resolved"))
    await chat.press(second, t("❌ Reject"))
    assert chat.last_answer()["text"] == t(
        "Someone changed this request a moment ago: it is now {status}. Here it is as it stands.",
        status=t("✅ resolved"),
    )
    issue = await db.issues.get(1)
    assert issue is not None and issue.status is IssueStatus.RESOLVED


async def test_no_comments_on_a_closed_request(chat: ChatDriver, db: Database, i18n: I18n) -> None:
    t = Translator(i18n, "kk")
    await network(db, "kk")
    director = FakeUser(10, "Director")
    await post(chat, t, director)
    await chat.press(director, t("📤 Send the request"))
    await chat.send(FakeUser(1, "C"), "/issues")
    card = await chat.press(FakeUser(1, "C"), "1")
    comment_button = card.find_button(t("💬 Comment"))
    assert comment_button is not None
    await chat.press(FakeUser(1, "C"), t("❌ Reject"))
    await chat.send(FakeUser(1, "C"), "Біздің бейінге жатпайды")
    await chat.press_data(FakeUser(1, "C"), comment_button["callback_data"], card)
    await chat.send(FakeUser(1, "C"), "Тағы бір сөз")
    assert chat.telegram.last_bot_message(1).text == t(
        "This request is closed: it takes no more comments or changes."
    )


async def test_confidential_support_between_two_people(
    chat: ChatDriver, db: Database, i18n: I18n
) -> None:
    t = Translator(i18n, "ru")
    await network(db, "ru")
    admin_user = await make_member(
        db, Role.ADMIN, await make_university(db, "Админ"), 30, locale="ru"
    )
    admin = FakeUser(30, "Admin")
    await chat.send(admin, "/supportstaff")
    await chat.send(admin, "Әдіскер")
    await chat.press(admin, "Әдіскер Бауыржан")
    helper = await db.users.by_telegram_id(2)
    assert helper is not None and helper.is_support and admin_user.role is Role.ADMIN

    student = FakeUser(20, "Student")
    prompt = await chat.send(student, "/support")
    assert prompt.text.startswith("🔒 <b>Конфиденциальная поддержка</b>")
    await chat.send(student, "Мне тяжело на практике")
    await chat.deliver()
    alert = chat.telegram.last_bot_message(2)
    assert "Мне тяжело" not in alert.text, "the first notice does not carry the content"
    await chat.press(FakeUser(2, "Helper"), t("Open"))
    await chat.press(FakeUser(2, "Helper"), t("✍️ Answer"))
    await chat.send(FakeUser(2, "Helper"), "Давайте поговорим завтра")
    await chat.deliver()
    assert "Давайте поговорим завтра" in chat.telegram.last_bot_message(20).text
    coordinator = FakeUser(1, "Coordinator")
    await chat.send(coordinator, "/menu")
    await chat.press_data(coordinator, "sp:open:1")
    assert chat.last_answer()["text"] == t("This conversation is not available.")
