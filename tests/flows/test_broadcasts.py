"""Announcements: audiences and rules on SQLite, the compose flow through the real Dispatcher,
and delivery in each recipient's language with a progress report edited in place."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiogram.utils.i18n import I18n

from bot.workers.broadcast_progress import BroadcastProgress
from db import Database
from db.domain.broadcasts import BroadcastAudience, BroadcastDraft, EmptyAudience
from db.domain.errors import InvalidValue, NotAllowed
from db.domain.events import Audience, EventInput, EventKind
from db.domain.models import OrgKind, Role
from db.outbox import PRIORITY_BROADCAST
from tests.factories import make_member, make_org, make_student, make_university
from tests.fake_telegram import FakeUser
from tests.harness import ChatDriver
from tests.i18n_helpers import Translator


class Network:
    async def build(self, db: Database) -> Network:
        self.university = await make_university(db)
        self.semey = await make_org(
            db, OrgKind.SCHOOL, name="Семей мектебі", city="Семей", region="Абай облысы"
        )
        self.almaty = await make_org(
            db, OrgKind.SCHOOL, name="Алматы мектебі", city="Алматы", region="Алматы"
        )
        self.coordinator = await make_member(db, Role.COORDINATOR, self.university, 1, locale="ru")
        self.director = await make_member(db, Role.DIRECTOR, self.semey, 2, locale="kk")
        self.mentors = [
            await make_member(db, Role.MENTOR, self.semey, 10, locale="kk"),
            await make_member(db, Role.MENTOR, self.semey, 11, locale="en"),
            await make_member(db, Role.MENTOR, self.almaty, 12, locale="ru"),
        ]
        self.students = [
            await make_student(db, 20 + i, self.university, locale=("kk", "ru", "en")[i])
            for i in range(3)
        ]
        return self


@pytest.fixture
async def net(db: Database) -> Network:
    return await Network().build(db)


def draft(audience: BroadcastAudience, token: str = "t", **texts: str) -> BroadcastDraft:
    return BroadcastDraft(
        audience=audience,
        texts=texts or {"ru": "Объявление"},
        author_locale="ru",
        draft_token=token,
    )


async def test_audiences(db: Database, net: Network) -> None:
    count = lambda audience: db.broadcasts.count(net.coordinator, audience)  # noqa: E731
    assert await count(BroadcastAudience(everyone=True)) == 7, "everyone but the author"
    assert await count(BroadcastAudience(roles=frozenset({Role.MENTOR}))) == 3
    assert (
        await count(
            BroadcastAudience(roles=frozenset({Role.MENTOR}), places=frozenset({"Абай облысы"}))
        )
        == 2
    )
    assert await count(BroadcastAudience(organization_ids=frozenset({net.almaty.id}))) == 1
    start = db.clock.now() + timedelta(days=2)
    (event,) = await db.events.create(
        net.coordinator,
        EventInput(
            EventKind.SEMINAR,
            "Семинар",
            start,
            start + timedelta(hours=1),
            Audience(everyone=True),
            address="Зал",
        ),
    )
    await db.events.answer(net.students[0], event.id, True)
    assert await count(BroadcastAudience(event_id=event.id)) == 1
    # A director reaches their own school's mentors, whatever they ask for.
    assert await db.broadcasts.count(net.director, BroadcastAudience(everyone=True)) == 2
    with pytest.raises(NotAllowed):
        await db.broadcasts.count(net.students[0], BroadcastAudience(everyone=True))


async def test_sending_rules(db: Database, net: Network) -> None:
    with pytest.raises(EmptyAudience):
        await db.broadcasts.send(net.coordinator, draft(BroadcastAudience()))
    with pytest.raises(EmptyAudience):
        await db.broadcasts.send(
            net.coordinator, draft(BroadcastAudience(places=frozenset({"Шымкент"})))
        )
    with pytest.raises(InvalidValue) as long:
        await db.broadcasts.send(
            net.coordinator, draft(BroadcastAudience(everyone=True), ru="ы" * 4097)
        )
    assert long.value.detail == "too_long"
    caption = BroadcastDraft(
        BroadcastAudience(everyone=True), {"ru": "ы" * 1025}, "ru", "c", "photo", "file-1"
    )
    with pytest.raises(InvalidValue) as too_long_caption:
        await db.broadcasts.send(net.coordinator, caption)
    assert too_long_caption.value.detail == "caption_too_long"
    # Telegram counts what is seen: markup does not count.
    first, created = await db.broadcasts.send(
        net.coordinator, draft(BroadcastAudience(everyone=True), ru="<b>" + "ы" * 4096 + "</b>")
    )
    again, again_created = await db.broadcasts.send(
        net.coordinator, draft(BroadcastAudience(everyone=True), ru="<b>" + "ы" * 4096 + "</b>")
    )
    assert created and not again_created and again.id == first.id, "pressing Send twice sends once"
    assert (
        await db.fetch_value("SELECT count(*) FROM outbox WHERE broadcast_id = ?", (first.id,)) == 7
    )
    assert (
        await db.fetch_value(
            "SELECT DISTINCT priority FROM outbox WHERE broadcast_id = ?", (first.id,)
        )
        == PRIORITY_BROADCAST
    )


async def test_compose_preview_send_and_report(
    chat: ChatDriver, db: Database, net: Network, i18n: I18n
) -> None:
    ru = Translator(i18n, "ru")
    coordinator = FakeUser(1, "Coordinator")
    await chat.send(coordinator, "/broadcast")
    await chat.press(
        coordinator, ru.pgettext("go on to the next step of the announcement", "Next ▶️")
    )
    assert chat.last_answer()["text"] == ru("Nobody matches this audience. Please change it.")
    await chat.press(coordinator, ru("mentors").capitalize())
    await chat.press(
        coordinator, ru.pgettext("go on to the next step of the announcement", "Next ▶️")
    )
    too_long = await chat.send(coordinator, "х" * 4100)
    assert too_long.text == ru(
        "The text is longer than Telegram allows (4096 characters). Please shorten it."
    )
    await chat.send(coordinator, "Семинар <по> ИИ в пятницу & не только")
    await chat.press(coordinator, "Қазақша")
    await chat.send(coordinator, "Жұма күні ЖИ бойынша семинар")
    await chat.press(coordinator, ru("Continue ▶️"))
    preview = chat.telegram.bot_messages(1)[-2]
    assert preview.text == "Семинар &lt;по&gt; ИИ в пятницу &amp; не только", (
        "the author's text is escaped, not parsed"
    )
    summary = chat.telegram.last_bot_message(1)
    assert ru.plural("Recipients: {n} person", "Recipients: {n} people", 3) in summary.text
    send_button = summary.button_labels()[0]
    await chat.press(coordinator, send_button)
    await chat.press_data(coordinator, "bc:send:", summary)
    assert await db.fetch_value("SELECT count(*) FROM broadcasts") == 1, (
        "a second press sends nothing more"
    )

    await chat.deliver()
    assert chat.telegram.last_bot_message(10).text == "Жұма күні ЖИ бойынша семинар"
    assert chat.telegram.last_bot_message(11).text.startswith("Семинар"), (
        "no English version: the author's"
    )
    assert chat.telegram.last_bot_message(12).text.startswith("Семинар")
    assert not chat.telegram.bot_messages(20), "students are not in the audience"

    await BroadcastProgress(chat.bot, db, i18n).tick()
    report = chat.telegram.last_bot_message(1).text
    assert report.startswith(ru("✅ Announcement #{id} is delivered. Report:", id=1))
    assert await db.fetch_value("SELECT status FROM broadcasts") == "done"
    listing = await chat.send(coordinator, "/broadcasts")
    assert "#1" in listing.text


async def test_who_may_broadcast(chat: ChatDriver, db: Database, net: Network, i18n: I18n) -> None:
    student = FakeUser(20, "Student")
    assert (await chat.send(student, "/broadcast")).text == Translator(i18n, "kk")(
        "This command is not available for your role. /help lists yours."
    )
    await chat.press_data(student, "bc:send:")
    assert chat.last_answer()["show_alert"] is True
    director = FakeUser(2, "Director")
    prompt = await chat.send(director, "/broadcast")
    assert Translator(i18n, "kk")("An announcement for your school's mentors.") in prompt.text
    await chat.send(director, "Ертең кеңес болады")
    await chat.press(director, Translator(i18n, "kk")("Continue ▶️"))
    summary = chat.telegram.last_bot_message(2)
    await chat.press(director, summary.button_labels()[0])
    await chat.deliver()
    assert chat.telegram.last_bot_message(10).text == "Ертең кеңес болады"
    assert not chat.telegram.bot_messages(12), "another school's mentor is not reached"
