"""Who sees which dashboard (django-rules).

- A network's dashboard: everyone who sees the network's internal overview
  (admin, its coordinators and steering committee, the zone's officers, the
  municipality's staff): the figures are aggregates without contact data.
- A municipality's: its staff, the officers of its police zone, admins.
- A police zone's: the zone's officers and admins.
- The national one (anonymised): federal viewers and admins.
- Household counts per street: the municipality's staff and admins.
"""

from __future__ import annotations

import rules

from networks.models import Municipality, PoliceZone
from networks.rules import (
    can_view_network,
    is_federal_viewer,
    is_municipal_staff,
    is_platform_admin,
)
from networks.selectors import user_roles


@rules.predicate
def is_staff_of_municipality(user, municipality) -> bool:
    return (
        isinstance(municipality, Municipality)
        and municipality.id in user_roles(user=user).staff_of_municipalities
    )


@rules.predicate
def is_officer_of_municipality(user, municipality) -> bool:
    return (
        isinstance(municipality, Municipality)
        and municipality.police_zone_id in user_roles(user=user).officer_of_zones
    )


@rules.predicate
def is_officer_of_zone(user, zone) -> bool:
    return isinstance(zone, PoliceZone) and zone.id in user_roles(user=user).officer_of_zones


@rules.predicate
def has_any_role(user) -> bool:
    return user_roles(user=user).any


rules.add_perm("reports.view_any", has_any_role)
rules.add_perm("reports.view_network", can_view_network)
rules.add_perm(
    "reports.view_municipality",
    is_platform_admin | is_staff_of_municipality | is_officer_of_municipality,
)
rules.add_perm("reports.view_zone", is_platform_admin | is_officer_of_zone)
rules.add_perm("reports.view_national", is_platform_admin | is_federal_viewer)
rules.add_perm("reports.change_household_counts", is_platform_admin | is_municipal_staff)
