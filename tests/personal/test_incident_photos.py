"""Report photos that could hurt: decompression bombs, HEIC with its EXIF, and
refusals repeated through one personal link (tests/personal/test_incidents.py
has the ordinary photo checks)."""

from __future__ import annotations

import struct
import zlib
from io import BytesIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pillow_heif import register_heif_opener

from messaging.models import IncidentReport
from messaging.services.incidents import INCIDENTS_PER_DAY
from tests.messaging.incident_helpers import (  # noqa: F401 - _private_media, _reporter: autouse fixtures
    _data,
    _private_media,
    _reporter,
    _url,
)

register_heif_opener()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_header(width: int, height: int) -> bytes:
    """A PNG that declares width x height grey pixels but holds only a few
    rows: a decoder would allocate the whole image first."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (width + 1) * 4)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", rows) + _chunk(b"IEND", b"")
    )


def _heic_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (50.0, 57.0, 36.0), "E", (3.0, 50.0, 24.0)
    out = BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, format="HEIF", exif=exif.tobytes())
    return out.getvalue()


def _post_photo(client, world, name: str, content: bytes):
    return client.post(_url(world.member), _data(photo=SimpleUploadedFile(name, content)))


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (13000, 13000),  # 169 Mpx: between Pillow's warning and its error
        (9000, 8000),  # 72 Mpx: below Pillow's warning, above any phone
    ],
)
def test_a_photo_with_too_many_pixels_is_refused_before_decoding(
    client, world, settings, width, height
):
    content = _png_header(width, height)
    assert len(content) < 100_000
    response = _post_photo(client, world, "IMG_1.png", content)
    assert response.status_code == 200
    assert "too many pixels" in response.context["form"].errors["photo"][0]
    assert not IncidentReport.objects.exists()


def test_a_phone_sized_photo_is_accepted(client, world):
    out = BytesIO()
    # 48 Mpx, the largest default of current phones; mode "1" keeps the test light.
    Image.new("1", (8000, 6000)).save(out, format="PNG")
    response = _post_photo(client, world, "IMG_2.png", out.getvalue())
    assert response.status_code == 302
    assert IncidentReport.objects.get().photo.name.endswith(".png")


def test_pillows_bomb_warning_is_a_refusal(client, world, monkeypatch):
    # Pillow warns above MAX_IMAGE_PIXELS and refuses above twice that.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 300)
    out = BytesIO()
    Image.new("RGB", (20, 20)).save(out, format="PNG")  # 400 pixels: a warning only
    response = _post_photo(client, world, "IMG_3.png", out.getvalue())
    assert response.status_code == 200
    assert "too many pixels" in response.context["form"].errors["photo"][0]


def test_refused_photos_count_towards_the_daily_limit(client, world):
    for _ in range(INCIDENTS_PER_DAY):
        response = _post_photo(client, world, "IMG_4.png", _png_header(13000, 13000))
        assert "too many pixels" in response.context["form"].errors["photo"][0]
    # The link is spent for today, also for a report without a photo.
    response = client.post(_url(world.member), _data())
    assert response.status_code == 200
    assert "many reports today" in str(response.context["form"].non_field_errors())
    assert not IncidentReport.objects.exists()


def test_a_heic_photo_is_stored_as_jpeg_without_its_location(client, world, settings):
    content = _heic_with_gps()
    assert b"PhoneMaker" in content
    response = _post_photo(client, world, "IMG_0002.HEIC", content)
    assert response.status_code == 302
    stored = Path(settings.MEDIA_ROOT, IncidentReport.objects.get().photo.name)
    assert stored.suffix == ".jpg"
    data = stored.read_bytes()
    assert b"PhoneMaker" not in data and b"Exif" not in data
    with Image.open(stored) as image:
        assert image.format == "JPEG" and image.size == (64, 48)
        assert not image.getexif()


def test_a_file_that_only_looks_like_heic_is_refused(client, world):
    fake = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
    response = _post_photo(client, world, "IMG_5.heic", fake)
    assert response.status_code == 200
    assert "not a readable photo" in response.context["form"].errors["photo"][0]
