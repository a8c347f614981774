"""The report worker pool: files are cleaned up, and a killed worker does not break reports."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

from aiogram.utils.i18n import I18n

from bot.workers.reports import ReportWorker
from db import Database
from db.domain.issues import IssueCategory, IssueInput
from db.domain.models import OrgKind, Role
from db.domain.reports import ReportScope, academic_year
from handlers.reports.port import BarChart, ExportOrder, Series
from handlers.reports.texts import export_labels
from tests.datagen import ALMATY
from tests.factories import make_member, make_org

CHART = BarChart(
    "Мектептер", "", ("№7 мектеп", "№12 мектеп"), (Series("n", (3.0, 5.0), "#0072B2"),)
)


async def test_a_killed_worker_is_replaced_by_a_new_one(db_path: Path) -> None:
    worker = ReportWorker(db_path, ALMATY)
    try:
        [first] = await worker.charts([CHART])
        pool = worker._executor()
        for pid in list(pool._processes):
            os.kill(pid, signal.SIGKILL)
        await asyncio.sleep(0.2)
        [second] = await worker.charts([CHART])
        assert first.startswith(b"\x89PNG") and second.startswith(b"\x89PNG")
    finally:
        await worker.close()


async def test_the_export_file_is_gone_once_sent(
    db: Database, db_path: Path, reports: ReportWorker, i18n: I18n
) -> None:
    school = await make_org(db, OrgKind.SCHOOL, name="№7 мектеп")
    director = await make_member(db, Role.DIRECTOR, school, 10)
    await db.issues.post(
        director, IssueInput(IssueCategory.DIGITAL, "normal", "Robotics", "A teacher, please")
    )
    with i18n.context(), i18n.use_locale("en"):
        labels = export_labels()
    period = academic_year(db.today())
    order = ExportOrder(ReportScope(), period, "en", "xlsx", labels, "seriktes-test")
    async with reports.export(order) as exported:
        assert exported.path is not None and exported.path.is_file()
        assert exported.rows["issues"] == 1
        written = exported.path
    assert not written.exists() and not written.parent.exists()


def test_a_chart_of_counts_has_whole_number_ticks() -> None:
    from bot.workers.charts import _figure

    students = BarChart(
        "Студенттер", "", ("А", "Б", "В"), (Series("n", (1.0, 2.0, 2.0), "#0072B2"),)
    )
    ticks = _figure(students).axes[0].get_xticks()
    assert len(ticks) >= 2 and all(float(tick).is_integer() for tick in ticks), ticks
