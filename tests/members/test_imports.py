"""Member list import (CSV/XLSX, preview, confirm) and who may open it."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import TestCase
from django.urls import reverse

from members.models import AuditEntry, ConsentRecord, Member, MemberImport, Source
from members.services.imports import import_cancel, import_commit
from outbox.models import Notification
from tests.factories import MemberFactory
from tests.members.download_helpers import _csv_rows
from tests.members.import_helpers import (
    HEADER,
    _by_line,
    _good_and_bad_csv,
    _preview,
    _preview_url,
    _upload,
    _upload_url,
)

# --- preview -------------------------------------------------------------------


def test_preview_checks_every_row(area):
    member_import = _preview(area, _good_and_bad_csv(area.member.email))
    assert member_import.status == MemberImport.Status.PREVIEW
    assert (member_import.valid_count, member_import.error_count) == (3, 7)
    rows = _by_line(member_import)
    assert sorted(line for line, row in rows.items() if not row["errors"]) == [2, 10, 11]
    assert rows[2]["values"]["mobile_phone"] == "+32470123456"
    assert rows[2]["values"]["channels"] == ["sms", "email"]
    assert set(rows[3]["errors"]) == {"mobile_phone"}
    assert "not a valid phone number" in rows[3]["errors"]["mobile_phone"][0]
    assert "not a mobile number" in rows[4]["errors"]["mobile_phone"][0]
    assert set(rows[5]["errors"]) == {"street"}
    assert set(rows[6]["errors"]) == {"house_number"}
    assert rows[7]["errors"]["email"] == ["Same email address as line 2."]
    assert "already has this email" in rows[8]["errors"]["email"][0]
    assert set(rows[9]["errors"]) == {"first_name", "house_number", "email"}
    assert rows[10]["values"]["landline"] == "+3253800000"
    assert rows[10]["values"]["language"] == "fr"
    assert rows[10]["values"]["channels"] == ["sms", "voice"]
    assert rows[11]["values"]["street"] == "Kerkstraat"  # canonical spelling
    assert rows[11]["values"]["language"] == "nl"  # the network's default
    # The values as typed are kept for the error report.
    assert rows[3]["raw"]["mobile_phone"] == "12345"
    assert Member.objects.count() == 2  # nothing created by a preview


def test_duplicate_mobile_within_the_file_and_against_the_list(area):
    known = str(area.member.mobile_phone)
    content = "\n".join(
        [
            "first_name,last_name,street,house_number,postcode,mobile_phone",
            "A,B,Kerkstraat,1,9340,0470 12 34 56",
            "C,D,Kerkstraat,2,9340,+32 470 12 34 56",
            f"E,F,Kerkstraat,3,9340,{known}",
        ]
    )
    rows = _by_line(_preview(area, content))
    assert not rows[2]["errors"]
    assert rows[3]["errors"]["mobile_phone"] == ["Same mobile number as line 2."]
    assert "already has this mobile number" in rows[4]["errors"]["mobile_phone"][0]


def test_dutch_headers_semicolons_and_bom(area):
    content = "\ufeff" + "\r\n".join(
        [
            "Voornaam;Naam;Straat;Huisnummer;Postcode;E-mail;GSM;Vaste lijn;Taal;Kanalen",
            "Mieke;Peeters;Kerkstraat;4;9340;mieke@example.org;0470 11 22 33;;Nederlands;sms,email",
            "Wim;De Smet;Dorpsstraat;8;9340;wim@example.org;;053 80 00 00;frans;e-mail",
        ]
    )
    member_import = _preview(area, content)
    assert (member_import.valid_count, member_import.error_count) == (2, 0)
    rows = _by_line(member_import)
    assert rows[2]["values"]["first_name"] == "Mieke"
    assert rows[2]["values"]["last_name"] == "Peeters"
    assert rows[2]["values"]["channels"] == ["sms", "email"]
    assert rows[3]["values"]["language"] == "fr"
    assert rows[3]["values"]["channels"] == ["email"]


def test_title_rows_and_excel_separator_line(area):
    content = "\n".join(
        [
            "sep=;",
            "Ledenlijst BIN Oordegem;;;",
            "",
            "Voornaam;Achternaam;Straat;Nr;Postcode;GSM",
            "Karel;Wouters;Kerkstraat;3;9340;0470 44 55 66",
        ]
    )
    member_import = _preview(area, content)
    assert member_import.valid_count == 1
    assert member_import.rows[0]["line"] == 5
    assert member_import.rows[0]["values"]["last_name"] == "Wouters"


def test_french_headers_in_windows_encoding(area):
    content = "\n".join(
        [
            "Prénom;Nom;Rue;Numéro;Code postal;Courriel;Portable",
            "Zoë;Lefèvre;Kerkstraat;5;9340;zoe@example.org;",
        ]
    ).encode("cp1252")
    member_import = _preview(area, content)
    assert member_import.valid_count == 1
    assert member_import.rows[0]["values"]["first_name"] == "Zoë"
    assert member_import.rows[0]["values"]["last_name"] == "Lefèvre"


def test_unknown_values_and_channels_without_address(area):
    content = "\n".join(
        [
            "first_name,last_name,street,house_number,postcode,email,language,channels,relation",
            "A,B,Kerkstraat,1,9340,a@example.org,klingon,sms,neighbour",
            "C,D,Kerkstraat,2,9340,c@example.org,,pigeon,works",
        ]
    )
    rows = _by_line(_preview(area, content))
    assert set(rows[2]["errors"]) == {"language", "channels", "relation"}
    assert rows[2]["errors"]["channels"] == ["SMS needs a mobile number."]
    assert "pigeon" in rows[3]["errors"]["channels"][0]
    assert rows[3]["values"]["relation"] == "works"


def test_too_long_values_are_refused_per_field(area):
    content = HEADER + "\n" + f"{'A' * 90},B,Kerkstraat,1,9340,a@example.org,,,,\n"
    row = _preview(area, content).rows[0]
    assert set(row["errors"]) == {"first_name"}


def test_xlsx_import(area):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Voornaam", "Achternaam", "Straat", "Nummer", "Postcode", "Email", "GSM"])
    sheet.append(["Lies", "Martens", "Kerkstraat", 21, 9340, "lies@example.org", "0470 99 88 77"])
    sheet.append([])  # blank rows are skipped, line numbers stay those of the sheet
    sheet.append(["Tom", "Formula", "Kerkstraat", "=1+1", 9340, "tom@example.org", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    member_import = _preview(area, buffer.getvalue(), name="leden.xlsx")
    rows = _by_line(member_import)
    assert not rows[2]["errors"]
    assert rows[2]["values"]["house_number"] == "21"
    assert rows[2]["values"]["postcode"] == "9340"
    assert rows[2]["values"]["mobile_phone"] == "+32470998877"
    # A formula without a computed value reads as empty, and says so.
    assert set(rows[4]["errors"]) == {"house_number"}


def _zip_without_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("junk.csv", bytes(range(256)) * 8, "cannot be read as a CSV file"),
        ("junk.xlsx", bytes(range(256)) * 8, "cannot be read as an Excel workbook"),
        ("text.xlsx", HEADER + "\nA,B,Kerkstraat,1,9340,a@example.org\n", "Excel workbook"),
        ("zip.xlsx", _zip_without_workbook(), "cannot be read as an Excel workbook"),
        ("truncated.xlsx", b"PK\x03\x04" + b"\x00" * 50, "cannot be read as an Excel workbook"),
        ("old.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "Old Excel files"),
        ("picture.png", b"\x89PNG\r\n", "Upload a CSV file"),
        ("blank.csv", b"\n\n  \n", "The file is empty"),
        ("header.csv", HEADER + "\n", "holds no members"),
        ("letter.csv", "Dear coordinator,\nplease add me.\n", "must name the columns"),
        ("partial.csv", "first_name,last_name,email\nA,B,a@example.org\n", "columns are missing"),
        ("nocontact.csv", "voornaam,naam,straat,nr,postcode\nA,B,Kerkstraat,1,9340\n", "email"),
        ("quote.csv", HEADER + '\nA,"B' + "x" * 200_000 + "\n", "cannot be read"),
    ],
)
def test_bad_files_give_a_form_error_not_a_500(client, area, name, content, expected):
    client.force_login(area.users["coordinator"])
    response = client.post(_upload_url(area), {"file": _upload(name, content)})
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert any(expected in error for error in errors), errors
    assert MemberImport.objects.count() == 0


def test_empty_file_is_a_form_error(client, area):
    client.force_login(area.users["coordinator"])
    response = client.post(_upload_url(area), {"file": _upload("empty.csv", b"")})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert MemberImport.objects.count() == 0


def test_size_and_row_limits(area, monkeypatch):
    from members.services import import_files

    monkeypatch.setattr(import_files, "MAX_IMPORT_ROWS", 2)
    content = _good_and_bad_csv(area.member.email)
    with pytest.raises(ValidationError, match="more than 2 rows"):
        _preview(area, content)
    monkeypatch.setattr(import_files, "MAX_IMPORT_BYTES", 100)
    with pytest.raises(ValidationError, match="larger than"):
        _preview(area, content)


def test_upload_page_previews_and_lists_imports(client, area):
    client.force_login(area.users["coordinator"])
    page = client.get(_upload_url(area))
    assert page.status_code == 200
    assert b'enctype="multipart/form-data"' in page.content
    assert reverse("members:imports:template", kwargs={"slug": area.network.slug}).encode() in (
        page.content
    )
    content = _good_and_bad_csv(area.member.email).replace(HEADER, HEADER + ",remarks")
    response = client.post(_upload_url(area), {"file": _upload("list.csv", content)}, follow=True)
    member_import = MemberImport.objects.get()
    assert response.redirect_chain[-1][0] == _preview_url(area, member_import)
    body = response.content.decode()
    assert "remarks" in body  # the ignored column is named
    assert body.count('class="table-danger"') == 7
    assert "Import 3 members" in body
    assert "Same email address as line 2." in body
    assert "an@example.org" in body
    assert "list.csv" in client.get(_upload_url(area)).content.decode()


def test_template_file_imports_cleanly(client, area):
    client.force_login(area.users["coordinator"])
    response = client.get(reverse("members:imports:template", kwargs={"slug": area.network.slug}))
    assert response["Content-Disposition"].startswith("attachment;")
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")
    member_import = _preview(area, content)
    assert (member_import.valid_count, member_import.error_count) == (1, 0)


# --- confirm --------------------------------------------------------------------


def test_nothing_is_imported_without_the_attestation(client, area):
    """Seed 003: a BIN member is an adult. The file's attestation stands for
    each member's consent: who attested, when, for which import."""
    member_import = _preview(area, _good_and_bad_csv(area.member.email))
    coordinator = area.users["coordinator"]
    client.force_login(coordinator)
    preview = client.get(_preview_url(area, member_import)).content.decode()
    assert 'name="attest"' in preview and "18 or older" in preview
    response = client.post(_preview_url(area, member_import), {"action": "confirm"}, follow=True)
    assert "Confirm that every person in the file is 18 or older" in response.content.decode()
    assert not Member.objects.filter(source=Source.IMPORT).exists()
    member_import.refresh_from_db()
    assert member_import.status == MemberImport.Status.PREVIEW

    client.post(_preview_url(area, member_import), {"action": "confirm", "attest": "on"})
    member_import.refresh_from_db()
    assert member_import.attested_by == coordinator and member_import.attested_at is not None
    imported = Member.objects.filter(source=Source.IMPORT)
    assert imported.exists() and all(m.adult_confirmed for m in imported)
    for member in imported:
        assert {c.member_import_id for c in member.consents.all()} == {member_import.pk}


def test_confirm_imports_exactly_the_valid_rows(client, area):
    member_import = _preview(area, _good_and_bad_csv(area.member.email))
    coordinator = area.users["coordinator"]
    client.force_login(coordinator)
    with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
        response = client.post(
            _preview_url(area, member_import), {"action": "confirm", "attest": "on"}
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("members:list", kwargs={"slug": area.network.slug})
    assert callbacks  # the welcome messages are sent after the commit
    imported = Member.objects.filter(source=Source.IMPORT)
    assert sorted(imported.values_list("last_name", flat=True)) == ["Claes", "Lower", "Mobile"]
    assert set(imported.values_list("status", flat=True)) == {Member.Status.ACTIVE}
    assert all(m.approved_at for m in imported)
    ilse = imported.get(last_name="Mobile")
    assert (ilse.by_sms, ilse.by_email, ilse.by_voice) == (True, False, True)
    assert ilse.language == "fr"
    for member in imported:
        consents = {
            (c.subject, c.version, c.method, c.recorded_by_id) for c in member.consents.all()
        }
        assert consents == {
            ("house_rules", "standard-2019", "import", coordinator.pk),
            ("privacy_notice", settings.PRIVACY_NOTICE_VERSION, "import", coordinator.pk),
        }
    welcomes = Notification.objects.filter(kind="welcome")
    assert sorted(n.about.last_name for n in welcomes) == [
        "Claes",
        "Lower",
        "Mobile",
    ]
    assert welcomes.get(about_id=ilse.pk).channel == "sms"  # no email address
    member_import.refresh_from_db()
    assert member_import.status == MemberImport.Status.IMPORTED
    assert member_import.imported_count == 3
    assert member_import.finished_at is not None
    # Only the rows with errors stay, for the error report.
    assert sorted(row["line"] for row in member_import.rows) == [3, 4, 5, 6, 7, 8, 9]
    entry = AuditEntry.objects.get(action=AuditEntry.Action.IMPORT)
    assert entry.actor == coordinator
    assert entry.network == area.network
    assert entry.detail == {"import": member_import.pk, "count": 3, "attested": True}


def test_confirm_twice_imports_once(client, area):
    member_import = _preview(area, _good_and_bad_csv(area.member.email))
    client.force_login(area.users["coordinator"])
    url = _preview_url(area, member_import)
    client.post(url, {"action": "confirm", "attest": "on"})
    response = client.post(url, {"action": "confirm", "attest": "on"}, follow=True)
    assert "already imported" in response.content.decode()
    assert Member.objects.filter(source=Source.IMPORT).count() == 3
    assert AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT).count() == 1
    with pytest.raises(ValidationError):
        import_commit(
            member_import=member_import, confirmed_by=area.users["officer"], attested=True
        )
    with pytest.raises(ValidationError):
        import_cancel(member_import=member_import, cancelled_by=area.users["officer"])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_confirmations_at_once_import_once(require_postgres, area):
    """The row lock makes the second confirmation wait, then find it imported."""
    import threading

    from django.db import connections

    member_import = _preview(area, _good_and_bad_csv(area.member.email))
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def confirm(user):
        try:
            start.wait()
            import_commit(member_import=member_import, confirmed_by=user, attested=True)
            outcomes.append("imported")
        except ValidationError as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=confirm, args=(area.users[role],))
        for role in ("coordinator", "officer")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # Refused for being imported already, not by a clash on a duplicate row.
    assert sorted(outcomes) == ["imported", "not_preview"]
    assert Member.objects.filter(source=Source.IMPORT).count() == 3


def test_failure_mid_import_keeps_nothing(client, area, monkeypatch):
    from members.services import imports

    member_import = _preview(area, _good_and_bad_csv(area.member.email))
    real_create = imports.member_create
    calls = []

    def flaky_create(**kwargs):
        calls.append(kwargs["last_name"])
        if len(calls) == 3:
            raise ValidationError("The database went away.")
        return real_create(**kwargs)

    monkeypatch.setattr(imports, "member_create", flaky_create)
    client.force_login(area.users["coordinator"])
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            _preview_url(area, member_import), {"action": "confirm", "attest": "on"}, follow=True
        )
    assert len(calls) == 3
    assert "Nothing was imported: line 11 could not be added" in response.content.decode()
    assert Member.objects.count() == 2
    assert not Notification.objects.exists()
    assert not ConsentRecord.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT).exists()
    member_import.refresh_from_db()
    assert member_import.status == MemberImport.Status.PREVIEW
    assert (member_import.valid_count, member_import.error_count) == (2, 8)
    assert _by_line(member_import)[11]["errors"] == {"__all__": ["The database went away."]}

    # Confirming again imports the rows that are still valid.
    monkeypatch.setattr(imports, "member_create", real_create)
    client.post(_preview_url(area, member_import), {"action": "confirm", "attest": "on"})
    assert sorted(
        Member.objects.filter(source=Source.IMPORT).values_list("last_name", flat=True)
    ) == [
        "Claes",
        "Mobile",
    ]


def test_list_changed_since_preview(area):
    """Someone signed up with the same address between preview and confirmation."""
    member_import = _preview(area, _good_and_bad_csv(area.member.email))
    MemberFactory(network=area.network, email="jan@example.org")
    with pytest.raises(ValidationError, match="line 11"):
        import_commit(
            member_import=member_import, confirmed_by=area.users["officer"], attested=True
        )
    assert not Member.objects.filter(source=Source.IMPORT).exists()
    member_import.refresh_from_db()
    assert "email" in _by_line(member_import)[11]["errors"]


def test_cancel_drops_the_rows(client, area):
    member_import = _preview(area, _good_and_bad_csv(area.member.email))
    client.force_login(area.users["coordinator"])
    response = client.post(_preview_url(area, member_import), {"action": "cancel"})
    assert response["Location"] == _upload_url(area)
    member_import.refresh_from_db()
    assert member_import.status == MemberImport.Status.CANCELLED
    assert member_import.rows == []
    assert not Member.objects.filter(source=Source.IMPORT).exists()


def test_error_report_downloads_the_bad_rows(client, area):
    member_import = _preview(area, _good_and_bad_csv(area.member.email))
    client.force_login(area.users["coordinator"])
    url = reverse(
        "members:imports:errors", kwargs={"slug": area.network.slug, "pk": member_import.pk}
    )
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    rows = _csv_rows(response)
    assert [row["line"] for row in rows] == ["3", "4", "5", "6", "7", "8", "9"]
    assert rows[0]["mobile_phone"] == "12345"  # as typed, not normalised
    assert rows[0]["errors"].startswith("mobile_phone: ")
    assert rows[3]["errors"].startswith("house_number: Number 99 of Dorpsstraat is outside")
    # The report comes back corrected: its own columns are skipped silently.
    fixed = b"".join(client.get(url).streaming_content).decode("utf-8-sig")
    fixed = fixed.replace(",12345,", ",0470 55 66 77,")
    response = client.post(_upload_url(area), {"file": _upload("fixed.csv", fixed)}, follow=True)
    assert "not recognised" not in response.content.decode()
    second = MemberImport.objects.latest("pk")
    assert not _by_line(second)[2]["errors"]  # Bert, line 3 of the first file
    # Still there after the import, without the imported rows.
    client.post(_preview_url(area, member_import), {"action": "confirm", "attest": "on"})
    assert [row["line"] for row in _csv_rows(client.get(url))] == [
        "3",
        "4",
        "5",
        "6",
        "7",
        "8",
        "9",
    ]


def test_privacy_mode_masks_contact_data_in_the_preview(client, area):
    area.network.privacy_mode = True
    area.network.save(update_fields=["privacy_mode"])
    member_import = _preview(area, _good_and_bad_csv(area.member.email))
    client.force_login(area.users["coordinator"])
    body = client.get(_preview_url(area, member_import)).content.decode()
    assert "Claes" in body
    assert "an@example.org" not in body
    assert "+32470123456" not in body
    assert "12345" not in body  # also not inside the error message
    report = client.get(
        reverse(
            "members:imports:errors", kwargs={"slug": area.network.slug, "pk": member_import.pk}
        )
    )
    assert b"12345" not in b"".join(report.streaming_content)
    client.force_login(area.users["officer"])
    body = client.get(_preview_url(area, member_import)).content.decode()
    assert "an@example.org" in body
    assert "+32470123456" in body


# --- who may open what -----------------------------------------------------------


@pytest.mark.parametrize(
    "role",
    ["steering", "coordinator_other", "officer_other", "municipal", "municipal_other", "federal"],
)
def test_refused_to_everyone_else(client, world, role):
    member_import = MemberImport.objects.create(
        network=world.network, created_by=world.users["coordinator"], filename="x.csv"
    )
    slug = world.network.slug
    urls = [
        reverse("members:imports:upload", kwargs={"slug": slug}),
        reverse("members:imports:template", kwargs={"slug": slug}),
        reverse("members:imports:export_csv", kwargs={"slug": slug}),
        reverse("members:imports:export_xlsx", kwargs={"slug": slug}),
        reverse("members:imports:preview", kwargs={"slug": slug, "pk": member_import.pk}),
        reverse("members:imports:errors", kwargs={"slug": slug, "pk": member_import.pk}),
    ]
    client.force_login(world.users[role])
    for url in urls:
        assert client.get(url).status_code == 403, url
    preview = urls[4]
    assert client.post(preview, {"action": "confirm", "attest": "on"}).status_code == 403
    upload = {"file": _upload("a.csv", HEADER + "\nA,B,Kerkstraat,1,9340,a@example.org,,,,\n")}
    assert client.post(urls[0], upload).status_code == 403
    member_import.refresh_from_db()
    assert member_import.status == MemberImport.Status.PREVIEW
    assert MemberImport.objects.count() == 1
    assert not AuditEntry.objects.exists()


def test_anonymous_is_sent_to_sign_in(client, world):
    response = client.get(_upload_url(world))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_import_of_another_network_is_not_found(client, world):
    member_import = MemberImport.objects.create(
        network=world.other_network, created_by=world.users["coordinator_other"], filename="x.csv"
    )
    client.force_login(world.users["coordinator"])
    url = reverse(
        "members:imports:preview", kwargs={"slug": world.network.slug, "pk": member_import.pk}
    )
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "confirm", "attest": "on"}).status_code == 404


def test_zip_bomb_workbook_is_refused(client, world):
    """A small upload that unpacks to a huge sheet is refused before parsing."""
    import io
    import zipfile

    from django.core.exceptions import ValidationError

    from members.services.import_files import _xlsx_unpacked_size_check

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (70 * 1024 * 1024))
    assert len(buffer.getvalue()) < 1024 * 1024
    with pytest.raises(ValidationError):
        _xlsx_unpacked_size_check(buffer.getvalue())
