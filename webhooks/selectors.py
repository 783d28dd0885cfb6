"""Reads of the webhooks app: the zones and endpoints a user manages, and
an endpoint's delivery log."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from networks.models import PoliceZone
from networks.selectors import user_roles
from webhooks.models import WebhookDelivery, WebhookEndpoint

DELIVERY_LOG_LENGTH = 100


def webhook_zones_for(*, user) -> QuerySet[PoliceZone]:
    """The zones whose endpoints the user manages: all for an admin, else the
    zones where they are a mandated officer."""
    roles = user_roles(user=user)
    if roles.is_admin:
        return PoliceZone.objects.all()
    return PoliceZone.objects.filter(pk__in=roles.officer_of_zones)


def webhook_endpoints_for(*, user) -> QuerySet[WebhookEndpoint]:
    """The endpoints of those zones, with their failed and waiting deliveries counted."""
    return (
        WebhookEndpoint.objects.filter(police_zone__in=webhook_zones_for(user=user))
        .select_related("police_zone")
        .annotate(
            failed_count=Count("deliveries", filter=Q(deliveries__status="failed")),
            waiting_count=Count(
                "deliveries", filter=Q(deliveries__status__in=["queued", "sending"])
            ),
        )
    )


def webhook_delivery_log(*, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    """The endpoint's latest deliveries, newest first."""
    return endpoint.deliveries.order_by("-created_at")[:DELIVERY_LOG_LENGTH]
