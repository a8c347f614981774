"""Broadcast throughput against a fake Bot API that enforces Telegram's 30 messages/second.

Two runs over the same number of recipients, each against a fresh fake server that answers
429 (retry_after 1) beyond 30 sends in any second:
  1. uninterrupted;
  2. the bot is killed with SIGKILL halfway and started again.
Printed for each: messages accepted per second while the bot ran (and as a share of the
allowed 30/s), duplicates, recipients who got nothing, rows left 'unknown' by the kill.

    .venv/bin/python bench/broadcast_speed.py [--recipients 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import signal
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from db import Database
from db.domain.broadcasts import BroadcastAudience, BroadcastDraft
from db.domain.models import Role
from db.timeutil import to_db
from tests.e2e.process import BotProcess, write_config
from tests.factories import make_member, make_university
from tests.fake_telegram import FakeBotAPIServer, FakeTelegram, wait_until

ALLOWED = 30
TEXTS = {"kk": "Хабарландыру", "ru": "Объявление", "en": "Announcement"}


async def seed(path: Path, recipients: int) -> None:
    db = await Database.open(path)
    try:
        university = await make_university(db)
        coordinator = await make_member(db, Role.COORDINATOR, university, 1, locale="ru")
        now = to_db(datetime.now(UTC))
        rows = [
            (
                100_000 + i,
                f"Student {i}",
                "student",
                university.id,
                ("kk", "ru", "en")[i % 3],
                now,
                now,
                now,
            )
            for i in range(recipients)
        ]
        async with db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO users (telegram_id, full_name, role, organization_id, locale, consent_at,"
                " created_at, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        await db.broadcasts.send(
            coordinator,
            BroadcastDraft(
                BroadcastAudience(roles=frozenset({Role.STUDENT})), TEXTS, "ru", "bench"
            ),
        )
    finally:
        await db.close()


def accepted(telegram: FakeTelegram) -> list[tuple[float, int]]:
    refused = {id(request) for request in telegram.refused_requests}
    return [
        (r.at, int(r.params["chat_id"]))
        for r in telegram.calls("sendMessage")
        if id(r) not in refused
    ]


async def run(recipients: int, kill: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        await seed(folder / "seriktes.db", recipients)
        telegram = FakeTelegram()
        telegram.limit_rate(ALLOWED)
        server = FakeBotAPIServer(telegram)
        await server.start()
        bot = BotProcess(write_config(folder, server.base_url), folder / "bot.log")
        running = 0.0
        started = time.monotonic()
        await bot.start(telegram)
        if kill:
            await wait_until(
                lambda: len(accepted(telegram)) >= recipients // 2, timeout=recipients, what="half"
            )
            await bot.stop(signal.SIGKILL)
            running += time.monotonic() - started
            started = time.monotonic()
            await bot.start(telegram)
        db = await Database.open(folder / "seriktes.db")
        try:
            while True:
                counts = await db.outbox.counts()
                if counts.pending + counts.sending == 0:
                    break
                await asyncio.sleep(0.5)
        finally:
            await db.close()
        running += time.monotonic() - started
        await bot.stop()
        await server.stop()
    sends = accepted(telegram)
    per_chat = Counter(chat for _, chat in sends)
    stamps = sorted(at for at, _ in sends)
    # The rate while sending: from the first to the last accepted send, minus the restart gap.
    gaps = [later - earlier for earlier, later in itertools.pairwise(stamps)]
    downtime = max(gaps) if kill and gaps else 0.0
    span = stamps[-1] - stamps[0] - downtime
    rate = (len(stamps) - 1) / span if span > 0 else 0.0
    return {
        "rate": rate,
        "share": rate / ALLOWED,
        "duplicates": sum(count - 1 for count in per_chat.values() if count > 1),
        "lost": recipients - len(per_chat),
        "unknown": counts.unknown,
        "refused": telegram.refused,
        "downtime": downtime,
        "wall": running,
    }


async def main(recipients: int) -> None:
    print(f"recipients: {recipients}, fake Bot API limit: {ALLOWED} messages/s (429 beyond)")
    for kill in (False, True):
        figures = await run(recipients, kill)
        label = "killed and restarted" if kill else "uninterrupted"
        print(
            f"{label:>21}: {figures['rate']:.2f} msg/s while sending ({figures['share']:.1%} of {ALLOWED}/s),"
            f" duplicates {figures['duplicates']:.0f}, lost {figures['lost']:.0f}"
            f" (rows left 'unknown' by the kill: {figures['unknown']:.0f}), 429s {figures['refused']:.0f}"
            + (f", down {figures['downtime']:.1f} s" if kill else "")
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--recipients", type=int, default=10_000)
    asyncio.run(main(parser.parse_args().recipients))
