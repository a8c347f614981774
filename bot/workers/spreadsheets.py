"""Writing an export: an Excel workbook or a ZIP of CSV files, streamed row by row.

Runs in a worker process (or in the CLI): openpyxl's write-only mode and the sqlite3 cursor
keep memory flat however many rows there are.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from db.domain.reports import Period, ReportScope
from db.exports import SHEETS, Column, Sheet, open_snapshot, table_rows
from db.timeutil import date_from_db, from_db
from handlers.reports.port import ExportFile, ExportLabels

DATE_FORMAT = "DD.MM.YYYY"
MOMENT_FORMAT = "DD.MM.YYYY HH:MM"
SHEET_TITLE_MAX = 31  # Excel's limit
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Convert = Callable[[Any], Any]


def _converter(column: Column, labels: ExportLabels, tz: ZoneInfo) -> Convert:
    """How a stored value becomes a cell: local dates and times, names instead of codes."""
    if column.kind == "date":
        return lambda value: None if value is None else date_from_db(value)
    if column.kind == "moment":
        return lambda value: (
            None if value is None else from_db(value).astimezone(tz).replace(tzinfo=None)
        )
    if column.kind == "bool":
        return lambda value: None if value is None else (labels.yes if value else labels.no)
    if column.kind.startswith("enum:"):
        names = labels.values.get(column.kind.removeprefix("enum:"), {})
        return lambda value: None if value is None else names.get(str(value), str(value))
    return lambda value: value


def _sheet_title(title: str, taken: set[str]) -> str:
    clean = "".join(ch for ch in title if ch not in "[]:*?/\\")[:SHEET_TITLE_MAX] or "sheet"
    candidate, number = clean, 2
    while candidate.casefold() in taken:
        suffix = f" ({number})"
        candidate, number = clean[: SHEET_TITLE_MAX - len(suffix)] + suffix, number + 1
    taken.add(candidate.casefold())
    return candidate


def _header(sheet: Sheet, labels: ExportLabels) -> list[str]:
    names = labels.columns.get(sheet.key, {})
    return [names.get(column.key, column.key) for column in sheet.columns]


def _converted(
    rows: Iterable[tuple[object, ...]], converters: list[Convert]
) -> Iterable[list[Any]]:
    for row in rows:
        yield [convert(value) for convert, value in zip(converters, row, strict=True)]


def write_export(
    db_path: Path,
    scope: ReportScope,
    period: Period,
    timezone: ZoneInfo,
    locale: str,
    labels: ExportLabels,
    fmt: str,
    out_path: Path,
) -> ExportFile:
    """Write the export to `out_path`; None as the path when the period holds no data.

    The file is written beside `out_path` and moved there only when complete and not empty,
    so an existing file is never replaced by a half-written or an empty one.
    """
    partial = out_path.with_name(out_path.name + ".part")
    conn = open_snapshot(db_path)
    try:
        writer = _write_xlsx if fmt == "xlsx" else _write_csv_zip

        def tables() -> Iterable[tuple[Sheet, list[str], Iterable[list[Any]]]]:
            for sheet in SHEETS:
                converters = [_converter(column, labels, timezone) for column in sheet.columns]
                rows = table_rows(conn, sheet, scope, period, timezone, locale)
                yield sheet, _header(sheet, labels), _converted(rows, converters)

        counts = writer(tables(), labels, partial)
        result = ExportFile(path=out_path, rows=counts, size=partial.stat().st_size)
        if result.data_rows == 0:
            return ExportFile(path=None, rows=counts)
        partial.replace(out_path)
        return result
    finally:
        conn.close()
        partial.unlink(missing_ok=True)


def _write_xlsx(
    tables: Iterable[tuple[Sheet, list[str], Iterable[list[Any]]]],
    labels: ExportLabels,
    out_path: Path,
) -> dict[str, int]:
    workbook = Workbook(write_only=True)
    counts: dict[str, int] = {}
    taken: set[str] = set()
    bold = Font(bold=True)
    for sheet, header, rows in tables:
        worksheet = workbook.create_sheet(
            _sheet_title(labels.sheets.get(sheet.key, sheet.key), taken)
        )
        worksheet.freeze_panes = "A2"
        for index, column in enumerate(sheet.columns, start=1):
            worksheet.column_dimensions[get_column_letter(index)].width = max(
                column.width, min(40, len(header[index - 1]) + 2)
            )
        heading = []
        for text in header:
            cell = WriteOnlyCell(worksheet, value=text)
            cell.font, cell.fill = bold, HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            heading.append(cell)
        worksheet.append(heading)
        formats = {
            index: DATE_FORMAT if column.kind == "date" else MOMENT_FORMAT
            for index, column in enumerate(sheet.columns)
            if column.kind in ("date", "moment")
        }
        count = 0
        for row in rows:
            worksheet.append(_cells(worksheet, row, formats))
            count += 1
        if count:
            worksheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{count + 1}"
        counts[sheet.key] = count
    workbook.save(out_path)
    return counts


def _cells(worksheet: Any, row: list[Any], formats: dict[int, str]) -> list[Any]:
    """Dates with their format; text that looks like a formula kept as text.

    People's names, topics and titles are typed by people: "=HYPERLINK(…)" must reach the
    coordinator's Excel as the words it is, not as a formula that runs.
    """
    cells: list[Any] = list(row)
    for index, value in enumerate(row):
        if isinstance(value, str) and value.startswith("="):
            cell = WriteOnlyCell(worksheet, value=value)
            cell.data_type = "s"
            cells[index] = cell
    for index, number_format in formats.items():
        value = row[index]
        if isinstance(value, date | datetime):
            cell = WriteOnlyCell(worksheet, value=value)
            cell.number_format = number_format
            cells[index] = cell
    return cells


def _write_csv_zip(
    tables: Iterable[tuple[Sheet, list[str], Iterable[list[Any]]]],
    labels: ExportLabels,
    out_path: Path,
) -> dict[str, int]:
    """One CSV per table in a ZIP; UTF-8 with a BOM so Excel reads Cyrillic right."""
    counts: dict[str, int] = {}
    with zipfile.ZipFile(out_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for sheet, header, rows in tables:
            with archive.open(f"{sheet.key}.csv", "w") as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                writer = csv.writer(text)
                writer.writerow(header)
                count = 0
                for row in rows:
                    writer.writerow([_csv_value(value) for value in row])
                    count += 1
                text.flush()
                text.detach()
            counts[sheet.key] = count
    return counts


def _csv_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value  # spreadsheet programs would run it as a formula
    return "" if value is None else value
