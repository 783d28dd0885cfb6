"""Member list export (CSV/XLSX): columns, formulas, audit, privacy mode."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import AuditEntry, Member
from members.services.exports import EXPORT_COLUMNS
from members.services.import_rows import IMPORT_COLUMNS, column_labels
from members.services.imports import import_commit, import_preview
from tests.factories import MemberFactory
from tests.members.download_helpers import _csv_rows


@pytest.fixture
def listed(world):
    MemberFactory(
        network=world.network, first_name="=cmd|calc", last_name="Active", landline="+3253800000"
    )
    MemberFactory(network=world.network, last_name="Pending", status=Member.Status.PENDING)
    MemberFactory(network=world.network, last_name="Suspended", status=Member.Status.SUSPENDED)
    MemberFactory(network=world.network, last_name="Gone", status=Member.Status.LEFT)
    MemberFactory(network=world.other_network, last_name="Elsewhere")
    return world


def _export_url(world, fmt: str) -> str:
    return reverse(f"members:imports:export_{fmt}", kwargs={"slug": world.network.slug})


def test_export_csv(client, listed):
    client.force_login(listed.users["coordinator"])
    response = client.get(_export_url(listed, "csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="members-oordegem-')
    rows = _csv_rows(response)
    assert list(rows[0]) == list(EXPORT_COLUMNS)
    names = sorted(row["last_name"] for row in rows)
    assert names == sorted(["Active", "Pending", "Suspended", listed.member.last_name])
    active = next(row for row in rows if row["last_name"] == "Active")
    assert active["first_name"] == "'=cmd|calc"  # no formula for the spreadsheet
    assert active["landline"] == "+3253800000"
    assert active["mobile_phone"].startswith("+3247")
    assert active["channels"] == "sms,email"
    assert active["status"] == "active"
    entry = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT)
    assert entry.actor == listed.users["coordinator"]
    assert entry.detail == {"format": "csv", "count": 4}


def test_export_xlsx(client, listed):
    client.force_login(listed.users["officer"])
    response = client.get(_export_url(listed, "xlsx"))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == tuple(column_labels(EXPORT_COLUMNS))
    by_name = {row[1]: row for row in rows[1:]}
    assert set(by_name) == {"Active", "Pending", "Suspended", listed.member.last_name}
    assert by_name["Active"][0] == "=cmd|calc"  # stored as text, not as a formula
    assert sheet.cell(row=2, column=1).data_type == "s"
    entry = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT)
    assert entry.detail == {"format": "xlsx", "count": 4}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_query_count_does_not_grow(client, world, fmt):
    client.force_login(world.users["officer"])
    url = _export_url(world, fmt)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
            if fmt == "csv":
                b"".join(response.streaming_content)
        return len(queries)

    client.get(url)  # warm up the session
    small = count_queries()
    MemberFactory.create_batch(30, network=world.network)
    assert count_queries() == small


def test_privacy_mode_refuses_export_to_coordinators(client, world):
    world.network.privacy_mode = True
    world.network.save(update_fields=["privacy_mode"])
    for fmt in ("csv", "xlsx"):
        client.force_login(world.users["coordinator"])
        assert client.get(_export_url(world, fmt)).status_code == 403
        client.force_login(world.users["officer"])
        assert client.get(_export_url(world, fmt)).status_code == 200
    assert AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).count() == 2


@pytest.mark.parametrize(
    ("language", "delimiter", "first_column"),
    [
        ("nl", ";", "voornaam"),
        ("fr", ";", "prénom"),
        ("de", ";", "Vorname"),
        ("en", ",", "first name"),
    ],
)
def test_export_then_import_changes_nothing(client, world, language, delimiter, first_column):
    # Belgian Excel opens ";"-separated files in columns; the column names are
    # the reader's, and the import reads them back: the same members return.
    MemberFactory(
        network=world.network, first_name="Zoë", last_name="Lefèvre; \"De\" Smet, jr.",
        language="fr", by_sms=False, landline="+3253800000", relation="both",
    )  # fmt: skip
    MemberFactory(network=world.network, first_name="Wim", email="", by_email=False)
    client.force_login(world.users["officer"])
    response = client.get(_export_url(world, "csv"), HTTP_ACCEPT_LANGUAGE=language)
    content = b"".join(response.streaming_content)
    header = content.decode("utf-8-sig").splitlines()[0]
    assert header.split(delimiter)[0] == first_column
    assert len(header.split(delimiter)) == len(EXPORT_COLUMNS)
    before = _csv_rows_in(content, delimiter)

    Member.objects.filter(network=world.network).delete()
    member_import = import_preview(
        network=world.network,
        uploaded_file=SimpleUploadedFile("export.csv", content),
        created_by=world.users["officer"],
    )
    assert member_import.ignored_columns == []
    assert [row["errors"] for row in member_import.rows] == [{}] * len(before)
    import_commit(member_import=member_import, confirmed_by=world.users["officer"], attested=True)
    again = client.get(_export_url(world, "csv"), HTTP_ACCEPT_LANGUAGE=language)
    assert _csv_rows_in(b"".join(again.streaming_content), delimiter) == before


def _csv_rows_in(content: bytes, delimiter: str) -> list[tuple]:
    """The import's columns of every row, sorted: what a round trip must keep."""
    _header, *rows = csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=delimiter)
    keep = [i for i, name in enumerate(EXPORT_COLUMNS) if name in IMPORT_COLUMNS]
    return sorted(tuple(row[i] for i in keep) for row in rows)
