"""Read-side queries of the BIN signs: the register, counts per state, the map."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, QuerySet

from charters.models import Sign
from networks.models import Network


def sign_list(*, network: Network) -> QuerySet[Sign]:
    return network.signs.select_related("updated_by").order_by("street", "house_number", "pk")


def signs_summary(*, networks: QuerySet[Network] | list) -> dict:
    """Counts of BIN signs per state for these networks, for reports:
    ``{"total": n, "by_state": [(value, label, count), ...]}``."""
    rows = dict(
        Sign.objects.filter(network__in=networks)
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    by_state = [(value, label, rows.get(value, 0)) for value, label in Sign.State.choices]
    return {"total": sum(rows.values()), "by_state": by_state}


def sign_map_data(*, network: Network) -> dict:
    """What the map draws, for ``json_script``: signs with coordinates, the
    area polygon, and the tile server (empty: no background tiles)."""
    signs = [
        {
            "lat": float(sign.latitude),
            "lng": float(sign.longitude),
            "state": sign.state,
            "state_label": str(sign.get_state_display()),
            "label": f"{sign.street} {sign.house_number}".strip(),
        }
        for sign in network.signs.filter(latitude__isnull=False, longitude__isnull=False)
    ]
    return {
        "signs": signs,
        "area": network.area_geojson or None,
        "tiles": {
            "url": getattr(settings, "MAP_TILE_URL", ""),
            "attribution": getattr(settings, "MAP_TILE_ATTRIBUTION", ""),
        },
    }
