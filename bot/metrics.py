"""Prometheus metrics of one bot process, in its own registry (no module-level state).

Label values are update types, handler names, outcomes and priorities — never anything
about a person. Gauges that read the database (outbox depth) or the disk (backup age) are
refreshed when /metrics is asked for, not on a timer.
"""

from __future__ import annotations

import time
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from db import Database
from db.backup import backups
from db.outbox import PRIORITY_BROADCAST, PRIORITY_PERSONAL, PRIORITY_REMINDER

PRIORITY_NAMES = {
    PRIORITY_PERSONAL: "personal",
    PRIORITY_REMINDER: "reminder",
    PRIORITY_BROADCAST: "broadcast",
}
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LATENESS_BUCKETS = (1, 5, 15, 60, 300, 900, 3600)


class Metrics:
    def __init__(self, db: Database, backup_dir: Path | None) -> None:
        self.db = db
        self.backup_dir = backup_dir
        self.registry = CollectorRegistry()
        registry = self.registry
        self.updates = Counter(
            "seriktes_updates",
            "Updates handled, by type, handler and outcome",
            ["type", "handler", "outcome"],
            registry=registry,
        )
        self.latency = Histogram(
            "seriktes_update_seconds",
            "Time to handle an update",
            ["type"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.errors = Counter(
            "seriktes_update_errors", "Updates whose handler raised", ["type"], registry=registry
        )
        self.sends = Counter(
            "seriktes_sends",
            "Outbox deliveries by result (sent, failed, unknown, blocked, retry)",
            ["result"],
            registry=registry,
        )
        self.rate_limited = Counter(
            "seriktes_telegram_429", "429 answers from the Bot API", registry=registry
        )
        self.paused = Counter(
            "seriktes_telegram_pause_seconds",
            "Seconds of sending paused by 429 answers",
            registry=registry,
        )
        self.reminders = Counter(
            "seriktes_reminders_fired", "Event reminders queued", registry=registry
        )
        self.lateness = Histogram(
            "seriktes_reminder_lateness_seconds",
            "How late an event reminder was queued after its time",
            buckets=LATENESS_BUCKETS,
            registry=registry,
        )
        self.outbox = Gauge(
            "seriktes_outbox_depth",
            "Messages waiting to be sent, by priority",
            ["priority"],
            registry=registry,
        )
        self.backup_age = Gauge(
            "seriktes_backup_age_seconds",
            "Age of the newest backup (-1: none yet)",
            registry=registry,
        )
        self.webhook_refused = Counter(
            "seriktes_webhook_refused",
            "Webhook requests refused, by reason (secret, body, busy)",
            ["reason"],
            registry=registry,
        )

    def update_handled(self, kind: str, handler: str, seconds: float, outcome: str) -> None:
        self.updates.labels(kind, handler, outcome).inc()
        self.latency.labels(kind).observe(seconds)
        if outcome == "error":
            self.errors.labels(kind).inc()

    def sent(self, result: str) -> None:
        self.sends.labels(result).inc()

    def pause(self, seconds: float) -> None:
        self.rate_limited.inc()
        self.paused.inc(seconds)

    def reminder_fired(self, late_seconds: float) -> None:
        self.reminders.inc()
        self.lateness.observe(max(0.0, late_seconds))

    async def exposition(self) -> bytes:
        """The text format, with the database and disk gauges read now."""
        depth = await self.db.outbox.depth()
        for priority, name in PRIORITY_NAMES.items():
            self.outbox.labels(name).set(depth.get(priority, 0))
        newest = backups(self.backup_dir)[:1] if self.backup_dir else []
        self.backup_age.set(time.time() - newest[0].taken_at.timestamp() if newest else -1)
        return generate_latest(self.registry)
