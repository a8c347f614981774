"""The periodic jobs, with fixed ids: re-adding them at every start replaces, never doubles."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, time, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.scheduler import Scheduler
from db import Database
from db.backup import BackupError, take_backup

log = logging.getLogger(__name__)

STALE_ISSUES = "issues.stale"
EXPIRING_MEMORANDA = "memoranda.expiring"
PRACTICE_END = "practice.reminders"
ROUND_DEADLINES = "rounds.deadlines"
UNCLEARED_DOCUMENTS = "documents.uncleared"
DAILY_BACKUP = "backup.daily"


def register_jobs(scheduler: Scheduler, db: Database, settings: Settings) -> None:
    scheduler.every(
        STALE_ISSUES,
        timedelta(hours=1),
        partial(db.issues.remind_stale, settings.issues.stale_days),
    )
    scheduler.every(
        EXPIRING_MEMORANDA,
        timedelta(hours=6),
        partial(db.memoranda.remind_expiring, settings.memoranda.warn_days),
    )
    scheduler.every(
        PRACTICE_END,
        timedelta(hours=1),
        partial(db.evaluations.remind_due, settings.practice.mid_term_weeks),
    )
    scheduler.every(ROUND_DEADLINES, timedelta(minutes=1), db.rounds.close_due)
    scheduler.every(
        UNCLEARED_DOCUMENTS,
        timedelta(hours=1),
        partial(db.clearance.remind_uncleared, settings.placements.documents),
    )
    if settings.backup.at is not None:
        scheduler.every(
            DAILY_BACKUP,
            timedelta(days=1),
            partial(daily_backup, db.path, settings),
            first_run=next_local(settings.backup.at, settings.bot.tz),
        )


async def daily_backup(database: Path, settings: Settings) -> None:
    folder = settings.backup.folder(database)
    try:
        made = await asyncio.to_thread(take_backup, database, folder, settings.backup.keep)
    except BackupError as error:
        log.error("the daily backup failed: %s", error)
        return
    log.info("daily backup %s (%d bytes)", made.path.name, made.size)


def next_local(at: time, timezone: ZoneInfo) -> datetime:
    """The next moment the clock in `timezone` shows `at`."""
    now = datetime.now(timezone)
    moment = now.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    return moment if moment > now else moment + timedelta(days=1)
