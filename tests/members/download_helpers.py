"""Helpers shared by the member import and export tests."""

from __future__ import annotations

import csv
import io


def _csv_rows(response) -> list[dict]:
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to read UTF-8
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
