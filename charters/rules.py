"""Who sees and does what in charters (django-rules): the charter and the
founding checklist, coordinator governance, meetings and BIN signs.

The object is always the Network. Signing is for the three parties only (the
network's coordinator, a mandated officer of its zone, municipal staff of its
municipality); which party a person signs for is decided by
``charters.selectors.charter.charter_parties_of`` and checked again by ``charter_sign``.
"""

import rules

from networks.rules import (
    can_view_network,
    is_municipal_staff,
    is_network_coordinator,
    is_platform_admin,
    is_zone_officer,
    runs_network,
)
from networks.selectors import user_roles

rules.add_perm("charters.view_charter", can_view_network)
rules.add_perm("charters.edit_charter", is_platform_admin | is_zone_officer | runs_network)
rules.add_perm(
    "charters.sign_charter", is_network_coordinator | is_zone_officer | is_municipal_staff
)

rules.add_perm("charters.view_founding", can_view_network)
rules.add_perm(
    "charters.edit_founding",
    is_platform_admin | runs_network | is_zone_officer | is_municipal_staff,
)

# The governance page (team, hand-overs, removals): everyone who sees the
# network's internal overview. Screening outcomes are narrower, see below.
rules.add_perm("charters.view_governance", can_view_network)
# Screening is police business: only the mandated officer (and admins) record
# it and see everyone's outcome; a coordinator sees their own (selectors).
rules.add_perm("charters.record_screening", is_platform_admin | is_zone_officer)
rules.add_perm("charters.view_screenings", is_platform_admin | is_zone_officer)
# Succession: the coordinator hands over their own network; the officer or an
# admin may do it for them (e.g. when the coordinator moved away).
rules.add_perm(
    "charters.hand_over_network", is_platform_admin | is_zone_officer | is_network_coordinator
)
# Removing a coordinator is the officer's decision (circular: the police check
# compliance with the charter and the house rules).
rules.add_perm("charters.remove_coordinator", is_platform_admin | is_zone_officer)

rules.add_perm("charters.view_meetings", can_view_network)
rules.add_perm("charters.manage_meetings", is_platform_admin | runs_network | is_zone_officer)

# The municipality keeps the registry of the signs it buys and places.
rules.add_perm("charters.view_signs", can_view_network)
rules.add_perm("charters.manage_signs", is_platform_admin | is_municipal_staff)


# Starting a BIN: the residents' requests go to the mandated officers of the
# municipality's zone (seed 002: "Neem dan contact met uw lokale politie").
@rules.predicate
def is_officer_somewhere(user) -> bool:
    return bool(user_roles(user=user).officer_of_zones)


@rules.predicate
def is_request_zone_officer(user, request) -> bool:
    municipality = getattr(request, "municipality", None)
    return (
        municipality is not None
        and municipality.police_zone_id in user_roles(user=user).officer_of_zones
    )


rules.add_perm("charters.view_start_requests", is_platform_admin | is_officer_somewhere)
rules.add_perm("charters.decide_start_request", is_platform_admin | is_request_zone_officer)
# The flyer and the letter for the door-to-door round and the signs: everyone
# who works on the network (the municipality places the signs).
rules.add_perm("charters.print_flyer", can_view_network)
