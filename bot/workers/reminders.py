"""Event reminders on the scheduler: only what falls due soon is in memory.

Reminder rows are the truth. At start, overdue ones are settled (sent late, or recorded as
missed) and those due within the horizon become date jobs with fixed ids; a periodic job
refills the horizon. A job carries only the reminder's id and the firing re-checks the row,
so a stale or doubled job is harmless and nothing is sent twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial

from bot.scheduler import Scheduler
from db import Database

log = logging.getLogger("seriktes.reminders")

REFILL_JOB = "reminders.refill"


class ReminderEngine:
    def __init__(
        self,
        db: Database,
        scheduler: Scheduler,
        horizon: timedelta = timedelta(minutes=15),
        refill_every: timedelta = timedelta(minutes=5),
        fired: Callable[[float], None] | None = None,
    ) -> None:
        self.db = db
        self._fired = fired or (lambda late_seconds: None)  # metrics: how late each one was
        self.scheduler = scheduler
        self.horizon = horizon
        self.refill_every = refill_every

    async def start(self) -> None:
        sent, missed = await self.db.events.settle_overdue()
        if sent or missed:
            log.warning(
                "reminders due while the bot was down: %d sent late, %d missed", sent, missed
            )
        await self.refresh()
        self.scheduler.every(
            REFILL_JOB,
            self.refill_every,
            self.refresh,
            first_run=self._wall(self.db.clock.now() + self.refill_every),
        )

    async def refresh(self) -> None:
        """Schedule every pending reminder due within the horizon (again, if its time moved)."""
        due = await self.db.events.reminders_due_before(self.db.clock.now() + self.horizon)
        for reminder_id, due_at in due:
            self.scheduler.at(
                self.job_id(reminder_id),
                self._wall(due_at),
                partial(self.fire, reminder_id, due_at),
            )

    async def fire(self, reminder_id: int, due_at: datetime | None = None) -> None:
        if await self.db.events.fire_reminder(reminder_id) and due_at is not None:
            self._fired((self.db.clock.now() - due_at).total_seconds())

    @staticmethod
    def job_id(reminder_id: int) -> str:
        return f"reminder:{reminder_id}"

    def _wall(self, moment: datetime) -> datetime:
        """The scheduler runs on the wall clock; the app's clock may be moved by tests."""
        return datetime.now(UTC) + (moment - self.db.clock.now())
