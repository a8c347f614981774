"""A message starting with "/" is a command at every step (issue 14, part 2).

Every State of every StatesGroup is found by walking the handlers package, not listed by
hand. In each: /language and /help answer and leave the form as it was, any other command
is refused with nothing stored, /cancel and /menu leave the form; on a search screen any
command simply leaves the search.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.utils.i18n import I18n

import handlers
from db import Database
from db.domain.models import Role
from handlers.kit.steps import Browsing
from tests.factories import make_member, make_university
from tests.fake_telegram import FakeUser
from tests.harness import ChatDriver
from tests.i18n_helpers import Translator

DRAFT = {"marker": "kept"}


def every_state() -> list[State]:
    for module in pkgutil.walk_packages(handlers.__path__, "handlers."):
        importlib.import_module(module.name)
    groups: list[type[StatesGroup]] = []
    stack = list(StatesGroup.__subclasses__())
    while stack:
        group = stack.pop()
        stack += group.__subclasses__()
        if group.__module__.startswith("handlers.") and group is not Browsing:
            groups.append(group)
    return sorted(
        (state for group in groups for state in group.__states__), key=lambda s: s.state or ""
    )


def context(chat: ChatDriver, person: FakeUser) -> FSMContext:
    return chat.dispatcher.fsm.get_context(bot=chat.bot, chat_id=person.id, user_id=person.id)


async def in_state(chat: ChatDriver, person: FakeUser, state: State) -> FSMContext:
    fsm = context(chat, person)
    await fsm.set_state(state)
    await fsm.set_data(dict(DRAFT))
    return fsm


def is_registration(state: State) -> bool:
    return (state.state or "").startswith("Registration:")


@pytest.fixture
async def coordinator(db: Database) -> FakeUser:
    university = await make_university(db)
    await make_member(db, Role.COORDINATOR, university, 7, locale="en")
    return FakeUser(7, "Coordinator")


def test_the_states_are_found_by_code() -> None:
    names = {state.state for state in every_state()}
    assert {"Registration:full_name", "NewEvent:title", "VisitFlow:topic"} <= names
    assert len(names) > 60


@pytest.mark.parametrize("state", every_state(), ids=lambda s: s.state)
async def test_commands_in_every_state(
    chat: ChatDriver, db: Database, coordinator: FakeUser, i18n: I18n, state: State
) -> None:
    t = Translator(i18n, "en")
    person = FakeUser(8, "Newcomer", language_code="en") if is_registration(state) else coordinator
    fsm = await in_state(chat, person, state)
    browsing = issubclass(state.group, Browsing)

    if browsing:
        reply = await chat.send(person, "/events")
        assert await fsm.get_state() is None, "a command leaves a search screen"
        assert reply.text != t("Please finish this step first, or send /cancel to stop it.")
        return

    for other in ("/offers", "/newevent", "/whatever"):
        reply = await chat.send(person, other)
        assert reply.text == t("Please finish this step first, or send /cancel to stop it.")
        assert await fsm.get_state() == state.state and await fsm.get_data() == DRAFT

    reply = await chat.send(person, "/language")
    assert t("Choose your language:") in reply.text
    assert await fsm.get_state() == state.state and await fsm.get_data() == DRAFT

    await chat.send(person, "/help")
    assert "/cancel" in chat.telegram.last_bot_message(person.id).text
    assert await fsm.get_state() == state.state and await fsm.get_data() == DRAFT

    await chat.send(person, "/cancel" if is_registration(state) else "/menu")
    assert await fsm.get_state() is None
    assert await db.users.by_telegram_id(person.id) is None or not is_registration(state)
