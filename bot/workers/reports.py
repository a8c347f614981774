"""Charts and exports, built in worker processes so the bot keeps answering meanwhile.

Drawing a chart or writing 50,000 rows to a workbook is CPU work that would stall the event
loop (and, in a thread, compete for the GIL). A small pool of spawned processes does it
instead; each reads the database itself through a read-only snapshot and hands back only PNG
bytes or the path of the written file. Workers are recycled after a number of jobs so memory
a big export used goes back to the system.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from handlers.reports.port import BarChart, ExportFile, ExportOrder

log = logging.getLogger(__name__)

JOBS_PER_WORKER = 20
T = TypeVar("T")


def _render_charts(charts: list[BarChart]) -> list[bytes]:
    from bot.workers.charts import render_all

    return render_all(charts)


def _write_export(db_path: Path, timezone: str, order: ExportOrder, out_path: Path) -> ExportFile:
    from bot.workers.spreadsheets import write_export

    return write_export(
        db_path,
        order.scope,
        order.period,
        ZoneInfo(timezone),
        order.locale,
        order.labels,
        order.fmt,
        out_path,
    )


def new_pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        max_tasks_per_child=JOBS_PER_WORKER,
    )


class ReportWorker:
    """The `reports` service handlers use (handlers.reports.port.ReportBuilder)."""

    def __init__(
        self,
        db_path: Path,
        timezone: ZoneInfo,
        workers: int = 1,
        pool: ProcessPoolExecutor | None = None,
    ) -> None:
        """`pool` shares someone else's workers (tests); it is then theirs to shut down."""
        self._db_path = db_path
        self._timezone = str(timezone)
        self._workers = workers
        self._pool = pool
        self._owns_pool = pool is None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:  # started on first use: most bot runs never draw a chart
            self._pool = new_pool(self._workers)
        return self._pool

    async def _run(self, function: Callable[..., T], *args: Any) -> T:
        """Run in a worker; if the pool broke (a worker was killed), start a new one once."""
        loop = asyncio.get_running_loop()
        pool = self._executor()
        try:
            return await loop.run_in_executor(pool, function, *args)
        except BrokenProcessPool:
            if not self._owns_pool:
                raise
            if self._pool is pool:  # the first job to notice replaces it, the others reuse
                log.warning("a report worker died; starting new workers")
                self._pool = None
                pool.shutdown(wait=False, cancel_futures=True)
            return await loop.run_in_executor(self._executor(), function, *args)

    async def charts(self, charts: list[BarChart]) -> list[bytes]:
        if not charts:
            return []
        return await self._run(_render_charts, charts)

    @asynccontextmanager
    async def export(self, order: ExportOrder) -> AsyncIterator[ExportFile]:
        folder = Path(tempfile.mkdtemp(prefix="seriktes-export-"))
        try:
            out_path = folder / f"{order.file_stem}.{'xlsx' if order.fmt == 'xlsx' else 'zip'}"
            yield await self._run(_write_export, self._db_path, self._timezone, order, out_path)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    async def close(self) -> None:
        if self._pool is not None and self._owns_pool:
            pool, self._pool = self._pool, None
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)
