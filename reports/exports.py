"""A dashboard as a file: CSV (all sections one after the other), XLSX (one
sheet per section) and a printable PDF (WeasyPrint). All three read the same
``Report`` as the page, so they hold exactly the figures on the screen."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from bin_platform.spreadsheets import csv_delimiter, csv_safe, xlsx_cell
from reports.tables.report import Report


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}"
    # A network or street name must never run as a spreadsheet formula.
    return csv_safe(str(value))


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
    mark so Excel reads UTF-8, separated as the reader's Excel expects."""
    writer = csv.writer(_Echo(), delimiter=csv_delimiter())
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
    # why: openpyxl is loaded only by the workbook export, not by every page.
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)

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
        overview.append([xlsx_cell(overview, str(v)) for v in line])
    for section in report.sections:
        sheet = workbook.create_sheet(title=title(section.title))
        sheet.append([xlsx_cell(sheet, section.title, bold=True)])
        sheet.append([xlsx_cell(sheet, str(c), bold=True) for c in section.columns])
        for row in section.rows:
            sheet.append([xlsx_cell(sheet, v) for v in row])
        if section.totals:
            sheet.append([xlsx_cell(sheet, v, bold=True) for v in section.totals])
        if section.note:
            sheet.append([])
            sheet.append([xlsx_cell(sheet, str(section.note))])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def report_pdf_content(report: Report, *, base_url: str) -> bytes:
    """The report as a printable PDF: every section as a table."""
    # why: WeasyPrint is slow to import; only the PDF export needs it.
    from weasyprint import HTML

    html = render_to_string("reports/report_pdf.html", {"report": report})
    return HTML(string=html, base_url=base_url).write_pdf()
