"""A burst of newcomers against a fake Bot API that enforces Telegram's limits.

N people send /start within one second to the real bot process. The fake server answers
429 (with a real retry_after body) beyond 30 sends in any second and beyond 3 sends to one
chat in any 3 seconds, and counts every send that arrives before a retry_after it gave has
run out. Printed: how many were answered, how many twice, retry_after violations, and the
time to answer (p50, p95, max) against the lower bound the global limit allows (the k-th
reply cannot leave before k/30 s).

With --during-broadcast M the burst arrives while an announcement to M people is being
sent: printed too are the replies' times and the broadcast's rate before, during and after.

    .venv/bin/python bench/reply_burst.py [--people 200] [--during-broadcast 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.broadcast_speed import seed
from db import Database
from tests.e2e.process import BotProcess, write_config
from tests.fake_telegram import FakeBotAPIServer, FakeTelegram, FakeUser, wait_until

ALLOWED = 30
CHAT_BURST, CHAT_WINDOW = 3, 3.0
FIRST_PERSON = 900_000


def accepted_sends(telegram: FakeTelegram) -> list[tuple[float, int]]:
    refused = {id(request) for request in telegram.refused_requests}
    return [
        (r.at, int(r.params["chat_id"]))
        for r in telegram.calls("sendMessage")
        if id(r) not in refused
    ]


def ideal_waits(arrivals: list[float]) -> list[float]:
    """Each reply's wait if the bot answered instantly, as fast as the global limit allows."""
    departures: list[float] = []
    for arrival in arrivals:
        leaves = arrival
        if len(departures) >= ALLOWED:
            leaves = max(leaves, departures[-ALLOWED] + 1.0)
        departures.append(leaves)
    return [left - came for came, left in zip(arrivals, departures, strict=True)]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def burst(telegram: FakeTelegram, people: int) -> dict[int, float]:
    """`people` newcomers send /start within one second; returns when each one sent it."""
    sent_at: dict[int, float] = {}
    for index in range(people):
        person = FakeUser(FIRST_PERSON + index, f"Newcomer {index}", language_code="ru")
        telegram.message_update(person, "/start")
        sent_at[person.id] = time.monotonic()
        await asyncio.sleep(1.0 / people)
    return sent_at


async def broadcast_done(path: Path) -> None:
    db = await Database.open(path)
    try:
        while True:
            counts = await db.outbox.counts()
            if counts.pending + counts.sending == 0:
                return
            await asyncio.sleep(0.5)
    finally:
        await db.close()


async def run(people: int, broadcast: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        if broadcast:
            await seed(folder / "seriktes.db", broadcast)
        telegram = FakeTelegram()
        telegram.limit_rate(ALLOWED)
        telegram.limit_chat_rate(CHAT_BURST, CHAT_WINDOW)
        server = FakeBotAPIServer(telegram)
        await server.start()
        # The deployment's real limits (not the e2e tests' relaxed per-chat pace).
        bot = BotProcess(write_config(folder, server.base_url, delivery={}), folder / "bot.log")
        await bot.start(telegram)
        try:
            if broadcast:
                await wait_until(
                    lambda: len(accepted_sends(telegram)) >= broadcast // 3,
                    timeout=broadcast,
                    what="a third of the broadcast",
                )
            burst_started = time.monotonic()
            sent_at = await burst(telegram, people)
            await wait_until(
                lambda: len({c for _, c in accepted_sends(telegram) if c in sent_at}) == people,
                timeout=120,
                what="every newcomer answered",
            )
            burst_over = time.monotonic()
            if broadcast:
                await broadcast_done(folder / "seriktes.db")
        finally:
            await bot.stop()
            await server.stop()
        log = (folder / "bot.log").read_text(encoding="utf-8")
    sends = accepted_sends(telegram)
    first_reply: dict[int, float] = {}
    for at, chat in sends:
        if chat in sent_at and chat not in first_reply:
            first_reply[chat] = at
    replies = Counter(chat for _, chat in sends if chat in sent_at)
    waits = [first_reply[chat] - sent_at[chat] for chat in sent_at if chat in first_reply]
    bound = ideal_waits(sorted(sent_at.values()))
    print(
        f"people: {people} sent /start within 1 s; fake limits: {ALLOWED}/s overall, "
        f"{CHAT_BURST} per chat in {CHAT_WINDOW:.0f} s"
    )
    print(
        f"answered {len(first_reply)}/{people}, answered twice {sum(n > 1 for n in replies.values())},"
        f" retry_after violations {telegram.retry_after_violations}, 429s {telegram.refused},"
        f" tracebacks in the bot's log {log.count('Traceback')}"
    )
    print(
        f"time to answer: p50 {percentile(waits, 0.5):.2f} s, p95 {percentile(waits, 0.95):.2f} s,"
        f" max {max(waits):.2f} s"
    )
    print(
        f"lower bound (an instant bot at exactly {ALLOWED} per sliding second; N/{ALLOWED} ="
        f" {people / ALLOWED:.2f} s): p50 {percentile(bound, 0.5):.2f} s, p95"
        f" {percentile(bound, 0.95):.2f} s, max {max(bound):.2f} s -> ratios p50"
        f" {percentile(waits, 0.5) / percentile(bound, 0.5):.2f}x, p95"
        f" {percentile(waits, 0.95) / percentile(bound, 0.95):.2f}x"
    )
    if broadcast:
        broadcast_sends = sorted(at for at, chat in sends if chat not in sent_at)

        def rate(start: float, end: float) -> float:
            inside = [at for at in broadcast_sends if start <= at < end]
            return len(inside) / (end - start) if end > start else 0.0

        print(
            f"broadcast to {broadcast}: {rate(broadcast_sends[0], burst_started):.1f} msg/s before the"
            f" burst, {rate(burst_started, burst_over):.1f} during it (replies go first),"
            f" {rate(burst_over, broadcast_sends[-1]):.1f} after; all sends together during the burst"
            f" {sum(1 for at, _ in sends if burst_started <= at < burst_over) / (burst_over - burst_started):.1f} msg/s"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--during-broadcast", type=int, default=0)
    arguments = parser.parse_args()
    asyncio.run(run(arguments.people, arguments.during_broadcast))
