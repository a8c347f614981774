"""APScheduler 3 inside the bot's event loop, behind a small facade.

The database is the source of truth: the scheduler only holds jobs rebuilt from it (periodic
scans with fixed ids, and date jobs for what falls due soon), with id-only arguments. Job
functions are coroutines that read `db.clock`, so tests move time with a manual clock and
then make the real scheduler run a job now.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger("seriktes.scheduler")

JobFunction = Callable[[], Awaitable[Any]]


class Scheduler:
    def __init__(self) -> None:
        self._aps = AsyncIOScheduler(
            timezone=UTC,
            # A job missed while the bot was down runs once when it is back, never several times.
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        self._aps.add_listener(self._on_event, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        self._running: set[asyncio.Task[Any]] = set()
        self.runs: Counter[str] = Counter()

    @property
    def running(self) -> bool:
        return bool(self._aps.running)

    def start(self) -> None:
        """Must be called inside the running event loop."""
        self._aps.start()

    def every(
        self, job_id: str, interval: timedelta, func: JobFunction, first_run: datetime | None = None
    ) -> None:
        self._aps.add_job(
            self._tracked(func),
            "interval",
            seconds=interval.total_seconds(),
            id=job_id,
            replace_existing=True,
            next_run_time=first_run or datetime.now(UTC) + timedelta(seconds=5),
        )

    def at(self, job_id: str, when: datetime, func: JobFunction) -> None:
        self._aps.add_job(
            self._tracked(func), "date", run_date=when, id=job_id, replace_existing=True
        )

    def cancel(self, job_id: str) -> None:
        if self._aps.get_job(job_id) is not None:
            self._aps.remove_job(job_id)

    def has_job(self, job_id: str) -> bool:
        return self._aps.get_job(job_id) is not None

    def job_count(self) -> int:
        return len(self._aps.get_jobs())

    def run_now(self, job_id: str) -> None:
        """Make the scheduler run a job at once (tests, and operators who cannot wait)."""
        job = self._aps.get_job(job_id)
        if job is None:
            raise KeyError(job_id)
        job.modify(next_run_time=datetime.now(UTC))
        self._aps.wakeup()

    async def shutdown(self, grace_seconds: float = 10.0) -> None:
        """Stop starting jobs; let running ones finish (they write to the database)."""
        if not self._aps.running:
            return
        self._aps.pause()
        if self._running:
            await asyncio.wait(set(self._running), timeout=grace_seconds)
        self._aps.shutdown(wait=False)
        await asyncio.sleep(0)  # let the loop run the scheduler's own shutdown callback

    def _tracked(self, func: JobFunction) -> Callable[[], Awaitable[Any]]:
        async def run() -> Any:
            task = asyncio.current_task()
            assert task is not None
            self._running.add(task)
            try:
                return await func()
            finally:
                self._running.discard(task)

        return run

    def _on_event(self, event: JobExecutionEvent) -> None:
        self.runs[event.job_id] += 1
        if event.exception is not None:
            log.error("job %s failed: %r", event.job_id, event.exception, exc_info=event.exception)
