"""What happened, as webhook events: one ``WebhookDelivery`` per endpoint.

Each event goes to the active endpoints of the police zone it happened in
that chose its type. The payload follows Standard Webhooks' shape
(``{"type", "timestamp", "data"}``) and carries no personal data: no member
names, addresses or texts from members; ``member.joined`` carries counts
only. Rows are written in the transaction that made the change; the sends are
queued after commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone

from members.models import Member
from messaging.models import IncidentReport, Message, Reply
from networks.models import Network
from webhooks.models import Event, WebhookDelivery, WebhookEndpoint
from webhooks.services.deliveries import webhook_delivery_queue


def _when(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _network(network: Network) -> dict:
    return {"slug": network.slug, "name": network.name}


def webhook_event_emit(*, event_type: str, police_zone_ids: Iterable[int], data: dict) -> int:
    """Store the event for each active endpoint of the zones that chose it and
    queue the sends after commit; returns how many endpoints get it."""
    zone_ids = set(police_zone_ids)
    endpoints = [
        e
        for e in WebhookEndpoint.objects.filter(is_active=True, police_zone_id__in=zone_ids)
        if event_type in e.events
    ]
    if not endpoints:
        return 0
    payload = {"type": event_type, "timestamp": _when(timezone.now()), "data": data}
    rows = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint=endpoint,
            event_id=f"msg_{uuid.uuid4().hex}",
            event_type=event_type,
            payload=payload,
        )
        for endpoint in endpoints
    )
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: webhook_delivery_queue(delivery_ids=ids))
    return len(rows)


def _message_data(message: Message, networks: list[Network]) -> dict:
    return {
        "id": message.pk,
        "kind": message.kind,
        "status": message.status,
        "is_exercise": message.is_exercise,
        "published_at": _when(message.published_at),
        "cancelled_at": _when(message.cancelled_at),
        "expires_at": _when(message.expires_at),
        "update_of": message.update_of_id,
        "follows": message.follows_id,
        "channels": [c for c in ("sms", "email", "voice") if getattr(message, f"by_{c}")],
        "networks": [_network(n) for n in networks],
        "texts": message.texts,
    }


def webhook_message_event(*, event_type: str, message: Message, figures: dict | None = None) -> int:
    """``message.published``, ``message.cancelled`` or ``message.completed``
    (with the delivery ``figures``): each zone hears of its own networks."""
    networks = list(message.networks.select_related("police_zone"))
    sent = 0
    for zone_id in {n.police_zone_id for n in networks}:
        data = {
            "message": _message_data(message, [n for n in networks if n.police_zone_id == zone_id])
        }
        if figures is not None:
            data["figures"] = figures
        sent += webhook_event_emit(event_type=event_type, police_zone_ids=[zone_id], data=data)
    return sent


def webhook_report_created(*, report: IncidentReport) -> int:
    """``report.created``: the category and network, not what the member wrote
    (that is read through the API with the member-reports scope)."""
    data = {
        "report": {
            "id": report.pk,
            "category": report.category,
            "status": report.status,
            "police_called": report.police_called,
            "created_at": _when(report.created_at),
            "network": _network(report.network),
        }
    }
    return webhook_event_emit(
        event_type=Event.REPORT_CREATED, police_zone_ids=[report.network.police_zone_id], data=data
    )


def webhook_reply_received(*, reply: Reply) -> int:
    """``reply.received``: which message and network, not who or what."""
    if reply.network is None:
        return 0  # an unknown sender: no zone to tell
    data = {
        "reply": {
            "id": reply.pk,
            "message_id": reply.message_id,
            "channel": reply.channel,
            "received_at": _when(reply.received_at),
            "network": _network(reply.network),
        }
    }
    return webhook_event_emit(
        event_type=Event.REPLY_RECEIVED, police_zone_ids=[reply.network.police_zone_id], data=data
    )


def webhook_member_joined(*, member: Member) -> int:
    """``member.joined``: the network's count of active members, nothing of the member."""
    network = member.network
    active = Member.objects.filter(network=network, status=Member.Status.ACTIVE).count()
    data = {"network": _network(network), "active_members": active}
    return webhook_event_emit(
        event_type=Event.MEMBER_JOINED, police_zone_ids=[network.police_zone_id], data=data
    )
