"""Privacy mode: a coordinator who does not see contact data adds a member
by hand (or imports a list) without learning whether an email address or
mobile number already belongs to a member (docs/architecture.md, "Privacy
mode"): such an entry is answered as a new one, nothing is created, and the
existing member is told instead."""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction

from members.models import Member
from members.selectors.staff import member_with_contact
from members.services.core import _normalise_contact, member_create, member_message_send
from members.tokens import member_personal_url
from networks.models import Network

logger = logging.getLogger(__name__)

# One notice a day per member at most, however often their address is typed.
ENTERED_AGAIN_NOTICE_SECONDS = 24 * 3600


def member_entered_again_notify(*, member: Member) -> bool:
    """Tell a member that a coordinator in privacy mode entered their email
    address or mobile number again (by hand or in an import).

    In privacy mode the coordinator is not told that the address belongs to
    a member (docs/architecture.md, "Privacy mode"): nothing is created or
    changed, and the member hears about it instead, at most once a day.
    Returns whether a notice was queued."""
    if member.status == Member.Status.LEFT:
        return False
    if not cache.add(f"members:entered-again:{member.pk}", 1, ENTERED_AGAIN_NOTICE_SECONDS):
        return False
    member_message_send(
        member=member,
        kind="entered_again",
        sensitive=True,
        template="members/messages/entered_again",
        context={"url": member_personal_url(member=member)},
    )
    logger.info("member %s: contact entered again in privacy mode", member.pk)
    return True


def _duplicate_messages() -> set[str]:
    """The messages of the one-email and one-mobile-per-network constraints."""
    names = {"member_unique_email_per_network", "member_unique_mobile_per_network"}
    return {
        str(constraint.get_violation_error_message())
        for constraint in Member._meta.constraints
        if constraint.name in names
    }


def member_add(*, network: Network, hide_duplicates: bool, **fields) -> Member | None:
    """A coordinator adds a member by hand (``member_create``'s checks).

    ``hide_duplicates`` (privacy mode: the coordinator does not see contact
    data): an email address or mobile number that a member of the network
    already has is not refused, since the refusal would confirm it. Nothing
    is created then, the existing member is told (``member_entered_again_notify``)
    and None is returned, which the page answers exactly as a new member.
    Every other problem is raised as usual, whether or not the address is
    known: the address check comes first, and the duplicate errors are only
    left out when nothing else is wrong.
    """
    try:
        with transaction.atomic():
            return member_create(network=network, **fields)
    except ValidationError as exc:
        if not hide_duplicates or not hasattr(exc, "error_dict"):
            raise
        duplicates = _duplicate_messages()
        rest = {
            field: kept
            for field, messages in exc.message_dict.items()
            if (kept := [m for m in messages if m not in duplicates])
        }
        if rest:
            raise ValidationError(rest) from exc
        contact, _errors = _normalise_contact(
            network=network,
            email=fields.get("email", ""),
            mobile_phone=fields.get("mobile_phone", ""),
            landline="",
        )
        existing = member_with_contact(
            network=network, email=contact["email"], mobile_phone=contact["mobile_phone"]
        )
        if existing is None:
            raise
        member_entered_again_notify(member=existing)
        return None
