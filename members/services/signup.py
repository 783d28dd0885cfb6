"""The public sign-up and its double verification.

The form checks eligibility (address in the area, adult, consents); here the
member is stored as pending, both addresses are proven (a signed link by
email, a 6-digit code by SMS) and, once both are, the sign-up is approved at
once (``Network.auto_approve``) or waits in the coordinator's queue.

A visitor must never learn whether an address is already known. A sign-up
with a known email or mobile number stores nothing in the database: the
existing member is told instead, and the visitor gets a *decoy* that mirrors a
real pending sign-up end to end. Its address that is not known gets a real
link or code, whose hash is kept in the cache, and using it succeeds with the
same pages and messages as a real one. A filled-in honeypot gets a decoy that
sends nothing (bots do not read mail) but looks the same.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
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
    "SIGNUP_CODE_MAX_SENDS",
    "SIGNUP_CODE_MAX_WRONG",
    "SignupProgress",
    "SignupRateLimited",
    "signup_email_token_check",
    "signup_progress",
    "signup_rate_limit_hit",
    "signup_sms_locked_text",
    "signup_sms_resend",
    "signup_submit",
    "signup_verify_email",
    "signup_verify_sms",
]

logger = logging.getLogger(__name__)

# Wrong tries per code; a new code (resend) starts again.
SIGNUP_CODE_MAX_ATTEMPTS = 5
# Over the whole sign-up, across resends: against guessing codes and SMS pumping.
SIGNUP_CODE_MAX_SENDS = 5
SIGNUP_CODE_MAX_WRONG = 15

_EMAIL_SALT = "members.signup.email"
_DECOY_PREFIX = "signup:decoy:"
_DECOY_LINK_PREFIX = "signup:decoy-link:"

# (how many, per seconds). Override single entries with settings.SIGNUP_RATE_LIMITS.
_DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    "submit_ip": (10, 3600),
    "submit_email": (3, 86400),
    "submit_phone": (3, 86400),
    "code_ip": (30, 3600),
    "resend": (3, 3600),
    "resend_ip": (10, 3600),
}


class SignupRateLimited(Exception):
    """Too many attempts; ``message`` is fit to show the visitor."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class SignupProgress:
    """Where a sign-up stands, as its pages show it.

    ``member_id`` is None for a decoy (nothing stored); ``decoy_key`` then
    stands in for it. The hints are masked addresses ("a…@example.org", "…56").
    """

    member_id: int | None
    decoy_key: str
    needs_sms: bool
    email_verified: bool = False
    phone_verified: bool = False
    sms_locked: bool = False
    pending: bool = True
    active: bool = False
    email_hint: str = ""
    phone_hint: str = ""


@dataclass
class _Code:
    """One SMS code as the checks see it, whether a Verification row or a decoy's."""

    secret_hash: str
    expires_at: datetime
    attempts: int


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


# --- secrets and messages --------------------------------------------------------


def _secret_hash(*, member_id: int, channel: str, secret: str) -> str:
    """HMAC-SHA256 keyed with SECRET_KEY and bound to the member, so equal codes
    of different members differ and a leaked table cannot be brute-forced."""
    return salted_hmac(
        f"members.signup.{channel}", f"{member_id}:{secret}", algorithm="sha256"
    ).hexdigest()


def _email_hash(secret: str) -> str:
    """The stored form of an email link's secret, also the key to find it.

    Links carry no row id: a decoy's link must look exactly like a real one,
    and an id would show whether a row was made. The secret is 192 random
    bits, so it needs no binding to the member to be unique.
    """
    return salted_hmac("members.signup.email-link", secret, algorithm="sha256").hexdigest()


def _mask_email(email: str) -> str:
    local, _at, domain = email.partition("@")
    return f"{local[:1]}…@{domain}" if domain else "…"


def _mask_phone(phone: str) -> str:
    return f"…{str(phone)[-2:]}" if phone else ""


def _email_link_url(*, network: Network, secret: str) -> str:
    token = signing.dumps({"s": secret}, salt=_EMAIL_SALT, compress=True)
    path = reverse("signup:confirm_email", kwargs={"slug": network.slug, "token": token})
    return settings.PUBLIC_BASE_URL + path


def _email_link_create(*, member: Member) -> str:
    """A fresh confirmation link; it replaces any earlier one."""
    member.verifications.filter(channel=Verification.Channel.EMAIL).delete()
    secret = secrets.token_urlsafe(24)
    Verification.objects.create(
        member=member,
        channel=Verification.Channel.EMAIL,
        secret_hash=_email_hash(secret),
        expires_at=timezone.now() + timedelta(hours=settings.SIGNUP_EMAIL_LINK_HOURS),
    )
    return _email_link_url(network=member.network, secret=secret)


def _email_link_queue(
    *, network: Network, to: str, first_name: str, mobile_phone: str, language: str, url: str,
    member: Member | None,
) -> None:  # fmt: skip
    """The confirmation email; a decoy's is the same message with ``member`` None."""
    from messaging.services.notifications import notification_queue

    context = {
        "member": {"first_name": first_name, "mobile_phone": mobile_phone},
        "network": network,
        "url": url,
        "hours": settings.SIGNUP_EMAIL_LINK_HOURS,
        "retention_days": settings.SIGNUP_RETENTION_DAYS,
    }
    with translation.override(language):
        subject = render_to_string("members/messages/signup_email_subject.txt", context).strip()
        body = render_to_string("members/messages/signup_email_link.txt", context)
    notification_queue(
        kind="signup_email_link", channel="email", to=to, subject=subject, body=body,
        member=member,
    )  # fmt: skip


def _email_link_send(*, member: Member) -> None:
    _email_link_queue(
        network=member.network, to=member.email, first_name=member.first_name,
        mobile_phone=str(member.mobile_phone or ""), language=member.language,
        url=_email_link_create(member=member), member=member,
    )  # fmt: skip


def _new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def _sms_code_queue(
    *, network: Network, to: str, code: str, language: str, member: Member | None
) -> None:
    """The SMS with a code; a decoy's is the same message with ``member`` None."""
    from messaging.services.notifications import notification_queue

    context = {"code": code, "network": network, "minutes": settings.SIGNUP_SMS_CODE_MINUTES}
    with translation.override(language):
        body = render_to_string("members/messages/signup_sms_code.txt", context).strip()
    notification_queue(kind="signup_sms_code", channel="sms", to=to, body=body, member=member)


def _sms_code_send(*, member: Member) -> None:
    # Earlier codes stay as rows (only the newest is checked): they count
    # towards the sign-up's caps on codes and wrong tries.
    code = _new_code()
    Verification.objects.create(
        member=member,
        channel=Verification.Channel.SMS,
        secret_hash=_secret_hash(member_id=member.pk, channel="sms", secret=code),
        expires_at=timezone.now() + timedelta(minutes=settings.SIGNUP_SMS_CODE_MINUTES),
    )
    _sms_code_queue(
        network=member.network, to=str(member.mobile_phone), code=code,
        language=member.language, member=member,
    )  # fmt: skip


# --- code checks, shared by real sign-ups and decoys ---------------------------


def signup_sms_locked_text() -> str:
    """What a sign-up that may no longer be confirmed by SMS tells the visitor."""
    days = settings.SIGNUP_RETENTION_DAYS
    return ngettext(
        "For your safety, this sign-up can no longer be confirmed by SMS: too many codes "
        "were requested or entered wrongly. Ask the coordinator of the network for help, "
        "or sign up again once this sign-up has been deleted, %(days)d day after you "
        "started it.",
        "For your safety, this sign-up can no longer be confirmed by SMS: too many codes "
        "were requested or entered wrongly. Ask the coordinator of the network for help, "
        "or sign up again once this sign-up has been deleted, %(days)d days after you "
        "started it.",
        days,
    ) % {"days": days}


def _sms_locked_error() -> ValidationError:
    return ValidationError(signup_sms_locked_text(), code="locked")


def _sms_locked(codes: list[_Code]) -> bool:
    """True once no code of this sign-up can work again, nor may a new one be sent."""
    if not codes:
        return False
    if sum(code.attempts for code in codes) >= SIGNUP_CODE_MAX_WRONG:
        return True
    newest = codes[-1]
    return len(codes) >= SIGNUP_CODE_MAX_SENDS and (
        newest.attempts >= SIGNUP_CODE_MAX_ATTEMPTS or newest.expires_at <= timezone.now()
    )


def _wrong_code(*, left: int) -> ValidationError:
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


def _code_try(*, codes: list[_Code], expected: str) -> ValidationError | None:
    """Check a code's hash against the newest code; None when it is right.

    A wrong try is counted on that code; the caller saves it.
    """
    if not codes:
        return ValidationError(
            _("No code is waiting for this sign-up. Ask for a new code."), code="missing"
        )
    if _sms_locked(codes):
        return _sms_locked_error()
    newest = codes[-1]
    if newest.attempts >= SIGNUP_CODE_MAX_ATTEMPTS:
        return ValidationError(
            _("Too many wrong attempts: this code no longer works. Ask for a new code."),
            code="dead",
        )
    if newest.expires_at <= timezone.now():
        return ValidationError(_("This code has expired. Ask for a new code."), code="expired")
    if hmac.compare_digest(expected, newest.secret_hash):
        return None
    newest.attempts += 1
    if _sms_locked(codes):
        return _sms_locked_error()
    wrong_total = sum(code.attempts for code in codes)
    return _wrong_code(
        left=min(SIGNUP_CODE_MAX_ATTEMPTS - newest.attempts, SIGNUP_CODE_MAX_WRONG - wrong_total)
    )


def _resend_check(codes: list[_Code]) -> None:
    if _sms_locked(codes):
        raise _sms_locked_error()
    if len(codes) >= SIGNUP_CODE_MAX_SENDS:
        raise ValidationError(
            _("We cannot send more codes for this sign-up. Enter the last code we sent you."),
            code="no_more_codes",
        )


def _code_ip_check(ip: str) -> None:
    if signup_rate_limit_hit(scope="code_ip", value=ip or "unknown"):
        raise _too_many()


# --- decoys ----------------------------------------------------------------------
#
# A decoy lives in the cache as long as a real unconfirmed sign-up lives in the
# database. It keeps hashes of its codes and link, never the secrets; the
# mobile number only while a new code may still be sent to it.


def _decoy_get(key: str) -> dict | None:
    return cache.get(_DECOY_PREFIX + key) if key else None


def _decoy_save(key: str, state: dict) -> None:
    ends = datetime.fromisoformat(state["created_at"]) + timedelta(
        days=settings.SIGNUP_RETENTION_DAYS
    )
    timeout = max(1, int((ends - timezone.now()).total_seconds()))
    cache.set(_DECOY_PREFIX + key, state, timeout=timeout)


@contextmanager
def _decoy_lock(key: str) -> Iterator[None]:
    """One change at a time, as the row lock does for a real sign-up: parallel
    requests must not get more tries than a real sign-up allows."""
    lock = f"{_DECOY_PREFIX}{key}:lock"
    deadline = time.monotonic() + 5
    while not cache.add(lock, 1, timeout=10):
        if time.monotonic() > deadline:
            raise _too_many()
        time.sleep(0.02)
    try:
        yield
    finally:
        cache.delete(lock)


def _decoy_codes(state: dict) -> list[_Code]:
    return [
        _Code(
            secret_hash=code["hash"],
            expires_at=datetime.fromisoformat(code["expires_at"]),
            attempts=code["attempts"],
        )
        for code in state["codes"]
    ]


def _decoy_sms_hash(*, key: str, code: str) -> str:
    return salted_hmac("members.signup.decoy-sms", f"{key}:{code}", algorithm="sha256").hexdigest()


def _decoy_code_add(*, key: str, state: dict, network: Network) -> None:
    """A new code: sent for real to a mobile number that is not known; for a
    known one (its owner got a notice) or a bot, a code that never matches."""
    code = _new_code()
    expires = timezone.now() + timedelta(minutes=settings.SIGNUP_SMS_CODE_MINUTES)
    mobile = state["mobile"]
    state["codes"].append(
        {
            "hash": _decoy_sms_hash(key=key, code=code) if mobile else "",
            "expires_at": expires.isoformat(),
            "attempts": 0,
        }
    )
    if len(state["codes"]) >= SIGNUP_CODE_MAX_SENDS:
        state["mobile"] = ""  # no further code can go out
    if mobile:
        _sms_code_queue(
            network=network, to=mobile, code=code, language=state["language"], member=None
        )


def _decoy_start(
    *, network: Network, data: dict, email: str, mobile_phone: str, send_email: bool,
    send_sms: bool,
) -> SignupProgress:  # fmt: skip
    key = secrets.token_urlsafe(16)
    now = timezone.now()
    language = data.get("language") or network.default_language
    state = {
        "network": network.pk,
        "created_at": now.isoformat(),
        "language": language,
        "needs_sms": bool(mobile_phone),
        "email_hint": _mask_email(email),
        "phone_hint": _mask_phone(mobile_phone),
        "email_hash": "",
        "email_expires_at": now.isoformat(),
        "email_verified": False,
        "phone_verified": False,
        "mobile": mobile_phone if send_sms else "",
        "codes": [],
    }
    if send_email:
        secret = secrets.token_urlsafe(24)
        digest = _email_hash(secret)
        expires = now + timedelta(hours=settings.SIGNUP_EMAIL_LINK_HOURS)
        state.update(email_hash=digest, email_expires_at=expires.isoformat())
        cache.set(_DECOY_LINK_PREFIX + digest, key, timeout=settings.SIGNUP_RETENTION_DAYS * 86400)
        _email_link_queue(
            network=network, to=email, first_name=(data.get("first_name") or "").strip(),
            mobile_phone=mobile_phone, language=language,
            url=_email_link_url(network=network, secret=secret), member=None,
        )  # fmt: skip
    if mobile_phone:
        _decoy_code_add(key=key, state=state, network=network)
    _decoy_save(key, state)
    return _decoy_progress(key, state)


def _decoy_progress(key: str, state: dict) -> SignupProgress:
    phone_verified = state["phone_verified"]
    return SignupProgress(
        member_id=None,
        decoy_key=key,
        needs_sms=state["needs_sms"],
        email_verified=state["email_verified"],
        phone_verified=phone_verified,
        sms_locked=(state["needs_sms"] and not phone_verified and _sms_locked(_decoy_codes(state))),
        email_hint=state["email_hint"],
        phone_hint=state["phone_hint"],
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
    from messaging.services.notifications import notification_queue

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


def signup_submit(*, network: Network, data: dict, ip: str) -> SignupProgress:
    """Store a sign-up from the public form and send both verifications.

    ``data`` is the form's cleaned data (phones already in E.164). Raises
    SignupRateLimited (nothing stored) or ValidationError keyed by field.
    A known email or mobile number, or a filled-in honeypot, returns a decoy
    that the visitor cannot tell apart from a real sign-up.
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
    if data.get("website"):
        logger.info("sign-up honeypot filled in network %s", network.pk)
        return _decoy_start(
            network=network, data=data, email=email, mobile_phone=mobile_phone,
            send_email=False, send_sms=False,
        )  # fmt: skip
    _check_eligibility(data)
    with transaction.atomic():
        member = None
        existing = _existing_members(network=network, email=email, mobile_phone=mobile_phone)
        if not existing:
            try:
                member = _member_create(network=network, data=data, email=email)
            except (ValidationError, IntegrityError) as exc:
                # A parallel sign-up with the same address won the race: its row
                # is committed now, so it is found like any known address.
                existing = _existing_members(
                    network=network, email=email, mobile_phone=mobile_phone
                )
                if not existing:
                    if isinstance(exc, ValidationError):
                        raise
                    logger.warning("sign-up in network %s hit a constraint: %s", network.pk, exc)
        if member is None:
            for known in existing:
                _duplicate_notice_send(member=known)
            logger.info("sign-up with a known address in network %s", network.pk)
            return _decoy_start(
                network=network, data=data, email=email, mobile_phone=mobile_phone,
                send_email=not any(m.email.lower() == email for m in existing),
                send_sms=not any(str(m.mobile_phone) == mobile_phone for m in existing),
            )  # fmt: skip
        _email_link_send(member=member)
        if mobile_phone:
            _sms_code_send(member=member)
    return _member_progress(member)


def _member_create(*, network: Network, data: dict, email: str) -> Member:
    house_rules = house_rules_current(network=network)
    method = ConsentRecord.Method.WEB_FORM
    # A savepoint: a failed insert (ValidationError or IntegrityError) leaves
    # the outer transaction usable for the known-address path.
    with transaction.atomic():
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


# --- progress --------------------------------------------------------------------


def _member_codes(member: Member, *, lock: bool = False) -> tuple[list[Verification], list[_Code]]:
    qs = member.verifications.filter(channel=Verification.Channel.SMS).order_by("created_at", "pk")
    if lock:
        qs = qs.select_for_update()
    rows = list(qs)
    codes = [
        _Code(secret_hash=row.secret_hash, expires_at=row.expires_at, attempts=row.attempts)
        for row in rows
    ]
    return rows, codes


def _member_progress(member: Member) -> SignupProgress:
    needs_sms = bool(member.mobile_phone)
    phone_verified = bool(member.phone_verified_at)
    return SignupProgress(
        member_id=member.pk,
        decoy_key="",
        needs_sms=needs_sms,
        email_verified=bool(member.email_verified_at),
        phone_verified=phone_verified,
        sms_locked=needs_sms and not phone_verified and _sms_locked(_member_codes(member)[1]),
        pending=member.status == Member.Status.PENDING,
        active=member.status == Member.Status.ACTIVE,
        email_hint=_mask_email(member.email),
        phone_hint=_mask_phone(member.mobile_phone),
    )


def signup_progress(
    *, network: Network, member_id: int | None, decoy_key: str = ""
) -> SignupProgress | None:
    """Where the sign-up (or decoy) stands; None once it no longer exists."""
    if decoy_key:
        state = _decoy_get(decoy_key)
        if state is None or state["network"] != network.pk:
            return None
        return _decoy_progress(decoy_key, state)
    if not member_id:
        return None
    member = Member.objects.select_related("network").filter(pk=member_id, network=network)
    member = member.first()
    return _member_progress(member) if member else None


# --- email link ------------------------------------------------------------------


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


def _token_digest(token: str) -> str:
    try:
        data = signing.loads(token, salt=_EMAIL_SALT)
        secret = data["s"]
    except (signing.BadSignature, TypeError, KeyError, ValueError, OverflowError) as exc:
        raise _link_invalid() from exc
    if not isinstance(secret, str) or not secret:
        raise _link_invalid()
    return _email_hash(secret)


def _email_verification(*, digest: str, network: Network, lock: bool) -> Verification | None:
    """The link's verification row; None when it is not a real sign-up's."""
    qs = Verification.objects.select_related("member__network").filter(
        channel=Verification.Channel.EMAIL, secret_hash=digest
    )
    if lock:
        qs = qs.select_for_update(of=("self",))
    verification = qs.first()
    if verification is None:
        return None
    if verification.member.network_id != network.pk:
        raise _link_invalid()
    # Always, also once used: an old link must not keep working.
    if verification.expires_at <= timezone.now():
        raise _link_expired()
    return verification


def _decoy_for_link(*, digest: str, network: Network) -> tuple[str, dict]:
    key = cache.get(_DECOY_LINK_PREFIX + digest) or ""
    state = _decoy_get(key)
    if (
        state is None
        or state["network"] != network.pk
        or not hmac.compare_digest(state["email_hash"], digest)
    ):
        raise _link_invalid()
    if datetime.fromisoformat(state["email_expires_at"]) <= timezone.now():
        raise _link_expired()
    return key, state


def signup_email_token_check(*, token: str, network: Network) -> bool:
    """Whether the link was used already, without using it.

    Raises ValidationError (code "invalid" or "expired") with a message for the visitor.
    """
    digest = _token_digest(token)
    verification = _email_verification(digest=digest, network=network, lock=False)
    if verification is not None:
        return verification.verified_at is not None
    _key, state = _decoy_for_link(digest=digest, network=network)
    return state["email_verified"]


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


def signup_verify_email(*, token: str, network: Network) -> SignupProgress:
    """Use an email link: the address is proven. Using it twice is harmless.

    Raises ValidationError (code "invalid" or "expired") with a message for the visitor.
    """
    digest = _token_digest(token)
    with transaction.atomic():
        verification = _email_verification(digest=digest, network=network, lock=True)
        if verification is not None:
            member = (
                Member.objects.select_related("network")
                .select_for_update(of=("self",))
                .get(pk=verification.member_id)
            )
            if member.status == Member.Status.PENDING:
                now = timezone.now()
                if verification.verified_at is None:
                    verification.verified_at = now
                    verification.save(update_fields=["verified_at"])
                if member.email_verified_at is None:
                    member.email_verified_at = now
                    member.save(update_fields=["email_verified_at", "updated_at"])
                member = _complete(member=member)
            return _member_progress(member)
    key, _state = _decoy_for_link(digest=digest, network=network)
    with _decoy_lock(key):
        state = _decoy_get(key)
        if state is None:
            raise _link_invalid()
        state["email_verified"] = True
        _decoy_save(key, state)
    return _decoy_progress(key, state)


# --- SMS code --------------------------------------------------------------------


def signup_verify_sms(
    *, network: Network, member_id: int | None, decoy_key: str = "", code: str, ip: str = ""
) -> SignupProgress:
    """Check the 6-digit SMS code of a pending sign-up (or of a decoy).

    After SIGNUP_CODE_MAX_ATTEMPTS wrong tries the code is dead and a new one
    comes from signup_sms_resend; after SIGNUP_CODE_MAX_WRONG wrong tries in
    all, or once the last of SIGNUP_CODE_MAX_SENDS codes is dead, the sign-up
    can no longer be confirmed by SMS. Raises ValidationError (codes "wrong",
    "dead", "expired", "missing", "locked") or SignupRateLimited.
    """
    _code_ip_check(ip)
    code = "".join((code or "").split())
    if decoy_key:
        return _decoy_verify_sms(network=network, key=decoy_key, code=code)
    error: ValidationError | None = None
    # The attempt counter must be saved even when the code is wrong, so the
    # error is raised only after the transaction has committed.
    with transaction.atomic():
        member = (
            Member.objects.select_related("network")
            .select_for_update(of=("self",))
            .filter(pk=member_id, network=network)
            .first()
        )
        if member is None:
            error = ValidationError(
                _("No code is waiting for this sign-up. Ask for a new code."), code="missing"
            )
        elif member.phone_verified_at or member.status != Member.Status.PENDING:
            return _member_progress(member)
        else:
            rows, codes = _member_codes(member, lock=True)
            expected = _secret_hash(member_id=member.pk, channel="sms", secret=code)
            error = _code_try(codes=codes, expected=expected)
            if error is None:
                now = timezone.now()
                rows[-1].verified_at = now
                rows[-1].save(update_fields=["verified_at"])
                member.phone_verified_at = now
                member.save(update_fields=["phone_verified_at", "updated_at"])
                return _member_progress(_complete(member=member))
            if rows and rows[-1].attempts != codes[-1].attempts:
                rows[-1].attempts = codes[-1].attempts
                rows[-1].save(update_fields=["attempts"])
    raise error


def _decoy_verify_sms(*, network: Network, key: str, code: str) -> SignupProgress:
    with _decoy_lock(key):
        state = _decoy_get(key)
        if state is None or state["network"] != network.pk:
            raise ValidationError(
                _("No code is waiting for this sign-up. Ask for a new code."), code="missing"
            )
        if state["phone_verified"]:
            return _decoy_progress(key, state)
        codes = _decoy_codes(state)
        error = _code_try(codes=codes, expected=_decoy_sms_hash(key=key, code=code))
        if error is None:
            state["phone_verified"] = True
            state["mobile"] = ""
        elif codes:
            state["codes"][-1]["attempts"] = codes[-1].attempts
        _decoy_save(key, state)
    if error is not None:
        raise error
    return _decoy_progress(key, state)


def signup_sms_resend(
    *, network: Network, member_id: int | None, decoy_key: str = "", ip: str = ""
) -> None:
    """Send a new SMS code (the old one stops working).

    Limited per sign-up and per IP address (SignupRateLimited), and over the
    sign-up's life: at most SIGNUP_CODE_MAX_SENDS codes, none once it is
    locked (ValidationError, codes "no_more_codes" and "locked").
    """
    value = f"decoy:{decoy_key}" if decoy_key else f"member:{member_id}"
    limited = [
        signup_rate_limit_hit(scope="resend", value=value),
        signup_rate_limit_hit(scope="resend_ip", value=ip or "unknown"),
    ]
    if any(limited):
        raise _too_many()
    if decoy_key:
        with _decoy_lock(decoy_key):
            state = _decoy_get(decoy_key)
            if state is None or state["network"] != network.pk:
                return
            if not state["needs_sms"] or state["phone_verified"]:
                return
            _resend_check(_decoy_codes(state))
            _decoy_code_add(key=decoy_key, state=state, network=network)
            _decoy_save(decoy_key, state)
        return
    with transaction.atomic():
        member = (
            Member.objects.select_related("network")
            .select_for_update(of=("self",))
            .filter(pk=member_id, network=network)
            .first()
        )
        if member is None or member.status != Member.Status.PENDING:
            return
        if member.phone_verified_at or not member.mobile_phone:
            return
        _resend_check(_member_codes(member, lock=True)[1])
        _sms_code_send(member=member)
