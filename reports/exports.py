"""A dashboard as a file: CSV (all sections one after the other), XLSX (one
sheet per section) and a printable PDF (WeasyPrint). All three read the same
``Report`` as the page, so they hold exactly the figures on the screen."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from reports.tables import Report

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}"
    text = str(value)
    # A network or street name must never run as a spreadsheet formula.
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def _header_lines(report: Report) -> list[list[str]]:
    lines = [
        [report.title],
        [_("Scope"), report.scope],
        [_("Period"), f"{report.period.start:%Y-%m-%d}", f"{report.period.end:%Y-%m-%d}"],
    ]
    if report.anonymised:
        lines.append(
            [
                _(
                    "Anonymised: counts below 5 are shown as “< 5”, and so is a second figure "
                    "where the first could be worked out from a total."
                )
            ]
        )
    return lines


def report_csv_lines(report: Report) -> Iterator[str]:
    """The report as CSV lines: a header, then per section its title, column
    names, rows and total, separated by an empty line. Starts with a byte-order
    mark so Excel reads UTF-8."""
    writer = csv.writer(_Echo())
    first = True
    for line in _header_lines(report):
        text = writer.writerow([_cell_text(v) for v in line])
        yield ("\ufeff" + text) if first else text
        first = False
    for section in report.sections:
        yield writer.writerow([])
        yield writer.writerow([_cell_text(section.title)])
        yield writer.writerow([_cell_text(c) for c in section.columns])
        for row in section.rows:
            yield writer.writerow([_cell_text(v) for v in row])
        if section.totals:
            yield writer.writerow([_cell_text(v) for v in section.totals])


def report_xlsx_content(report: Report) -> bytes:
    """The report as a workbook: an overview sheet, then one sheet per section."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)

    def cell(sheet, value, bold=False):
        if isinstance(value, str):
            written = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
            written.data_type = "s"  # a name starting with "=" is text, not a formula
        else:
            written = WriteOnlyCell(sheet, value=value)
        if bold:
            written.font = Font(bold=True)
        return written

    used: set[str] = set()

    def title(text: str) -> str:
        base = "".join(ch for ch in text if ch not in "[]:*?/\\")[:31] or "Sheet"
        name, n = base, 2
        while name.casefold() in used:
            suffix = f" {n}"
            name, n = base[: 31 - len(suffix)] + suffix, n + 1
        used.add(name.casefold())
        return name

    overview = workbook.create_sheet(title=title(_("Report")))
    for line in _header_lines(report):
        overview.append([cell(overview, str(v)) for v in line])
    for section in report.sections:
        sheet = workbook.create_sheet(title=title(section.title))
        sheet.append([cell(sheet, section.title, bold=True)])
        sheet.append([cell(sheet, str(c), bold=True) for c in section.columns])
        for row in section.rows:
            sheet.append([cell(sheet, v) for v in row])
        if section.totals:
            sheet.append([cell(sheet, v, bold=True) for v in section.totals])
        if section.note:
            sheet.append([])
            sheet.append([cell(sheet, str(section.note))])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def report_pdf_content(report: Report, *, base_url: str) -> bytes:
    """The report as a printable PDF: every section as a table."""
    from weasyprint import HTML

    html = render_to_string("reports/report_pdf.html", {"report": report})
    return HTML(string=html, base_url=base_url).write_pdf()
