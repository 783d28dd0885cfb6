"""Personal links for members: signed, without expiry, revocable.

A link carries the member's id and ``token_version``; raising the version
(done on erasure, or when a member asks for new links) revokes every link
handed out so far. Tampering breaks the signature.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings
from django.core import signing
from django.urls import reverse

from members.models import Member

# The salt keeps the page's former name: changing it would break every link
# handed out so far.
_SALT = "members.self-service"
# <id>.<version>.<10 hex digits of the mac>; ids fit a bigint.
_SHORT_CODE = re.compile(r"(?P<pk>[0-9]{1,18})\.(?P<version>[0-9]{1,9})\.(?P<mac>[0-9a-f]{10})")


def member_personal_token(*, member: Member) -> str:
    return signing.dumps({"m": member.pk, "v": member.token_version}, salt=_SALT, compress=True)


def member_personal_url(*, member: Member) -> str:
    token = member_personal_token(member=member)
    return settings.PUBLIC_BASE_URL + reverse("personal:home", args=[token])


def member_from_token(*, token: str) -> Member | None:
    """The member a personal link belongs to, or None if tampered with or revoked."""
    try:
        data = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    member = (
        Member.objects.select_related("network")
        .filter(pk=data.get("m"), token_version=data.get("v"))
        .exclude(status=Member.Status.LEFT)
        .first()
    )
    return member


def _short_mac(pk: int, version: int) -> str:
    key = (settings.SECRET_KEY + _SALT).encode()
    return hmac.new(key, f"{pk}:{version}".encode(), hashlib.sha256).hexdigest()[:10]


def member_short_url(*, member: Member) -> str:
    """A short personal link for SMS: /m/<id>.<version>.<mac>/ redirects to the
    full personal page. Same revocation: raising token_version breaks it."""
    code = f"{member.pk}.{member.token_version}.{_short_mac(member.pk, member.token_version)}"
    return settings.PUBLIC_BASE_URL + reverse("personal:short_link", args=[code])


def member_from_short_code(*, code: str) -> Member | None:
    """The member a short code belongs to, or None for anything else.

    The code is matched as ASCII before anything reads it: int() accepts
    other scripts' digits and underscores, and hmac.compare_digest raises
    on non-ASCII text.
    """
    match = _SHORT_CODE.fullmatch(code or "")
    if match is None:
        return None
    pk, version, mac = int(match["pk"]), int(match["version"]), match["mac"]
    if not hmac.compare_digest(mac.encode(), _short_mac(pk, version).encode()):
        return None
    return (
        Member.objects.select_related("network")
        .filter(pk=pk, token_version=version)
        .exclude(status=Member.Status.LEFT)
        .first()
    )
