"""Figures for the national dashboard: networks by status and kind, and
active members per province, police zone and municipality."""

from __future__ import annotations

from django.db.models import Count, Sum

from members.figures_models import MemberCount
from members.models import Member
from members.services.member_figures import member_figures_kept
from networks.models import Network


def networks_by_status_and_kind() -> list[dict]:
    """Networks per status and kind. One query."""
    rows = Network.objects.values("status", "kind").annotate(n=Count("id"))
    counts = {(r["status"], r["kind"]): r["n"] for r in rows}
    return [
        {
            "status": status,
            **{kind: counts.get((status, kind), 0) for kind in Network.Kind.values},
        }
        for status in Network.Status.values
    ]


def active_members_by_network() -> dict[int, int]:
    """Active members per network, all networks (those with one). One query,
    on the stored counts on PostgreSQL (``members.services.member_figures``),
    elsewhere on the (network, status) index of the members."""
    if member_figures_kept():
        rows = (
            MemberCount.objects.filter(status=Member.Status.ACTIVE)
            .values("network_id")
            .annotate(n=Sum("members"))
            .filter(n__gt=0)
            .order_by()
        )
        return {row["network_id"]: row["n"] for row in rows}
    rows = (
        Member.objects.filter(status=Member.Status.ACTIVE)
        .values("network_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["network_id"]: row["n"] for row in rows}


def national_by_area(*, level: str, active_by_network: dict[int, int] | None = None) -> list[dict]:
    """Networks, active networks and active members per province,
    municipality or police zone (``level``), split into BIN and BIN-Z.

    Members are counted once per network (``active_members_by_network``,
    which the caller may pass to share between levels); the per-network rows
    are then added up per area. Two queries at most.
    """
    keys = {
        "province": ("country", "municipality__province"),
        "municipality": ("municipality_id", "municipality__name", "municipality__province"),
        "zone": ("police_zone_id", "police_zone__name", "police_zone__number"),
    }[level]
    if active_by_network is None:
        active_by_network = active_members_by_network()
    areas: dict[tuple, dict] = {}
    for network in Network.objects.values("id", "kind", "status", *keys).order_by():
        key = tuple(network[k] for k in keys)
        area = areas.setdefault(
            key,
            {
                **{k: network[k] for k in keys},
                "networks": 0,
                "active_networks": 0,
                "binz_networks": 0,
                "members": 0,
                "binz_members": 0,
            },
        )
        members = active_by_network.get(network["id"], 0)
        binz = network["kind"] == Network.Kind.BINZ
        area["networks"] += 1
        area["active_networks"] += network["status"] == Network.Status.ACTIVE
        area["binz_networks"] += binz
        area["members"] += members
        area["binz_members"] += members if binz else 0
    label = {
        "province": lambda r: (r["country"], r["municipality__province"] or ""),
        "municipality": lambda r: (r["municipality__name"], r["municipality_id"]),
        "zone": lambda r: (r["police_zone__name"], r["police_zone_id"]),
    }[level]
    return sorted(areas.values(), key=label)


def network_areas() -> list[dict]:
    """Every network's municipality, police zone, country and province: how
    the national per-area rows add up (``reports.disclosure``). One query."""
    return list(
        Network.objects.values(
            "municipality_id", "police_zone_id", "country", "municipality__province"
        ).order_by()
    )
