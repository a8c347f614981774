"""`python -m bot [--config PATH] [run | import-orgs FILE | import-placements FILE | invite … |
export --out FILE]`."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import logging
import os
import sqlite3
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from aiogram.exceptions import TelegramAPIError

from bot.app import create_bot, run_bot
from bot.config import ConfigError, Settings, load_settings
from bot.errors import StartupError
from bot.i18n import load_i18n
from db import Database
from db.backup import BackupError, restore, take_backup
from db.domain.errors import DomainError, InvalidValue, NotFound
from db.domain.invites import MAX_USES_LIMIT, VALID_DAYS_LIMIT, format_code
from db.domain.models import LOCALES, Role, User
from db.domain.orgs import ORG_COLUMNS, OrgInput, validate_org
from db.domain.placements import AlreadyApplied, OfferClosed, OfferFull, RowRefused
from db.domain.reports import Period, ReportScope, academic_year
from handlers.reports.texts import export_labels

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Seriktes Telegram bot")
    parser.add_argument(
        "--config", type=Path, default=None, help="config file (default: config.toml)"
    )
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="run the bot with long polling (the default)")
    orgs = commands.add_parser("import-orgs", help="add or update organizations from a CSV file")
    orgs.add_argument("file", type=Path)
    placements = commands.add_parser(
        "import-placements", help="place students directly from a CSV file (student,offer,mentor)"
    )
    placements.add_argument("file", type=Path)
    invite = commands.add_parser("invite", help="create an invitation code")
    invite.add_argument(
        "--role", required=True, choices=[r.value for r in Role if r is not Role.STUDENT]
    )
    invite.add_argument("--org", required=True, help="organization id or code")
    invite.add_argument(
        "--uses", type=int, default=1, help=f"how many people may use it (1..{MAX_USES_LIMIT})"
    )
    invite.add_argument(
        "--days", type=int, default=30, help=f"days it stays valid (1..{VALID_DAYS_LIMIT})"
    )
    export = commands.add_parser(
        "export", help="write the network's data to an Excel workbook (.xlsx) or CSV files (.zip)"
    )
    export.add_argument("--out", required=True, type=Path, help="FILE.xlsx or FILE.zip")
    export.add_argument("--from", dest="start", help="first day (default: this academic year)")
    export.add_argument("--to", dest="end", help="last day (default: this academic year)")
    export.add_argument("--org", help="only this organization (id or code)")
    export.add_argument("--lang", choices=LOCALES, help="language of headings and values")
    backup = commands.add_parser(
        "backup", help="a consistent, checked copy of the database (safe while the bot runs)"
    )
    backup.add_argument(
        "dir", nargs="?", type=Path, help="where to (default: [backup] dir, or backups/)"
    )
    restore = commands.add_parser(
        "restore", help="put a backup in place of the database (stop the bot first)"
    )
    restore.add_argument("file", type=Path)
    return parser


def configure_logging(log_format: str) -> None:
    """[logging] format: "text" (the default) or "json", one object per line."""
    if log_format != "json":
        return
    formatter = JsonLogFormatter()
    for handler in logging.getLogger().handlers:
        handler.setFormatter(formatter)


class JsonLogFormatter(logging.Formatter):
    """time, level, logger, message, and the update's id and handler when it is one."""

    FIELDS = ("update_id", "handler")

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(
            {field: getattr(record, field) for field in self.FIELDS if hasattr(record, field)}
        )
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def backup_now(settings: Settings, directory: Path | None) -> int:
    folder = directory or settings.backup.folder(settings.database.path)
    try:
        made = take_backup(settings.database.path, folder, settings.backup.keep)
    except BackupError as error:
        print(f"seriktes: {error}", file=sys.stderr)
        return 1
    print(f"backup {made.path} (schema {made.schema_version}, {made.size} bytes): integrity ok")
    return 0


def restore_file(settings: Settings, backup: Path) -> int:
    try:
        kept = restore(backup, settings.database.path)
    except BackupError as error:
        print(f"seriktes: {error}; nothing was changed", file=sys.stderr)
        return 1
    where = f"; the previous database is kept as {kept}" if kept else ""
    print(f"restored {backup} as {settings.database.path}{where}")
    print("start the bot: it migrates an older schema when it opens the database")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    try:
        settings = load_settings(args.config, os.environ)
        configure_logging(settings.log_format)
        if args.command == "backup":
            return backup_now(settings, args.dir)
        if args.command == "restore":
            return restore_file(settings, args.file)
        if args.command == "import-orgs":
            return asyncio.run(import_orgs(settings, args.file))
        if args.command == "import-placements":
            return asyncio.run(import_placements(settings, args.file))
        if args.command == "export":
            return asyncio.run(export(settings, args))
        if args.command == "invite":
            return asyncio.run(
                create_invite(settings, Role(args.role), args.org, args.uses, args.days)
            )
        settings.telegram.require_token()
        asyncio.run(run_bot(settings))
        return 0
    except (ConfigError, StartupError) as error:
        print(f"seriktes: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


class CsvProblem(Exception):
    pass


def open_csv(path: Path) -> csv.DictReader[str]:
    """A reader over a UTF-8 (Excel's BOM welcome) file separated by commas, semicolons or tabs."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise CsvProblem(f"cannot read {path}: {error}") from None
    if not text.strip():
        raise CsvProblem(f"{path} is empty")
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)
    reader.fieldnames = [name.strip().lower() for name in reader.fieldnames or []]
    return reader


def read_org_csv(path: Path) -> list[OrgInput]:
    """Every row validated; raises CsvProblem listing each bad row by line number."""
    reader = open_csv(path)
    header = list(reader.fieldnames or [])
    unknown = sorted(set(header) - set(ORG_COLUMNS))
    if unknown or "kind" not in header or "city" not in header:
        raise CsvProblem(
            f"line 1: the header must name columns from {', '.join(ORG_COLUMNS)}"
            f" (kind and city required){'; unknown: ' + ', '.join(unknown) if unknown else ''}"
        )
    orgs, problems, codes = [], [], set()
    for row in reader:
        line = reader.line_num
        try:
            org = validate_org({key: value or "" for key, value in row.items() if key})
        except InvalidValue as problem:
            problems.append(f"line {line}: {problem.field}: {problem.detail}")
            continue
        if org.code is not None and org.code in codes:
            problems.append(f"line {line}: code: {org.code!r} appears twice in the file")
        codes.add(org.code)
        orgs.append(org)
    if problems:
        raise CsvProblem("\n".join(problems))
    if not orgs:
        raise CsvProblem(f"{path} has no rows to import")
    return orgs


async def import_orgs(settings: Settings, path: Path) -> int:
    try:
        orgs = read_org_csv(path)
    except CsvProblem as problem:
        print(f"{problem}\nnothing was imported", file=sys.stderr)
        return 1
    db = await _open(settings)
    try:
        result = await db.orgs.import_many(orgs)
    finally:
        await db.close()
    print(f"imported {len(orgs)} organizations: {result.created} new, {result.updated} updated")
    return 0


PLACEMENT_COLUMNS = ("student", "offer", "mentor")


async def import_placements(settings: Settings, path: Path) -> int:
    """Place students directly: every row checked like the bot checks it, all or nothing."""
    try:
        reader = open_csv(path)
        header = list(reader.fieldnames or [])
        if "student" not in header or "offer" not in header or set(header) - set(PLACEMENT_COLUMNS):
            raise CsvProblem("line 1: the header must be student,offer[,mentor]")
        rows = [(reader.line_num, row) for row in reader]
    except CsvProblem as problem:
        print(f"{problem}\nnothing was imported", file=sys.stderr)
        return 1
    db = await _open(settings)
    try:
        resolved, problems = await _resolve_placements(db, rows)
        if not problems and resolved:
            try:
                await db.placements.place_many([placement for _, placement in resolved])
            except RowRefused as refused:
                problems.append(f"line {resolved[refused.index][0]}: {_refusal(refused.problem)}")
    finally:
        await db.close()
    if problems or not resolved:
        print(
            "\n".join(problems or [f"{path} has no rows to import"]) + "\nnothing was imported",
            file=sys.stderr,
        )
        return 1
    print(f"placed {len(resolved)} students")
    return 0


async def _resolve_placements(
    db: Database, rows: list[tuple[int, dict[str, str]]]
) -> tuple[list[tuple[int, tuple[int, int, int | None]]], list[str]]:
    resolved, problems = [], []
    for line, row in rows:
        offer_key = (row.get("offer") or "").strip().lstrip("#")
        offer = await db.placements.offer(int(offer_key)) if offer_key.isdigit() else None
        if offer is None:
            problems.append(f"line {line}: offer: no offer #{offer_key or '?'}")
            continue
        student = await _one_person(db, row.get("student") or "", Role.STUDENT, None)
        if isinstance(student, str):
            problems.append(f"line {line}: student: {student}")
            continue
        mentor_id = None
        if (row.get("mentor") or "").strip():
            mentor = await _one_person(db, row["mentor"], Role.MENTOR, offer.organization_id)
            if isinstance(mentor, str):
                problems.append(f"line {line}: mentor: {mentor} at the offer's school")
                continue
            mentor_id = mentor.id
        resolved.append((line, (offer.id, student.id, mentor_id)))
    return resolved, problems


async def _one_person(
    db: Database, key: str, role: Role, organization_id: int | None
) -> User | str:
    found = await db.users.find(key, role, organization_id, exact=True)
    if len(found) == 1:
        return found[0]
    what = repr(key.strip())
    if not found:
        return f"no registered {role.value} {what}"
    return f"{len(found)} people named {what}; use their Telegram id or @username"


def _refusal(problem: DomainError) -> str:
    if isinstance(problem, AlreadyApplied):
        return "the student already has an application or placement in this period"
    if isinstance(problem, OfferFull):
        return "no free places left on this offer"
    if isinstance(problem, OfferClosed):
        return "the offer's period is over"
    return f"refused ({type(problem).__name__})"


async def create_invite(settings: Settings, role: Role, org: str, uses: int, days: int) -> int:
    db = await _open(settings)
    try:
        org_id = await _resolve_org(db, org)
        created = await db.invites.create(None, role, org_id, uses, days)
    except NotFound:
        print(f"no organization {org!r} of a kind that fits the role {role.value}", file=sys.stderr)
        return 1
    except DomainError as problem:
        print(f"cannot create the invitation: {problem}", file=sys.stderr)
        return 1
    finally:
        await db.close()
    print(f"code: {format_code(created.code)}")
    print(f"valid until {created.invite.expires_at:%Y-%m-%d %H:%M} UTC, {uses} use(s)")
    link = await _deep_link(settings, created.code)
    print(f"link: {link}" if link else f"the person sends the bot: /start {created.code}")
    return 0


async def export(settings: Settings, args: argparse.Namespace) -> int:
    """The whole network (or one organization) for a period, as the bot's /export writes it."""
    from bot.workers.spreadsheets import (
        write_export,  # openpyxl only when exporting, not in the bot
    )

    out: Path = args.out
    fmt = {".xlsx": "xlsx", ".zip": "csv"}.get(out.suffix.lower())
    if fmt is None:
        print("--out must end in .xlsx (Excel) or .zip (CSV files)", file=sys.stderr)
        return 2
    db = await _open(settings)
    try:
        period = _export_period(args.start, args.end, db.today())
        scope = ReportScope(organization_id=await _resolve_org(db, args.org) if args.org else None)
    except (InvalidValue, NotFound) as problem:
        print(f"nothing was exported: {problem}", file=sys.stderr)
        return 1
    finally:
        await db.close()
    locale = args.lang or settings.bot.default_locale
    i18n = load_i18n(settings.bot.default_locale)
    with i18n.context(), i18n.use_locale(locale):
        labels = export_labels()
    out.parent.mkdir(parents=True, exist_ok=True)
    written = await asyncio.to_thread(
        write_export,
        settings.database.path,
        scope,
        period,
        settings.bot.tz,
        locale,
        labels,
        fmt,
        out,
    )
    if written.path is None:
        print(f"nothing to export from {period.start} to {period.end}", file=sys.stderr)
        return 1
    rows = ", ".join(f"{sheet} {count}" for sheet, count in written.rows.items())
    print(f"wrote {out} ({period.start} to {period.end}): {rows}")
    return 0


def _export_period(start: str | None, end: str | None, today: date) -> Period:
    default = academic_year(today)
    try:
        first = date.fromisoformat(start) if start else default.start
        last = date.fromisoformat(end) if end else default.end
    except ValueError:
        raise InvalidValue("period", "dates must be written as 2026-09-01") from None
    return Period(first, last)


async def _resolve_org(db: Database, org: str) -> int:
    if org.isdigit():
        return int(org)
    found = await db.orgs.by_code(org)
    if found is None:
        raise NotFound("organization")
    return found.id


async def _deep_link(settings: Settings, code: str) -> str | None:
    if settings.telegram.token is None:
        return None
    bot = create_bot(settings)
    try:
        me = await asyncio.wait_for(bot.me(), timeout=5)
    except (TelegramAPIError, TimeoutError):
        return None
    finally:
        await bot.session.close()
    return f"https://t.me/{me.username}?start={code}"


async def _open(settings: Settings) -> Database:
    try:
        return await Database.open(
            settings.database.path,
            timezone=settings.bot.tz,
            placement_policy=settings.placements.policy,
        )
    except sqlite3.Error as error:
        raise StartupError(f"cannot open the database {settings.database.path}: {error}") from None
