"""Member list import: CSV/XLSX upload with a preview, then all or nothing.

An upload is read and checked row by row into a ``MemberImport`` in status
"preview"; nothing is created until the coordinator confirms. Confirming
creates every valid row in one transaction, or nothing at all.

After an import (or a failed confirmation) ``MemberImport.rows`` keeps only
the rows with errors, each with the values as they were in the file
(``raw``), so the error report stays downloadable while the data of people
who did get imported is no longer duplicated there. Cancelling clears all
rows.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bin_platform.uploads import upload_name_clean
from members.hooks import house_rules_current
from members.models import AuditEntry, ConsentRecord, Member, MemberImport, Relation, Source
from members.phones import mobile_example
from members.services.core import audit_log, member_create, member_welcome_send
from members.services.duplicates import member_entered_again_notify
from members.services.exports import csv_lines
from members.services.import_files import upload_table
from members.services.import_rows import (
    CONTACT_COLUMNS,
    IMPORT_COLUMNS,
    RowChecker,
    column_labels,
    header_map,
)
from networks.models import Network

logger = logging.getLogger(__name__)

# --- import services -----------------------------------------------------------


def import_preview(
    *, network: Network, uploaded_file, created_by, hide_existing: bool = False
) -> MemberImport:
    """Read an uploaded CSV or XLSX member list and check every row.

    ``hide_existing`` (privacy mode): rows with a member's email address or
    mobile number are not marked (``RowChecker``).

    Returns a ``MemberImport`` in status preview; nothing else is stored.
    Raises ValidationError with one message about the whole file when it
    cannot be read (wrong type, too large, missing columns, ...). The
    returned object carries ``ignored_columns`` (not stored): header names
    that were not recognised.
    """
    # Shown again on the import pages: no control or direction-changing
    # characters (bin_platform.uploads); the type is read from the same name.
    uploaded_file.name = upload_name_clean(getattr(uploaded_file, "name", ""), default="upload")
    header, lines = upload_table(uploaded_file=uploaded_file)
    columns, ignored = header_map(header)
    if not lines:
        raise ValidationError(_("The file names the columns but holds no members."), "no_rows")
    network = Network.objects.prefetch_related("streets").get(pk=network.pk)
    checker = RowChecker(network=network, hide_existing=hide_existing)
    rows = []
    for line, cells in lines:
        raw = {field: (cells[i] if i < len(cells) else "") for field, i in columns.items()}
        rows.append(checker.check(line=line, raw=raw))
    valid = sum(1 for row in rows if not row["errors"])
    member_import = MemberImport.objects.create(
        network=network,
        created_by=created_by,
        filename=uploaded_file.name,
        rows=rows,
        valid_count=valid,
        error_count=len(rows) - valid,
    )
    member_import.ignored_columns = ignored
    logger.info(
        "member import %s: %s valid and %s invalid rows for network %s",
        member_import.pk, valid, len(rows) - valid, network.pk,
    )  # fmt: skip
    return member_import


class _RowFailed(Exception):
    def __init__(self, *, line: int, errors: dict[str, list[str]]) -> None:
        super().__init__(line)
        self.line = line
        self.errors = errors


def _taken_since_preview(*, network: Network, rows: list[dict], hide: bool) -> dict[int, Member]:
    """Raise _RowFailed for the first row whose email or mobile number a member
    of the network got since the preview: two queries for the whole batch.

    ``hide`` (privacy mode): no row fails; returns the member each such row
    names, by line, so the import leaves the row out and tells the member."""
    emails = {row["values"].get("email") for row in rows} - {""}
    mobiles = {row["values"].get("mobile_phone") for row in rows} - {""}
    members = Member.objects.filter(network=network).select_related("network")
    by_email = {m.email: m for m in members.filter(email__in=emails)}
    by_mobile = {str(m.mobile_phone): m for m in members.filter(mobile_phone__in=mobiles)}
    if hide:
        found = {}
        for row in rows:
            member = by_email.get(row["values"].get("email")) or by_mobile.get(
                row["values"].get("mobile_phone")
            )
            if member is not None:
                found[row["line"]] = member
        return found
    taken_email, taken_mobile = set(by_email), set(by_mobile)
    for row in rows:
        if row["values"].get("email") in taken_email:
            raise _RowFailed(
                line=row["line"],
                errors={"email": [_("A member of this network already has this email address.")]},
            )
        if row["values"].get("mobile_phone") in taken_mobile:
            raise _RowFailed(
                line=row["line"],
                errors={
                    "mobile_phone": [_("A member of this network already has this mobile number.")]
                },
            )
    return {}


def _create_arguments(values: dict) -> dict:
    channels = set(values.get("channels") or [])
    arguments = {field: values.get(field, "") for field in IMPORT_COLUMNS if field != "channels"}
    arguments.update(
        by_sms="sms" in channels, by_email="email" in channels, by_voice="voice" in channels
    )
    return arguments


def _constraint_messages() -> dict[str, tuple[str, str]]:
    """Django's generic message of each unique constraint → field and our wording.

    The model's unique constraints only say "Constraint “…” is violated";
    the preview words the same problem for people.
    """
    ours = {
        "member_unique_email_per_network": (
            "email",
            _("A member of this network already has this email address."),
        ),
        "member_unique_mobile_per_network": (
            "mobile_phone",
            _("A member of this network already has this mobile number."),
        ),
    }
    return {
        str(constraint.get_violation_error_message()): ours[constraint.name]
        for constraint in Member._meta.constraints
        if constraint.name in ours
    }


def _failure_errors(exc: Exception) -> dict[str, list[str]]:
    if isinstance(exc, ValidationError):
        if not hasattr(exc, "error_dict"):
            return {"__all__": list(exc.messages)}
        known = _constraint_messages()
        errors: dict[str, list[str]] = {}
        for field, items in exc.error_dict.items():
            for text in ValidationError(items).messages:
                target, message = known.get(text, (field, text))
                errors.setdefault(target, []).append(str(message))
        return errors
    return {
        "__all__": [
            _("Another member with this email address or mobile number was added meanwhile.")
        ]
    }


def import_commit(
    *, member_import: MemberImport, confirmed_by, attested: bool, hide_existing: bool = False
) -> MemberImport:
    """Create a member for every valid row of a previewed import, all or nothing.

    ``attested``: whoever confirms attests, for the file, that every listed
    person is an adult living or working in the area who agreed to join (seed
    003: members are adults); without it nothing is imported. The attestation
    (who, when, which import) is stored on the import, and each member's
    consent records point to it. Members are active at once, adult confirmed,
    with the current house rules and privacy
    notice recorded as accepted through the import, and each gets the
    welcome message after the transaction commits. If one row fails (the
    list changed since the preview), nothing is created: that row is marked
    in the preview and ValidationError explains what happened. Confirming an
    import that is no longer in preview raises ValidationError too.

    ``hide_existing`` (privacy mode): a row with the email address or mobile
    number of a member is left out without a word, the member is told
    (``member_entered_again_notify``), and ``imported_count`` counts it
    as taken in, so the coordinator's answer does not depend on it.
    """
    if not attested:
        raise ValidationError(
            {
                "attest": _(
                    "Confirm that every person in the file is 18 or older, lives or works in "
                    "the area and agreed to join."
                )
            },
            code="not_attested",
        )
    try:
        with transaction.atomic():
            locked = MemberImport.objects.select_for_update().get(pk=member_import.pk)
            if locked.status != MemberImport.Status.PREVIEW:
                raise ValidationError(
                    _("This import is already %(status)s."),
                    params={"status": locked.get_status_display().lower()},
                    code="not_preview",
                )
            valid_rows = [row for row in locked.rows if not row.get("errors")]
            if not valid_rows:
                raise ValidationError(_("There are no valid rows to import."), code="nothing")
            network = Network.objects.prefetch_related("streets").get(pk=locked.network_id)
            consents = [
                (
                    ConsentRecord.Subject.HOUSE_RULES,
                    house_rules_current(network=network).version,
                    ConsentRecord.Method.IMPORT,
                ),
                (
                    ConsentRecord.Subject.PRIVACY_NOTICE,
                    settings.PRIVACY_NOTICE_VERSION,
                    ConsentRecord.Method.IMPORT,
                ),
            ]
            known = _taken_since_preview(network=network, rows=valid_rows, hide=hide_existing)
            created: list[Member] = []
            for member in {m.pk: m for m in known.values()}.values():
                member_entered_again_notify(member=member)
            for row in valid_rows:
                if row["line"] in known:
                    continue
                try:
                    # Uniqueness was checked for the whole batch just above
                    # (and the database still enforces it): no query per row.
                    member = member_create(
                        network=network,
                        **_create_arguments(row["values"]),
                        status=Member.Status.ACTIVE,
                        source=Source.IMPORT,
                        adult_confirmed=True,
                        consents=consents,
                        member_import=locked,
                        recorded_by=confirmed_by,
                        check_unique=False,
                    )
                except (ValidationError, IntegrityError) as exc:
                    raise _RowFailed(line=row["line"], errors=_failure_errors(exc)) from exc
                created.append(member)
            for member in created:
                member_welcome_send(member=member)
            locked.status = MemberImport.Status.IMPORTED
            locked.imported_count = len(created) + len(known)
            locked.finished_at = locked.attested_at = timezone.now()
            locked.attested_by = confirmed_by
            locked.rows = [row for row in locked.rows if row.get("errors")]
            locked.save(
                update_fields=[
                    "status", "imported_count", "finished_at", "rows", "attested_by",
                    "attested_at",
                ]
            )  # fmt: skip
            audit_log(
                actor=confirmed_by,
                action=AuditEntry.Action.IMPORT,
                network=network,
                detail={"import": locked.pk, "count": len(created), "attested": True},
            )
    except _RowFailed as failure:
        _row_failure_record(member_import=member_import, failure=failure)
        reason = "; ".join(m for messages in failure.errors.values() for m in messages)
        raise ValidationError(
            _(
                "Nothing was imported: line %(line)s could not be added (%(reason)s). "
                "That row is now marked in the preview; confirm again to import the other rows."
            ),
            params={"line": failure.line, "reason": reason},
            code="row_failed",
        ) from failure
    logger.info("member import %s: %s members created", locked.pk, len(created))
    return locked


def _row_failure_record(*, member_import: MemberImport, failure: _RowFailed) -> None:
    """Mark the row that made a confirmation fail, so the next attempt skips it."""
    with transaction.atomic():
        locked = MemberImport.objects.select_for_update().get(pk=member_import.pk)
        if locked.status != MemberImport.Status.PREVIEW:
            return
        for row in locked.rows:
            if row["line"] == failure.line:
                for field, messages in failure.errors.items():
                    row.setdefault("errors", {}).setdefault(field, []).extend(messages)
                row.setdefault("raw", dict(row["values"]))
        locked.valid_count = sum(1 for row in locked.rows if not row.get("errors"))
        locked.error_count = len(locked.rows) - locked.valid_count
        locked.save(update_fields=["rows", "valid_count", "error_count"])


def import_cancel(*, member_import: MemberImport, cancelled_by) -> MemberImport:
    """Drop a previewed import: nothing is created and its rows are deleted."""
    with transaction.atomic():
        locked = MemberImport.objects.select_for_update().get(pk=member_import.pk)
        if locked.status != MemberImport.Status.PREVIEW:
            raise ValidationError(
                _("This import is already %(status)s."),
                params={"status": locked.get_status_display().lower()},
                code="not_preview",
            )
        locked.status = MemberImport.Status.CANCELLED
        locked.rows = []
        locked.finished_at = timezone.now()
        locked.save(update_fields=["status", "rows", "finished_at"])
    logger.info("member import %s cancelled by user %s", locked.pk, cancelled_by.pk)
    return locked


# --- files out: the error report and the example file ----------------------


def contact_mask(value: str) -> str:
    """An email address or phone number with most of it hidden (privacy mode)."""
    value = str(value or "")
    if not value:
        return ""
    # Nothing of the value shows: even a few characters help guess it.
    return "•••"


def import_error_report(
    *, member_import: MemberImport, mask_contact: bool = False
) -> Iterator[str]:
    """The rows with errors as CSV lines: line number, the values as they were
    in the file and the errors per field. Corrected, the file can be uploaded
    again: the import skips its "line" and "errors" columns."""
    header = column_labels(["line", *IMPORT_COLUMNS, "errors"])
    rows = []
    for row in member_import.rows:
        errors = row.get("errors") or {}
        if not errors:
            continue
        original = row.get("raw") or row.get("values") or {}
        cells = []
        for field in IMPORT_COLUMNS:
            value = original.get(field, "")
            value = ",".join(value) if isinstance(value, list) else str(value or "")
            cells.append(
                contact_mask(value) if mask_contact and field in CONTACT_COLUMNS else value
            )
        problems = " | ".join(
            f"{field}: {message}"
            for field, messages in errors.items()
            for message in _masked_messages(field, messages, original, mask_contact)
        )
        rows.append([row["line"], *cells, problems])
    return csv_lines(header, rows)


def _masked_messages(field, messages, original, mask_contact) -> list[str]:
    raw = str(original.get(field, "") or "")
    if not (mask_contact and field in CONTACT_COLUMNS and raw):
        return list(messages)
    return [message.replace(raw, contact_mask(raw)) for message in messages]


def import_template_csv(*, network: Network) -> Iterator[str]:
    """An example file with the expected header and one made-up member."""
    street = network.streets.order_by("name", "number_from").first()
    mobile = mobile_example(country=network.country)
    example = [
        "Jan", "Janssens", street.name if street else "Kerkstraat",
        str(street.number_from or 1) if street else "1", street.postcode if street else "",
        "jan.janssens@example.org", mobile, "", network.default_language, "sms,email",
        Relation.LIVES.value, "", "",
    ]  # fmt: skip
    return csv_lines(column_labels(IMPORT_COLUMNS), [example])
