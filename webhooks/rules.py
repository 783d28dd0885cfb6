"""Who registers and follows outbound webhooks (django-rules).

Admins and the mandated officers of a zone manage that zone's endpoints. The
object is a PoliceZone (registering) or a WebhookEndpoint.
"""

import rules

from networks.models import PoliceZone
from networks.rules import is_platform_admin
from networks.selectors import user_roles


@rules.predicate
def is_officer_of_zone(user, zone) -> bool:
    return isinstance(zone, PoliceZone) and zone.pk in user_roles(user=user).officer_of_zones


@rules.predicate
def is_officer_of_endpoint_zone(user, endpoint) -> bool:
    zone_id = getattr(endpoint, "police_zone_id", None)
    return zone_id is not None and zone_id in user_roles(user=user).officer_of_zones


@rules.predicate
def is_officer_anywhere(user) -> bool:
    return bool(user_roles(user=user).officer_of_zones)


rules.add_perm("webhooks.list_endpoints", is_platform_admin | is_officer_anywhere)
rules.add_perm("webhooks.add_endpoint", is_platform_admin | is_officer_of_zone)
rules.add_perm("webhooks.manage_endpoint", is_platform_admin | is_officer_of_endpoint_zone)
