"""The public sign-up and its double verification.

The form checks eligibility (address in the area, adult, consents); here the
member is stored as pending, both addresses are proven (a signed link by
email, a 6-digit code by SMS) and, once both are, the sign-up is approved at
once (``Network.auto_approve``) or waits in the coordinator's queue.

A visitor must never learn whether an address is already known: a sign-up
with a known email or mobile number (and one that filled in the honeypot)
stores nothing, gets a *decoy* that behaves like a real pending sign-up (every
code is wrong), and the existing member is told by email instead.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from charters.selectors import house_rules_current
from members.models import ConsentRecord, Member, Source, Verification
from members.services.core import member_approve, member_create
from members.tokens import member_self_service_url
from networks.models import Network

__all__ = [
    "SIGNUP_CODE_MAX_ATTEMPTS",
    "SignupOutcome",
    "SignupRateLimited",
    "signup_decoy_sms_resend",
    "signup_decoy_verify_sms",
    "signup_email_token_check",
    "signup_rate_limit_hit",
    "signup_sms_resend",
    "signup_submit",
    "signup_verify_email",
    "signup_verify_sms",
]

logger = logging.getLogger(__name__)

SIGNUP_CODE_MAX_ATTEMPTS = 5
_EMAIL_SALT = "members.signup.email"
_DECOY_PREFIX = "signup:decoy:"

# (how many, per seconds). Override single entries with settings.SIGNUP_RATE_LIMITS.
_DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    "submit_ip": (10, 3600),
    "submit_email": (3, 86400),
    "submit_phone": (3, 86400),
    "code_ip": (30, 3600),
    "resend": (3, 3600),
}


class SignupRateLimited(Exception):
    """Too many attempts; ``message`` is fit to show the visitor."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class SignupOutcome:
    """What the next page needs. ``member_id`` is None when nothing was stored
    (a known address or a bot); ``decoy_key`` then stands in for it."""

    member_id: int | None
    decoy_key: str
    needs_sms: bool


# --- rate limits ---------------------------------------------------------------


def _limit(name: str) -> tuple[int, int]:
    return getattr(settings, "SIGNUP_RATE_LIMITS", {}).get(name, _DEFAULT_LIMITS[name])


def signup_rate_limit_hit(*, scope: str, value: str) -> bool:
    """Count one event for ``value`` in ``scope``; True once it exceeds the scope's limit.

    A fixed window that starts with the first event. ``add`` then ``incr`` is
    atomic on Redis, so parallel web processes share one count. Values are
    hashed: no address ends up in the cache.
    """
    limit, period = _limit(scope)
    digest = hashlib.sha256(f"{scope}\0{value}".encode()).hexdigest()
    key = f"signup:rl:{scope}:{digest}"
    cache.add(key, 0, timeout=period)
    try:
        count = cache.incr(key)
    except ValueError:
        # The window ended between add and incr: this event opens a new one.
        cache.add(key, 1, timeout=period)
        count = 1
    return count > limit


def _too_many() -> SignupRateLimited:
    return SignupRateLimited(
        _("Too many attempts. For your safety, please wait a while and try again later.")
    )


# --- secrets -------------------------------------------------------------------


def _secret_hash(*, member_id: int, channel: str, secret: str) -> str:
    """HMAC-SHA256 keyed with SECRET_KEY and bound to the member, so equal codes
    of different members differ and a leaked table cannot be brute-forced."""
    return salted_hmac(
        f"members.signup.{channel}", f"{member_id}:{secret}", algorithm="sha256"
    ).hexdigest()


def _email_link_create(*, member: Member) -> str:
    """A fresh confirmation link; it replaces any earlier one."""
    member.verifications.filter(channel=Verification.Channel.EMAIL).delete()
    secret = secrets.token_urlsafe(24)
    verification = Verification.objects.create(
        member=member,
        channel=Verification.Channel.EMAIL,
        secret_hash=_secret_hash(member_id=member.pk, channel="email", secret=secret),
        expires_at=timezone.now() + timedelta(hours=settings.SIGNUP_EMAIL_LINK_HOURS),
    )
    token = signing.dumps({"v": verification.pk, "s": secret}, salt=_EMAIL_SALT, compress=True)
    path = reverse("signup:confirm_email", kwargs={"slug": member.network.slug, "token": token})
    return settings.PUBLIC_BASE_URL + path


def _email_link_send(*, member: Member) -> None:
    from messaging.services import notification_queue

    url = _email_link_create(member=member)
    context = {
        "member": member,
        "network": member.network,
        "url": url,
        "hours": settings.SIGNUP_EMAIL_LINK_HOURS,
        "retention_days": settings.SIGNUP_RETENTION_DAYS,
    }
    with translation.override(member.language):
        subject = render_to_string("members/messages/signup_email_subject.txt", context).strip()
        body = render_to_string("members/messages/signup_email_link.txt", context)
    notification_queue(
        kind="signup_email_link",
        channel="email",
        to=member.email,
        subject=subject,
        body=body,
        member=member,
    )


def _sms_code_send(*, member: Member) -> None:
    from messaging.services import notification_queue

    member.verifications.filter(channel=Verification.Channel.SMS).delete()
    code = f"{secrets.randbelow(1_000_000):06d}"
    Verification.objects.create(
        member=member,
        channel=Verification.Channel.SMS,
        secret_hash=_secret_hash(member_id=member.pk, channel="sms", secret=code),
        expires_at=timezone.now() + timedelta(minutes=settings.SIGNUP_SMS_CODE_MINUTES),
    )
    context = {
        "code": code,
        "network": member.network,
        "minutes": settings.SIGNUP_SMS_CODE_MINUTES,
    }
    with translation.override(member.language):
        body = render_to_string("members/messages/signup_sms_code.txt", context).strip()
    notification_queue(
        kind="signup_sms_code", channel="sms", to=str(member.mobile_phone), body=body, member=member
    )


# --- submit --------------------------------------------------------------------


def _existing_members(*, network: Network, email: str, mobile_phone: str) -> list[Member]:
    match = Q(email__iexact=email) if email else Q(pk__in=[])
    if mobile_phone:
        match |= Q(mobile_phone=mobile_phone)
    return list(
        Member.objects.filter(network=network)
        .exclude(status=Member.Status.LEFT)
        .filter(match)
        .select_related("network")
    )


def _duplicate_notice_send(*, member: Member) -> None:
    """Tell an existing member that someone used their address to sign up."""
    from messaging.services import notification_queue

    complete = member.email_verified_at and (member.phone_verified_at or not member.mobile_phone)
    context = {
        "member": member,
        "network": member.network,
        "is_member": member.status != Member.Status.PENDING,
        "waiting": member.status == Member.Status.PENDING and bool(complete),
        "url": "",
        "confirm_url": "",
        "hours": settings.SIGNUP_EMAIL_LINK_HOURS,
    }
    if member.status != Member.Status.PENDING:
        context["url"] = member_self_service_url(member=member)
    elif not complete and member.email:
        # The link goes to the address on file, so it proves nothing new to the
        # visitor; it lets the real owner finish an abandoned sign-up.
        context["confirm_url"] = _email_link_create(member=member)
    with translation.override(member.language):
        if member.email:
            subject = render_to_string(
                "members/messages/signup_duplicate_notice_subject.txt", context
            ).strip()
            body = render_to_string("members/messages/signup_duplicate_notice.txt", context)
            notification_queue(
                kind="signup_duplicate_notice", channel="email", to=member.email,
                subject=subject, body=body, member=member,
            )  # fmt: skip
        elif member.mobile_phone:
            body = render_to_string(
                "members/messages/signup_duplicate_notice_sms.txt", context
            ).strip()
            notification_queue(
                kind="signup_duplicate_notice", channel="sms", to=str(member.mobile_phone),
                body=body, member=member,
            )  # fmt: skip


def _decoy_start(*, needs_sms: bool) -> SignupOutcome:
    key = secrets.token_urlsafe(16)
    _decoy_reset(key=key)
    return SignupOutcome(member_id=None, decoy_key=key, needs_sms=needs_sms)


def _decoy_reset(*, key: str) -> None:
    expires = timezone.now() + timedelta(minutes=settings.SIGNUP_SMS_CODE_MINUTES)
    state = {"expires_at": expires.isoformat(), "attempts": 0}
    cache.set(_DECOY_PREFIX + key, state, timeout=settings.SIGNUP_RETENTION_DAYS * 86400)


def _check_eligibility(data: dict) -> None:
    """The form checks all this; repeated so the service is safe on its own."""
    errors: dict[str, str] = {}
    if not data.get("accept_house_rules"):
        errors["accept_house_rules"] = _("You need to accept the house rules to join.")
    if not data.get("accept_privacy"):
        errors["accept_privacy"] = _("You need to accept the privacy notice to join.")
    if not (data.get("adult") or data.get("date_of_birth")):
        errors["adult"] = _("Members must be 18 or older.")
    if not data.get("email"):
        errors["email"] = _("Enter your email address.")
    if data.get("by_sms") and not data.get("mobile_phone"):
        errors["mobile_phone"] = _("Text messages need a mobile number.")
    if errors:
        raise ValidationError(errors)


def signup_submit(*, network: Network, data: dict, ip: str) -> SignupOutcome:
    """Store a sign-up from the public form and send both verifications.

    ``data`` is the form's cleaned data (phones already in E.164). Raises
    SignupRateLimited (nothing stored) or ValidationError keyed by field.
    A known email or mobile number, or a filled-in honeypot, returns a decoy
    outcome that the visitor cannot tell apart from a real one.
    """
    email = (data.get("email") or "").strip().lower()
    mobile_phone = str(data.get("mobile_phone") or "")
    # Every attempt counts, known address or not, so the limits reveal nothing.
    limited = [signup_rate_limit_hit(scope="submit_ip", value=ip or "unknown")]
    if email:
        limited.append(signup_rate_limit_hit(scope="submit_email", value=email))
    if mobile_phone:
        limited.append(signup_rate_limit_hit(scope="submit_phone", value=mobile_phone))
    if any(limited):
        logger.info("sign-up rate-limited in network %s", network.pk)
        raise _too_many()
    needs_sms = bool(mobile_phone)
    if data.get("website"):
        logger.info("sign-up honeypot filled in network %s", network.pk)
        return _decoy_start(needs_sms=needs_sms)
    _check_eligibility(data)
    with transaction.atomic():
        existing = _existing_members(network=network, email=email, mobile_phone=mobile_phone)
        if not existing:
            try:
                member = _member_create(network=network, data=data, email=email)
            except ValidationError:
                # A parallel sign-up with the same address won the race.
                existing = _existing_members(
                    network=network, email=email, mobile_phone=mobile_phone
                )
                if not existing:
                    raise
        if existing:
            for known in existing:
                _duplicate_notice_send(member=known)
            logger.info("sign-up with a known address in network %s", network.pk)
            return _decoy_start(needs_sms=needs_sms)
        _email_link_send(member=member)
        if needs_sms:
            _sms_code_send(member=member)
    return SignupOutcome(member_id=member.pk, decoy_key="", needs_sms=needs_sms)


def _member_create(*, network: Network, data: dict, email: str) -> Member:
    house_rules = house_rules_current(network=network)
    method = ConsentRecord.Method.WEB_FORM
    with transaction.atomic():  # a savepoint, so a failed insert leaves the outer block usable
        return member_create(
            network=network,
            first_name=data.get("first_name", ""),
            last_name=data.get("last_name", ""),
            street=data.get("street", ""),
            house_number=data.get("house_number", ""),
            postcode=data.get("postcode", ""),
            email=email,
            mobile_phone=str(data.get("mobile_phone") or ""),
            landline=str(data.get("landline") or ""),
            language=data.get("language") or network.default_language,
            by_sms=bool(data.get("by_sms")),
            by_email=bool(data.get("by_email")),
            by_voice=bool(data.get("by_voice")),
            status=Member.Status.PENDING,
            source=Source.WEB_FORM,
            relation=data.get("relation") or "lives",
            business_name=data.get("business_name") or "",
            company_number=data.get("company_number") or "",
            birth_date=data.get("date_of_birth"),
            adult_confirmed=bool(data.get("adult") or data.get("date_of_birth")),
            consents=[
                (ConsentRecord.Subject.HOUSE_RULES, house_rules.version, method),
                (ConsentRecord.Subject.PRIVACY_NOTICE, settings.PRIVACY_NOTICE_VERSION, method),
            ],
        )


# --- verification --------------------------------------------------------------


def _link_invalid() -> ValidationError:
    return ValidationError(
        _(
            "This confirmation link does not work. It may be incomplete, or a newer link "
            "has replaced it. Use the link in the most recent email."
        ),
        code="invalid",
    )


def _link_expired() -> ValidationError:
    return ValidationError(
        _(
            "This confirmation link has expired. Sign up again with the same address: "
            "you will get a new link."
        ),
        code="expired",
    )


def _email_verification(*, token: str, network: Network | None, lock: bool) -> Verification:
    try:
        data = signing.loads(token, salt=_EMAIL_SALT)
        verification_id, secret = int(data["v"]), str(data["s"])
    except (signing.BadSignature, TypeError, KeyError, ValueError, OverflowError) as exc:
        raise _link_invalid() from exc
    qs = Verification.objects.select_related("member__network").filter(
        pk=verification_id, channel=Verification.Channel.EMAIL
    )
    if lock:
        qs = qs.select_for_update(of=("self",))
    verification = qs.first()
    if verification is None or (network is not None and verification.member.network != network):
        raise _link_invalid()
    expected = _secret_hash(member_id=verification.member_id, channel="email", secret=secret)
    if not hmac.compare_digest(expected, verification.secret_hash):
        raise _link_invalid()
    if verification.verified_at is None and verification.expires_at <= timezone.now():
        raise _link_expired()
    return verification


def signup_email_token_check(*, token: str, network: Network | None = None) -> Verification:
    """The email verification a link stands for, without using it.

    Raises ValidationError (code "invalid" or "expired") with a message for the visitor.
    """
    return _email_verification(token=token, network=network, lock=False)


def _is_complete(member: Member) -> bool:
    return bool(member.email_verified_at) and bool(
        member.phone_verified_at or not member.mobile_phone
    )


def _complete(*, member: Member) -> Member:
    """Once both addresses are proven: approve at once, or leave it for the coordinator."""
    if member.status == Member.Status.PENDING and _is_complete(member):
        if member.network.auto_approve:
            member = member_approve(member=member, approved_by=None)
            logger.info("sign-up %s approved automatically", member.pk)
        else:
            logger.info("sign-up %s verified, waiting for approval", member.pk)
    return member


def signup_verify_email(*, token: str, network: Network | None = None) -> Member:
    """Use an email link: the address is proven. Using it twice is harmless."""
    with transaction.atomic():
        verification = _email_verification(token=token, network=network, lock=True)
        member = (
            Member.objects.select_related("network")
            .select_for_update(of=("self",))
            .get(pk=verification.member_id)
        )
        if member.status != Member.Status.PENDING:
            return member
        now = timezone.now()
        if verification.verified_at is None:
            verification.verified_at = now
            verification.save(update_fields=["verified_at"])
        if member.email_verified_at is None:
            member.email_verified_at = now
            member.save(update_fields=["email_verified_at", "updated_at"])
        return _complete(member=member)


def _code_state_error(*, expires_at: datetime, attempts: int) -> ValidationError | None:
    if attempts >= SIGNUP_CODE_MAX_ATTEMPTS:
        return ValidationError(
            _("Too many wrong attempts: this code no longer works. Ask for a new code."),
            code="dead",
        )
    if expires_at <= timezone.now():
        return ValidationError(_("This code has expired. Ask for a new code."), code="expired")
    return None


def _wrong_code(*, attempts: int) -> ValidationError:
    left = SIGNUP_CODE_MAX_ATTEMPTS - attempts
    if left <= 0:
        return ValidationError(
            _("This code is not right, and that was the last try. Ask for a new code."),
            code="dead",
        )
    return ValidationError(
        ngettext(
            "This code is not right. You have %(left)d more try.",
            "This code is not right. You have %(left)d more tries.",
            left,
        )
        % {"left": left},
        code="wrong",
    )


def _code_ip_check(ip: str) -> None:
    if signup_rate_limit_hit(scope="code_ip", value=ip or "unknown"):
        raise _too_many()


def signup_verify_sms(*, member: Member, code: str, ip: str = "") -> Member:
    """Check the 6-digit SMS code of a pending sign-up.

    After SIGNUP_CODE_MAX_ATTEMPTS wrong tries the code is dead; a new one
    comes from signup_sms_resend. Raises ValidationError (codes "wrong",
    "dead", "expired", "missing") or SignupRateLimited.
    """
    _code_ip_check(ip)
    code = "".join((code or "").split())
    error: ValidationError | None = None
    # The attempt counter must be saved even when the code is wrong, so the
    # error is raised only after the transaction has committed.
    with transaction.atomic():
        member = (
            Member.objects.select_related("network")
            .select_for_update(of=("self",))
            .get(pk=member.pk)
        )
        if member.phone_verified_at or member.status != Member.Status.PENDING:
            return member
        verification = (
            member.verifications.select_for_update()
            .filter(channel=Verification.Channel.SMS, verified_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if verification is None:
            error = ValidationError(
                _("No code is waiting for this sign-up. Ask for a new code."), code="missing"
            )
        else:
            error = _code_state_error(
                expires_at=verification.expires_at, attempts=verification.attempts
            )
        if error is None:
            expected = _secret_hash(member_id=member.pk, channel="sms", secret=code)
            if hmac.compare_digest(expected, verification.secret_hash):
                now = timezone.now()
                verification.verified_at = now
                verification.save(update_fields=["verified_at"])
                member.phone_verified_at = now
                member.save(update_fields=["phone_verified_at", "updated_at"])
                return _complete(member=member)
            verification.attempts += 1
            verification.save(update_fields=["attempts"])
            error = _wrong_code(attempts=verification.attempts)
    raise error


def signup_sms_resend(*, member: Member) -> None:
    """Send a new SMS code (the old one stops working). Limited per sign-up."""
    if signup_rate_limit_hit(scope="resend", value=f"member:{member.pk}"):
        raise _too_many()
    with transaction.atomic():
        member = (
            Member.objects.select_related("network")
            .select_for_update(of=("self",))
            .get(pk=member.pk)
        )
        if member.status != Member.Status.PENDING or member.phone_verified_at:
            return
        if not member.mobile_phone:
            return
        _sms_code_send(member=member)


def signup_decoy_verify_sms(*, decoy_key: str, code: str, ip: str = "") -> None:
    """The decoy's code check: it answers exactly like a real wrong code."""
    _code_ip_check(ip)
    state = cache.get(_DECOY_PREFIX + decoy_key)
    if not state:
        _decoy_reset(key=decoy_key)
        state = cache.get(_DECOY_PREFIX + decoy_key)
    expires_at = datetime.fromisoformat(state["expires_at"])
    error = _code_state_error(expires_at=expires_at, attempts=state["attempts"])
    if error is None:
        state["attempts"] += 1
        cache.set(_DECOY_PREFIX + decoy_key, state, timeout=settings.SIGNUP_RETENTION_DAYS * 86400)
        error = _wrong_code(attempts=state["attempts"])
    raise error


def signup_decoy_sms_resend(*, decoy_key: str) -> None:
    """The decoy's resend, with the same limit as a real one."""
    if signup_rate_limit_hit(scope="resend", value=f"decoy:{decoy_key}"):
        raise _too_many()
    _decoy_reset(key=decoy_key)
