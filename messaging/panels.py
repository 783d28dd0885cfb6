"""Messaging's panels on the staff home page (``accounts.hooks.home_panels``).

Accounts sits below messaging, so the home page cannot ask for alerts or
urgent conversations itself; ``MessagingConfig.ready()`` registers these
panels instead.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from messaging.selectors.conversations import conversations_urgent_open
from messaging.selectors.messages import (
    alerts_without_feedback,
    messages_awaiting_approval,
    messages_written_by,
)
from networks.models import Network
from networks.selectors import UserRoles


def home_panel_alerts(
    *, request: HttpRequest, roles: UserRoles, networks: list[Network]
) -> dict[str, Any]:
    """For officers and admins: alerts without feedback, messages awaiting
    approval, and the link to compose a message."""
    if not (roles.officer_of_zones or roles.is_admin):
        return {}
    scope = Network.objects.filter(pk__in=[n.pk for n in networks])
    return {
        "unanswered_alerts": list(alerts_without_feedback(networks=scope)[:20]),
        "awaiting_approval": list(messages_awaiting_approval(user=request.user)[:20]),
        "can_compose": True,
    }


def home_panel_conversations(
    *, request: HttpRequest, roles: UserRoles, networks: list[Network]
) -> dict[str, Any]:
    """For whoever handles replies (the zone's officers, coordinators and
    co-coordinators, admins): open urgent conversations."""
    handled = [
        n.pk
        for n in networks
        if roles.is_admin or n.pk in roles.coordinates or n.police_zone_id in roles.officer_of_zones
    ]
    if not handled:
        return {}
    return {"urgent_conversations": conversations_urgent_open(network_ids=handled)}


def home_panel_municipal_messages(
    *, request: HttpRequest, roles: UserRoles, networks: list[Network]
) -> dict[str, Any]:
    """For municipal staff: the link to write a prevention tip or information
    for their municipality's networks, and their own messages (their
    approval status). Officers and admins have their own panel."""
    if not roles.staff_of_municipalities:
        return {}
    return {
        "municipal_can_compose": True,
        "own_messages": messages_written_by(user=request.user),
    }
