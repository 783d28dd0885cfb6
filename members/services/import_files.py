"""Reading an uploaded member list (CSV or XLSX) into rows of text cells.

Refuses, with one message about the whole file, what cannot be read: a wrong
type, a file too large (also once unpacked), too many rows, broken quotes.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import zipfile
from collections.abc import Iterator
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from bin_platform.archives import ArchiveRefused, NotAnArchive, archive_open
from members.services.import_rows import header_looks_like

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 10_000
# Blank lines count towards this, so a sheet with one cell in row 1,000,000
# is refused instead of being walked through.
_MAX_LINES = MAX_IMPORT_ROWS * 3
_MAX_COLUMNS = 60
_MAX_CELL_CHARS = 300

CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACE_RE = re.compile(r"\s+")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls format


# --- reading the file ------------------------------------------------------


def _unreadable(message: str, code: str = "invalid") -> ValidationError:
    return ValidationError(message, code=code)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, datetime | date):
        value = value.isoformat()
    text = CONTROL_CHARS.sub("", str(value))
    return _SPACE_RE.sub(" ", text).strip()[:_MAX_CELL_CHARS]


def _read_bytes(uploaded_file) -> bytes:
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > MAX_IMPORT_BYTES:
        raise _too_big()
    uploaded_file.seek(0)
    data = uploaded_file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise _too_big()
    if not data.strip():
        raise _unreadable(_("The file is empty."), code="empty")
    return data


def _too_big() -> ValidationError:
    return ValidationError(
        _("The file is larger than %(size)s MB. Split the list into smaller files."),
        params={"size": MAX_IMPORT_BYTES // (1024 * 1024)},
        code="too_big",
    )


def _too_many_rows() -> ValidationError:
    return ValidationError(
        _("The file has more than %(rows)s rows. Split the list into smaller files."),
        params={"rows": f"{MAX_IMPORT_ROWS:,}"},
        code="too_many_rows",
    )


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" export.
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise _not_text() from exc
    if b"\x00" in data:
        raise _not_text()
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Excel on Windows saves CSV in the ANSI code page.
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise _not_text() from exc


def _not_text() -> ValidationError:
    return _unreadable(
        _(
            "This file cannot be read as a CSV file. Save the list from your spreadsheet "
            "as “CSV (comma or semicolon separated)” or as an Excel workbook (.xlsx)."
        )
    )


def _csv_lines(data: bytes) -> Iterator[tuple[int, list[str]]]:
    text = _decode(data)
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    # Excel writes "sep=;" above the header when asked to name the separator.
    hint = first_line.strip().lower()
    if hint.startswith("sep=") and len(hint) == 5:
        delimiter = hint[4]
    else:
        # The header names hold no separators, so the most frequent candidate wins.
        delimiter = max((";", "\t", ","), key=lambda d: (first_line.count(d), d == ","))
        hint = ""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 0
    try:
        for line, cells in enumerate(reader, start=1):
            if hint and [c.strip().lower() for c in cells if c.strip()] == [hint[:4]]:
                hint = ""  # the "sep=" line itself; with ";" the reader splits it
                continue
            yield line, cells[:_MAX_COLUMNS]
    except csv.Error as exc:
        # A quote that is never closed, or a cell longer than the csv module allows.
        raise ValidationError(
            _("Row %(line)s of the file cannot be read: check its quotes."),
            params={"line": line + 1},
            code="invalid",
        ) from exc


# An .xlsx is a zip: a small upload can unpack to gigabytes of XML.
MAX_XLSX_UNPACKED_BYTES = 60 * 1024 * 1024


def _xlsx_unpacked_size_check(data: bytes) -> None:
    """Refuse a workbook whose entries declare too much unpacked, in total or
    against their compressed size; openpyxl reads through zipfile, which
    never unpacks more than an entry declares, so this bounds its reads."""
    try:
        archive_open(io.BytesIO(data), max_unpacked=MAX_XLSX_UNPACKED_BYTES).close()
    except NotAnArchive as exc:
        raise _not_xlsx() from exc
    except ArchiveRefused as exc:
        raise ValidationError(
            _("This workbook is too large once unpacked. Save it as CSV and upload that."),
            code="too_large",
        ) from exc


def _xlsx_lines(data: bytes) -> Iterator[tuple[int, list]]:
    # why: openpyxl is slow to import; only an .xlsx upload needs it.
    import openpyxl

    _xlsx_unpacked_size_check(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        # openpyxl fails on a damaged workbook with anything from KeyError to
        # XML errors; all of them mean the same to the person uploading.
        raise _not_xlsx() from exc
    try:
        if not workbook.worksheets:
            raise _not_xlsx()
        sheet = workbook.worksheets[0]
        if (sheet.max_row or 0) > _MAX_LINES:
            raise _too_many_rows()
        rows = sheet.iter_rows(values_only=True, max_col=_MAX_COLUMNS)
        for line, cells in enumerate(rows, start=1):
            yield line, list(cells)
    except ValidationError:
        raise
    except Exception as exc:
        raise _not_xlsx() from exc
    finally:
        workbook.close()


def _not_xlsx() -> ValidationError:
    return _unreadable(
        _("This file cannot be read as an Excel workbook (.xlsx). Open it in your spreadsheet "
          "and save it again as .xlsx or as CSV.")
    )  # fmt: skip


def upload_table(*, uploaded_file) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header cells and the non-blank data rows as (line number, cells)."""
    name = (getattr(uploaded_file, "name", "") or "").lower()
    extension = os.path.splitext(name)[1]
    if extension == ".xls":
        raise _unreadable(
            _("Old Excel files (.xls) cannot be read. Save the list as .xlsx or as CSV."),
            code="xls",
        )
    if extension not in (".csv", ".txt", ".xlsx"):
        raise _unreadable(_("Upload a CSV file (.csv) or an Excel workbook (.xlsx)."), "type")
    data = _read_bytes(uploaded_file)
    if data.startswith(_OLE_MAGIC):
        raise _unreadable(
            _("Old Excel files (.xls) cannot be read. Save the list as .xlsx or as CSV."),
            code="xls",
        )
    if data.startswith(_ZIP_MAGIC):
        if not zipfile.is_zipfile(io.BytesIO(data)):
            raise _not_xlsx()
        source = _xlsx_lines(data)
    elif extension == ".xlsx":
        raise _not_xlsx()
    else:
        source = _csv_lines(data)

    rows: list[tuple[int, list[str]]] = []
    for line, cells in source:
        if line > _MAX_LINES:
            raise _too_many_rows()
        texts = [_cell_text(cell) for cell in cells]
        if not any(texts):
            continue
        rows.append((line, texts))
        # One more than the limit is allowed for the header row.
        if len(rows) > MAX_IMPORT_ROWS + 1:
            raise _too_many_rows()
    if not rows:
        raise _unreadable(_("The file is empty."), code="empty")
    # Lists often start with a title ("Members of ...") above the column names.
    start = next(
        (i for i, (_line, texts) in enumerate(rows[:_HEADER_SEARCH]) if header_looks_like(texts)),
        0,
    )
    if len(rows) - start - 1 > MAX_IMPORT_ROWS:
        raise _too_many_rows()
    return rows[start][1], rows[start + 1 :]


_HEADER_SEARCH = 10
