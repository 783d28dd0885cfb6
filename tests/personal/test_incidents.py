"""Members' reports (meldingen) from the personal page: the form, its errors,
the photo checks and who is told; the staff side is tests/messaging/test_incidents.py."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from members.models import Member
from members.services.core import member_erase
from members.tokens import member_personal_token
from messaging.models import IncidentReport
from messaging.services.incidents import INCIDENTS_PER_DAY, incident_create
from outbox.models import Notification
from tests.factories import MemberFactory
from tests.messaging.incident_helpers import (  # noqa: F401 - _private_media, _reporter: autouse fixtures
    PNG,
    _data,
    _private_media,
    _report,
    _reporter,
    _url,
    _when,
)

JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
INVALID_TEMPLATE = "personal/invalid_link.html"


def _media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- the member's side -------------------------------------------------------------


def test_report_page_shows_the_emergency_numbers_before_the_form(client, world):
    response = client.get(_url(world.member))
    assert response.status_code == 200
    body = response.content.decode()
    form_at = body.index('enctype="multipart/form-data"')
    for number, _label in world.network.emergency_numbers:
        assert body.index(f'href="tel:{number}"') < form_at
    assert body.index("crime in progress") < form_at
    # Same protections as every personal page.
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]
    assert "noindex" in response["X-Robots-Tag"]
    # The street is chosen from the network's list.
    assert response.context["form"].fields["street"].choices[1:] == [("Kerkstraat", "Kerkstraat")]


def test_the_members_page_links_to_the_report_form(client, world):
    token = member_personal_token(member=world.member)
    body = client.get(reverse("personal:home", args=[token])).content.decode()
    assert reverse("personal:incident_report", args=[token]) in body


def test_member_reports_and_the_officer_gets_an_email(client, world):
    photo = SimpleUploadedFile("van.png", PNG, content_type="image/png")
    url = _url(world.member)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(url, _data(photo=photo))
    assert response.status_code == 302
    assert response["Location"] == url + "?sent=1"
    report = IncidentReport.objects.get()
    assert report.network == world.network and report.member == world.member
    assert report.category == "vehicle" and report.street == "Kerkstraat"
    assert report.plate == "1-ABC-234" and report.police_called
    assert report.status == IncidentReport.Status.NEW and report.photo

    staff = {n.to for n in Notification.objects.filter(kind="member_report_new")}
    # Reports go to the police first; coordinators see them once shared.
    assert staff == {world.users["officer"].email}
    assert {m.to[0] for m in mail.outbox} == staff
    link = reverse("messaging:incident", args=[report.pk])
    for email in mail.outbox:
        assert "Suspicious vehicle" in email.subject or "Verdacht voertuig" in email.subject
        assert link in email.body and "Kerkstraat" in email.body
        assert not email.attachments
        # Nothing about the reporter, and not the description itself.
        assert world.member.email not in email.body
        assert world.member.last_name not in email.body
        assert world.member.mobile_phone.as_international not in email.body
        assert "white van" not in email.body.lower()

    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    assert "personal/incidents/report_sent.html" in [t.name for t in thanks.templates]
    assert "What happens next" in thanks.content.decode()
    assert "feedback" in thanks.content.decode()


def test_nobody_of_another_network_or_zone_is_told(client, world):
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(_url(world.member), _data())
    recipients = {m.to[0] for m in mail.outbox}
    for role in ("coordinator_other", "officer_other", "steering", "municipal", "admin"):
        assert world.users[role].email not in recipients, role


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("category", "", "This field is required"),
        ("category", "burglar", "Select a valid choice"),
        ("happened_at", "", "This field is required"),
        ("happened_at", "yesterday", "Enter a valid date/time"),
        ("happened_at", "FUTURE", "future"),
        ("happened_at", "OLD", "30 days"),
        ("street", "Dorpsstraat", "Select a valid choice"),
        ("description", "", "This field is required"),
        ("description", "   ", "This field is required"),
        ("vehicle_description", "x" * 201, "At most 200 characters"),
        ("plate", "1" * 21, "At most 20 characters"),
    ],
)
def test_each_error_shows_on_its_field_and_nothing_is_stored(
    client, world, settings, field, value, message
):
    value = {"FUTURE": _when(hours=-2), "OLD": _when(days=31)}.get(value, value)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(_url(world.member), _data(**{field: value}))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert message in " ".join(errors[field])
    assert not IncidentReport.objects.exists()
    assert not Notification.objects.exists() and not mail.outbox


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("photo.gif", b"GIF89a" + b"\x00" * 20, "JPEG, PNG, HEIC or WebP"),
        ("photo.png", b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "JPEG, PNG, HEIC or WebP"),
        ("photo.jpg", b"MZ\x90\x00" + b"\x00" * 40, "JPEG, PNG, HEIC or WebP"),
        ("photo", PNG, "JPEG, PNG, HEIC or WebP"),
        ("photo.png", PNG + b"\x00" * (8 * 1024 * 1024), "8 MB"),
    ],
)
def test_a_refused_photo_is_an_error_on_the_photo_field(
    client, world, settings, name, content, message
):
    photo = SimpleUploadedFile(name, content)
    response = client.post(_url(world.member), _data(photo=photo))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["photo"] and message in errors["photo"][0]
    assert not IncidentReport.objects.exists()
    assert _media_files(settings) == []


def _image_bytes(fmt: str, exif: bytes | None = None) -> bytes:
    from PIL import Image

    out = BytesIO()
    extra = {"exif": exif} if exif else {}
    Image.new("RGB", (8, 6), (200, 30, 30)).save(out, format=fmt, **extra)
    return out.getvalue()


def _gps_exif() -> bytes:
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (50.0, 57.0, 36.0)
    gps[3] = "E"
    gps[4] = (3.0, 50.0, 24.0)
    return exif.tobytes()


@pytest.mark.parametrize(
    ("name", "content", "extension"),
    [
        ("Jan Peeters voordeur.png", PNG, ".png"),
        ("IMG_0001.JPG", _image_bytes("JPEG"), ".jpg"),
        ("shot.webp", _image_bytes("WEBP"), ".webp"),
        # A PNG named .jpg: the stored extension follows the content.
        ("renamed.jpg", PNG, ".png"),
    ],
)
def test_an_accepted_photo_is_stored_under_a_random_name(
    client, world, settings, name, content, extension
):
    photo = SimpleUploadedFile(name, content)
    response = client.post(_url(world.member), _data(photo=photo))
    assert response.status_code == 302
    report = IncidentReport.objects.get()
    stored = report.photo.name
    assert re.fullmatch(rf"reports/{world.network.pk}/[0-9a-f]{{32}}\{extension}", stored), stored
    assert "Peeters" not in stored
    assert [p.name for p in _media_files(settings)] == [Path(stored).name]
    from PIL import Image

    with Image.open(Path(settings.MEDIA_ROOT, stored)) as image:
        image.verify()  # a valid image of the type its extension names


def test_a_photo_loses_its_location_and_camera_metadata(client, world, settings):
    from PIL import Image

    content = _image_bytes("JPEG", exif=_gps_exif())
    with Image.open(BytesIO(content)) as original:
        assert original.getexif().get_ifd(0x8825)  # the test photo does carry GPS
    response = client.post(
        _url(world.member), _data(photo=SimpleUploadedFile("IMG_7.jpg", content))
    )
    assert response.status_code == 302
    stored = Path(settings.MEDIA_ROOT, IncidentReport.objects.get().photo.name)
    data = stored.read_bytes()
    assert b"PhoneMaker" not in data and b"Exif" not in data
    with Image.open(stored) as image:
        assert not image.getexif()


def test_a_file_that_only_looks_like_a_photo_is_refused(client, world, settings):
    photo = SimpleUploadedFile("IMG_1.jpg", JPEG_HEAD + b"\x00" * 100)
    response = client.post(_url(world.member), _data(photo=photo))
    assert response.status_code == 200
    assert "not a readable photo" in response.context["form"].errors["photo"][0]
    assert not IncidentReport.objects.exists() and _media_files(settings) == []


def test_a_pending_or_suspended_member_cannot_report(client, world):
    for status in (Member.Status.PENDING, Member.Status.SUSPENDED):
        member = MemberFactory(network=world.network, status=status)
        page = client.get(_url(member))
        assert page.status_code == 200 and page.context["can_report"] is False
        assert b"enctype" not in page.content  # no form
        client.post(_url(member), _data())
    assert not IncidentReport.objects.exists()
    with pytest.raises(ValidationError):
        incident_create(
            member=member,
            category="noise",
            happened_at=timezone.now(),
            street="Kerkstraat",
            description="Noise",
        )


def test_the_daily_limit_stops_a_flood(client, world):
    for _ in range(INCIDENTS_PER_DAY):
        _report(world)
    response = client.post(_url(world.member), _data())
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert IncidentReport.objects.count() == INCIDENTS_PER_DAY


@pytest.mark.parametrize("tamper", ["flip", "revoked", "left"])
def test_a_bad_link_gets_the_invalid_link_page(client, world, tamper):
    member = world.member
    token = member_personal_token(member=member)
    if tamper == "flip":
        token = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    elif tamper == "revoked":
        Member.objects.filter(pk=member.pk).update(token_version=member.token_version + 1)
    else:
        member_erase(member=member, actor=None, reason="left")
    for method in (client.get, client.post):
        response = method(reverse("personal:incident_report", args=[token]), _data())
        assert response.status_code == 404
        assert INVALID_TEMPLATE in [t.name for t in response.templates]
        assert response["Referrer-Policy"] == "same-origin"
        assert "no-store" in response["Cache-Control"]
        assert "noindex" in response["X-Robots-Tag"]
    assert not IncidentReport.objects.exists()
