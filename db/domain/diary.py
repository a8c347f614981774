"""The student's practice diary and final report.

The diary is one entry per day of practice: what the student did and a short reflection. The
hours log is its backbone: the diary lists the days with hours, and a day may be written
whether or not hours were logged for it. The report is one file (PDF or Word) per placement;
a new upload replaces the old one until the practice is graded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePath

from db.domain.errors import InvalidValue
from db.domain.evaluations import Period
from db.domain.practice_log import clean_field

DID_MAX = 1000
REFLECTION_MAX = 1000
DIARY_PAGE = 7  # days shown at once on a phone
REPORT_MAX_BYTES = 20 * 1024 * 1024  # what a bot may download again from Telegram
REPORT_TYPES = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@dataclass(frozen=True, slots=True)
class DiaryEntry:
    application_id: int
    day: date
    did: str
    reflection: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class DiaryDay:
    """One line of the diary: the hours logged that day and the entry, either may be missing."""

    day: date
    hours: float
    entry: DiaryEntry | None


@dataclass(frozen=True, slots=True)
class ReportFile:
    file_id: str  # Telegram's, to send the same file again
    file_name: str
    mime_type: str
    size: int


@dataclass(frozen=True, slots=True)
class PracticeReport:
    application_id: int
    file: ReportFile
    uploaded_at: datetime


def check_diary_day(period: Period, day: date, today: date) -> date:
    if not period.starts_on <= day <= min(period.ends_on, today):
        raise InvalidValue("day", "outside_practice")
    return day


def check_diary_text(did: str, reflection: str) -> tuple[str, str]:
    return clean_field(did, "did", DID_MAX), clean_field(reflection, "reflection", REFLECTION_MAX)


def check_report(file: ReportFile) -> ReportFile:
    """A PDF or Word file under REPORT_MAX_BYTES; the name's extension decides, not the sender."""
    suffix = PurePath(file.file_name or "").suffix.lower()
    if suffix not in REPORT_TYPES:
        raise InvalidValue("report", "not_a_document")
    if not 0 < file.size <= REPORT_MAX_BYTES:
        raise InvalidValue("report", "too_large")
    return ReportFile(file.file_id, file.file_name, REPORT_TYPES[suffix], file.size)
