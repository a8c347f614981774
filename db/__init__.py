"""Persistence and the domain rules that need a transaction. Never imports aiogram."""

from db.clock import Clock, ManualClock, SystemClock
from db.database import Database

__all__ = ["Clock", "Database", "ManualClock", "SystemClock"]
