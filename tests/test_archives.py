"""bin_platform.archives: uploaded zips are checked by what they declare and
read with a bound."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest

from bin_platform.archives import ArchiveRefused, NotAnArchive, archive_open, archive_read


def _zip(entries: dict[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    buffer.seek(0)
    return buffer


def test_an_ordinary_archive_opens_and_reads():
    with archive_open(_zip({"a.xml": b"<a/>"}), max_unpacked=100) as archive:
        assert archive_read(archive, "a.xml", limit=10) == b"<a/>"
        with pytest.raises(KeyError):
            archive_read(archive, "missing", limit=10)


def test_what_is_not_a_zip_is_refused():
    with pytest.raises(NotAnArchive):
        archive_open(io.BytesIO(b"PK\x03\x04 but nothing else"), max_unpacked=100)


def test_the_total_declared_size_is_bounded():
    with pytest.raises(ArchiveRefused):
        archive_open(_zip({"a": b"x" * 600, "b": b"y" * 600}), max_unpacked=1000)


def test_the_ratio_of_large_entries_is_bounded():
    bomb = _zip({"sheet.xml": b"0" * (4 * 1024 * 1024)})
    assert len(bomb.getvalue()) < 40_000
    with pytest.raises(ArchiveRefused, match="unpacks more than"):
        archive_open(bomb, max_unpacked=100 * 1024 * 1024)
    # Small entries may compress well: real documents have such.
    archive_open(_zip({"styles.xml": b"0" * 100_000}), max_unpacked=1024 * 1024).close()


def test_a_read_is_bounded():
    archive = archive_open(_zip({"mimetype": b"x" * 5000}), max_unpacked=10_000)
    with archive, pytest.raises(ArchiveRefused):
        archive_read(archive, "mimetype", limit=100)


def test_an_entry_that_lies_about_its_size_yields_no_more_than_it_declares():
    data = bytearray(_zip({"mimetype": b"a" * 2_000_000}).getvalue())
    # Declare 100 bytes in both the local and the central header.
    struct.pack_into("<I", data, data.find(b"PK\x03\x04") + 22, 100)
    struct.pack_into("<I", data, data.rfind(b"PK\x01\x02") + 24, 100)
    archive = archive_open(io.BytesIO(bytes(data)), max_unpacked=1000)
    with archive, pytest.raises(ArchiveRefused):
        archive_read(archive, "mimetype", limit=1000)
