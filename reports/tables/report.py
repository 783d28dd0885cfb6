"""The dashboards as sections of tables: one structure for the page, its
charts, and the CSV, XLSX and PDF exports, so they always show the same figures.

This module holds that structure; ``reports.tables.sections`` the sections
every dashboard shows, ``reports.tables.network`` the dashboards of a network,
municipality or police zone, ``reports.tables.national`` the national one.

A section's rows hold ints, floats (rounded for display), strings (names,
labels, "< 5") or None (no value). A chart is drawn from chosen columns of the
same rows; a suppressed or missing value is a gap in the chart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils import formats, timezone
from django.utils.text import slugify

from reports.disclosure import Ref
from reports.selectors.period import Period


@dataclass
class Chart:
    """How to draw a section: ``kind`` is a Chart.js type (bar, line),
    ``columns`` the indexes of the row values to plot, ``label_column`` the
    index of the category labels."""

    kind: str
    columns: list[int]
    label_column: int = 0
    stacked: bool = False
    unit: str = ""


@dataclass(frozen=True)
class Columns:
    """The names of a section's columns, in order: rows are built and cells
    addressed by name, not by position. (The headings users see are
    translated; these names are not.)"""

    key: str
    names: tuple[str, ...]

    def index(self, name: str) -> int:
        return self.names.index(name)

    def indexes(self, *names: str) -> list[int]:
        return [self.names.index(name) for name in names]

    def row(self, **values) -> list:
        """The values in column order; every column is named exactly once."""
        if set(values) != set(self.names):
            raise ValueError(f"{self.key}: expected {self.names}, got {tuple(values)}")
        return [values[name] for name in self.names]

    def cell(self, row: int, name: str) -> Ref:
        """A cell's address for ``reports.disclosure``."""
        return (self.key, row, self.index(name))


@dataclass
class Section:
    key: str
    title: str
    columns: list[str]
    rows: list[list]
    chart: Chart | None = None
    note: str = ""
    totals: list | None = None
    # The numeric columns (right-aligned): from first_number up to, not
    # including, last_number (None: to the end).
    first_number: int = 1
    last_number: int | None = None

    def _numeric(self, index: int) -> bool:
        end = len(self.columns) if self.last_number is None else self.last_number
        return self.first_number <= index < end

    @property
    def header(self) -> list[tuple[str, bool]]:
        return [(c, self._numeric(i)) for i, c in enumerate(self.columns)]

    @property
    def cells(self) -> list[list[tuple[object, bool]]]:
        """Rows as (value, numeric) pairs, for the templates."""
        return [[(v, self._numeric(i)) for i, v in enumerate(row)] for row in self.rows]

    @property
    def total_cells(self) -> list[tuple[object, bool]]:
        return [(v, self._numeric(i)) for i, v in enumerate(self.totals or [])]

    @property
    def wide(self) -> bool:
        """Too many columns to share the width with a chart."""
        return len(self.columns) > 6

    def chart_data(self) -> dict | None:
        """The chart's labels and datasets, as json_script data for Chart.js."""
        if self.chart is None or not self.rows:
            return None

        def number(value):
            return value if isinstance(value, int | float) and not isinstance(value, bool) else None

        return {
            "type": self.chart.kind,
            "stacked": self.chart.stacked,
            "title": self.title,
            "unit": self.chart.unit,
            "labels": [str(row[self.chart.label_column]) for row in self.rows],
            "datasets": [
                {
                    "label": self.columns[index],
                    "data": [number(row[index]) for row in self.rows],
                    # What the table says where the chart has a gap ("< 5").
                    "text": [cell_text(row[index]) for row in self.rows],
                }
                for index in self.chart.columns
            ],
        }


def cell_text(value) -> str:
    """A cell as text: "—" for no value, floats with one decimal."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return formats.number_format(value, 1)
    return str(value)


@dataclass
class Report:
    title: str
    scope: str
    period: Period
    sections: list[Section] = field(default_factory=list)
    anonymised: bool = False
    generated_at: object = field(default_factory=timezone.now)

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    @property
    def filename_stem(self) -> str:
        period = f"{self.period.start:%Y%m%d}-{self.period.end:%Y%m%d}"
        return f"report-{slugify(self.scope)[:60]}-{period}"


def month_label(month: date) -> str:
    return f"{month:%Y-%m}"


def minutes(seconds):
    return None if seconds is None else round(seconds / 60.0, 1)


def hours(seconds):
    return None if seconds is None else round(seconds / 3600.0, 1)
