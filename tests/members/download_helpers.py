"""Helpers shared by the member import and export tests."""

from __future__ import annotations

import csv
import io

from django.utils import translation

from members.services.exports import EXPORT_COLUMNS
from members.services.import_rows import IMPORT_COLUMNS, import_field_label


def _field_names(language: str = "en") -> dict[str, str]:
    """Column field per translated header name, as our files write them."""
    with translation.override(language):
        fields = (*EXPORT_COLUMNS, *IMPORT_COLUMNS, "line", "errors")
        return {import_field_label(field): field for field in fields}


def _csv_rows(response, language: str = "en") -> list[dict]:
    """The rows of a downloaded CSV, keyed by field name (first_name, ...)."""
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to read UTF-8
    delimiter = "," if language == "en" else ";"
    reader = csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=delimiter)
    header, *rows = list(reader)
    names = _field_names(language)
    keys = [names.get(label, label) for label in header]
    return [dict(zip(keys, row, strict=False)) for row in rows]
