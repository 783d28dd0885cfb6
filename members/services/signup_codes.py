"""The sign-up's building blocks, shared by real sign-ups and decoys
(members/services/signup.py, members/services/signup_decoys.py): rate limits,
secrets and the messages that carry them, the checks of SMS codes, and the
types the sign-up services return. The names with an underscore are for those
two modules only.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from members.models import Member, Verification
from networks.models import Network
from outbox.services.notifications import notification_queue

# Wrong tries per code; a new code (resend) starts again.
SIGNUP_CODE_MAX_ATTEMPTS = 5
# Over the whole sign-up, across resends: against guessing codes and SMS pumping.
SIGNUP_CODE_MAX_SENDS = 5
SIGNUP_CODE_MAX_WRONG = 15

_EMAIL_SALT = "members.signup.email"
_DECOY_PREFIX = "signup:decoy:"
_DECOY_LINK_PREFIX = "signup:decoy-link:"

# (how many, per seconds). Override single entries with settings.SIGNUP_RATE_LIMITS.
#
# The limits per email address, mobile number and sign-up do the real
# protection. The ones per IP address only stop one machine from flooding:
# at an information evening a whole hall signs up (and types codes) over the
# same Wi-Fi, so they allow an evening's worth of neighbours.
_DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    "submit_ip": (150, 3600),
    "submit_email": (3, 86400),
    "submit_phone": (3, 86400),
    "code_ip": (600, 3600),
    "resend": (3, 3600),
    "resend_ip": (150, 3600),
}
# Which advice a refusal carries: what is shared (an internet connection), the
# address or number typed in, or one sign-up's own codes.
_IP_SCOPES = frozenset({"submit_ip", "code_ip", "resend_ip"})
_ADDRESS_SCOPES = frozenset({"submit_email", "submit_phone"})


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


def _rate_limit_count(scope: str, value: str) -> int:
    """Count one event for ``value`` in ``scope``; the seconds to wait once it
    exceeds the scope's limit, else 0.

    A fixed window that starts with the first event. ``add`` then ``incr`` is
    atomic on Redis, so parallel web processes share one count. Values are
    hashed: no address ends up in the cache. The window's start is kept next
    to the count, so a refusal can say how long to wait.
    """
    limit, period = _limit(scope)
    digest = hashlib.sha256(f"{scope}\0{value}".encode()).hexdigest()
    key = f"signup:rl:{scope}:{digest}"
    now = time.time()
    cache.add(f"{key}:start", now, timeout=period)
    cache.add(key, 0, timeout=period)
    try:
        count = cache.incr(key)
    except ValueError:
        # The window ended between add and incr: this event opens a new one.
        cache.add(key, 1, timeout=period)
        count = 1
    if count <= limit:
        return 0
    started = cache.get(f"{key}:start", now)
    return max(1, math.ceil(started + period - now))


def signup_rate_limit_hit(*, scope: str, value: str) -> bool:
    """Count one event for ``value`` in ``scope``; True once it exceeds the scope's limit."""
    return bool(_rate_limit_count(scope, value))


def signup_rate_limits_check(*, events: list[tuple[str, str]]) -> None:
    """Count one event in each ``(scope, value)``; raise SignupRateLimited if any
    limit is exceeded, saying how long to wait and what else the visitor can do.

    Every event counts, limited or not, so the limits reveal nothing about
    which address is known.
    """
    waits = {scope: _rate_limit_count(scope, value) for scope, value in events}
    limited = {scope: wait for scope, wait in waits.items() if wait}
    if limited:
        scope = max(limited, key=limited.get)
        raise _too_many(scope=scope, wait=limited[scope])


def _wait_text(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    if minutes <= 90:
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    hours = math.ceil(minutes / 60)
    return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}


def _too_many(*, scope: str = "", wait: int = 0) -> SignupRateLimited:
    """The refusal for ``scope``: how long to wait (``wait`` seconds) and what
    to do meanwhile."""
    if not wait:
        return SignupRateLimited(_("Too many attempts at once. Please try again in a minute."))
    params = {"wait": _wait_text(wait)}
    if scope in _IP_SCOPES:
        text = _(
            "Many sign-ups came from this internet connection in the last hour, so it is "
            "paused for your safety. Please try again in %(wait)s. On a shared Wi-Fi (at an "
            "information evening, for instance)? Switch off Wi-Fi and use your mobile data, "
            "sign up later from home, or ask the network's coordinator to add you."
        )
    elif scope in _ADDRESS_SCOPES:
        text = _(
            "This email address or mobile number was used for several sign-ups today, so it "
            "is paused for your safety. Please try again in %(wait)s. Signed up already? Look "
            "in your mailbox (and spam folder) for our email: it tells you what to do next."
        )
    else:
        text = _(
            "You asked for several new codes in a short time. Please try again in %(wait)s. "
            "An SMS can take a few minutes to arrive: check that the mobile number is right."
        )
    return SignupRateLimited(text % params)


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
    path = reverse("members:signup:confirm_email", kwargs={"slug": network.slug, "token": token})
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
        sensitive=True, about=member,
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
    context = {"code": code, "network": network, "minutes": settings.SIGNUP_SMS_CODE_MINUTES}
    with translation.override(language):
        body = render_to_string("members/messages/signup_sms_code.txt", context).strip()
    notification_queue(
        kind="signup_sms_code", channel="sms", to=to, body=body, sensitive=True, about=member
    )


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
    signup_rate_limits_check(events=[("code_ip", ip or "unknown")])
