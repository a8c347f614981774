"""What conversations ask of the report builder (charts, exports) and what they get back.

The builder itself runs in worker processes (bot/workers/reports.py) and is injected as
workflow data `reports`; these plain, picklable records are all that crosses between the two.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from db.domain.reports import Period, ReportScope

EXPORT_FORMATS = ("xlsx", "csv")


@dataclass(frozen=True, slots=True)
class Series:
    label: str
    values: tuple[float, ...]
    color: str


@dataclass(frozen=True, slots=True)
class BarChart:
    """Bars per category; horizontal by default, since long names read better on a phone.

    A category may carry a note on a second line ("Staffing\nmedian 4 days").
    """

    title: str
    subtitle: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    horizontal: bool = True
    stacked: bool = False
    axis_label: str = ""
    max_value: float | None = None
    value_format: str = "{:.0f}"


@dataclass(frozen=True, slots=True)
class ExportLabels:
    """Sheet titles, column headings and value names in the reader's language."""

    sheets: dict[str, str]
    columns: dict[str, dict[str, str]]
    values: dict[str, dict[str, str]]  # family ("issue_status", …) -> stored value -> name
    yes: str
    no: str


@dataclass(frozen=True, slots=True)
class ExportOrder:
    scope: ReportScope
    period: Period
    locale: str
    fmt: str  # one of EXPORT_FORMATS
    labels: ExportLabels
    file_stem: str


@dataclass(frozen=True, slots=True)
class ExportFile:
    path: Path | None  # None: nothing to export in the period
    rows: dict[str, int] = field(default_factory=dict)
    size: int = 0

    @property
    def data_rows(self) -> int:
        return sum(count for sheet, count in self.rows.items() if sheet != "organizations")


class ReportBuilder(Protocol):
    async def charts(self, charts: list[BarChart]) -> list[bytes]:
        """PNG images, one per chart, in order."""

    def export(self, order: ExportOrder) -> AbstractAsyncContextManager[ExportFile]:
        """The file while the context is open; it is deleted afterwards."""
