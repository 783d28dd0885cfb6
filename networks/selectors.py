"""Read-side queries for networks and roles."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from networks.hooks import network_member_counts
from networks.models import Municipality, Network, PoliceZone, Role, RoleAssignment, Street

_ROLES_CACHE_ATTR = "_bin_roles"


@dataclass(frozen=True)
class UserRoles:
    """Every active role of one user, loaded in one query per request."""

    coordinator_of: frozenset[int] = field(default_factory=frozenset)
    co_coordinator_of: frozenset[int] = field(default_factory=frozenset)
    steering_of: frozenset[int] = field(default_factory=frozenset)
    officer_of_zones: frozenset[int] = field(default_factory=frozenset)
    staff_of_municipalities: frozenset[int] = field(default_factory=frozenset)
    # Networks where the user holds a coordinator or co-coordinator role that
    # awaits the police screening: held, shown, but grants nothing yet.
    awaiting_screening_of: frozenset[int] = field(default_factory=frozenset)
    is_federal_viewer: bool = False
    is_admin: bool = False

    @property
    def role_names(self) -> set[str]:
        names: set[str] = set()
        if self.coordinator_of:
            names.add(Role.COORDINATOR)
        if self.co_coordinator_of:
            names.add(Role.CO_COORDINATOR)
        if self.steering_of:
            names.add(Role.STEERING)
        if self.officer_of_zones:
            names.add(Role.OFFICER)
        if self.staff_of_municipalities:
            names.add(Role.MUNICIPAL_STAFF)
        if self.is_federal_viewer:
            names.add(Role.FEDERAL_VIEWER)
        if self.is_admin:
            names.add(Role.ADMIN)
        return names

    @property
    def any(self) -> bool:
        return bool(self.role_names)

    @property
    def coordinates(self) -> frozenset[int]:
        """Networks the user runs as coordinator or co-coordinator."""
        return self.coordinator_of | self.co_coordinator_of


def user_roles(*, user) -> UserRoles:
    """The user's active roles, memoised on the user object for the request."""
    if user is None or not user.is_authenticated:
        return UserRoles()
    cached = getattr(user, _ROLES_CACHE_ATTR, None)
    if cached is not None:
        return cached
    buckets: dict[str, set[int]] = {role: set() for role in Role.values}
    awaiting: set[int] = set()
    flags: set[str] = set()
    rows = RoleAssignment.objects.active().filter(user=user)
    for role, network_id, zone_id, municipality_id, unscreened in rows.values_list(
        "role", "network_id", "police_zone_id", "municipality_id", "awaiting_screening"
    ):
        scope_id = network_id or zone_id or municipality_id
        if unscreened:
            awaiting.add(scope_id)
        elif scope_id is None:
            flags.add(role)
        else:
            buckets[role].add(scope_id)
    roles = UserRoles(
        coordinator_of=frozenset(buckets[Role.COORDINATOR]),
        co_coordinator_of=frozenset(buckets[Role.CO_COORDINATOR]),
        steering_of=frozenset(buckets[Role.STEERING]),
        officer_of_zones=frozenset(buckets[Role.OFFICER]),
        staff_of_municipalities=frozenset(buckets[Role.MUNICIPAL_STAFF]),
        awaiting_screening_of=frozenset(awaiting),
        is_federal_viewer=Role.FEDERAL_VIEWER in flags,
        is_admin=Role.ADMIN in flags or user.is_superuser,
    )
    setattr(user, _ROLES_CACHE_ATTR, roles)
    return roles


def forget_user_roles(*, user) -> None:
    """Drop the memoised roles after a grant or revoke in the same request."""
    if hasattr(user, _ROLES_CACHE_ATTR):
        delattr(user, _ROLES_CACHE_ATTR)


def networks_visible_to(*, user) -> QuerySet[Network]:
    """Networks whose internal pages the user may open."""
    roles = user_roles(user=user)
    qs = Network.objects.select_related("municipality", "police_zone")
    if roles.is_admin:
        return qs
    return qs.filter(
        Q(id__in=roles.coordinates | roles.steering_of)
        | Q(police_zone_id__in=roles.officer_of_zones)
        | Q(municipality_id__in=roles.staff_of_municipalities)
    )


def network_list_for_user(*, user) -> QuerySet[Network]:
    """Networks whose internal pages the user may open, with member counts."""
    return network_with_member_counts(queryset=networks_visible_to(user=user))


def network_with_member_counts(*, queryset: QuerySet[Network]) -> QuerySet[Network]:
    """The networks with ``active_members`` and ``pending_members``, by name.

    The members app counts (``networks.hooks.network_member_counts``)."""
    return network_member_counts(queryset=queryset)


def network_public_list() -> QuerySet[Network]:
    """Networks shown to the public: those founded or being founded."""
    return (
        Network.objects.filter(status__in=[Network.Status.ACTIVE, Network.Status.PREPARING])
        .select_related("municipality")
        .order_by("municipality__name", "name")
    )


def role_assignments_awaiting_screening(*, police_zone_ids) -> QuerySet[RoleAssignment]:
    """Coordinator and co-coordinator roles in networks of these police zones
    that await the mandated officer's screening record, oldest first."""
    return (
        RoleAssignment.objects.active()
        .filter(awaiting_screening=True, network__police_zone_id__in=list(police_zone_ids))
        .select_related("user", "network")
        .order_by("granted_at", "pk")
    )


def network_role_holders(*, network: Network) -> QuerySet[RoleAssignment]:
    """Everyone with a role that reaches this network, for its team page."""
    return (
        RoleAssignment.objects.active()
        .filter(
            Q(network=network)
            | Q(police_zone_id=network.police_zone_id)
            | Q(municipality_id=network.municipality_id)
        )
        .select_related("user", "granted_by", "network", "police_zone", "municipality")
        .order_by("role", "user__last_name")
    )


_NUMBER_RE = re.compile(r"^\s*(\d{1,5})")


def house_number_value(house_number: str) -> int | None:
    """The numeric part of a house number: '12A' and '12 bus 3' are 12."""
    match = _NUMBER_RE.match(house_number or "")
    return int(match.group(1)) if match else None


def street_names(*, network: Network) -> list[str]:
    return sorted(set(network.streets.values_list("name", flat=True)), key=str.casefold)


def address_in_area(*, network: Network, street: str, house_number: str, postcode: str) -> dict:
    """Check an address against the network's street list.

    Returns a dict of field name → error message (empty when the address lies
    inside the area), so forms can show each problem next to its field.
    """
    errors: dict[str, str] = {}
    wanted = street.strip().casefold()
    segments = [s for s in network.streets.all() if s.name.casefold() == wanted]
    if not segments:
        errors["street"] = _("This street is not part of the area of %(network)s.") % {
            "network": network.name
        }
        return errors
    postcode_norm = postcode.replace(" ", "").upper()
    segments_in_postcode = [s for s in segments if s.postcode.replace(" ", "") == postcode_norm]
    if not segments_in_postcode:
        errors["postcode"] = _("%(street)s lies in postcode %(postcodes)s.") % {
            "street": segments[0].name,
            "postcodes": ", ".join(sorted({s.postcode for s in segments})),
        }
        return errors
    number = house_number_value(house_number)
    if number is None:
        errors["house_number"] = _("Enter a house number that starts with digits.")
        return errors
    if not any(s.covers(number) for s in segments_in_postcode):
        ranges = ", ".join(s.range_label for s in segments_in_postcode if s.range_label)
        errors["house_number"] = _(
            "Number %(number)s of %(street)s is outside the area (%(ranges)s)."
        ) % {"number": number, "street": segments[0].name, "ranges": ranges}
    return errors


def zone_list_for_user(*, user) -> QuerySet[PoliceZone]:
    roles = user_roles(user=user)
    qs = PoliceZone.objects.all()
    return qs if roles.is_admin else qs.filter(id__in=roles.officer_of_zones)


def municipality_list_for_user(*, user) -> QuerySet[Municipality]:
    roles = user_roles(user=user)
    qs = Municipality.objects.select_related("police_zone")
    if roles.is_admin:
        return qs
    return qs.filter(
        Q(id__in=roles.staff_of_municipalities) | Q(police_zone_id__in=roles.officer_of_zones)
    )


def street_list(*, network: Network) -> QuerySet[Street]:
    return network.streets.order_by("name", "number_from")


SMALL_COUNT_THRESHOLD = 5


def suppress_small(count: int) -> str:
    """Anonymised display of a count: anything below 5 reads "< 5"."""
    return f"< {SMALL_COUNT_THRESHOLD}" if count < SMALL_COUNT_THRESHOLD else str(count)
