"""Persistence and the domain rules that need a transaction. Never imports aiogram."""

from db.database import Database
from db.domain.clock import Clock, ManualClock, SystemClock

__all__ = ["Clock", "Database", "ManualClock", "SystemClock"]
