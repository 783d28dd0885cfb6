"""Decoys: what a visitor gets instead of a sign-up when the address is
already known or a bot filled in the form (members/services/signup.py explains
why). A decoy mirrors a real pending sign-up end to end, with nothing stored
in the database. The names with an underscore are for the sign-up services only.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.crypto import salted_hmac

from members.services.signup_codes import (
    _DECOY_LINK_PREFIX,
    _DECOY_PREFIX,
    SIGNUP_CODE_MAX_SENDS,
    SignupProgress,
    _Code,
    _email_hash,
    _email_link_queue,
    _email_link_url,
    _mask_email,
    _mask_phone,
    _new_code,
    _sms_code_queue,
    _sms_locked,
    _too_many,
)
from networks.models import Network

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
    *, network: Network, first_name: str, language: str, email: str, mobile_phone: str,
    send_email: bool, send_sms: bool,
) -> SignupProgress:  # fmt: skip
    key = secrets.token_urlsafe(16)
    now = timezone.now()
    language = language or network.default_language
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
            network=network, to=email, first_name=(first_name or "").strip(),
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
