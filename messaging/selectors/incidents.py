"""Read-side queries of members' incident reports."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from messaging.models import IncidentReport
from networks.models import Network


def incident_list(
    *, network: Network, status: str = "", category: str = "", shared_only: bool = False
) -> QuerySet:
    """A network's reports, newest first, optionally of one status and
    category; ``shared_only``: those an officer shared with the coordinators
    (what a coordinator lists when the communication plan shows them no
    other report, ``messaging.view_incident_summaries``)."""
    reports = IncidentReport.objects.filter(network=network).select_related("member", "handled_by")
    if shared_only:
        reports = reports.filter(shared_with_coordinators_at__isnull=False)
    if status:
        reports = reports.filter(status=status)
    if category:
        reports = reports.filter(category=category)
    return reports.order_by("-created_at", "-pk")


def incident_status_counts(
    *, network: Network, shared_only: bool = False
) -> list[tuple[str, str, int]]:
    """(status, label, count) for every status, in their order, zeros
    included; ``shared_only`` as in ``incident_list``."""
    reports = IncidentReport.objects.filter(network=network)
    if shared_only:
        reports = reports.filter(shared_with_coordinators_at__isnull=False)
    counts = dict(
        reports.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return [(value, label, counts.get(value, 0)) for value, label in IncidentReport.Status.choices]


def incident_detail(*, pk: int) -> IncidentReport | None:
    return (
        IncidentReport.objects.select_related(
            "network", "network__police_zone", "member", "handled_by"
        )
        .filter(pk=pk)
        .first()
    )
