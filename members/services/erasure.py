"""Erasing a member's personal data: the member row and every copy of their
contact data, wherever an app keeps one.

``member_data_erase`` runs inside ``core.member_erase``'s transaction. The
members app blanks its own rows (the member, consents, verifications, the
rows of imports that name them) and the outbox's copies of messages about
or to them; each higher app erases its own part through the
``members.hooks.member_erasers`` registry (messaging: deliveries' recipient
fields, replies, incident reports).
"""

from __future__ import annotations

import re

import phonenumbers
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from members.hooks import member_erasers
from members.models import Member, MemberImport
from outbox.models import Notification
from outbox.selectors import notifications_about

__all__ = ["member_addresses", "member_data_erase", "member_import_rows_erase"]

_PERSONAL_FIELDS = (
    "first_name", "last_name", "street", "house_number", "postcode", "email",
    "mobile_phone", "landline", "business_name", "company_number", "rejection_reason",
)  # fmt: skip
_NON_DIGITS = re.compile(r"\D")


def member_addresses(*, member: Member) -> list[str]:
    """The member's email address and phone numbers (E.164), as stored now."""
    return [str(value) for value in (member.email, member.mobile_phone, member.landline) if value]


def _national_digits(number: str) -> str:
    try:
        return str(phonenumbers.parse(number, None).national_number)
    except phonenumbers.NumberParseException:
        return ""


def _row_names_member(row: dict, *, member: Member, emails: set, digits: set) -> bool:
    cells = {**(row.get("raw") or {}), **(row.get("values") or {})}
    texts = [str(value) for value in cells.values() if value]
    if any(text.strip().casefold() in emails for text in texts):
        return True
    for text in texts:
        found = _NON_DIGITS.sub("", text)
        if len(found) >= 8 and any(found.endswith(d) for d in digits):
            return True
    first = str(cells.get("first_name", "")).strip().casefold()
    last = str(cells.get("last_name", "")).strip().casefold()
    return bool(last) and (first, last) == (
        member.first_name.strip().casefold(),
        member.last_name.strip().casefold(),
    )


def member_import_rows_erase(*, member: Member) -> int:
    """Drop the rows that name the member (by email, phone number or full
    name) from the kept rows of their network's imports: previews and the
    error reports of finished imports. The counts stay. Returns the number
    of imports changed."""
    emails = {member.email.casefold()} if member.email else set()
    numbers = (member.mobile_phone, member.landline)
    digits = {_national_digits(str(number)) for number in numbers if number} - {""}
    changed = 0
    imports = MemberImport.objects.select_for_update().filter(network_id=member.network_id)
    for member_import in imports.exclude(rows=[]):
        kept = [
            row
            for row in member_import.rows
            if not _row_names_member(row, member=member, emails=emails, digits=digits)
        ]
        if len(kept) != len(member_import.rows):
            member_import.rows = kept
            member_import.save(update_fields=["rows"])
            changed += 1
    return changed


def _notifications_erase(*, member: Member, addresses: list[str]) -> None:
    # Sent messages keep no copy of the address or text; queued ones are sent
    # first (a rejection reason must still arrive) and scrubbed by retention.
    # Messages to their address about nobody (a sign-up code, a duplicate
    # notice) are copies too.
    about = notifications_about(obj=member).values("pk")
    to_them = Notification.objects.filter(to__in=addresses, about_id__isnull=True).values("pk")
    Notification.objects.filter(Q(pk__in=about) | Q(pk__in=to_them)).exclude(
        status="queued"
    ).update(
        to="", body="", html_body="", subject="", last_error="", about_type=None, about_id=None,
        status=Case(When(status="failed", then=Value("cancelled")), default=F("status")),
    )  # fmt: skip


def member_data_erase(*, member: Member) -> None:
    """Blank every personal field of the member and every copy of their
    contact data in every app; the row stays as an anonymous count.

    Call inside a transaction with the member row locked
    (``core.member_erase`` does).
    """
    addresses = member_addresses(member=member)
    for eraser in member_erasers:
        eraser(member=member, addresses=addresses)
    member_import_rows_erase(member=member)
    member.consents.all().delete()
    member.verifications.all().delete()
    member.contact_changes.all().delete()
    _notifications_erase(member=member, addresses=addresses)
    for name in _PERSONAL_FIELDS:
        setattr(member, name, "")
    member.birth_date = None
    member.quiet_hours_start = member.quiet_hours_end = None
    member.paused_until = None
    member.by_sms = member.by_email = member.by_voice = False
    # Being deaf or hard of hearing is health data: not kept after leaving.
    member.deaf = False
    if member.approved_at is None and member.status in (
        Member.Status.ACTIVE,
        Member.Status.SUSPENDED,
    ):
        # A member made active without an approval date (older rows) joined
        # when created: keep that, or the dashboards could not tell this
        # leave from a sign-up that left before being approved.
        member.approved_at = member.created_at
    member.status = Member.Status.LEFT
    member.left_at = timezone.now()
    member.token_version += 1  # every personal link stops working
    member.save()
