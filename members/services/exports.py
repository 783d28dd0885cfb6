"""A network's member list out, as CSV or XLSX, and the CSV writing the
import's own files (error report, example file) share."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from bin_platform.spreadsheets import csv_delimiter, csv_safe, xlsx_cell
from members.models import AuditEntry, Member
from members.services.core import audit_log
from members.services.import_rows import column_labels
from networks.models import Network


class _Echo:
    """csv.writer writes into this and gets the line back, for streaming."""

    def write(self, value: str) -> str:
        return value


def _csv_safe(value) -> str:
    """Keep spreadsheets from running text that starts like a formula."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return csv_safe(str(value))


def csv_lines(header: Iterable[str], rows: Iterable[list], safe_columns=()) -> Iterator[str]:
    """The header (translated column names) and rows as CSV lines, separated
    the way the reader's Excel expects (``csv_delimiter``). The separator and
    the header are fixed now, in the request's language, not while streaming."""
    writer = csv.writer(_Echo(), delimiter=csv_delimiter())
    first = "\ufeff" + writer.writerow([str(name) for name in header])
    return _csv_body(writer, first, rows, safe_columns)


def _csv_body(writer, first: str, rows: Iterable[list], safe_columns) -> Iterator[str]:
    yield first
    for row in rows:
        yield writer.writerow(
            [
                ("" if cell is None else str(cell)) if index in safe_columns else _csv_safe(cell)
                for index, cell in enumerate(row)
            ]
        )


EXPORT_COLUMNS = (
    "first_name",
    "last_name",
    "street",
    "house_number",
    "postcode",
    "email",
    "mobile_phone",
    "landline",
    "language",
    "channels",
    "status",
    "relation",
    "business_name",
    "company_number",
    "approved_at",
)
# Validated E.164 numbers: "+32..." is data, not a formula.
_PHONE_COLUMNS = frozenset(EXPORT_COLUMNS.index(c) for c in ("mobile_phone", "landline"))


def _export_queryset(*, network: Network) -> QuerySet[Member]:
    return (
        Member.objects.filter(network=network)
        .exclude(status=Member.Status.LEFT)
        .order_by("last_name", "first_name", "pk")
    )


def member_export_rows(*, network: Network) -> Iterator[list]:
    """The network's members (not those who left) as export rows, one query.

    Values follow EXPORT_COLUMNS; phones are E.164, channels "sms,email",
    approved_at a naive local datetime (or None) so both CSV and XLSX can use it.
    """
    fields = [c for c in EXPORT_COLUMNS if c != "channels"] + ["by_sms", "by_email", "by_voice"]
    for member in _export_queryset(network=network).only(*fields).iterator(chunk_size=2000):
        approved = member.approved_at
        if approved is not None:
            approved = timezone.localtime(approved).replace(tzinfo=None, microsecond=0)
        yield [
            member.first_name,
            member.last_name,
            member.street,
            member.house_number,
            member.postcode,
            member.email,
            member.mobile_phone.as_e164 if member.mobile_phone else "",
            member.landline.as_e164 if member.landline else "",
            member.language,
            ",".join(member.channels),
            member.status,
            member.relation,
            member.business_name,
            member.company_number,
            approved,
        ]


def member_export_log(*, network: Network, actor, file_format: str) -> int:
    """Record an export in the audit log before the file goes out; returns the count."""
    count = _export_queryset(network=network).count()
    audit_log(
        actor=actor,
        action=AuditEntry.Action.EXPORT,
        network=network,
        detail={"format": file_format, "count": count},
    )
    return count


def export_csv_stream(*, network: Network) -> Iterator[str]:
    """The export as CSV lines, starting with a byte-order mark so Excel reads UTF-8."""
    # Column names in the reader's language; the import reads them back in any.
    header = column_labels(EXPORT_COLUMNS)
    return csv_lines(header, member_export_rows(network=network), _PHONE_COLUMNS)


def export_xlsx_content(*, network: Network) -> bytes:
    """The export as an Excel workbook."""
    # why: openpyxl is slow to import; only an .xlsx export needs it.
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Members")[:31])
    sheet.append(column_labels(EXPORT_COLUMNS))
    for row in member_export_rows(network=network):
        sheet.append([xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
