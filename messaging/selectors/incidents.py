"""Read-side queries for members' reports."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from messaging.models import MemberReport
from networks.models import Network


def report_list(*, network: Network, status: str = "", category: str = "") -> QuerySet:
    """A network's reports, newest first, optionally of one status and category."""
    reports = MemberReport.objects.filter(network=network).select_related("member", "handled_by")
    if status:
        reports = reports.filter(status=status)
    if category:
        reports = reports.filter(category=category)
    return reports.order_by("-created_at", "-pk")


def report_status_counts(*, network: Network) -> list[tuple[str, str, int]]:
    """(status, label, count) for every status, in their order, zeros included."""
    counts = dict(
        MemberReport.objects.filter(network=network)
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return [(value, label, counts.get(value, 0)) for value, label in MemberReport.Status.choices]


def report_detail(*, pk: int) -> MemberReport | None:
    return (
        MemberReport.objects.select_related(
            "network", "network__police_zone", "member", "handled_by"
        )
        .filter(pk=pk)
        .first()
    )
