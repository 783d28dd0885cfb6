"""Read-side queries of the member list import."""

from __future__ import annotations

from django.db.models import QuerySet

from members.models import MemberImport
from networks.models import Network


def import_recent(*, network: Network, limit: int = 10) -> QuerySet[MemberImport]:
    """The network's latest imports, without their rows."""
    return (
        MemberImport.objects.filter(network=network)
        .select_related("created_by")
        .defer("rows")
        .order_by("-created_at", "-pk")[:limit]
    )
