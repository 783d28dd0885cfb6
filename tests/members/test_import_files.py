"""Reading uploaded member lists: an xlsx is a zip, and a bomb never reaches
openpyxl (tests/test_archives.py covers the bounds themselves)."""

from __future__ import annotations

import io
import tracemalloc
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from members.services.import_files import upload_table


def _workbook(sheet: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return buffer.getvalue()


def test_a_workbook_bomb_below_the_total_limit_is_refused_by_its_ratio():
    # 40 MB of one repeated row: under the 60 MB total, a thousandfold ratio.
    row = b"<row><c t='inlineStr'><is><t>x</t></is></c></row>"
    content = _workbook(b"<worksheet><sheetData>" + row * (40 * 1024 * 1024 // len(row)))
    assert len(content) < 1024 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(ValidationError) as exc:
            upload_table(uploaded_file=SimpleUploadedFile("leden.xlsx", content))
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert exc.value.code == "too_large"
    assert peak < 8 * 1024 * 1024


def test_a_broken_zip_named_xlsx_is_not_a_workbook():
    with pytest.raises(ValidationError) as exc:
        upload_table(uploaded_file=SimpleUploadedFile("leden.xlsx", b"PK\x03\x04" + b"0" * 50))
    assert exc.value.code == "invalid"
