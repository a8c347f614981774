"""The periodic jobs, with fixed ids: re-adding them at every start replaces, never doubles."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from bot.config import Settings
from bot.scheduler import Scheduler
from db import Database

STALE_ISSUES = "issues.stale"
EXPIRING_MEMORANDA = "memoranda.expiring"
PRACTICE_END = "practice.reminders"
ROUND_DEADLINES = "rounds.deadlines"
UNCLEARED_DOCUMENTS = "documents.uncleared"


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
