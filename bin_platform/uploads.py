"""The names of uploaded files, as people will see them again.

A browser sends whatever name the file had: control characters, or a
right-to-left override (U+202E) that shows "invoice\u202eexe.pdf" as
"invoicefdp.exe". Every place that keeps an uploaded file's name keeps it
through ``upload_name_clean``.
"""

from __future__ import annotations

import unicodedata
from pathlib import PurePosixPath, PureWindowsPath

__all__ = ["upload_name_clean"]

# Control (Cc), format (Cf: bidirectional overrides and isolates, zero-width
# characters), unassigned or private (Cn, Co) and surrogates (Cs); line and
# paragraph separators (Zl, Zp).
_DROPPED = frozenset({"Cc", "Cf", "Cn", "Co", "Cs", "Zl", "Zp"})


def upload_name_clean(name: str | None, *, max_length: int = 200, default: str = "file") -> str:
    """The file name to keep and show: the last path part, NFC-normalised,
    without invisible or direction-changing characters, spaces collapsed, at
    most ``max_length`` characters with its extension kept; ``default`` when
    nothing is left."""
    text = unicodedata.normalize("NFC", name or "")
    text = "".join(" " if char.isspace() else char for char in text)
    text = "".join(char for char in text if unicodedata.category(char) not in _DROPPED)
    text = PureWindowsPath(PurePosixPath(text).name).name
    text = " ".join(text.split()).strip(" .")
    if not text:
        return default
    if len(text) > max_length:
        suffix = PurePosixPath(text).suffix
        suffix = suffix if len(suffix) <= 16 else ""
        text = text[: max_length - len(suffix)].rstrip(" .") + suffix
    return text
