"""Per-update cost of the main flows, against a bare aiogram echo bot in the same run.

Each flow is driven through the real Dispatcher as people do it (send text, press buttons
by their label), several times by different people. For each flow: µs per update and the
ratio to the echo bot, and per update the SQL statements (SQLite's trace callback) and the
round trips to a database thread (counted on the Database's connections: the writer and the
reader run statements inline, db/connection.py, so only long reads take one). One table.

    .venv/bin/python bench/flow_cost.py [--people 20] [--rounds 3]

The flows run in rounds, each round followed by the echo bot; a flow's figure is the median of
its rounds' ratios, so a burst of noise on the machine moves one round, not the table.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite
from aiogram import Dispatcher
from aiogram.types import Update

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.middleware_cost import UNPACED, echo_router
from bot.app import create_bot, create_dispatcher, handler_settings, settle_heap
from bot.config import DatabaseSettings, Settings, TelegramSettings
from bot.i18n import load_i18n
from bot.workers.delivery import DeliveryWorker
from db import Database, ManualClock
from db.domain.events import Audience, EventInput, EventKind
from db.domain.models import OrgKind, Role
from db.domain.orgs import OrgInput
from db.domain.placements import PLACES_MAX, OfferInput, PracticeKind
from db.domain.users import NewUser
from handlers import renderers
from tests.fake_telegram import TEST_TOKEN, FakeTelegram, FakeUser, RecordingSession
from tests.harness import ChatDriver
from tests.i18n_helpers import Translator


class Counts:
    """Round trips to the aiosqlite thread and SQL statements, while `counting` is on."""

    def __init__(self) -> None:
        self.round_trips = 0
        self.statements = 0
        self.counting = False

    def install(self) -> None:
        original = aiosqlite.Connection._execute
        counts = self

        async def counted(connection: aiosqlite.Connection, fn: Any, *args: Any, **kw: Any) -> Any:
            if counts.counting:
                counts.round_trips += 1
            return await original(connection, fn, *args, **kw)

        aiosqlite.Connection._execute = counted  # type: ignore[method-assign]

    def statement(self, _sql: str) -> None:
        if self.counting:
            self.statements += 1


@dataclass
class Town:
    people: int
    offer_ids: tuple[int, ...] = ()


Flow = Callable[[ChatDriver, Translator, int, Town], Awaitable[None]]


async def seed(db: Database, town: Town) -> None:
    now = db.clock.now()
    university = await db.orgs.create(
        OrgInput(OrgKind.UNIVERSITY, "Шәкәрім университеті", None, "Shakarim University", "Семей")
    )
    school = await db.orgs.create(
        OrgInput(
            OrgKind.SCHOOL, "№7 мектеп", None, "School 7", "Семей", latitude=50.4, longitude=80.2
        )
    )

    async def member(role: Role, org_id: int, telegram_id: int, uses: int = 1) -> Any:
        code = await db.invites.create(None, role, org_id)
        return (
            await db.invites.redeem(
                code.code, NewUser(telegram_id, f"P{telegram_id}", None, "en", now)
            )
        ).user

    coordinator = await member(Role.COORDINATOR, university.id, 1)
    await member(Role.DIRECTOR, school.id, 2)
    offers = []
    for _ in range(3):
        offers.append(
            await db.placements.create_offer(
                coordinator,
                OfferInput(
                    school.id,
                    PracticeKind.PEDAGOGICAL,
                    "Информатика",
                    db.today() + timedelta(days=30),
                    db.today() + timedelta(days=60),
                    PLACES_MAX,  # every waiting applicant fits, however many rounds
                ),
            )
        )
    town.offer_ids = tuple(offer.id for offer in offers)
    for index in range(town.people):
        mentor = await member(Role.MENTOR, school.id, 1000 + index)
        student = await db.users.register_student(
            NewUser(5000 + index, f"Student {index}", None, "en", now), university.id, "Pedagogy", 4
        )
        running = await db.placements.create_offer(
            coordinator,
            OfferInput(
                school.id,
                PracticeKind.PEDAGOGICAL,
                "Математика",
                db.today(),
                db.today() + timedelta(days=60),
                1,
                mentor_ids=(mentor.id,),
            ),
        )
        await db.placements.place(coordinator, running.id, student.id)
        await db.users.register_student(  # applies in the "apply" flow
            NewUser(7000 + index, f"Applicant {index}", None, "en", now),
            university.id,
            "Pedagogy",
            3,
        )
        waiting = await db.users.register_student(
            NewUser(8000 + index, f"Waiting {index}", None, "en", now), university.id, "Pedagogy", 3
        )
        await db.placements.apply(waiting, offers[0].id)
    start = db.clock.now().replace(microsecond=0) + timedelta(days=3)
    await db.events.create(
        coordinator,
        EventInput(
            EventKind.SEMINAR,
            "AI in teaching",
            start,
            start + timedelta(hours=2),
            Audience(everyone=True),
            address="Glinki 20",
        ),
    )


async def registration(chat: ChatDriver, t: Translator, i: int, town: Town) -> None:
    person = FakeUser(9000 + i, "New", language_code="en")
    await chat.send(person, "/start")
    await chat.press(person, "English")
    await chat.press(person, t("✅ I agree"))
    await chat.press(person, t("🎓 I am a student"))
    await chat.send(person, f"New Student {i}")
    await chat.press(person, "Shakarim")
    await chat.send(person, "6B01501 Mathematics")
    await chat.press(person, "3")


async def browsing(chat: ChatDriver, t: Translator, i: int, town: Town) -> None:
    person = FakeUser(7000 + i, "A", language_code="en")
    await chat.send(person, "/offers")
    await chat.press(person, "1")
    await chat.press(person, t("⬅️ Back to the list"))


async def applying(chat: ChatDriver, t: Translator, i: int, town: Town) -> None:
    person = FakeUser(7000 + i, "A", language_code="en")
    await chat.send(person, "/offers")
    await chat.press_data(person, f"offer:view:{town.offer_ids[i % len(town.offer_ids)]}")
    await chat.press(person, t("✍️ Apply"))
    await chat.press(person, t("Skip ▶️"))


async def approving(chat: ChatDriver, t: Translator, i: int, town: Town) -> None:
    director = FakeUser(2, "D", language_code="en")
    await chat.send(director, "/review")
    await chat.press(director, t("✅ Approve"))


async def visiting(chat: ChatDriver, t: Translator, i: int, town: Town) -> None:
    mentor = FakeUser(1000 + i, "M", language_code="en")
    await chat.send(mentor, "/visit")
    await chat.send(mentor, "Adding fractions")
    await chat.send(mentor, "5B")
    for criterion, score in enumerate((5, 4, 4, 3, 5)):
        await chat.press_data(mentor, f"sc:{criterion}:{score}")
    await chat.send(mentor, "A good lesson")
    await chat.press(mentor, t("✅ Save"))


async def logging_hours(chat: ChatDriver, t: Translator, i: int, town: Town) -> None:
    student = FakeUser(5000 + i, "S", language_code="en")
    await chat.send(student, "/hours")
    await chat.press(student, t("➕ Log hours"))
    await chat.press(student, t("Today"))
    await chat.send(student, "4")
    await chat.press(student, t("lessons taught").capitalize())
    await chat.send(student, "5B")


async def posting(chat: ChatDriver, t: Translator, i: int, town: Town) -> None:
    director = FakeUser(2, "D", language_code="en")
    await chat.send(director, "/issue")
    await chat.press(director, t("inclusive education, SEN").capitalize())
    await chat.press(director, t("Normal"))
    await chat.send(director, f"Help with inclusion {i}")
    await chat.send(director, "Three pupils need an individual plan; there is no tutor.")
    await chat.press(director, t("📤 Send the request"))


async def answering(chat: ChatDriver, t: Translator, i: int, town: Town) -> None:
    student = FakeUser(8000 + i, "W", language_code="en")
    await chat.send(student, "/events")
    await chat.press(student, "1")
    await chat.press(student, t("✅ I'll attend"))


async def opening_stats(chat: ChatDriver, t: Translator, i: int, town: Town) -> None:
    await chat.send(FakeUser(1, "C", language_code="en"), "/stats")


FLOWS: dict[str, Flow] = {
    "registration": registration,
    "browse offers": browsing,
    "apply": applying,
    "approve": approving,
    "visit": visiting,
    "hours": logging_hours,
    "post a request": posting,
    "event RSVP": answering,
    "open /stats": opening_stats,
}


async def echo_cost(bot: Any, telegram: FakeTelegram, updates: int) -> float:
    bare = Dispatcher()
    bare.include_router(echo_router())
    people = [FakeUser(100_000 + i, f"E{i}") for i in range(50)]
    echo = [
        Update.model_validate(
            telegram.message_update(people[i % 50], f"hi {i}"), context={"bot": bot}
        )
        for i in range(updates)
    ]
    telegram.pending_updates.clear()
    started = time.perf_counter()
    for update in echo:
        await bare.feed_update(bot, update)
    return (time.perf_counter() - started) / updates * 1e6


async def main(people: int, rounds: int) -> None:
    logging.basicConfig(level=logging.INFO, stream=open(os.devnull, "w"))  # noqa: SIM115
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    counts = Counts()
    counts.install()
    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(
            telegram=TelegramSettings(token=TEST_TOKEN),
            database=DatabaseSettings(path=Path(directory) / "bench.db"),
            delivery=UNPACED,
        )
        clock = ManualClock(datetime.now(UTC))
        db = await Database.open(settings.database.path, clock)
        town = Town(rounds * people + 1)  # the last one warms each flow up, unmeasured
        await seed(db, town)
        for connection in (db._writer, db._reader):  # counting the bench's own database
            await connection.set_trace_callback(counts.statement)
        i18n = load_i18n("kk")
        telegram = FakeTelegram(now=lambda: clock.now().timestamp())
        bot = create_bot(settings, session=RecordingSession(telegram))
        dispatcher = create_dispatcher(settings, db, i18n)
        delivery = DeliveryWorker(bot, db, i18n, handler_settings(settings), renderers(), UNPACED)
        chat = ChatDriver(dispatcher, bot, telegram, delivery)
        fed, busy = 0, 0.0
        feed_update = dispatcher.feed_update

        async def timed_feed(bot: Any, update: Update, **kwargs: Any) -> Any:
            """Only the Dispatcher's work is timed, as for the echo bot: not the test driver."""
            nonlocal fed, busy
            fed += 1
            started = time.perf_counter()
            try:
                return await feed_update(bot, update, **kwargs)
            finally:
                busy += time.perf_counter() - started

        dispatcher.feed_update = timed_feed  # type: ignore[method-assign]
        t = Translator(i18n, "en")
        rows: list[tuple[str, float, float, float, float, int]] = []
        echoes: list[float] = []
        settle_heap()  # as the bot does once it has started
        for flow in FLOWS.values():
            await flow(chat, t, rounds * people, town)  # first calls build aiogram's models
        measured: dict[str, list[tuple[float, float]]] = {name: [] for name in FLOWS}
        counted: dict[str, tuple[int, int, int]] = dict.fromkeys(FLOWS, (0, 0, 0))
        for round_number in range(rounds):  # rounds interleave the flows, spreading noise
            for name, flow in FLOWS.items():
                fed, busy, counts.round_trips, counts.statements = 0, 0.0, 0, 0
                counts.counting = True
                for index in range(round_number * people, (round_number + 1) * people):
                    await flow(chat, t, index, town)
                counts.counting = False
                measured[name].append((busy / fed * 1e6, 0.0))
                total = counted[name]
                counted[name] = (
                    total[0] + fed,
                    total[1] + counts.statements,
                    total[2] + counts.round_trips,
                )
            echo_us = await echo_cost(bot, telegram, 1000)
            for name in FLOWS:
                us, _ = measured[name][-1]
                measured[name][-1] = (us, us / echo_us)
            echoes.append(echo_us)
        for name in FLOWS:
            updates, statements, trips = counted[name]
            rows.append(
                (
                    name,
                    statistics.median(us for us, _ in measured[name]),
                    statistics.median(ratio for _, ratio in measured[name]),
                    statements / updates,
                    trips / updates,
                    updates,
                )
            )
        await bot.session.close()
        await db.close()

    print(
        f"people per flow and round: {people}, rounds: {rounds}; bare echo bot: "
        f"{statistics.median(echoes):.0f} µs/update (median of the rounds)"
    )
    print(
        f"{'flow':<16}{'µs/update':>11}{'× echo':>8}{'SQL/update':>12}{'trips/update':>14}{'updates':>9}"
    )
    for name, us, ratio, statements, trips, updates in rows:
        print(f"{name:<16}{us:>11.0f}{ratio:>8.2f}{statements:>12.1f}{trips:>14.1f}{updates:>9}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=20, help="people per flow and round")
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.people, arguments.rounds))
