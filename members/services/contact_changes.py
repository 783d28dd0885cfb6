"""Members keep their contact details up to date through their personal link
(house rule 7): a new email address, mobile number, landline or address.

- A new email address is confirmed by a link sent to it
  (``CONTACT_EMAIL_LINK_HOURS``), a new mobile number by a 6-digit code sent
  to it by SMS (``CONTACT_SMS_CODE_MINUTES``, ``CONTACT_CODE_MAX_ATTEMPTS``
  wrong tries). The old value stays in use until then.
- A landline needs no proof; it must read as a phone of the network's country.
- A new address is checked against the network's streets as a sign-up is;
  outside the area the member is told first, and once they confirm, the
  coordinator accepts or refuses it (``contact_change_decide``) and the
  member hears the decision.
- A new email or mobile number that already belongs to another member of the
  network gets exactly the same answer as a free one: the change waits for a
  proof that never comes, and the owner of that address gets a notice instead.
- ``CONTACT_CHANGES_PER_DAY`` changes per member and 24 hours.
- Removing an email address or mobile number: ``contact_removal.contact_remove``
  (which shares ``_audit``, ``_close_open`` and ``_limit_check``; the names
  with an underscore are for these two modules only).

Every step is in the audit log (``AuditEntry.Action.CONTACT_CHANGE``, the
member by id, no values) and every applied change in the consent records
(``ConsentRecord.Subject.CONTACT_*``).
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from members.models import AuditEntry, ConsentRecord, ContactChange, Member
from members.phones import mobile_normalise, voice_normalise
from members.services.core import audit_log, member_message_send
from networks.selectors import address_in_area, street_names
from outbox.services.notifications import notification_queue

__all__ = [
    "CONTACT_CODE_MAX_ATTEMPTS",
    "contact_address_change",
    "contact_change_cancel",
    "contact_change_decide",
    "contact_code_verify",
    "contact_email_change",
    "contact_email_confirm",
    "contact_landline_change",
    "contact_mobile_change",
]

# Wrong codes per change; then the change is dropped and the member asks again
# (which counts towards the daily limit).
CONTACT_CODE_MAX_ATTEMPTS = 5

_SUBJECTS = {
    ContactChange.Field.EMAIL: ConsentRecord.Subject.CONTACT_EMAIL,
    ContactChange.Field.MOBILE: ConsentRecord.Subject.CONTACT_MOBILE,
    ContactChange.Field.LANDLINE: ConsentRecord.Subject.CONTACT_LANDLINE,
    ContactChange.Field.ADDRESS: ConsentRecord.Subject.CONTACT_ADDRESS,
}


# --- helpers -------------------------------------------------------------------


def _committed(func):
    """Run ``func`` in a transaction that commits even when it ends in a
    refusal: ``func`` returns a ValidationError, raised once the transaction
    is committed, so a counted wrong code or an expired link stays recorded."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        with transaction.atomic():
            result = func(*args, **kwargs)
        if isinstance(result, ValidationError):
            raise result
        return result

    return wrapper


def _code_hash(*, change_id: int, code: str) -> str:
    """Bound to the change, keyed with SECRET_KEY: a leaked table gives no codes."""
    return salted_hmac("members.contact.sms", f"{change_id}:{code}", algorithm="sha256").hexdigest()


def _link_hash(secret: str) -> str:
    """The stored form of an email link's secret, also the key to find it."""
    return salted_hmac("members.contact.email-link", secret, algorithm="sha256").hexdigest()


def _audit(*, change: ContactChange, step: str, actor=None) -> None:
    audit_log(
        actor=actor,
        action=AuditEntry.Action.CONTACT_CHANGE,
        network=change.member.network,
        member=change.member,
        detail={"field": change.field, "step": step, "change": change.pk,
                "by": "staff" if actor else "member"},
    )  # fmt: skip


def _limit_check(*, member: Member) -> None:
    """At most CONTACT_CHANGES_PER_DAY changes per member and 24 hours.

    Call inside the transaction that creates the change: the member's row is
    locked, so parallel requests are counted one after the other.
    """
    list(Member.objects.select_for_update().filter(pk=member.pk).values_list("pk", flat=True))
    since = timezone.now() - timedelta(hours=24)
    if member.contact_changes.filter(created_at__gte=since).count() >= (
        settings.CONTACT_CHANGES_PER_DAY
    ):
        raise ValidationError(
            _(
                "You changed your contact details several times today. For your safety, "
                "please try again tomorrow, or ask your coordinator."
            ),
            code="rate_limited",
        )


def _close_open(*, member: Member, field: str) -> None:
    """A new change of a field replaces the one still open for it."""
    member.contact_changes.filter(
        field=field, status__in=[ContactChange.Status.VERIFYING,
                                 ContactChange.Status.AWAITING_DECISION],
    ).update(status=ContactChange.Status.CANCELLED, value={}, secret_hash="",
             finished_at=timezone.now())  # fmt: skip  # nosec B106: an emptied hash, no password


def _finish(*, change: ContactChange, status: str) -> None:
    """End a change without applying it; its value is no longer kept."""
    change.status = status
    change.value = {}
    change.secret_hash = ""  # nosec B105: the hash is emptied, no password
    change.finished_at = timezone.now()
    change.save(update_fields=["status", "value", "secret_hash", "finished_at"])


def _owner(*, member: Member, field: str, value: str) -> Member | None:
    """Another member of the same network who already has this address."""
    return (
        Member.objects.filter(network=member.network, **{field: value})
        .exclude(pk=member.pk)
        .exclude(status=Member.Status.LEFT)
        .first()
    )


def _taken_notice(*, owner: Member, channel: str, to: str) -> None:
    """Tell the real owner of an address that someone tried to add it; the
    person who asked learns nothing (they see the same page as for a free one)."""
    context = {"member": owner, "network": owner.network}
    template = "members/messages/contact_taken"
    with translation.override(owner.language):
        if channel == "email":
            subject = render_to_string(f"{template}_subject.txt", context).strip()
            body = render_to_string(f"{template}.txt", context)
            notification_queue(
                kind="contact_taken_notice", channel="email", to=to, subject=subject,
                body=body, about=owner,
            )  # fmt: skip
        else:
            body = render_to_string(f"{template}_sms.txt", context).strip()
            notification_queue(
                kind="contact_taken_notice", channel="sms", to=to, body=body, about=owner
            )


def _consent(*, change: ContactChange, recorded_by=None) -> None:
    ConsentRecord.objects.create(
        member=change.member,
        subject=_SUBJECTS[change.field],
        version=settings.PRIVACY_NOTICE_VERSION,
        given_at=timezone.now(),
        method=ConsentRecord.Method.PERSONAL_PAGE,
        recorded_by=recorded_by if getattr(recorded_by, "is_authenticated", False) else None,
    )


def _apply(*, change: ContactChange, actor=None) -> ContactChange | ValidationError:
    """Put the new value on the member, with its proof, consent and audit entry.

    Returns (not raises, see ``_committed``) a ValidationError when the address
    became another member's meanwhile, in the words of any other failure.
    """
    member = Member.objects.select_for_update().get(pk=change.member_id)
    now = timezone.now()
    old = str(getattr(member, change.field, "") or "")
    fields = list(change.value)
    for name, value in change.value.items():
        setattr(member, name, value)
    if change.field == ContactChange.Field.EMAIL:
        member.email_verified_at = now
        fields.append("email_verified_at")
    elif change.field == ContactChange.Field.MOBILE:
        member.phone_verified_at = now
        fields.append("phone_verified_at")
    elif (
        change.field == ContactChange.Field.LANDLINE
        and not member.landline
        and member.by_voice
        and not member.mobile_phone
    ):
        # No phone left for voice calls: they stop (the mobile would take them).
        member.by_voice = False
        fields.append("by_voice")
    try:
        with transaction.atomic():
            member.save(update_fields=[*fields, "updated_at"])
    except IntegrityError:
        _finish(change=change, status=ContactChange.Status.FAILED)
        _audit(change=change, step="failed", actor=actor)
        return ValidationError(
            _("This change could not be made. Start again, or ask your coordinator."),
            code="failed",
        )
    change.member = member
    change.status = ContactChange.Status.APPLIED
    # The value now lives on the member; a copy here would keep every former
    # address of the member for ever.
    change.value = {}
    change.secret_hash = ""  # nosec B105: the hash is emptied, no password
    change.finished_at = now
    change.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    change.save(update_fields=["status", "value", "secret_hash", "finished_at", "decided_by"])
    _consent(change=change, recorded_by=actor)
    _audit(change=change, step="applied", actor=actor)
    if old and change.field in (ContactChange.Field.EMAIL, ContactChange.Field.MOBILE):
        _changed_notice(member=member, field=change.field, old=old)
    return change


def _changed_notice(*, member: Member, field: str, old: str) -> None:
    """Tell the old address that it is no longer used: whoever holds a
    member's link can change it, and the member must be able to notice."""
    channel = "email" if field == ContactChange.Field.EMAIL else "sms"
    context = {"member": member, "network": member.network, "field": field}
    template = "members/messages/contact_changed"
    with translation.override(member.language):
        if channel == "email":
            subject = render_to_string(f"{template}_subject.txt", context).strip()
            body = render_to_string(f"{template}.txt", context)
        else:
            subject, body = "", render_to_string(f"{template}_sms.txt", context).strip()
    notification_queue(
        kind="contact_changed_notice", channel=channel, to=old, subject=subject, body=body,
        about=member,
    )  # fmt: skip


# --- email ---------------------------------------------------------------------


@transaction.atomic
def contact_email_change(*, member: Member, email: str) -> ContactChange:
    """Ask to use a new email address; a link to confirm it goes to that address.

    The answer is the same whether or not another member of the network has
    this address (then the owner gets a notice and the link never comes).
    """
    email = (email or "").strip().lower()
    if not email:
        raise ValidationError({"email": [_("Enter an email address.")]})
    if email == member.email:
        raise ValidationError({"email": [_("This is already your email address.")]})
    _limit_check(member=member)
    _close_open(member=member, field=ContactChange.Field.EMAIL)
    secret = secrets.token_urlsafe(24)
    change = ContactChange.objects.create(
        member=member,
        field=ContactChange.Field.EMAIL,
        value={"email": email},
        secret_hash=_link_hash(secret),
        expires_at=timezone.now() + timedelta(hours=settings.CONTACT_EMAIL_LINK_HOURS),
    )
    owner = _owner(member=member, field="email", value=email)
    if owner is not None:
        _taken_notice(owner=owner, channel="email", to=email)
    else:
        url = settings.PUBLIC_BASE_URL + reverse(
            "personal:contact_confirm_email", kwargs={"secret": secret}
        )
        context = {"member": member, "network": member.network, "url": url,
                   "hours": settings.CONTACT_EMAIL_LINK_HOURS}  # fmt: skip
        with translation.override(member.language):
            subject = render_to_string(
                "members/messages/contact_email_link_subject.txt", context
            ).strip()
            body = render_to_string("members/messages/contact_email_link.txt", context)
        notification_queue(
            kind="contact_email_link", channel="email", to=email, subject=subject, body=body,
            sensitive=True, about=member,
        )  # fmt: skip
    _audit(change=change, step="requested")
    return change


@_committed
def contact_email_confirm(*, secret: str) -> ContactChange | ValidationError:
    """Confirm a new email address by the secret of its link, and use it from now on."""
    change = (
        ContactChange.objects.select_for_update()
        .select_related("member__network")
        .filter(secret_hash=_link_hash(secret or ""), field=ContactChange.Field.EMAIL)
        .first()
    )
    if change is None or change.status != ContactChange.Status.VERIFYING:
        raise ValidationError(
            _("This link does not work (any more). Change your email address again on your "
              "personal page to get a new one."),
            code="invalid",
        )  # fmt: skip
    if change.expires_at <= timezone.now():
        _finish(change=change, status=ContactChange.Status.FAILED)
        _audit(change=change, step="expired")
        return ValidationError(
            _("This link has expired. Change your email address again on your personal page "
              "to get a new one."),
            code="expired",
        )  # fmt: skip
    return _apply(change=change)


# --- mobile --------------------------------------------------------------------


@transaction.atomic
def contact_mobile_change(*, member: Member, mobile_phone: str) -> ContactChange:
    """Ask to use a new mobile number; a 6-digit code goes to it by SMS.

    The answer is the same whether or not another member of the network has
    this number (then the owner gets a notice instead of a code).
    """
    raw = str(mobile_phone or "").strip()
    if not raw:
        raise ValidationError({"mobile_phone": [_("Enter a mobile number.")]})
    try:
        number = mobile_normalise(raw=raw, country=member.network.country)
    except ValidationError as exc:
        raise ValidationError({"mobile_phone": exc.messages}) from None
    if number == str(member.mobile_phone or ""):
        raise ValidationError({"mobile_phone": [_("This is already your mobile number.")]})
    _limit_check(member=member)
    _close_open(member=member, field=ContactChange.Field.MOBILE)
    change = ContactChange.objects.create(
        member=member,
        field=ContactChange.Field.MOBILE,
        value={"mobile_phone": number},
        expires_at=timezone.now() + timedelta(minutes=settings.CONTACT_SMS_CODE_MINUTES),
    )
    code = f"{secrets.randbelow(1_000_000):06d}"
    change.secret_hash = _code_hash(change_id=change.pk, code=code)
    change.save(update_fields=["secret_hash"])
    owner = _owner(member=member, field="mobile_phone", value=number)
    if owner is not None:
        # The code is never sent: no try can confirm a number someone else has.
        _taken_notice(owner=owner, channel="sms", to=number)
    else:
        context = {"code": code, "network": member.network,
                   "minutes": settings.CONTACT_SMS_CODE_MINUTES}  # fmt: skip
        with translation.override(member.language):
            body = render_to_string("members/messages/contact_sms_code.txt", context).strip()
        notification_queue(
            kind="contact_sms_code", channel="sms", to=number, body=body, sensitive=True,
            about=member,
        )  # fmt: skip
    _audit(change=change, step="requested")
    return change


@_committed
def contact_code_verify(*, change: ContactChange, code: str) -> ContactChange | ValidationError:
    """Check the SMS code of a new mobile number; right: the number is used from now on.

    Raises ValidationError (key ``code``) for a wrong, expired or used-up code;
    the last wrong try drops the change.
    """
    change = (
        ContactChange.objects.select_for_update()
        .select_related("member__network")
        .get(pk=change.pk)
    )
    if change.field != ContactChange.Field.MOBILE or change.status != (
        ContactChange.Status.VERIFYING
    ):
        raise ValidationError(
            {"code": [_("No code is waiting for this change. Enter your new number again.")]}
        )
    if change.expires_at <= timezone.now():
        _finish(change=change, status=ContactChange.Status.FAILED)
        _audit(change=change, step="expired")
        return ValidationError(
            {"code": [_("This code has expired. Enter your new number again for a new code.")]}
        )
    code = "".join(ch for ch in str(code or "") if ch.isdigit())
    if len(code) == 6 and hmac.compare_digest(
        _code_hash(change_id=change.pk, code=code), change.secret_hash
    ):
        return _apply(change=change)
    change.attempts += 1
    left = CONTACT_CODE_MAX_ATTEMPTS - change.attempts
    if left <= 0:
        _finish(change=change, status=ContactChange.Status.FAILED)
        change.attempts = CONTACT_CODE_MAX_ATTEMPTS
        ContactChange.objects.filter(pk=change.pk).update(attempts=change.attempts)
        _audit(change=change, step="too_many_attempts")
        return ValidationError(
            {"code": [_("This code is not right, and that was the last try. Your number was "
                        "not changed: enter it again for a new code.")]}
        )  # fmt: skip
    change.save(update_fields=["attempts"])
    # ngettext is not used: the count is shown as a number after a colon.
    return ValidationError(
        {"code": [_("This code is not right. Tries left: %(left)d.") % {"left": left}]}
    )


# --- landline and address --------------------------------------------------------


@_committed
def contact_landline_change(*, member: Member, landline: str) -> ContactChange | ValidationError:
    """Use a new landline at once (no proof needed), or remove it (empty).

    It must read as a phone of the network's country. Without a landline,
    voice calls go to the mobile number, or stop if there is none.
    """
    raw = str(landline or "").strip()
    number = ""
    if raw:
        try:
            number = voice_normalise(raw=raw, country=member.network.country)
        except ValidationError as exc:
            raise ValidationError({"landline": exc.messages}) from None
    if not number and not member.landline:
        raise ValidationError({"landline": [_("Enter a phone number.")]})
    if number == str(member.landline or ""):
        raise ValidationError({"landline": [_("This is already your landline.")]})
    if not number and not (member.email or member.mobile_phone):
        raise ValidationError(
            {"landline": [_("This is the only way we can reach you: it cannot be removed.")]}
        )
    _limit_check(member=member)
    _close_open(member=member, field=ContactChange.Field.LANDLINE)
    change = ContactChange.objects.create(
        member=member, field=ContactChange.Field.LANDLINE, value={"landline": number}
    )
    _audit(change=change, step="requested")
    return _apply(change=change)


def _street_name(*, member: Member, street: str) -> str:
    """The network's own spelling of a street typed in another case."""
    wanted = street.strip().casefold()
    for name in street_names(network=member.network):
        if name.casefold() == wanted:
            return name
    return street.strip()


@_committed
def contact_address_change(
    *, member: Member, street: str, house_number: str, postcode: str, outside_confirmed: bool
) -> ContactChange | ValidationError:
    """A new address: inside the network's streets it is used at once.

    Outside them, ValidationError keyed by field (code ``outside``) tells the
    member why, unless ``outside_confirmed``: then the change waits for the
    coordinator's decision (``contact_change_decide``), as a sign-up would.
    """
    values = {
        "street": _street_name(member=member, street=street or ""),
        "house_number": (house_number or "").strip().upper(),
        "postcode": (postcode or "").strip().upper(),
    }
    missing = {name: [_("This field is required.")] for name, v in values.items() if not v}
    if missing:
        raise ValidationError(missing)
    current = {"street": member.street, "house_number": member.house_number,
               "postcode": member.postcode}  # fmt: skip
    if values == current:
        raise ValidationError({"street": [_("This is already your address.")]})
    if not values["house_number"][:1].isdigit():
        # A typo, not an address elsewhere: the coordinator need not decide it.
        raise ValidationError(
            {"house_number": [_("Enter a house number that starts with digits.")]}
        )
    problems = address_in_area(network=member.network, **values)
    if problems and not outside_confirmed:
        raise ValidationError(
            {name: [ValidationError(message, code="outside")] for name, message in problems.items()}
        )
    _limit_check(member=member)
    _close_open(member=member, field=ContactChange.Field.ADDRESS)
    waiting = ContactChange.Status.AWAITING_DECISION
    change = ContactChange.objects.create(
        member=member,
        field=ContactChange.Field.ADDRESS,
        value=values,
        status=waiting if problems else ContactChange.Status.VERIFYING,
    )
    _audit(change=change, step="requested_outside_area" if problems else "requested")
    if problems:
        return change
    return _apply(change=change)


# --- member and coordinator decisions ----------------------------------------------


@transaction.atomic
def contact_change_cancel(*, change: ContactChange) -> ContactChange:
    """The member withdraws an open change; the current value stays."""
    change = (
        ContactChange.objects.select_for_update()
        .select_related("member__network")
        .get(pk=change.pk)
    )
    if not change.is_open:
        raise ValidationError(_("This change is no longer open."), code="closed")
    _finish(change=change, status=ContactChange.Status.CANCELLED)
    _audit(change=change, step="cancelled")
    return change


@_committed
def contact_change_decide(
    *, change: ContactChange, decided_by, accept: bool, reason: str = ""
) -> ContactChange | ValidationError:
    """The coordinator accepts or refuses an address outside the area; the
    member hears the decision (with the reason, if one is given) in their
    language. Accepted: the address is used from now on."""
    change = (
        ContactChange.objects.select_for_update()
        .select_related("member__network")
        .get(pk=change.pk)
    )
    if change.status != ContactChange.Status.AWAITING_DECISION:
        raise ValidationError(_("This change no longer waits for a decision."), code="closed")
    reason = (reason or "").strip()
    change.reason = reason
    change.save(update_fields=["reason"])
    address = change.display_value
    if accept:
        applied = _apply(change=change, actor=decided_by)
        if isinstance(applied, ValidationError):
            return applied
        change = applied
        template = "members/messages/contact_address_accepted"
    else:
        change.decided_by = decided_by
        change.save(update_fields=["decided_by"])
        _finish(change=change, status=ContactChange.Status.REFUSED)
        _audit(change=change, step="refused", actor=decided_by)
        template = "members/messages/contact_address_refused"
    member_message_send(
        member=change.member,
        kind="contact_address_decision",
        template=template,
        context={"address": address, "reason": reason},
    )
    return change
