"""Who sees, edits and signs a network's charter and founding checklist (django-rules).

The object is a Network. Signing is for the three parties only (the
network's coordinator, a mandated officer of its zone, municipal staff of its
municipality); which party a person signs for is decided by
``charters.selectors.charter_parties_of`` and checked again by ``charter_sign``.
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
