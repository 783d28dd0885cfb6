"""Personal links for members: signed, without expiry, revocable.

A link carries the member's id and ``token_version``; raising the version
(done on erasure, or when a member asks for new links) revokes every link
handed out so far. Tampering breaks the signature.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from members.models import Member

_SALT = "members.self-service"


def member_self_service_token(*, member: Member) -> str:
    return signing.dumps({"m": member.pk, "v": member.token_version}, salt=_SALT, compress=True)


def member_self_service_url(*, member: Member) -> str:
    token = member_self_service_token(member=member)
    return settings.PUBLIC_BASE_URL + reverse("self_service:home", args=[token])


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
