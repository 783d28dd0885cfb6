"""The founding checklist: steps, attachments, and the status that follows."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from charters.models import FoundingAttachment, FoundingStep, GovernanceEvent
from charters.services.founding import (
    founding_attachment_add,
    founding_step_update,
    founding_steps_ensure,
)
from networks.models import Network
from tests.factories import charter_signed

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def proposed(world):
    Network.objects.filter(pk=world.network.pk).update(status=Network.Status.PROPOSED)
    world.network.refresh_from_db()
    return world.network


def test_steps_are_created_once_in_order(world):
    steps = founding_steps_ensure(network=world.network)
    assert [s.step for s in steps] == FoundingStep.Step.values
    assert [s.position for s in steps] == list(range(1, 8))
    founding_steps_ensure(network=world.network)
    assert FoundingStep.objects.filter(network=world.network).count() == 7


def test_status_follows_the_steps_and_becomes_active_only_when_signed(world, proposed):
    steps = {s.step: s for s in founding_steps_ensure(network=proposed)}
    for code in ("preparation", "consultation", "info_evening", "steering", "drafted", "launch"):
        founding_step_update(
            step=steps[code], updated_by=world.users["coordinator"],
            done_on=datetime.date(2026, 1, 5), responsible="Marleen", notes="ok",
        )  # fmt: skip
        proposed.refresh_from_db()
        assert proposed.status == Network.Status.PREPARING
    events = GovernanceEvent.objects.filter(network=proposed, action="status")
    assert events.count() == 1
    with pytest.raises(ValidationError):
        founding_step_update(
            step=steps["signed"], updated_by=world.users["officer"], done_on=datetime.date.today()
        )
    charter_signed(
        proposed,
        coordinator=world.users["coordinator"],
        officer=world.users["officer"],
        municipal=world.users["municipal"],
    )
    proposed.refresh_from_db()
    assert proposed.status == Network.Status.ACTIVE and proposed.founded_on is not None
    assert FoundingStep.objects.get(network=proposed, step="signed").done_on is not None
    assert events.count() == 2


def test_a_future_date_is_refused(world):
    step = founding_steps_ensure(network=world.network)[0]
    with pytest.raises(ValidationError):
        founding_step_update(
            step=step,
            updated_by=world.users["coordinator"],
            done_on=datetime.date.today() + datetime.timedelta(days=3),
        )


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("evil.exe", "MZ")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "ok"),
    [
        ("verslag.pdf", PDF, True),
        ("charter.docx", _docx(), True),
        ("foto.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20, True),
        ("verslag.pdf", b"MZ\x90\x00 not a pdf", False),
        ("script.exe", b"MZ\x90\x00", False),
        ("charter.docx", _zip(), False),
        ("page.html", b"<html><script>", False),
    ],
)
def test_attachments_are_checked_by_content(world, name, content, ok):
    step = founding_steps_ensure(network=world.network)[0]
    upload = SimpleUploadedFile(name, content)
    if ok:
        attachment = founding_attachment_add(
            step=step, upload=upload, uploaded_by=world.users["coordinator"]
        )
        assert attachment.original_name == name
        assert name not in attachment.file.name and "private/founding" in attachment.file.name
    else:
        with pytest.raises(ValidationError):
            founding_attachment_add(
                step=step, upload=upload, uploaded_by=world.users["coordinator"]
            )


def test_attachment_size_limit(world, settings):
    settings.FOUNDING_ATTACHMENT_MAX_BYTES = 100
    step = founding_steps_ensure(network=world.network)[0]
    with pytest.raises(ValidationError) as exc:
        founding_attachment_add(
            step=step,
            upload=SimpleUploadedFile("big.pdf", PDF + b"0" * 200),
            uploaded_by=world.users["coordinator"],
        )
    assert "too large" in str(exc.value)


def test_upload_and_download_through_the_pages(client, world):
    client.force_login(world.users["municipal"])
    url = reverse("charters:founding_step", args=[world.network.slug, "consultation"])
    response = client.post(url, {"action": "upload", "file": SimpleUploadedFile("brief.pdf", PDF)})
    assert response.status_code == 302
    attachment = FoundingAttachment.objects.get()
    response = client.post(
        url, {"action": "upload", "file": SimpleUploadedFile("x.pdf", b"not a pdf")}
    )
    assert response.status_code == 200 and "Attach a PDF" in response.content.decode()
    download = reverse("charters:founding_attachment", args=[world.network.slug, attachment.pk])
    client.force_login(world.users["steering"])
    response = client.get(download)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["X-Content-Type-Options"] == "nosniff"
    client.force_login(world.users["coordinator_other"])
    assert client.get(download).status_code == 403
    other = reverse("charters:founding_attachment", args=[world.other_network.slug, attachment.pk])
    client.force_login(world.users["admin"])
    assert client.get(other).status_code == 404
    # Steering members see but do not change.
    client.force_login(world.users["steering"])
    delete = reverse(
        "charters:founding_attachment_delete", args=[world.network.slug, attachment.pk]
    )
    assert client.post(delete).status_code == 403
    client.force_login(world.users["officer"])
    assert client.post(delete).status_code == 302
    assert not FoundingAttachment.objects.exists()


def test_step_form_saves_and_network_page_shows_progress(client, world, proposed):
    client.force_login(world.users["co_coordinator"])
    url = reverse("charters:founding_step", args=[world.network.slug, "preparation"])
    response = client.post(
        url,
        {"action": "save", "done_on": "2026-02-01", "responsible": "Geert", "notes": "Petitie"},
    )
    assert response.status_code == 302
    proposed.refresh_from_db()
    assert proposed.status == Network.Status.PREPARING
    client.force_login(world.users["municipal"])
    page = client.get(reverse("networks:detail", args=[world.network.slug])).content.decode()
    assert "1 of 7 founding steps done." in page
    page = client.get(reverse("charters:founding", args=[world.network.slug])).content.decode()
    assert "Geert" in page and "Petitie" in page


def _odt(mimetype: bytes, *, extra: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", mimetype)
        archive.writestr("content.xml", b"<office:document-content/>" + extra)
    return buffer.getvalue()


def test_an_opendocument_file_is_accepted(world):
    step = founding_steps_ensure(network=world.network)[0]
    upload = SimpleUploadedFile("plan.odt", _odt(b"application/vnd.oasis.opendocument.text"))
    attachment = founding_attachment_add(
        step=step, upload=upload, uploaded_by=world.users["coordinator"]
    )
    assert attachment.content_type == "application/vnd.oasis.opendocument.text"


@pytest.mark.parametrize(
    "content",
    [
        # The mimetype entry itself a bomb: 64 MB of text in a small upload.
        _odt(b"application/vnd.oasis.opendocument.text" + b" " * (64 * 1024 * 1024)),
        # A small mimetype beside an entry that unpacks a thousand times its size.
        _odt(b"application/vnd.oasis.opendocument.text", extra=b"\0" * (8 * 1024 * 1024)),
    ],
    ids=["mimetype-bomb", "content-bomb"],
)
def test_a_zip_bomb_document_is_refused_without_unpacking_it(world, content):
    import tracemalloc

    assert len(content) < 1024 * 1024
    step = founding_steps_ensure(network=world.network)[0]
    upload = SimpleUploadedFile("plan.odt", content)
    tracemalloc.start()
    try:
        with pytest.raises(ValidationError):
            founding_attachment_add(
                step=step, upload=upload, uploaded_by=world.users["coordinator"]
            )
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024
    assert not FoundingAttachment.objects.exists()


def test_a_document_larger_than_allowed_once_unpacked_is_refused(world, monkeypatch):
    monkeypatch.setattr("charters.services.founding.OFFICE_MAX_UNPACKED_BYTES", 1000)
    step = founding_steps_ensure(network=world.network)[0]
    content = _odt(b"application/vnd.oasis.opendocument.text", extra=b"<p/>" * 500)
    with pytest.raises(ValidationError):
        founding_attachment_add(
            step=step,
            upload=SimpleUploadedFile("plan.odt", content),
            uploaded_by=world.users["coordinator"],
        )
