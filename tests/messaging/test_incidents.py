"""Members' reports (meldingen): sent by personal link, routed to the network's
coordinator and the zone's officers, triaged forward-only with feedback."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from members.models import Member
from members.services.core import member_erase
from members.tokens import member_personal_token
from messaging.models import IncidentReport
from messaging.services.incidents import INCIDENTS_PER_DAY, incident_create, incident_triage
from messaging.views import incidents
from networks.models import Role
from outbox.gateways import locmem
from outbox.models import Notification
from tests.factories import MemberFactory, user_with_role

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
INVALID_TEMPLATE = "personal/invalid_link.html"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    locmem.outbox.clear()
    yield
    locmem.outbox.clear()


@pytest.fixture(autouse=True)
def _reporter(world):
    """The personal pages speak the member's language: English, to read the errors."""
    member = world.member
    member.language, member.first_name, member.last_name = "en", "Griet", "Vanderstraeten"
    member.save(update_fields=["language", "first_name", "last_name"])


def _media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _url(member, name="personal:incident_report") -> str:
    return reverse(name, args=[member_personal_token(member=member)])


def _when(**delta) -> str:
    moment = timezone.localtime() - timedelta(**(delta or {"hours": 2}))
    return moment.strftime("%Y-%m-%dT%H:%M")


def _data(**extra) -> dict:
    data = {
        "category": "vehicle",
        "happened_at": _when(),
        "street": "Kerkstraat",
        "description": "A white van drove slowly past every house, twice.",
        "person_description": "Two men, dark jackets.",
        "vehicle_description": "White Ford Transit",
        "plate": "1-abc-234",
        "police_called": "on",
    }
    data.update(extra)
    return data


def _report(world, **fields) -> IncidentReport:
    values = {
        "network": world.network,
        "member": world.member,
        "category": "noise",
        "happened_at": timezone.now() - timedelta(hours=1),
        "street": "Kerkstraat",
        "description": "Loud music every night.",
    }
    values.update(fields)
    return IncidentReport.objects.create(**values)


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


def test_member_reports_and_the_coordinator_and_officer_get_an_email(client, world):
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
    assert staff == {world.users["coordinator"].email, world.users["officer"].email}
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
        ("IMG_0002.heic", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", ".heic"),
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
    saved = Path(settings.MEDIA_ROOT, stored).read_bytes()
    if extension == ".heic":
        assert saved == content  # no codec to re-encode it: kept as sent
    else:
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


def test_the_service_keys_its_errors_by_field(world):
    with pytest.raises(ValidationError) as caught:
        incident_create(
            member=world.member,
            category="nope",
            happened_at=timezone.now() + timedelta(days=1),
            street="Elders",
            description=" ",
            photo=ContentFile(b"not an image", name="x.png"),
        )
    assert set(caught.value.message_dict) == {
        "category",
        "happened_at",
        "street",
        "description",
        "photo",
    }
    assert not IncidentReport.objects.exists()


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


# --- triage ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "to", "ok"),
    [
        ("new", "acknowledged", True),
        ("new", "forwarded", False),
        ("new", "closed", False),
        ("acknowledged", "forwarded", True),
        ("acknowledged", "closed", True),
        ("acknowledged", "new", False),
        ("forwarded", "closed", True),
        ("forwarded", "acknowledged", False),
        ("forwarded", "new", False),
    ],
)
def test_statuses_only_move_forward(world, start, to, ok):
    report = _report(world, status=start)
    officer = world.users["officer"]
    if ok:
        incident_triage(report=report, handled_by=officer, status=to)
        report.refresh_from_db()
        assert report.status == to and report.handled_by == officer
    else:
        with pytest.raises(ValidationError) as caught:
            incident_triage(report=report, handled_by=officer, status=to)
        assert "status" in caught.value.message_dict
        report.refresh_from_db()
        assert report.status == start


def test_a_closed_report_stays_closed(world):
    report = _report(world, status="closed")
    for status in IncidentReport.Status.values:
        with pytest.raises(ValidationError):
            incident_triage(
                report=report, handled_by=world.users["admin"], status=status, feedback="Hi"
            )
    report.refresh_from_db()
    assert report.status == "closed" and report.feedback == ""


def test_triage_through_the_page_sets_triaged_at_once(client, world):
    report = _report(world)
    client.force_login(world.users["coordinator"])
    url = reverse("messaging:incident", args=[report.pk])
    page = client.get(url)
    assert [c[0] for c in page.context["form"].fields["status"].choices] == ["acknowledged", "new"]

    response = client.post(url, {"status": "forwarded"})
    assert response.status_code == 200 and "status" in response.context["form"].errors
    report.refresh_from_db()
    assert report.status == "new" and report.triaged_at is None

    assert client.post(url, {"status": "acknowledged"}).status_code == 302
    report.refresh_from_db()
    first = report.triaged_at
    assert report.status == "acknowledged" and first is not None
    assert report.handled_by == world.users["coordinator"]

    assert client.post(url, {"status": "closed"}).status_code == 302
    report.refresh_from_db()
    assert report.status == "closed" and report.triaged_at == first

    closed = client.get(url)
    assert closed.context["form"] is None
    client.post(url, {"status": "new"})
    report.refresh_from_db()
    assert report.status == "closed"


def test_keeping_the_status_needs_feedback(world):
    report = _report(world)
    with pytest.raises(ValidationError) as caught:
        incident_triage(report=report, handled_by=world.users["officer"], status="new")
    assert "status" in caught.value.message_dict


def test_feedback_reaches_the_reporter_by_email(client, world):
    report = _report(world)
    client.force_login(world.users["officer"])
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("messaging:incident", args=[report.pk]),
            {"status": "acknowledged", "feedback": "We patrol the Kerkstraat tonight."},
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [world.member.email]
    assert "We patrol the Kerkstraat tonight." in email.body
    assert Notification.objects.get().kind == "report_feedback"
    report.refresh_from_db()
    assert "We patrol the Kerkstraat tonight." in report.feedback
    assert report.status == "acknowledged"


def test_feedback_by_sms_when_the_reporter_has_no_email(world):
    member = MemberFactory(network=world.network, email="", language="fr")
    report = _report(world, member=member, status="forwarded")
    with TestCase.captureOnCommitCallbacks(execute=True):
        incident_triage(
            report=report, handled_by=world.users["coordinator"], status="forwarded",
            feedback="Merci, la police est passée.",
        )  # fmt: skip
    assert not mail.outbox
    assert len(locmem.outbox) == 1
    assert "Merci, la police est passée." in locmem.outbox[0].body
    assert locmem.outbox[0].to == str(member.mobile_phone)


def test_no_feedback_to_a_reporter_who_left(client, world):
    report = _report(world)
    member_erase(member=world.member, actor=None, reason="left")
    client.force_login(world.users["officer"])
    url = reverse("messaging:incident", args=[report.pk])
    response = client.post(url, {"status": "acknowledged", "feedback": "Thanks"})
    assert response.status_code == 200 and "feedback" in response.context["form"].errors
    report.refresh_from_db()
    assert report.status == "new" and not Notification.objects.exists()
    # Without feedback the report can still be handled.
    assert client.post(url, {"status": "acknowledged"}).status_code == 302


@pytest.mark.parametrize(
    "role", ["co_coordinator", "steering", "coordinator_other", "officer_other", "municipal"]
)
def test_who_may_not_triage(client, world, role):
    report = _report(world)
    client.force_login(world.users[role])
    response = client.post(
        reverse("messaging:incident", args=[report.pk]), {"status": "acknowledged"}
    )
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.status == "new"


def test_the_service_checks_the_triage_permission(world):
    from django.core.exceptions import PermissionDenied

    report = _report(world)
    with pytest.raises(PermissionDenied):
        incident_triage(
            report=report, handled_by=world.users["coordinator_other"], status="acknowledged"
        )


# --- the staff pages ---------------------------------------------------------------


@pytest.fixture
def photo_report(world):
    report = _report(world)
    report.photo.save("x.png", ContentFile(PNG), save=True)
    return report


@pytest.mark.parametrize("role", ["officer", "admin"])
def test_the_police_open_the_photo(client, world, photo_report, role):
    client.force_login(world.users[role])
    response = client.get(reverse("messaging:incident_photo", args=[photo_report.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    page = client.get(reverse("messaging:incident", args=[photo_report.pk])).content.decode()
    assert reverse("messaging:incident_photo", args=[photo_report.pk]) in page


@pytest.mark.parametrize(
    "role",
    [
        "coordinator",
        "co_coordinator",
        "steering",
        "coordinator_other",
        "officer_other",
        "municipal",
        "federal",
        "member",
    ],
)
def test_nobody_else_sees_the_photo(client, world, photo_report, role):
    client.force_login(world.users[role])
    url = reverse("messaging:incident_photo", args=[photo_report.pk])
    response = client.get(url)
    assert response.status_code in (403, 404)
    if role == "coordinator":
        assert response.status_code == 403
        page = client.get(reverse("messaging:incident", args=[photo_report.pk])).content.decode()
        assert url not in page and "Only the police see it" in page


def test_no_photo_is_a_404(client, world):
    report = _report(world)
    client.force_login(world.users["officer"])
    assert client.get(reverse("messaging:incident_photo", args=[report.pk])).status_code == 404


def test_coordinator_in_privacy_mode_sees_the_name_only(client, world):
    world.network.privacy_mode = True
    world.network.save(update_fields=["privacy_mode"])
    report = _report(world)
    url = reverse("messaging:incident", args=[report.pk])
    member = world.member
    client.force_login(world.users["coordinator"])
    body = client.get(url).content.decode()
    assert member.full_name in body
    assert member.email not in body and member.mobile_phone.as_international not in body
    client.force_login(world.users["officer"])
    body = client.get(url).content.decode()
    assert member.email in body


def test_the_list_filters_counts_and_orders(client, world, monkeypatch):
    old = _report(world, category="noise", status="closed")
    IncidentReport.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    burglary = _report(world, category="burglary")
    noise = _report(world, category="noise", status="acknowledged")
    _report(world, network=world.other_network, member=world.other_member, category="noise")
    client.force_login(world.users["coordinator"])
    url = reverse("messaging:incidents", args=[world.network.slug])

    response = client.get(url)
    assert list(response.context["page"].object_list) == [noise, burglary, old]
    counts = {status: n for status, _label, n in response.context["counts"]}
    assert counts == {"new": 1, "acknowledged": 1, "forwarded": 0, "closed": 1}

    assert list(client.get(url, {"status": "new"}).context["page"].object_list) == [burglary]
    assert list(client.get(url, {"category": "noise"}).context["page"].object_list) == [
        noise,
        old,
    ]
    both = client.get(url, {"category": "noise", "status": "closed"})
    assert list(both.context["page"].object_list) == [old]

    monkeypatch.setattr(incidents, "PAGE_SIZE", 2)
    second = client.get(url, {"page": 2})
    assert list(second.context["page"].object_list) == [old]
    assert client.get(url, {"status": "bogus"}).status_code == 200


def test_the_reports_tab_only_for_those_who_see_reports(client, world):
    tab = reverse("messaging:incidents", args=[world.network.slug])
    page = reverse("networks:detail", args=[world.network.slug])
    for role, shown in (("coordinator", True), ("officer", True), ("steering", False)):
        client.force_login(world.users[role])
        assert (tab in client.get(page).content.decode()) is shown, role


def test_a_second_coordinator_is_told_too(client, world):
    second = user_with_role(Role.COORDINATOR, scope=world.network, email="second@example.org")
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(_url(world.member), _data())
    assert second.email in {m.to[0] for m in mail.outbox}
    assert len(mail.outbox) == 3


def test_erasure_unlinks_reports_and_the_download_lists_them(client, world):
    from django.utils import timezone

    from members.services.core import member_erase
    from members.tokens import member_personal_url
    from messaging.models import IncidentReport

    report = IncidentReport.objects.create(
        network=world.network, member=world.member, category="noise",
        happened_at=timezone.now(), street="Kerkstraat", description="Lawaai",
    )  # fmt: skip
    from urllib.parse import urlparse

    path = urlparse(member_personal_url(member=world.member)).path
    data = client.get(path + "data.json").json()
    assert data["reports"][0]["description"] == "Lawaai"
    member_erase(member=world.member)
    report.refresh_from_db()
    assert report.member is None and report.description == "Lawaai"
