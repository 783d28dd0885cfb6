"""Which dashboards a user may open (the reports index)."""

from __future__ import annotations

from networks.selectors import (
    municipality_list_for_user,
    networks_visible_to,
    user_roles,
    zone_list_for_user,
)


def dashboards_for_user(*, user) -> dict:
    """The dashboards a user may open: national, zones, municipalities and
    networks (three small queries, none counting members)."""
    roles = user_roles(user=user)
    return {
        "national": roles.is_admin or roles.is_federal_viewer,
        "zones": list(zone_list_for_user(user=user).order_by("name")),
        "municipalities": list(municipality_list_for_user(user=user).order_by("name")),
        "networks": list(networks_visible_to(user=user).order_by("name")),
    }
