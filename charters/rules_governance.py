"""Permissions of coordinator governance, meetings and BIN signs (django-rules).

The object is always the Network. Loaded from ``ChartersConfig.ready`` (the
rules app only autodiscovers modules named ``rules.py``).
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
