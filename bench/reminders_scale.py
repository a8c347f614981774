"""Bot startup with 10,000 upcoming events and 100,000 pending reminders, against an empty bot.

Runs the real `python -m bot` against the fake Bot API server twice — on an empty database
and on one filled with events and reminder rows — and prints, from the same run: the time
from process start to polling, the resident memory once running, how many jobs the
scheduler holds, and how late reminders due shortly after startup reach the server.

    .venv/bin/python bench/reminders_scale.py [--events 10000] [--per-event 10] [--timed 60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from db import Database
from db.domain.models import OrgKind, Role
from db.timeutil import to_db
from tests.e2e.process import BotProcess, write_config
from tests.factories import make_member, make_org, make_university
from tests.fake_telegram import FakeBotAPIServer, FakeTelegram, wait_until


async def fill(path: Path, events: int, per_event: int, timed: int) -> list[datetime]:
    """Bulk rows (the bench measures startup, not publishing); returns timed reminders' due times."""
    db = await Database.open(path)
    try:
        university = await make_university(db)
        school = await make_org(db, OrgKind.SCHOOL)
        organizer = await make_member(db, Role.COORDINATOR, university, 1, locale="en")
        people = [
            await make_member(db, Role.MENTOR, school, 100 + i, locale=("kk", "ru", "en")[i % 3])
            for i in range(timed)
        ]
        now = datetime.now(UTC).replace(microsecond=0)
        offsets = [5, 15, 30, 60, 120, 360, 720, 1440, 2880, 10080][:per_event]
        event_rows, reminder_rows, audience_rows = [], [], []
        for index in range(events):
            start = now + timedelta(days=15, minutes=13 * index)  # beyond every reminder's horizon
            event_rows.append(
                (
                    index + 1,
                    organizer.id,
                    "seminar",
                    f"Seminar {index}",
                    to_db(start),
                    to_db(start + timedelta(hours=2)),
                    "Hall",
                    to_db(now),
                )
            )
            audience_rows.append((index + 1, "role", "mentor"))
            reminder_rows += [
                (index + 1, offset, to_db(start - timedelta(minutes=offset))) for offset in offsets
            ]
        due = []
        for index in range(len(people)):  # reminders falling due a few seconds after startup
            event_id = events + index + 1
            due_at = now + timedelta(seconds=25 + index * 0.5)
            start = due_at + timedelta(minutes=5)
            event_rows.append(
                (
                    event_id,
                    organizer.id,
                    "seminar",
                    f"Timed {index}",
                    to_db(start),
                    to_db(start + timedelta(hours=1)),
                    "Hall",
                    to_db(now),
                )
            )
            reminder_rows.append((event_id, 5, due_at.strftime("%Y-%m-%d %H:%M:%S")))
            due.append(due_at)
        async with db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO events (id, organizer_id, kind, title, starts_at, ends_at, address, reminder_offsets,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, '[]', ?, ?)",
                [(*row, row[-1]) for row in event_rows],
            )
            await conn.executemany(
                "INSERT INTO event_audience (event_id, kind, value) VALUES (?, ?, ?)", audience_rows
            )
            await conn.executemany(
                "INSERT INTO event_reminders (event_id, offset_minutes, due_at) VALUES (?, ?, ?)",
                reminder_rows,
            )
            await conn.executemany(
                "INSERT INTO event_registrations (event_id, user_id, status, queued_at, updated_at)"
                " VALUES (?, ?, 'going', ?, ?)",
                [
                    (events + i + 1, person.id, to_db(now), to_db(now))
                    for i, person in enumerate(people)
                ],
            )
        pending = await db.fetch_value(
            "SELECT count(*) FROM event_reminders WHERE status = 'pending'"
        )
        print(f"filled: {events + timed} events, {pending} pending reminders")
        return [moment.replace(microsecond=0) for moment in due]
    finally:
        await db.close()


def rss_mb(pid: int) -> tuple[float, float]:
    status = Path(f"/proc/{pid}/status").read_text()
    current = int(re.search(r"VmRSS:\s+(\d+)", status)[1])  # type: ignore[index]
    peak = int(re.search(r"VmHWM:\s+(\d+)", status)[1])  # type: ignore[index]
    return current / 1024, peak / 1024


async def measure(directory: Path, label: str, due: list[datetime]) -> dict[str, float]:
    telegram = FakeTelegram()
    server = FakeBotAPIServer(telegram)
    await server.start()
    bot = BotProcess(write_config(directory, server.base_url), directory / "bot.log")
    started = time.monotonic()
    await bot.start(telegram)
    startup = time.monotonic() - started
    await asyncio.sleep(2)
    assert bot.process is not None
    rss, peak = rss_mb(bot.process.pid)
    lateness = []
    if due:
        await wait_until(
            lambda: len(telegram.calls("sendMessage")) >= len(due),
            timeout=120,
            what="the timed reminders",
        )
        sends = sorted(request.at for request in telegram.calls("sendMessage"))
        offset = time.time() - time.monotonic()  # request stamps are monotonic
        lateness = [
            (sent + offset) - when.timestamp()
            for sent, when in zip(sends, sorted(due), strict=False)
        ]
    await bot.stop()
    await server.stop()
    log = bot.log_text()
    figures = {"startup": startup, "rss": rss, "peak": peak}
    if lateness:
        figures.update(late_median=statistics.median(lateness), late_max=max(lateness))
    print(f"{label}: startup {startup:.2f} s, memory {rss:.0f} MB (peak {peak:.0f} MB)")
    if "Traceback" in log:
        print(log)
    return figures


async def main(events: int, per_event: int, timed: int) -> None:
    with tempfile.TemporaryDirectory() as empty_dir, tempfile.TemporaryDirectory() as full_dir:
        empty = Path(empty_dir)
        full = Path(full_dir)
        await fill(empty / "seriktes.db", 0, 0, 0)
        due = await fill(full / "seriktes.db", events, per_event, timed)
        baseline = await measure(empty, "empty database", [])
        loaded = await measure(full, f"{events} events", due)
    print(
        f"startup ratio: {loaded['startup'] / baseline['startup']:.2f}x the empty bot (target < 2x)"
    )
    print(f"memory: {loaded['rss']:.0f} MB running, {loaded['peak']:.0f} MB peak (target < 200 MB)")
    if "late_median" in loaded:
        print(
            f"reminders due after startup ({timed}): reached the Bot API a median {loaded['late_median'] * 1000:.0f} ms"
            f" and at most {loaded['late_max'] * 1000:.0f} ms after their due time (target < 1000 ms)"
        )
    print(json.dumps({"baseline": baseline, "loaded": loaded}))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--per-event", type=int, default=10)
    parser.add_argument("--timed", type=int, default=30)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.events, arguments.per_event, arguments.timed))
