"""What a 50,000-row export costs, and whether the bot keeps answering while it is built.

A generated year of a 60-school network (tests/datagen.py) is grown to about 50,000 export
rows by copying its hours and visits across the year. Then, in one run:

- the time to write the Excel workbook and the CSV ZIP in a worker process;
- the worker's peak memory for a one-month export and for the whole year (flat = bounded);
- how fast the bot answers other people's /help meanwhile: answer latency while idle, while
  the export runs in the worker process (what the bot does), and while it runs in a thread of
  the bot's own process (what it avoids), as ratios against idle.

    .venv/bin/python bench/export_cost.py [--rows 50000]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Only light modules at the top: the worker processes are spawned and re-import this script,
# and should weigh what they weigh in the bot (no aiogram), so the bot's parts are imported
# inside the functions that use them.
from bench.middleware_cost import UNPACED
from bot.workers.reports import ReportWorker, new_pool
from db import Database, ManualClock
from db.domain.reports import Period, ReportScope
from handlers.reports.port import ExportLabels, ExportOrder
from tests.datagen import at, generate

ALMATY = ZoneInfo("Asia/Almaty")
YEAR = Period(date(2025, 9, 1), date(2026, 8, 31))
MONTH = Period(date(2025, 10, 1), date(2025, 10, 31))


def grow(path: Path, rows: int) -> dict[str, int]:
    """Copy hours and visits (shifted by whole weeks) until the export has about `rows` rows."""
    with sqlite3.connect(path) as conn:

        def total() -> int:
            return sum(
                conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in (
                    "practice_hours",
                    "visits",
                    "applications",
                    "school_issues",
                    "events",
                    "event_registrations",
                    "organizations",
                )
            )

        shift = 7
        while total() < rows:
            conn.execute(
                "INSERT INTO practice_hours (application_id, worked_on, hours, activity, note,"
                " status, reviewed_by, reviewed_at, created_at, updated_at)"
                " SELECT application_id, date(worked_on, ?), hours, activity, note, status,"
                " reviewed_by, reviewed_at, created_at, updated_at FROM practice_hours"
                " WHERE id <= (SELECT max(id) FROM practice_hours) LIMIT ?",
                (f"+{shift} days", rows - total()),
            )
            conn.execute(
                "INSERT INTO visits (application_id, author_id, visited_on, topic, class_group,"
                " score_planning, score_delivery, score_management, score_technology,"
                " score_inclusion, location, draft_token, created_at, updated_at)"
                " SELECT application_id, author_id, date(visited_on, ?), topic, class_group,"
                " score_planning, score_delivery, score_management, score_technology,"
                " score_inclusion, location, draft_token || ?, created_at, updated_at FROM visits"
                " LIMIT 2000",
                (f"+{shift} days", f"+{shift}"),
            )
            shift += 7
        return {"rows": total()}


def memory_mb(pid: int | str, field: str) -> float:
    """VmRSS (now) or VmHWM (peak since the process started) from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def own_rss_mb() -> float:
    return memory_mb("self", "VmRSS")


def workers_peak_mb(pool: ProcessPoolExecutor) -> float:
    # ru_maxrss of children would count the bot's own memory at fork; /proc has the worker's
    return max(memory_mb(pid, "VmHWM") for pid in pool._processes)


def russian_labels() -> ExportLabels:
    from bot.i18n import load_i18n
    from handlers.reports.texts import export_labels

    i18n = load_i18n("ru")
    with i18n.context(), i18n.use_locale("ru"):
        return export_labels()


async def worker_export(path: Path, period: Period, fmt: str) -> tuple[float, int, int, float]:
    """(seconds, rows, bytes, worker peak MB) for one export in a fresh worker process."""
    pool = new_pool(1)
    worker = ReportWorker(path, ALMATY, pool=pool)
    order = ExportOrder(ReportScope(), period, "ru", fmt, russian_labels(), "bench")
    try:
        started = time.perf_counter()
        async with worker.export(order) as exported:
            elapsed = time.perf_counter() - started
            return elapsed, sum(exported.rows.values()), exported.size, workers_peak_mb(pool)
    finally:
        pool.shutdown(wait=True)


async def latencies_during(
    path: Path, load: Callable[[], Awaitable[object]] | None, seconds: float
) -> list[float]:
    """Answer latencies (ms) of /help from 20 people, one every 25 ms, while `load` runs."""
    from aiogram.types import Update

    from bot.app import create_bot, create_dispatcher
    from bot.config import DatabaseSettings, Settings, TelegramSettings
    from bot.i18n import load_i18n
    from tests.fake_telegram import TEST_TOKEN, FakeTelegram, FakeUser, RecordingSession

    telegram = FakeTelegram()
    settings = Settings(
        telegram=TelegramSettings(token=TEST_TOKEN),
        database=DatabaseSettings(path=path),
        delivery=UNPACED,
    )
    db = await Database.open(path, ManualClock(at(date(2026, 11, 23))))
    bot = create_bot(settings, session=RecordingSession(telegram))
    dispatcher = create_dispatcher(settings, db, load_i18n("kk"), routers=None)
    people = [FakeUser(7_000_000 + index, "Student") for index in range(20)]

    async def answer(index: int) -> float:
        update = telegram.message_update(people[index % len(people)], "/help")
        telegram.pending_updates.remove(update)
        started = time.perf_counter()
        await dispatcher.feed_update(bot, Update.model_validate(update, context={"bot": bot}))
        return (time.perf_counter() - started) * 1000

    for index in range(60):  # warm caches first: the baseline is a bot that has been running
        await answer(index)
    task = asyncio.create_task(load()) if load is not None else None
    await asyncio.sleep(0.3 if load is not None else 0)  # let the export get going
    samples: list[float] = []
    deadline = time.perf_counter() + seconds
    index = 0
    while time.perf_counter() < deadline and (task is None or not task.done()):
        samples.append(await answer(index))
        index += 1
        await asyncio.sleep(0.025)
    if task is not None:
        await task
    await bot.session.close()
    await db.close()
    return samples


def describe(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1]


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "network.db"
        started = time.perf_counter()
        await generate(path)
        grown = grow(path, args.rows)
        print(
            f"data: a 60-school year grown to {grown['rows']:,} rows"
            f" ({time.perf_counter() - started:.0f} s to generate)"
        )

        month = await worker_export(path, MONTH, "xlsx")
        year = await worker_export(path, YEAR, "xlsx")
        csv = await worker_export(path, YEAR, "csv")
        month_peak, year_peak = month[3], year[3]
        print(
            f"xlsx, one month: {month[1]:>6,} rows in {month[0]:5.2f} s; worker peak {month_peak:.0f} MB"
        )
        print(
            f"xlsx, the year : {year[1]:>6,} rows in {year[0]:5.2f} s ({year[2] / 1e6:.1f} MB file);"
            f" worker peak {year_peak:.0f} MB ({year_peak / month_peak:.2f}x the month's)"
        )
        print(f"csv,  the year : {csv[1]:>6,} rows in {csv[0]:5.2f} s ({csv[2] / 1e6:.1f} MB zip)")

        rss_before = own_rss_mb()
        idle = await latencies_during(path, None, 4.0)
        pool = new_pool(1)
        in_worker = await latencies_during(path, lambda: worker_export_in(pool, path), 60.0)
        pool.shutdown(wait=True)
        rss_after_worker = own_rss_mb()
        in_thread = await latencies_during(path, lambda: thread_export(path), 60.0)
        rss_after_thread = own_rss_mb()
        base_median, base_p95 = describe(idle)
        print(
            f"/help latency idle: median {base_median:.2f} ms, p95 {base_p95:.2f} ms ({len(idle)} answers)"
        )
        for label, samples in (
            ("export in a worker process", in_worker),
            ("export in a bot thread", in_thread),
        ):
            median, p95 = describe(samples)
            print(
                f"/help latency during {label:26}: median {median:.2f} ms ({median / base_median:.1f}x),"
                f" p95 {p95:.2f} ms ({p95 / base_p95:.1f}x), max {max(samples):.1f} ms ({len(samples)} answers)"
            )
        print(
            f"bot process memory: {rss_before:.0f} MB before, {rss_after_worker:.0f} MB after the"
            f" worker export, {rss_after_thread:.0f} MB after the in-thread one"
        )


async def worker_export_in(pool: ProcessPoolExecutor, path: Path) -> None:
    worker = ReportWorker(path, ALMATY, pool=pool)
    order = ExportOrder(ReportScope(), YEAR, "ru", "xlsx", russian_labels(), "bench")
    async with worker.export(order):
        pass


async def thread_export(path: Path) -> None:
    from bot.workers.spreadsheets import write_export

    out = path.with_suffix(".thread.xlsx")
    await asyncio.to_thread(
        write_export, path, ReportScope(), YEAR, ALMATY, "ru", russian_labels(), "xlsx", out
    )
    out.unlink(missing_ok=True)


if __name__ == "__main__":
    asyncio.run(main())
