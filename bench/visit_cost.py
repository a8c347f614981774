"""Per-update cost of logging mentor visits, against a bare aiogram echo bot in the same run.

Each mentor logs complete visits (topic, class, five scores, comment, location, Save): every
update goes through the full app — middlewares, FSM state in SQLite, the visit rules and the
outbox row for the student's feedback. The echo bot answers the same number of plain
messages. Printed: µs per update for both, the ratio, and the cost of one whole visit.

    .venv/bin/python bench/visit_cost.py [--mentors 50] [--visits 4]
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
from datetime import timedelta
from pathlib import Path

from aiogram import Bot, Dispatcher
from aiogram.types import Update

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.middleware_cost import UNPACED, echo_router
from bot.app import create_bot, create_dispatcher
from bot.config import DatabaseSettings, Settings, TelegramSettings
from bot.i18n import load_i18n
from db import Database, ManualClock
from db.domain.models import OrgKind, Role
from db.domain.orgs import OrgInput
from db.domain.placements import OfferInput, PracticeKind
from db.domain.users import NewUser
from tests.fake_telegram import TEST_TOKEN, FakeTelegram, FakeUser, RecordingSession

SCHOOL = (50.42, 80.25)


async def seed(db: Database, mentors: int) -> None:
    now = db.clock.now()
    university = await db.orgs.create(
        OrgInput(OrgKind.UNIVERSITY, "Университет", None, None, "Семей")
    )
    school = await db.orgs.create(
        OrgInput(
            OrgKind.SCHOOL, "Мектеп", None, None, "Семей", latitude=SCHOOL[0], longitude=SCHOOL[1]
        )
    )
    coordinator_code = await db.invites.create(None, Role.COORDINATOR, university.id)
    coordinator = (
        await db.invites.redeem(coordinator_code.code, NewUser(1, "Координатор", None, "ru", now))
    ).user
    mentor_code = await db.invites.create(None, Role.MENTOR, school.id, max_uses=mentors)
    for index in range(mentors):
        mentor = (
            await db.invites.redeem(
                mentor_code.code, NewUser(1000 + index, f"Тәлімгер {index}", None, "kk", now)
            )
        ).user
        student = await db.users.register_student(
            NewUser(5000 + index, f"Студент {index}", None, "kk", now),
            university.id,
            "Педагогика",
            4,
        )
        offer = await db.placements.create_offer(
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
        await db.placements.place(coordinator, offer.id, student.id)


def visit_updates(telegram: FakeTelegram, mentor: FakeUser) -> list[dict[str, object]]:
    """The updates of one typical visit; button presses refer to the bot's latest message."""
    return [
        telegram.message_update(mentor, "/visit"),
        telegram.message_update(mentor, "Бөлшектерді қосу"),
        telegram.message_update(mentor, "5Б"),
        *[{"score": score} for score in (5, 4, 4, 3, 5)],
        telegram.message_update(mentor, "Жақсы сабақ"),
        telegram.location_update(mentor, SCHOOL[0] + 0.0005, SCHOOL[1]),
        {"press": "vs:save:0"},
    ]


async def run_visit(
    dispatcher: Dispatcher, bot: Bot, telegram: FakeTelegram, mentor: FakeUser
) -> int:
    steps = visit_updates(telegram, mentor)
    telegram.pending_updates.clear()
    count = 0
    criterion = 0
    for step in steps:
        if "score" in step:
            raw = telegram.callback_update(
                mentor, telegram.last_bot_message(mentor.id), f"sc:{criterion}:{step['score']}"
            )
            criterion += 1
        elif "press" in step:
            message = telegram.last_message_with_button(mentor.id, "✅")
            raw = telegram.callback_update(mentor, message, str(step["press"]))
        else:
            raw = step
        telegram.pending_updates.clear()
        await dispatcher.feed_update(bot, Update.model_validate(raw, context={"bot": bot}))
        count += 1
    return count


async def main(mentors: int, visits: int, rounds: int) -> None:
    logging.basicConfig(level=logging.INFO, stream=open(os.devnull, "w"))  # noqa: SIM115
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(
            telegram=TelegramSettings(token=TEST_TOKEN),
            database=DatabaseSettings(path=Path(directory) / "bench.db"),
            delivery=UNPACED,
        )
        clock = ManualClock(__import__("datetime").datetime.now(__import__("datetime").UTC))
        db = await Database.open(settings.database.path, clock)
        await seed(db, mentors)
        i18n = load_i18n("kk")
        telegram = FakeTelegram(now=lambda: clock.now().timestamp())
        bot = create_bot(settings, session=RecordingSession(telegram))
        app = create_dispatcher(settings, db, i18n)
        bare = Dispatcher()
        bare.include_router(echo_router())
        people = [FakeUser(1000 + i, f"M{i}", language_code="kk") for i in range(mentors)]

        visit_costs, echo_costs, whole_visit_ms = [], [], []
        for _ in range(rounds):
            started, updates = time.perf_counter(), 0
            for _ in range(visits):
                for mentor in people:
                    one = time.perf_counter()
                    updates += await run_visit(app, bot, telegram, mentor)
                    whole_visit_ms.append((time.perf_counter() - one) * 1000)
            visit_costs.append((time.perf_counter() - started) / updates * 1e6)
            echo = [
                Update.model_validate(
                    telegram.message_update(people[i % mentors], f"hi {i}"), context={"bot": bot}
                )
                for i in range(updates)
            ]
            telegram.pending_updates.clear()
            started = time.perf_counter()
            for update in echo:
                await bare.feed_update(bot, update)
            echo_costs.append((time.perf_counter() - started) / len(echo) * 1e6)
        saved = await db.fetch_value("SELECT count(*) FROM visits")
        await db.close()

    visit_us, echo_us = statistics.median(visit_costs), statistics.median(echo_costs)
    print(
        f"mentors: {mentors}, visits each per round: {visits}, rounds: {rounds}, visits saved: {saved}"
    )
    print(f"bare echo bot:      {echo_us:8.1f} µs/update")
    print(f"visit-logging path: {visit_us:8.1f} µs/update  ({visit_us / echo_us:4.2f}x bare echo)")
    print(f"one whole visit (11 updates): median {statistics.median(whole_visit_ms):.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mentors", type=int, default=50)
    parser.add_argument("--visits", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.mentors, arguments.visits, arguments.rounds))
