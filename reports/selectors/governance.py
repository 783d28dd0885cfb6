"""Governance figures: signs, meetings and the state of each charter."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery

from charters.models import CharterVersion, Meeting, Sign
from networks.models import Network
from reports.selectors.period import Period, in_networks


def signs_and_meetings_by_network(*, network_ids, period: Period) -> dict[int, dict]:
    """Per network: BIN signs placed (now, and during the period) and
    meetings held during the period (all, and member meetings). Two queries."""
    result: dict[int, dict] = defaultdict(
        lambda: {"signs_placed": 0, "signs_placed_in_period": 0, "meetings": 0,
                 "member_meetings": 0}
    )  # fmt: skip
    placed = Q(state=Sign.State.PLACED)
    for row in (
        Sign.objects.filter(in_networks("network_id", network_ids))
        .values("network_id")
        .annotate(
            signs_placed=Count("id", filter=placed),
            signs_placed_in_period=Count("id", filter=placed & period.date_range_q("placed_on")),
        )
    ):
        result[row["network_id"]].update(
            signs_placed=row["signs_placed"], signs_placed_in_period=row["signs_placed_in_period"]
        )
    for row in (
        Meeting.objects.filter(
            in_networks("network_id", network_ids),
            period.range_q("starts_at"),
            status=Meeting.Status.HELD,
        )
        .values("network_id")
        .annotate(
            meetings=Count("id"),
            member_meetings=Count("id", filter=Q(kind=Meeting.Kind.MEMBER_MEETING)),
        )
    ):
        result[row["network_id"]].update(
            meetings=row["meetings"], member_meetings=row["member_meetings"]
        )
    return dict(result)


def networks_with_charter(*, network_ids) -> QuerySet[Network]:
    """The networks, with their municipality and the state of their charter:
    the latest version's number and status, and the version in force (the
    latest signed one) with its signing date. One query."""
    versions = CharterVersion.objects.filter(network=OuterRef("pk")).order_by("-number")
    signed = versions.filter(status=CharterVersion.Status.SIGNED)
    return (
        Network.objects.filter(in_networks("id", network_ids))
        .select_related("municipality", "police_zone")
        .annotate(
            charter_latest=Subquery(versions.values("number")[:1], output_field=IntegerField()),
            charter_latest_status=Subquery(versions.values("status")[:1]),
            charter_in_force=Subquery(signed.values("number")[:1], output_field=IntegerField()),
            charter_signed_at=Subquery(signed.values("signed_at")[:1]),
        )
        .order_by("name")
    )
