"""What a token's owner may read through the API, as querysets.

The lists are filtered in the database with the same roles as the pages'
rules (``messaging.view_messages``: admin, the zone's officer, the network's
coordinators; ``api.view_member_report``: the zone's officer, admins); single
objects are checked again with ``user.has_perm`` by the views.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from messaging.models import IncidentReport, Message
from networks.models import Network
from networks.selectors import user_roles


def message_networks_of(*, user) -> QuerySet[Network]:
    """Networks whose messages the user follows (``messaging.view_messages``)."""
    roles = user_roles(user=user)
    if roles.is_admin:
        return Network.objects.all()
    return Network.objects.filter(
        Q(police_zone_id__in=roles.officer_of_zones) | Q(pk__in=roles.coordinates)
    )


def api_messages_for(*, user, filters: dict) -> QuerySet[Message]:
    """Messages to at least one network the user follows, filtered. A draft
    or a message awaiting approval only for its writer and for whoever sends
    to every network it targets (``messaging.rules.may_see_unpublished``)."""
    qs = Message.objects.filter(
        pk__in=Message.objects.filter(networks__in=message_networks_of(user=user)).values("pk")
    ).prefetch_related("networks")
    roles = user_roles(user=user)
    if not roles.is_admin:
        outside_zones = Network.objects.exclude(police_zone_id__in=roles.officer_of_zones)
        sends_to_all = Q(networks__isnull=False) & ~Q(
            pk__in=Message.objects.filter(networks__in=outside_zones).values("pk")
        )
        qs = qs.filter(
            Q(status__in=[Message.Status.PUBLISHED, Message.Status.CANCELLED])
            | Q(created_by=user)
            | sends_to_all
        ).distinct()
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("network"):
        qs = qs.filter(networks__slug=filters["network"])
    if filters.get("published_after"):
        qs = qs.filter(published_at__gte=filters["published_after"])
    if filters.get("published_before"):
        qs = qs.filter(published_at__lt=filters["published_before"])
    return qs


def api_member_reports_for(*, user, filters: dict) -> QuerySet[IncidentReport]:
    """Members' reports of the networks in the user's police zones (all for
    an admin), filtered."""
    roles = user_roles(user=user)
    qs = IncidentReport.objects.select_related("network", "network__police_zone", "member")
    if not roles.is_admin:
        qs = qs.filter(network__police_zone_id__in=roles.officer_of_zones)
    if filters.get("network"):
        qs = qs.filter(network__slug=filters["network"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("category"):
        qs = qs.filter(category=filters["category"])
    if filters.get("created_after"):
        qs = qs.filter(created_at__gte=filters["created_after"])
    if filters.get("created_before"):
        qs = qs.filter(created_at__lt=filters["created_before"])
    return qs


def api_networks_for(*, user, filters: dict, base: QuerySet[Network]) -> QuerySet[Network]:
    """``base`` (the networks the user sees) filtered by the query parameters."""
    qs = base
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("municipality"):
        qs = qs.filter(municipality__official_code=filters["municipality"])
    if filters.get("police_zone"):
        qs = qs.filter(police_zone__number=filters["police_zone"])
    return qs
