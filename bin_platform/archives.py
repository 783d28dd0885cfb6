"""Opening uploaded zip archives (office documents, xlsx) with bounded reads.

A zip declares each entry's unpacked size; a small upload can declare (and
hold) gigabytes of repeated bytes. Python's zipfile never returns more than
the declared size of an entry (a lie fails its CRC check), so refusing an
archive whose declared sizes are too large, in total or against their
compressed size, bounds every later read, also by libraries such as
openpyxl that read through zipfile. ``archive_read`` bounds a single read
once more, in case the archive was opened elsewhere.
"""

from __future__ import annotations

import zipfile
from typing import IO

__all__ = ["ArchiveRefused", "NotAnArchive", "archive_open", "archive_read"]

# Office XML compresses well (10-20 times); far more only for bombs.
MAX_RATIO = 100
# Entries smaller than this are not checked against the ratio: a tiny file of
# repeated bytes is harmless, and common in real documents.
_RATIO_FROM_BYTES = 1024 * 1024
MAX_ENTRIES = 5000


class ArchiveRefused(ValueError):
    """The file is not a zip archive, or unpacks to more than allowed."""


class NotAnArchive(ArchiveRefused):
    """The file is not a readable zip archive at all."""


def _check(archive: zipfile.ZipFile, *, max_unpacked: int, max_ratio: int) -> None:
    entries = archive.infolist()
    if len(entries) > MAX_ENTRIES:
        raise ArchiveRefused(f"{len(entries)} entries")
    total = 0
    for info in entries:
        total += info.file_size
        if total > max_unpacked:
            raise ArchiveRefused(f"more than {max_unpacked} bytes unpacked")
        if info.file_size > _RATIO_FROM_BYTES and (
            info.file_size > max_ratio * max(info.compress_size, 1)
        ):
            raise ArchiveRefused(f"{info.filename!r} unpacks more than {max_ratio} times")


def archive_open(
    file: IO[bytes], *, max_unpacked: int, max_ratio: int = MAX_RATIO
) -> zipfile.ZipFile:
    """The zip archive in ``file``, after checking what it declares: at most
    ``max_unpacked`` bytes in all, no entry over 1 MB unpacking more than
    ``max_ratio`` times its compressed size, at most 5,000 entries.

    Raises ArchiveRefused otherwise (also for a file that is no zip).
    """
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise NotAnArchive("not a zip archive") from exc
    try:
        _check(archive, max_unpacked=max_unpacked, max_ratio=max_ratio)
    except ArchiveRefused:
        archive.close()
        raise
    return archive


def archive_read(archive: zipfile.ZipFile, name: str, *, limit: int) -> bytes:
    """At most ``limit`` bytes of one entry; ArchiveRefused if it holds more,
    KeyError if there is no such entry."""
    try:
        with archive.open(name) as entry:
            data = entry.read(limit + 1)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ArchiveRefused(f"{name!r} cannot be read") from exc
    if len(data) > limit:
        raise ArchiveRefused(f"{name!r} holds more than {limit} bytes")
    return data
