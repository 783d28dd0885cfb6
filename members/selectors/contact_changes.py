"""Reads of members' contact changes: the open ones on the personal page, the
addresses outside the area that wait for the coordinator."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from members.models import ContactChange, Member
from networks.models import Network


def contact_changes_open(*, member: Member) -> list[ContactChange]:
    """The member's changes still waiting for a proof (not expired) or a decision."""
    now = timezone.now()
    return list(
        member.contact_changes.filter(
            Q(status=ContactChange.Status.VERIFYING, expires_at__gt=now)
            | Q(status=ContactChange.Status.AWAITING_DECISION)
        ).order_by("field", "-created_at")
    )


def contact_changes_awaiting_decision(
    *, network: Network, member: Member | None = None
) -> QuerySet[ContactChange]:
    """Addresses outside the area that members asked for, oldest first."""
    changes = ContactChange.objects.filter(
        member__network=network, status=ContactChange.Status.AWAITING_DECISION
    ).exclude(member__status=Member.Status.LEFT)
    if member is not None:
        changes = changes.filter(member=member)
    return changes.select_related("member").order_by("created_at", "pk")


def contact_change_of_member(*, member: Member, pk: int) -> ContactChange | None:
    """One of the member's own changes (a personal page never reaches another's)."""
    return member.contact_changes.filter(pk=pk).first()
