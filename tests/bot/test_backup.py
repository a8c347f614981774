"""Backups that restore: taken while a broadcast of 2,000 goes out, restored, and the outbox
resumes without sending again anything the backup had already seen sent."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from collections import Counter
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiogram.utils.i18n import I18n

from bot.app import create_bot, handler_settings
from bot.config import BackupSettings, Settings
from bot.delivery_settings import DeliverySettings
from bot.jobs import daily_backup, next_local
from bot.workers.delivery import DeliveryWorker
from db import Database
from db.backup import BackupError, backups, hold_database, restore, rotate, take_backup
from db.database import migration_scripts
from db.outbox import PRIORITY_BROADCAST
from tests.bot.test_delivery import RENDERERS, people, queue
from tests.fake_telegram import FakeTelegram, RecordingSession

BROADCAST = 2000


def sent_in(path: Path) -> set[int]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT u.telegram_id FROM outbox o JOIN users u ON u.id = o.user_id"
            " WHERE o.status = 'sent'"
        ).fetchall()
    return {telegram_id for (telegram_id,) in rows}


def delivery(
    db: Database, i18n: I18n, settings: Settings, telegram: FakeTelegram
) -> DeliveryWorker:
    bot = create_bot(settings, session=RecordingSession(telegram))
    config = DeliverySettings(per_chat_interval=0.0, messages_per_second=1000)
    return DeliveryWorker(bot, db, i18n, handler_settings(settings), RENDERERS, config)


async def until_sent(db: Database, count: int) -> None:
    for _ in range(3000):
        if (await db.outbox.counts()).sent >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"fewer than {count} sent in 30 s")


def set_aside(folder: Path) -> list[Path]:
    return list(folder.glob("*.before-restore-*"))


async def test_a_backup_during_a_broadcast_restores_and_resumes_without_doubles(
    db_path: Path, tmp_path: Path, i18n: I18n, settings: Settings, telegram: FakeTelegram
) -> None:
    db = await Database.open(db_path)
    users = await people(db, BROADCAST)
    await queue(db, users, "Семинар ертең", PRIORITY_BROADCAST)
    worker = delivery(db, i18n, settings, telegram)
    await worker.start()
    await until_sent(db, 400)
    made = await asyncio.to_thread(take_backup, db_path, tmp_path / "backups")  # mid-broadcast
    await until_sent(db, 1200)
    await worker.stop()
    await worker.bot.session.close()
    await db.close()

    with sqlite3.connect(made.path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    seen_sent = sent_in(made.path)
    assert 400 <= len(seen_sent) < 1200, "the backup is of a moment in the middle"
    before_restore = len(telegram.calls("sendMessage"))
    kept = restore(made.path, db_path)
    assert kept is not None and kept.exists(), "the current database is kept aside"

    db = await Database.open(db_path)
    worker = delivery(db, i18n, settings, telegram)
    await db.outbox.recover_interrupted()  # as the bot's delivery worker does when it starts
    await worker.drain()
    await worker.bot.session.close()
    counts = await db.outbox.counts()
    await db.close()
    again = Counter(
        call.params["chat_id"] for call in telegram.calls("sendMessage")[before_restore:]
    )
    assert not set(again) & seen_sent, "nothing the backup saw sent is sent again"
    everyone = Counter(call.params["chat_id"] for call in telegram.calls("sendMessage"))
    assert set(everyone) >= {user.telegram_id for user in users} - {None}, "nobody is left out"
    assert counts.pending == 0 and counts.sending == 0


async def test_restore_refuses_what_it_must_and_changes_nothing(
    db_path: Path, tmp_path: Path
) -> None:
    db = await Database.open(db_path)
    await db.close()
    not_a_database = tmp_path / "notes.db"
    not_a_database.write_bytes(b"these are not the pages you are looking for" * 100)
    with pytest.raises(BackupError, match="not a Seriktes database"):
        restore(not_a_database, db_path)
    newer = tmp_path / "newer.db"
    made = take_backup(db_path, tmp_path / "b")
    made.path.replace(newer)
    with sqlite3.connect(newer) as conn:
        conn.execute(f"PRAGMA user_version = {len(migration_scripts()) + 1}")
    with pytest.raises(BackupError, match="newer than this code"):
        restore(newer, db_path)
    good = take_backup(db_path, tmp_path / "b")
    with hold_database(db_path), pytest.raises(BackupError, match="running"):
        restore(good.path, db_path)
    assert not set_aside(tmp_path), "nothing was moved aside"


async def test_an_older_schema_is_migrated_after_restore(db_path: Path, tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    with sqlite3.connect(old) as conn:
        for version, sql in migration_scripts()[:10]:
            conn.executescript(f"{sql}\nPRAGMA user_version = {version};")
    restore(old, db_path)
    db = await Database.open(db_path)
    try:
        version = await db.fetch_value("PRAGMA user_version")
    finally:
        await db.close()
    assert version == len(migration_scripts())


async def test_backups_are_named_rotated_and_a_bad_folder_is_one_clear_error(
    db_path: Path, tmp_path: Path
) -> None:
    db = await Database.open(db_path)
    await db.close()
    folder = tmp_path / "backups"
    made = take_backup(db_path, folder)
    version = len(migration_scripts())
    assert made.path.name.endswith(f"-v{version}.db")
    for older in ("20250101-030000", "20250102-030000"):
        shutil.copy(made.path, folder / f"seriktes-{older}-v{version}.db")
    removed = rotate(folder, keep=2)
    assert [path.name for path in removed] == [f"seriktes-20250101-030000-v{version}.db"]
    assert backups(folder)[0].path == made.path, "newest first"
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(BackupError, match="cannot create"):
        take_backup(db_path, a_file / "sub")


async def test_the_daily_backup_runs_at_its_local_time(db_path: Path, tmp_path: Path) -> None:
    db = await Database.open(db_path)
    await db.close()
    settings = Settings(backup=BackupSettings(directory=tmp_path / "daily", keep=3))
    await daily_backup(db_path, settings)
    assert len(backups(tmp_path / "daily")) == 1
    almaty = ZoneInfo("Asia/Almaty")
    first = next_local(time(3, 0), almaty)
    assert (first.hour, first.minute) == (3, 0)
    assert timedelta(0) < first - datetime.now(almaty) <= timedelta(days=1)
