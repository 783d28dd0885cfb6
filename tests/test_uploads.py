"""Uploaded file names are kept without control or direction-changing
characters, wherever an upload's name is kept (founding attachments, member
import files; report photos keep no name at all)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bin_platform.uploads import upload_name_clean
from charters.services.founding import founding_attachment_add, founding_steps_ensure
from members.models import MemberImport
from members.services.imports import import_preview

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HOSTILE = "fac\x1btuur\u202egpj\u200b\u2066.pdf\x00\r\n"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("verslag.pdf", "verslag.pdf"),
        ("Überblick Größe.docx", "Überblick Größe.docx"),
        ("invoice\u202eexe.pdf", "invoiceexe.pdf"),
        ("a\u2067b\u2069\u200e.csv", "ab.csv"),
        ("line\nbreak\ttab.csv", "line break tab.csv"),
        ("nul\x00\x07bell\x7f.pdf", "nulbell.pdf"),
        ("C:\\Users\\jan\\leden.xlsx", "leden.xlsx"),
        ("../../etc/passwd", "passwd"),
        ("\u202e\u200b", "file"),
        ("x" * 300 + ".xlsx", "x" * 195 + ".xlsx"),
        (None, "file"),
    ],
)
def test_names_are_cleaned(name, expected):
    assert upload_name_clean(name) == expected


def test_a_founding_attachment_keeps_a_clean_name(world, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    step = founding_steps_ensure(network=world.network)[0]
    attachment = founding_attachment_add(
        step=step, upload=SimpleUploadedFile(HOSTILE, PDF), uploaded_by=world.users["coordinator"]
    )
    assert attachment.original_name == "factuurgpj.pdf"
    assert attachment.content_type == "application/pdf"


def test_an_import_keeps_a_clean_file_name(world):
    content = (
        b"first_name,last_name,street,house_number,postcode,email\n"
        b"An,Peeters,Kerkstraat,1,9340,an@example.org\n"
    )
    upload = SimpleUploadedFile("leden\u202evsc.csv\x1b", content)
    member_import = import_preview(
        network=world.network, uploaded_file=upload, created_by=world.users["coordinator"]
    )
    assert MemberImport.objects.get(pk=member_import.pk).filename == "ledenvsc.csv"


def test_names_kept_before_are_cleaned_by_the_migrations(world):
    from importlib import import_module

    from django.apps import apps

    from charters.models import FoundingAttachment

    step = founding_steps_ensure(network=world.network)[0]
    attachment = FoundingAttachment.objects.create(
        step=step, original_name="invoice\u202efdp.exe", content_type="application/pdf", size=1
    )
    member_import = MemberImport.objects.create(
        network=world.network, created_by=world.users["coordinator"], filename="\x1bleden.csv"
    )
    import_module("charters.migrations.0005_s16a_clean_attachment_names").clean(apps, None)
    import_module("members.migrations.0007_s16a_clean_import_file_names").clean(apps, None)
    attachment.refresh_from_db()
    member_import.refresh_from_db()
    assert (attachment.original_name, member_import.filename) == ("invoicefdp.exe", "leden.csv")
