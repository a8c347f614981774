"""Backups that restore: SQLite's online backup of the live file, checked, named, rotated.

Copying a live SQLite file with cp can copy a torn database (a write half done, the WAL left
behind). SQLite's backup API copies one consistent snapshot while the bot goes on writing (in
WAL mode the bot's writes never wait for it), and the copy is checked with
`PRAGMA integrity_check` before it is kept.

Restoring refuses while a bot holds the database (the lock file beside it), refuses a file
that is not a whole SQLite database or whose schema is newer than this code, and keeps the
current database aside. An older schema is migrated when the bot next opens it.

Everything here is synchronous file work: the bot runs it in a thread.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from db.database import migration_scripts

NAME = re.compile(r"^seriktes-(\d{8}-\d{6})-v(\d+)\.db$")
BUSY_TIMEOUT_S = 10.0


class BackupError(Exception):
    """One line saying what went wrong; nothing was changed."""


@dataclass(frozen=True, slots=True)
class Backup:
    path: Path
    taken_at: datetime
    schema_version: int
    size: int


def backup_name(taken_at: datetime, schema_version: int) -> str:
    return f"seriktes-{taken_at.astimezone(UTC):%Y%m%d-%H%M%S}-v{schema_version}.db"


def take_backup(database: Path, directory: Path, keep: int | None = None) -> Backup:
    """A consistent, checked copy of `database` in `directory`; the oldest beyond `keep` go."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BackupError(f"cannot create {directory}: {error.strerror}") from None
    taken_at = datetime.now(UTC)
    partial = directory / f".partial-{os.getpid()}-{taken_at:%H%M%S%f}.db"
    try:
        version = _copy(database, partial)
        _check(partial)
        final = directory / backup_name(taken_at, version)
        partial.replace(final)
    except sqlite3.Error as error:
        raise BackupError(f"the backup to {directory} failed: {_reason(error)}") from None
    except OSError as error:
        raise BackupError(f"the backup to {directory} failed: {error.strerror}") from None
    finally:
        partial.unlink(missing_ok=True)
    if keep is not None:
        rotate(directory, keep)
    return Backup(final, taken_at, version, final.stat().st_size)


def _copy(source: Path, target: Path) -> int:
    """One snapshot of `source` into `target` (the whole file in one step: no restarts)."""
    if not source.exists():
        raise BackupError(f"there is no database at {source}")
    reader = sqlite3.connect(source, timeout=BUSY_TIMEOUT_S)
    writer = sqlite3.connect(target)
    try:
        reader.backup(writer, pages=-1)
        version = int(writer.execute("PRAGMA user_version").fetchone()[0])
        writer.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
    finally:
        writer.close()
        reader.close()
    return version


def _check(path: Path) -> None:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = connection.execute("PRAGMA integrity_check").fetchall()
    finally:
        connection.close()
    if result != [("ok",)]:
        raise BackupError(f"{path.name} failed the integrity check: {result[0][0]}")


def _reason(error: sqlite3.Error) -> str:
    text = str(error)
    if isinstance(error, sqlite3.OperationalError) and "disk" in text:
        return "the disk is full"
    if "readonly" in text or "unable to open" in text:
        return "the folder cannot be written to"
    return text


def backups(directory: Path) -> list[Backup]:
    """The backups in `directory`, newest first."""
    found = []
    for path in directory.glob("seriktes-*.db") if directory.is_dir() else ():
        match = NAME.match(path.name)
        if match:
            taken_at = datetime.strptime(match[1], "%Y%m%d-%H%M%S").replace(tzinfo=UTC)
            found.append(Backup(path, taken_at, int(match[2]), path.stat().st_size))
    return sorted(found, key=lambda backup: backup.taken_at, reverse=True)


def rotate(directory: Path, keep: int) -> list[Path]:
    removed = []
    for old in backups(directory)[max(1, keep) :]:
        old.path.unlink(missing_ok=True)
        removed.append(old.path)
    return removed


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


@contextlib.contextmanager
def hold_database(database: Path) -> Iterator[None]:
    """Held while a bot runs on `database`: a second bot, or a restore, is refused."""
    database.parent.mkdir(parents=True, exist_ok=True)
    with lock_path(database).open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError(
                f"another Seriktes process is running on {database} (stop it first)"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def restore(backup: Path, database: Path) -> Path | None:
    """Put `backup` in place of `database`; returns where the previous database was kept."""
    _verify_restorable(backup)
    with hold_database(database):
        kept = _set_aside(database)
        target = database.with_name(database.name + ".restoring")
        try:
            source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
            writer = sqlite3.connect(target)
            try:
                source.backup(writer, pages=-1)
            finally:
                writer.close()
                source.close()
            target.replace(database)
        except (sqlite3.Error, OSError) as error:
            target.unlink(missing_ok=True)
            if kept is not None:
                kept.replace(database)  # put the previous one back
            raise BackupError(f"the restore failed: {error}") from None
    return kept


def _verify_restorable(backup: Path) -> int:
    if not backup.is_file():
        raise BackupError(f"there is no file {backup}")
    try:
        _check(backup)
        connection = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
        try:
            version = int(connection.execute("PRAGMA user_version").fetchone()[0])
            tables = connection.execute(
                "SELECT count(*) FROM sqlite_master WHERE name = 'outbox'"
            ).fetchone()[0]
        finally:
            connection.close()
    except sqlite3.DatabaseError:
        raise BackupError(f"{backup} is not a Seriktes database (not SQLite, or damaged)") from None
    if not tables:
        raise BackupError(f"{backup} is an SQLite file but not a Seriktes database")
    newest = len(migration_scripts())
    if version > newest:
        raise BackupError(
            f"{backup} has schema version {version}, newer than this code's {newest}:"
            " upgrade Seriktes first"
        )
    return version


def _set_aside(database: Path) -> Path | None:
    """The current database, its WAL folded in, renamed beside it; None when there is none."""
    if not database.exists():
        return None
    connection = sqlite3.connect(database)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    kept = database.with_name(f"{database.name}.before-restore-{datetime.now(UTC):%Y%m%d-%H%M%S}")
    database.replace(kept)
    for suffix in ("-wal", "-shm"):
        database.with_name(database.name + suffix).unlink(missing_ok=True)
    return kept
