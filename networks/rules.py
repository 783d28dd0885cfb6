"""Object permissions on networks (django-rules).

Every predicate reads the user's roles from ``selectors.user_roles``, which
loads them once per request, so checking many permissions costs one query.
"""

from __future__ import annotations

import rules

from networks.models import NETWORK_ROLES, Network, Role
from networks.selectors import user_roles


@rules.predicate
def is_platform_admin(user) -> bool:
    return user_roles(user=user).is_admin


@rules.predicate
def is_federal_viewer(user) -> bool:
    return user_roles(user=user).is_federal_viewer


@rules.predicate
def is_network_coordinator(user, network) -> bool:
    """The coordinator of this network (not a co-coordinator)."""
    return isinstance(network, Network) and network.id in user_roles(user=user).coordinator_of


@rules.predicate
def is_network_co_coordinator(user, network) -> bool:
    return isinstance(network, Network) and network.id in user_roles(user=user).co_coordinator_of


@rules.predicate
def is_network_steering(user, network) -> bool:
    return isinstance(network, Network) and network.id in user_roles(user=user).steering_of


@rules.predicate
def is_zone_officer(user, network) -> bool:
    """A mandated officer of the police zone the network lies in."""
    return (
        isinstance(network, Network)
        and network.police_zone_id in user_roles(user=user).officer_of_zones
    )


@rules.predicate
def is_municipal_staff(user, network) -> bool:
    return (
        isinstance(network, Network)
        and network.municipality_id in user_roles(user=user).staff_of_municipalities
    )


@rules.predicate
def can_grant_some_role(user) -> bool:
    """Admins, mandated officers and coordinators invite people to roles."""
    roles = user_roles(user=user)
    return roles.is_admin or bool(roles.officer_of_zones) or bool(roles.coordinator_of)


runs_network = is_network_coordinator | is_network_co_coordinator

# Who sees the network's internal overview (counts, team, status).
can_view_network = (
    is_platform_admin | runs_network | is_network_steering | is_zone_officer | is_municipal_staff
)
# Who changes its description, area and languages.
can_change_network = is_platform_admin | is_zone_officer | runs_network
# Who invites people to roles in the network (the service checks which roles).
can_manage_network_roles = is_platform_admin | is_zone_officer | is_network_coordinator

rules.add_perm("networks.view_network_page", can_view_network)
rules.add_perm("networks.edit_network", can_change_network)
rules.add_perm("networks.manage_roles", can_manage_network_roles)
rules.add_perm("networks.view_aggregates", can_view_network)
# Who sees the network's counts as they are. Municipal staff (and federal
# viewers, on the national report) see counts below 5 as "< 5" wherever they
# see counts: pages, charts and exports (SECURITY.md, "Small counts").
can_see_exact_counts = is_platform_admin | is_zone_officer | runs_network | is_network_steering
rules.add_perm("networks.view_exact_counts", can_see_exact_counts)
rules.add_perm("networks.invite_staff", can_grant_some_role)


def role_can_grant(
    *, granter, role: str, network=None, police_zone=None, municipality=None
) -> bool:
    """Whether ``granter`` may give ``role`` in the given scope.

    Admins grant everything; a mandated officer grants the network roles for
    networks in their zone; a coordinator grants co-coordinator and
    steering-committee roles in their own network. Nobody else grants roles.
    """
    roles = user_roles(user=granter)
    if roles.is_admin:
        return True
    if role in NETWORK_ROLES and network is not None:
        if network.police_zone_id in roles.officer_of_zones:
            return True
        if network.id in roles.coordinator_of and role in (Role.CO_COORDINATOR, Role.STEERING):
            return True
    return False


def role_can_grant_same(*, granter, grant) -> bool:
    """``role_can_grant`` for an object that carries a role and its scope
    (a RoleAssignment or an Invitation)."""
    return role_can_grant(
        granter=granter,
        role=grant.role,
        network=grant.network,
        police_zone=grant.police_zone,
        municipality=grant.municipality,
    )
