"""Read-side queries on members."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from members.models import Member
from networks.models import Network


def member_list(*, network: Network, search: str = "", status: str = "") -> QuerySet[Member]:
    """Members of a network, filtered; one query whatever the page size."""
    qs = Member.objects.filter(network=network).exclude(status=Member.Status.LEFT)
    if status:
        qs = qs.filter(status=status)
    search = search.strip()
    if search:
        digits = "".join(ch for ch in search if ch.isdigit())
        condition = (
            Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
            | Q(street__icontains=search)
            | Q(email__icontains=search)
        )
        if len(digits) >= 4:
            # Phones are stored as E.164; match on the digits people type.
            condition |= Q(mobile_phone__contains=digits.lstrip("0"))
        qs = qs.filter(condition)
    return qs.order_by("last_name", "first_name", "pk")


def member_status_counts(*, network: Network) -> dict[str, int]:
    from django.db.models import Count

    rows = Member.objects.filter(network=network).values("status").annotate(n=Count("id"))
    counts = dict.fromkeys(Member.Status.values, 0)
    counts.update({row["status"]: row["n"] for row in rows})
    return counts
