"""What every CSV and Excel export needs: text that never runs as a formula
and never breaks the file, and the separator the reader's Excel expects.
Used by the member list, the reports and the survey results."""

from __future__ import annotations

from django.utils import translation

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# A cell starting with one of these is run as a formula by spreadsheet programs.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_delimiter(language: str | None = None) -> str:
    """The separator Excel expects in ``language`` (default: the active one).

    Excel set to Dutch, French or German (Belgium, the Netherlands) reads the
    comma as the decimal sign and opens a comma-separated file in one column:
    those get ";". English keeps ",".
    """
    code = (language or translation.get_language() or "en")[:2]
    return "," if code == "en" else ";"


def csv_safe(text: str) -> str:
    """``text`` for a CSV cell: a leading apostrophe keeps "=..." from running."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def xlsx_clean(text: str) -> str:
    """``text`` without the control characters XML (so XLSX) cannot hold:
    openpyxl refuses the whole file otherwise."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", text)


def xlsx_cell(sheet, value, *, bold: bool = False):
    """A write-only cell for ``value``; text is stored as text, never as a formula."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=xlsx_clean(value))
        cell.data_type = "s"  # a name starting with "=" is text, not a formula
    else:
        cell = WriteOnlyCell(sheet, value=value)
    if bold:
        cell.font = Font(bold=True)
    return cell
