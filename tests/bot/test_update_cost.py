"""What makes an update cheap (issue 15) must not change what the bot does."""

from __future__ import annotations

import gc
import weakref
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey
from aiogram.methods import Response
from aiogram.types import CallbackQuery, Chat, Message, Update
from aiogram.types import User as TgUser
from aiogram.utils.i18n import I18n
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.app import create_bot, create_dispatcher
from bot.config import Settings
from bot.routing import Gate, router_need
from bot.storage import SQLiteStorage
from bot.workers.reports import ReportWorker
from db import Database
from db.domain.models import OrgKind
from db.domain.orgs import OrgInput
from handlers import get_routers
from handlers.kit.keyboard import InlineKeyboard
from handlers.placements.callbacks import OfferCb
from tests.fake_telegram import FakeTelegram, FakeUser, RecordingSession

PERSON = TgUser(id=7, is_bot=False, first_name="A")


class Form(StatesGroup):
    name = State()


def message(text: str) -> Message:
    return Message(
        message_id=1, date=0, chat=Chat(id=7, type="private"), from_user=PERSON, text=text
    )


def press(data: str) -> CallbackQuery:
    return CallbackQuery(id="1", from_user=PERSON, chat_instance="c", data=data)


def form_router() -> Router:
    router = Router()
    router.message.register(lambda m: None, Form.name, F.text)
    router.message.register(lambda m: None, Command("offers"))
    router.callback_query.register(lambda q: None, OfferCb.filter())
    return router


def test_a_gate_lets_through_only_what_some_handler_could_take() -> None:
    router = form_router()
    message_need, button_need = (
        router_need(router, "message"),
        router_need(router, "callback_query"),
    )
    assert message_need is not None
    assert button_need is not None
    messages, buttons = Gate(message_need), Gate(button_need)
    assert messages.admits(message("Adding fractions"), raw_state=Form.name.state)
    assert messages.admits(message("/offers"))
    assert messages.admits(message("/OFFERS@seriktes_bot math"))
    assert not messages.admits(message("Adding fractions"))
    assert not messages.admits(message("/visit"))
    assert buttons.admits(press(OfferCb(action="view", offer_id=3).pack()))
    assert not buttons.admits(press("ev:open:3"))
    assert not buttons.admits(press("offers"))


async def test_a_gated_router_is_not_entered_at_all_by_what_it_cannot_take(
    settings: Settings,
    db: Database,
    i18n: I18n,
    telegram: FakeTelegram,
    reports: ReportWorker,
) -> None:
    """Turned away before aiogram's per-router work: not even its outer middleware runs."""
    entered: list[str] = []
    taken: list[str] = []

    async def note_entry(handler: Any, event: Any, data: dict[str, Any]) -> Any:
        entered.append(event.data)
        return await handler(event, data)

    async def take(query: CallbackQuery) -> None:
        taken.append(query.data or "")
        await query.answer()

    offers = Router(name="offers")
    offers.callback_query.outer_middleware(note_entry)
    offers.callback_query.register(take, OfferCb.filter())
    bot = create_bot(settings, session=RecordingSession(telegram))
    dispatcher = create_dispatcher(settings, db, i18n, reports=reports, routers=[offers])
    person = FakeUser(7, "A")
    await bot.send_message(person.id, "Offers")
    pressed = telegram.last_bot_message(person.id)
    for data in ("ev:open:3", OfferCb(action="view", offer_id=3).pack()):
        update = telegram.callback_update(person, pressed, data)
        telegram.pending_updates.remove(update)
        await dispatcher.feed_update(bot, Update.model_validate(update, context={"bot": bot}))
    assert entered == taken == ["offer:view:3"]
    await bot.session.close()


def test_a_router_with_a_handler_that_takes_anything_is_not_gated() -> None:
    router = form_router()
    router.message.register(lambda m: None, StateFilter("*"))
    assert router_need(router, "message") is None
    assert router_need(router, "callback_query") is not None


def test_every_feature_is_gated_so_an_update_skips_the_features_it_cannot_reach() -> None:
    """Only the command guard and the fallback may see every update; a new feature router
    with a handler that names no state, command or button would make every update pay
    for all of its checks."""
    ungated = {
        f"{router.name}.{observer}"
        for router in get_routers()
        for observer in ("message", "callback_query")
        if router.observers[observer].handlers or router.sub_routers
        if router_need(router, observer) is None
    }
    assert ungated == {"steps.message", "fallback.message", "fallback.callback_query"}


async def test_a_batch_writes_the_conversation_once_and_only_when_it_changed(
    db: Database,
) -> None:
    statements: list[str] = []
    await db._writer.set_trace_callback(statements.append)
    storage = SQLiteStorage(db.fsm)
    key = StorageKey(bot_id=1, chat_id=7, user_id=7)
    async with storage.batched_writes():
        await storage.set_state(key, "VisitForm:topic")
        await storage.update_data(key, {"topic": "Fractions"})
        await storage.update_data(key, {"class_group": "5B"})
        assert [s for s in statements if "fsm_state" in s] == []  # nothing written yet
    writes = [s for s in statements if "fsm_state" in s]
    assert len(writes) == 1
    restarted = SQLiteStorage(db.fsm)
    assert await restarted.get_state(key) == "VisitForm:topic"
    assert await restarted.get_data(key) == {"topic": "Fractions", "class_group": "5B"}
    async with storage.batched_writes():
        await storage.set_state(key, "VisitForm:topic")  # as it already is
    assert len([s for s in statements if "fsm_state" in s]) == 1


async def test_a_renamed_organization_shows_its_new_name_at_once(db: Database) -> None:
    school = await db.orgs.create(
        OrgInput(OrgKind.SCHOOL, "№7 мектеп", None, None, "Семей", code="S7")
    )
    assert (await db.orgs.get(school.id)) == school  # now cached
    assert (await db.orgs.by_ids([school.id]))[school.id] == school
    renamed = await db.orgs.create(
        OrgInput(OrgKind.SCHOOL, "№7 гимназия", None, None, "Семей", code="S7")
    )
    assert renamed.id == school.id
    assert (await db.orgs.get(school.id)).name_kk == "№7 гимназия"  # type: ignore[union-attr]
    assert (await db.orgs.by_ids([school.id]))[school.id].name_kk == "№7 гимназия"


def test_the_keyboard_builds_what_aiogram_builds_and_exports_a_copy() -> None:
    ours, stock = InlineKeyboard(), InlineKeyboardBuilder()
    for builder in (ours, stock):
        for number in range(1, 8):
            builder.button(text=str(number), callback_data=OfferCb(action="view", offer_id=number))
        builder.adjust(3, 2)
    assert ours.as_markup() == stock.as_markup()
    exported = ours.export()
    exported[0].clear()
    assert len(ours.export()[0]) == 3


async def test_the_bot_keeps_the_response_models_it_parses(
    settings: Settings, telegram: FakeTelegram
) -> None:
    bot = create_bot(settings, session=RecordingSession(telegram))
    await bot.send_message(7, "hello")
    model = weakref.ref(Response[Message])
    gc.collect()
    assert model() is not None  # not rebuilt on the next message
    await bot.session.close()
