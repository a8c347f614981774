"""Button data is untrusted input (issue 14, part 3): any field of any button, forged.

Every CallbackData class is pressed, by people of every role, with 0, -1, 2^31, 2^63 and
garbage in each field. Whatever does not parse gets the stale-button answer; nothing may
reach a query unbounded, and no handler may fail.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import re
from pathlib import Path

import pytest
from aiogram.filters.callback_data import CallbackData
from aiogram.utils.i18n import I18n

import handlers
from db import Database
from db.domain.models import OrgKind, Role
from tests.factories import make_member, make_org, make_student, make_university
from tests.fake_telegram import FakeUser
from tests.harness import ChatDriver
from tests.i18n_helpers import Translator

ROOT = Path(__file__).resolve().parents[2]
BAD = ("0", "-1", str(2**31), str(2**63), "zz")
FILTER = re.compile(r"(\w+Cb)\.filter\(F\.(\w+) == \"(\w+)\"\)")
FILTER_IN = re.compile(r"(\w+Cb)\.filter\(F\.(\w+)\.in_\(\{([^}]*)\}\)\)")


def button_classes() -> list[type[CallbackData]]:
    for module in pkgutil.walk_packages(handlers.__path__, "handlers."):
        importlib.import_module(module.name)
    found: list[type[CallbackData]] = []
    stack = list(CallbackData.__subclasses__())
    while stack:
        cls = stack.pop()
        stack += cls.__subclasses__()
        if cls.__module__.startswith("handlers."):
            found.append(cls)
    return sorted(found, key=lambda cls: cls.__prefix__)


def filtered_values() -> dict[tuple[str, str], set[str]]:
    """The string values handlers filter on, per (class, field): the buttons that do something."""
    values: dict[tuple[str, str], set[str]] = {}
    for path in (ROOT / "handlers").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for cls, field, value in FILTER.findall(text):
            values.setdefault((cls, field), set()).add(value)
        for cls, field, listed in FILTER_IN.findall(text):
            values.setdefault((cls, field), set()).update(re.findall(r"\"(\w+)\"", listed))
    return values


def forged(cls: type[CallbackData]) -> list[str]:
    """Packed data for every action the class's handlers know, each field in turn forged."""
    fields = list(cls.model_fields)
    known = filtered_values()
    strings = {
        name: sorted(known.get((cls.__name__, name), {"x"}))
        for name, info in cls.model_fields.items()
        if info.annotation in (str, "str")
    }
    action_field = next(iter(strings), None)
    actions = strings.get(action_field, ["x"]) if action_field else [""]
    presses = []
    for action in actions:
        base = [
            action if name == action_field else (strings[name][0] if name in strings else "1")
            for name in fields
        ]
        for index in range(len(fields)):
            for bad in BAD:
                parts = list(base)
                parts[index] = bad
                presses.append(":".join([cls.__prefix__, *parts]))
        if not fields:
            presses.append(cls.__prefix__ + ":" + "zz")
    return presses


@pytest.fixture
async def people(db: Database) -> list[FakeUser]:
    university = await make_university(db)
    school = await make_org(db, OrgKind.SCHOOL)
    await make_student(db, 41, university)
    await make_member(db, Role.MENTOR, school, 42)
    await make_member(db, Role.DIRECTOR, school, 43)
    await make_member(db, Role.COORDINATOR, university, 44)
    department = await make_org(db, OrgKind.DEPARTMENT, region="Абай облысы")
    await make_member(db, Role.DEPARTMENT, department, 45)
    return [
        FakeUser(41, "S"),
        FakeUser(42, "M"),
        FakeUser(43, "D"),
        FakeUser(44, "C"),
        FakeUser(45, "R"),
    ]


async def test_every_forged_field_of_every_button_is_answered_without_a_failure(
    chat: ChatDriver, people: list[FakeUser], caplog: pytest.LogCaptureFixture, i18n: I18n
) -> None:
    classes = button_classes()
    assert len(classes) > 40
    for person in people:
        await chat.send(person, "/menu")
    caplog.set_level(logging.WARNING)
    pressed = 0
    for cls in classes:
        for data in forged(cls):
            for person in people:
                await chat.press_data(person, data)
                pressed += 1
        for person in people:
            await chat.send(person, "/cancel")  # a press may have opened a form
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not failures, [r.getMessage() for r in failures][:5]
    assert pressed > 2000
    sorry = Translator(i18n, "kk")(
        "Sorry, something went wrong on our side. Please try again in a moment."
    )
    assert all(sorry not in text for person in people for text in chat.texts(person))
