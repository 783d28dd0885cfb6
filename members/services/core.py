"""Core write operations on members: create, change, approve, reject,
suspend, erase, and the audit trail of who touched member data."""

from __future__ import annotations

import logging
from datetime import timedelta

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from members.models import (
    CHANNEL_CONSENT_VERSION,
    AuditEntry,
    ConsentRecord,
    Member,
    MemberImport,
    Rejection,
    Source,
)
from members.phones import mobile_normalise, voice_normalise
from members.services.erasure import member_data_erase
from members.signals import member_joined
from members.tokens import member_personal_url
from networks.models import Network
from networks.selectors import address_in_area
from outbox.models import Notification
from outbox.services.notifications import notification_queue

logger = logging.getLogger(__name__)

# Fields a coordinator may change through member_update.
EDITABLE_FIELDS = frozenset(
    {
        "first_name",
        "last_name",
        "street",
        "house_number",
        "postcode",
        "email",
        "mobile_phone",
        "landline",
        "language",
        "by_sms",
        "by_email",
        "by_voice",
        "deaf",
        "relation",
        "business_name",
        "company_number",
    }
)


def audit_log(
    *, actor, action: str, network: Network | None = None, member=None, detail: dict | None = None
) -> AuditEntry:
    """Record who did what with member data. Entries are never changed."""
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        network=network,
        member_id_ref=getattr(member, "pk", member),
        detail=detail or {},
    )


def _normalise_contact(
    *, network: Network, email: str, mobile_phone: str, landline: str
) -> tuple[dict, dict]:
    """Normalised contact fields and errors keyed by field name."""
    values: dict[str, str] = {"email": (email or "").strip().lower()}
    errors: dict[str, list[str]] = {}
    for field, raw, normalise in (
        ("mobile_phone", mobile_phone, mobile_normalise),
        ("landline", landline, voice_normalise),
    ):
        raw = str(raw or "").strip()
        if not raw:
            values[field] = ""
            continue
        try:
            values[field] = normalise(raw=raw, country=network.country)
        except ValidationError as exc:
            errors[field] = exc.messages
    return values, errors


def _check_address(*, network: Network, street: str, house_number: str, postcode: str) -> str:
    """The street's canonical spelling, or ValidationError keyed by field."""
    errors = address_in_area(
        network=network, street=street, house_number=house_number, postcode=postcode
    )
    if errors:
        raise ValidationError(errors)
    wanted = street.strip().casefold()
    # network.streets.all() may be prefetched (imports): no query per row then.
    names = [s.name for s in network.streets.all() if s.name.casefold() == wanted]
    return names[0] if names else street.strip()


@transaction.atomic
def member_create(
    *,
    network: Network,
    first_name: str,
    last_name: str,
    street: str,
    house_number: str,
    postcode: str,
    email: str = "",
    mobile_phone: str = "",
    landline: str = "",
    language: str = "",
    by_sms: bool = True,
    by_email: bool = True,
    by_voice: bool = False,
    deaf: bool = False,
    status: str = Member.Status.PENDING,
    source: str = Source.MANUAL,
    relation: str = "lives",
    business_name: str = "",
    company_number: str = "",
    birth_date=None,
    adult_confirmed: bool = False,
    consents: list[tuple[str, str, str]] | None = None,
    member_import: MemberImport | None = None,
    recorded_by=None,
    check_unique: bool = True,
) -> Member:
    """Create a member after checking address, phones and uniqueness.

    Phones may be given as people type them; they are stored as E.164.
    ``consents`` is a list of (subject, version, method) given now. Raises
    ValidationError keyed by field name, so a form can show each problem next
    to its field; nothing is stored then. ``check_unique=False`` skips the
    per-row uniqueness queries for callers that checked a whole batch at once
    (the database constraints still hold).
    """
    contact, errors = _normalise_contact(
        network=network, email=email, mobile_phone=mobile_phone, landline=landline
    )
    try:
        canonical_street = _check_address(
            network=network, street=street, house_number=house_number, postcode=postcode
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
        canonical_street = street
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    member = Member(
        network=network,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        street=canonical_street,
        house_number=house_number.strip(),
        postcode=postcode.strip().upper(),
        language=language or network.default_language,
        by_sms=by_sms,
        by_email=by_email,
        by_voice=by_voice,
        deaf=deaf,
        status=status,
        source=source,
        relation=relation,
        business_name=business_name.strip(),
        company_number=company_number.strip(),
        birth_date=birth_date,
        adult_confirmed=adult_confirmed,
        approved_at=now if status == Member.Status.ACTIVE else None,
        **contact,
    )
    member.full_clean(validate_unique=check_unique, validate_constraints=check_unique)
    member.save()
    ConsentRecord.objects.bulk_create(
        ConsentRecord(
            member=member,
            subject=subject,
            version=version,
            method=method,
            given_at=now,
            recorded_by=recorded_by,
            member_import=member_import,
        )
        for subject, version, method in consents or []
    )
    logger.info("member %s created in network %s (%s)", member.pk, network.pk, source)
    if member.status == Member.Status.ACTIVE:
        member_joined.send(sender=Member, member=member)
    return member


@transaction.atomic
def member_update(*, member: Member, actor, **fields) -> Member:
    """Change a member's details (coordinator or officer). Same checks as creation."""
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    network = member.network
    errors: dict[str, list[str]] = {}
    if {"email", "mobile_phone", "landline"} & set(fields):
        contact, errors = _normalise_contact(
            network=network,
            email=fields.get("email", member.email),
            mobile_phone=fields.get("mobile_phone", member.mobile_phone),
            landline=fields.get("landline", member.landline),
        )
        fields.update(contact)
    if {"street", "house_number", "postcode"} & set(fields):
        try:
            fields["street"] = _check_address(
                network=network,
                street=fields.get("street", member.street),
                house_number=fields.get("house_number", member.house_number),
                postcode=fields.get("postcode", member.postcode),
            )
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    changed = sorted(name for name, value in fields.items() if getattr(member, name) != value)
    for name, value in fields.items():
        setattr(member, name, value)
    # A new address is not verified by the member: its old proof does not carry over.
    if "email" in changed:
        member.email_verified_at = None
    if "mobile_phone" in changed:
        member.phone_verified_at = None
    member.full_clean(validate_constraints=True)
    member.save()
    if changed:
        audit_log(
            actor=actor,
            action=AuditEntry.Action.CHANGE_MEMBER,
            network=network,
            member=member,
            detail={"fields": changed},
        )
    return member


def member_message_send(
    *, member: Member, kind: str, template: str, context: dict, sensitive: bool = False
) -> None:
    """Queue a message to a member by email if they have one, else by SMS.

    ``template`` names a family: ``<template>.txt`` and ``<template>_subject.txt``
    for email, ``<template>_sms.txt`` for SMS; rendered in the member's language.
    ``sensitive``: the text carries a secret (the personal link), so the
    outbox keeps no copy once sent.
    """

    with translation.override(member.language):
        context = {"member": member, "network": member.network, **context}
        if member.email:
            subject = render_to_string(f"{template}_subject.txt", context).strip()
            body = render_to_string(f"{template}.txt", context)
            notification_queue(
                kind=kind, channel="email", to=member.email, subject=subject, body=body,
                sensitive=sensitive, about=member,
            )  # fmt: skip
        elif member.mobile_phone:
            body = render_to_string(f"{template}_sms.txt", context).strip()
            notification_queue(
                kind=kind, channel="sms", to=str(member.mobile_phone), body=body,
                sensitive=sensitive, about=member,
            )  # fmt: skip


def member_welcome_send(*, member: Member) -> None:
    """The welcome message with the member's personal link."""
    member_message_send(
        member=member,
        kind="welcome",
        sensitive=True,
        template="members/messages/welcome",
        context={"url": member_personal_url(member=member)},
    )


@transaction.atomic
def member_approve(*, member: Member, approved_by) -> Member:
    """Approve a pending sign-up; the member gets the welcome message."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.status != Member.Status.PENDING:
        raise ValidationError(_("Only pending sign-ups can be approved."))
    if member.source == Source.WEB_FORM and not Member.objects.awaiting_approval().filter(
        pk=member.pk
    ):
        # Double opt-in: nobody is approved before their address is confirmed.
        raise ValidationError(
            _("%(name)s has not confirmed their email address and mobile number yet.")
            % {"name": member}
        )
    member.status = Member.Status.ACTIVE
    member.approved_at = timezone.now()
    member.save(update_fields=["status", "approved_at", "updated_at"])
    audit_log(
        actor=approved_by, action=AuditEntry.Action.APPROVE, network=member.network, member=member
    )
    member_welcome_send(member=member)
    member_joined.send(sender=Member, member=member)
    return member


@transaction.atomic
def member_reject(*, member: Member, rejected_by, reason: str, category: str) -> Rejection:
    """Refuse a pending sign-up: the applicant gets the reason, then their
    data is erased. The decision (category, reason, who, when) stays as a
    ``Rejection`` without the applicant, for the zone's officers to oversee."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.status != Member.Status.PENDING:
        raise ValidationError(_("Only pending sign-ups can be rejected."))
    reason = reason.strip()
    errors = {}
    if category not in Rejection.Category.values:
        errors["category"] = _("Choose why the sign-up is rejected.")
    if not reason:
        errors["reason"] = _("Give the applicant a reason.")
    if errors:
        raise ValidationError(errors)
    member_message_send(
        member=member,
        kind="rejection",
        template="members/messages/rejection",
        context={"reason": reason},
    )
    audit_log(
        actor=rejected_by, action=AuditEntry.Action.REJECT, network=member.network, member=member
    )
    rejection = Rejection.objects.create(
        network=member.network, category=category, reason=reason, rejected_by=rejected_by
    )
    # A refused applicant never was a member: nothing of them stays (the
    # queued message keeps only what it needs to arrive).
    member.delete()
    return rejection


@transaction.atomic
def member_suspend(*, member: Member, actor) -> Member:
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.status != Member.Status.ACTIVE:
        raise ValidationError(_("Only active members can be suspended."))
    member.status = Member.Status.SUSPENDED
    member.save(update_fields=["status", "updated_at"])
    audit_log(actor=actor, action=AuditEntry.Action.SUSPEND, network=member.network, member=member)
    return member


@transaction.atomic
def member_reactivate(*, member: Member, actor) -> Member:
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.status != Member.Status.SUSPENDED:
        raise ValidationError(_("Only suspended members can be reactivated."))
    member.status = Member.Status.ACTIVE
    member.save(update_fields=["status", "updated_at"])
    audit_log(
        actor=actor, action=AuditEntry.Action.CHANGE_MEMBER, network=member.network,
        member=member, detail={"fields": ["status"]},
    )  # fmt: skip
    return member


@transaction.atomic
def member_erase(*, member: Member, actor=None, reason: str = "left") -> Member:
    """Erase a member's personal data at once (leaving, removal, retention),
    with every copy of their contact data in every app
    (``erasure.member_data_erase``).

    Only the network, the status "left", the dates and the language stay, so
    anonymous counts remain right.
    """
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.status == Member.Status.LEFT and not member.first_name:
        return member
    action = AuditEntry.Action.REMOVE if actor else AuditEntry.Action.ERASE
    audit_log(
        actor=actor, action=action, network=member.network, member=member,
        detail={"reason": reason},
    )  # fmt: skip
    member_data_erase(member=member)
    logger.info("member %s erased (%s)", member.pk, reason)
    return member


def member_retention() -> dict[str, int]:
    """Apply the retention rules; run periodically (django-celery-beat).

    - sign-ups never verified within SIGNUP_RETENTION_DAYS are deleted;
    - a member who left but still has personal data is erased;
    - message copies (address, text) older than the same period are scrubbed.
    """

    cutoff = timezone.now() - timedelta(days=settings.SIGNUP_RETENTION_DAYS)
    stale = Member.objects.unverified().filter(created_at__lt=cutoff)
    purged = 0
    for member in stale.iterator():
        audit_log(
            actor=None, action=AuditEntry.Action.ERASE, network=member.network, member=member,
            detail={"reason": "unverified sign-up"},
        )  # fmt: skip
        member.delete()
        purged += 1
    leftovers = Member.objects.filter(status=Member.Status.LEFT).exclude(first_name="", email="")
    erased = 0
    for member in leftovers.iterator():
        member_erase(member=member, reason="retention")
        erased += 1
    # Import drafts hold whole member lists: gone after a day.
    MemberImport.objects.filter(
        status=MemberImport.Status.PREVIEW, created_at__lt=timezone.now() - timedelta(days=1)
    ).delete()
    # Error reports of finished imports hold the rejected rows: kept for the
    # same period as other message copies, then emptied.
    MemberImport.objects.filter(finished_at__lt=cutoff).exclude(rows=[]).update(rows=[])
    scrubbed = (
        Notification.objects.filter(created_at__lt=cutoff)
        .exclude(status__in=["queued", "sending"])
        .exclude(to="", body="")
        .update(
            to="", body="", html_body="", subject="", last_error="", about_type=None, about_id=None
        )
    )
    return {"purged_signups": purged, "erased_members": erased, "scrubbed_messages": scrubbed}


def _memberships_of_mobile(mobile_phone: str):
    """Every membership (any network, any status) with this mobile number, locked.

    None for a sender that is not a phone number in international form (a
    short code, an alphanumeric sender ID): such a sender is never a member.
    """
    try:
        number = phonenumbers.parse((mobile_phone or "").strip(), None)
    except phonenumbers.NumberParseException:
        return Member.objects.none()
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return (
        Member.objects.select_for_update(of=("self",))
        .select_related("network")
        .filter(mobile_phone=e164)
        .order_by("pk")
    )


@transaction.atomic
def member_sms_opt_out(*, mobile_phone: str) -> list[Member]:
    """Stop SMS to this number at once, in every network (the STOP keyword).

    Every membership with the number gets ``by_sms`` off, and its SMS
    consents still open are withdrawn (the records stay as proof of what was
    given). Returns all memberships with the number, also those that had SMS
    off already, so the caller can name their networks.
    """
    members = list(_memberships_of_mobile(mobile_phone))
    if not members:
        return []
    now = timezone.now()
    # Every open SMS consent, not only the latest: STOP ends consent to SMS as such.
    ConsentRecord.objects.filter(
        member__in=members, subject=ConsentRecord.Subject.SMS, withdrawn_at__isnull=True
    ).update(withdrawn_at=now)
    for member in members:
        if not member.by_sms:
            continue
        member.by_sms, member.sms_opted_out_at = False, now
        member.save(update_fields=["by_sms", "sms_opted_out_at", "updated_at"])
        audit_log(
            actor=None, action=AuditEntry.Action.CHANGE_MEMBER, network=member.network,
            member=member, detail={"fields": ["by_sms"], "by": "sms_keyword"},
        )  # fmt: skip
    logger.info("SMS opt-out by keyword for member(s) %s", [m.pk for m in members])
    return members


@transaction.atomic
def member_sms_opt_in(*, mobile_phone: str) -> list[Member]:
    """Resume SMS to this number (the START keyword), for active memberships only.

    Each active membership with the number gets ``by_sms`` on and, unless one
    is open already, a new SMS consent given by the member themselves. Pending,
    suspended and former members are left alone. Returns the active memberships.
    """
    members = list(_memberships_of_mobile(mobile_phone).filter(status=Member.Status.ACTIVE))
    if not members:
        return []
    now = timezone.now()
    consenting = set(
        ConsentRecord.objects.filter(
            member__in=members, subject=ConsentRecord.Subject.SMS, withdrawn_at__isnull=True
        ).values_list("member_id", flat=True)
    )
    ConsentRecord.objects.bulk_create(
        ConsentRecord(
            member=member,
            subject=ConsentRecord.Subject.SMS,
            version=CHANNEL_CONSENT_VERSION,
            given_at=now,
            method=ConsentRecord.Method.PERSONAL_PAGE,
        )
        for member in members
        if member.pk not in consenting
    )
    for member in members:
        if member.by_sms:
            continue
        member.by_sms, member.sms_opted_out_at = True, None
        member.save(update_fields=["by_sms", "sms_opted_out_at", "updated_at"])
        audit_log(
            actor=None, action=AuditEntry.Action.CHANGE_MEMBER, network=member.network,
            member=member, detail={"fields": ["by_sms"], "by": "sms_keyword"},
        )  # fmt: skip
    logger.info("SMS opt-in by keyword for member(s) %s", [m.pk for m in members])
    return members
