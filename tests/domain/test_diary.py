"""The diary's days, the report's file types and when a mid-term evaluation is asked for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from db.domain.diary import REPORT_MAX_BYTES, ReportFile, check_diary_day, check_report
from db.domain.errors import InvalidValue
from db.domain.evaluations import mid_term_open


@dataclass(frozen=True)
class Period:
    starts_on: date
    ends_on: date


def report(name: str, size: int = 1000, mime: str = "application/octet-stream") -> ReportFile:
    return ReportFile("file-1", name, mime, size)


def test_a_report_is_a_pdf_or_a_word_file_whatever_the_phone_says_its_type_is() -> None:
    assert check_report(report("Есеп.PDF")).mime_type == "application/pdf"
    assert check_report(report("otchet.docx")).mime_type.endswith("wordprocessingml.document")
    for bad in ("report.exe", "report.pdf.exe", "report", "photo.jpg"):
        with pytest.raises(InvalidValue):
            check_report(report(bad, mime="application/pdf"))
    with pytest.raises(InvalidValue):
        check_report(report("big.pdf", REPORT_MAX_BYTES + 1))
    with pytest.raises(InvalidValue):
        check_report(report("empty.pdf", 0))


def test_a_diary_day_is_a_day_of_the_practice_up_to_today() -> None:
    period = Period(date(2026, 9, 1), date(2026, 9, 28))
    today = date(2026, 9, 10)
    assert check_diary_day(period, today, today) == today
    for day in (date(2026, 8, 31), date(2026, 9, 11), date(2026, 9, 29)):
        with pytest.raises(InvalidValue):
            check_diary_day(period, day, today)


def test_a_ten_week_practice_is_asked_for_a_mid_term_from_its_sixth_week() -> None:
    period = Period(date(2026, 9, 1), date(2026, 11, 9))  # 69 days
    assert not mid_term_open(period, date(2026, 10, 4), 6)
    assert mid_term_open(period, date(2026, 10, 5), 6)  # day 34 of 69: the midpoint
    assert mid_term_open(period, date(2026, 11, 9), 6)
    assert not mid_term_open(period, date(2026, 11, 10), 6)
    assert not mid_term_open(period, date(2026, 10, 5), 10)  # not long enough for ten weeks


@given(
    start=st.dates(date(2025, 1, 1), date(2030, 1, 1)),
    length=st.integers(0, 400),
    weeks=st.integers(1, 52),
    offset=st.integers(-10, 410),
)
def test_once_open_the_mid_term_stays_open_in_the_second_half_only(
    start: date, length: int, weeks: int, offset: int
) -> None:
    period = Period(start, start + timedelta(days=length))
    today = start + timedelta(days=offset)
    if not mid_term_open(period, today, weeks):
        return
    assert length > weeks * 7
    assert 2 * offset >= length - 1 and offset <= length  # the second half of the practice
    if today < period.ends_on:
        assert mid_term_open(period, today + timedelta(days=1), weeks)
