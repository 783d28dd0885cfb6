"""Figures on members' reports (meldingen) per category and per network."""

from __future__ import annotations

import statistics
from collections import defaultdict

from django.db.models import Count, F, Q, Sum

from messaging.models import IncidentReport
from reports.selectors.period import Period, in_networks
from reports.selectors.sql import Median, SecondsBetween, is_postgres


def member_reports_by_category(*, network_ids, period: Period) -> list[dict]:
    """Member reports made in the period per category: how many, how many were
    triaged, still open, and the median and mean time to triage (seconds).
    One query on PostgreSQL; elsewhere a second one reads the triage times
    (one number per report) for the median."""
    reports = IncidentReport.objects.filter(
        in_networks("network_id", network_ids), period.range_q("created_at")
    )
    triage = SecondsBetween(F("triaged_at"), F("created_at"))
    aggregates = {
        "reports": Count("id"),
        "triaged": Count("id", filter=Q(triaged_at__isnull=False)),
        "open": Count("id", filter=~Q(status=IncidentReport.Status.CLOSED)),
    }
    if is_postgres():
        aggregates["median"] = Median(triage, filter=Q(triaged_at__isnull=False))
    rows = {
        row["category"]: row
        for row in reports.values("category").annotate(
            **aggregates,
            mean=Sum(triage, filter=Q(triaged_at__isnull=False)),
        )
    }
    if not is_postgres():
        times: dict[str, list[float]] = defaultdict(list)
        for category, seconds in (
            reports.filter(triaged_at__isnull=False)
            .annotate(seconds=triage)
            .values_list("category", "seconds")
        ):
            times[category].append(seconds)
        for category, values in times.items():
            rows[category]["median"] = statistics.median(values)
    result = []
    for category in IncidentReport.Category.values:
        row = rows.get(category)
        if row is None:
            row = {"reports": 0, "triaged": 0, "open": 0, "median": None, "mean": None}
        elif row["triaged"]:
            row["mean"] = row["mean"] / row["triaged"]
        else:
            row["mean"] = row["median"] = None
        result.append(
            {
                "category": category,
                **{k: row[k] for k in ("reports", "triaged", "open", "median", "mean")},
            }
        )
    return result


def member_reports_by_network(*, network_ids, period: Period) -> dict[int, dict]:
    """Per network: member reports made in the period, and open ones now. One query."""
    rows = (
        IncidentReport.objects.filter(in_networks("network_id", network_ids))
        .values("network_id")
        .annotate(
            reports=Count("id", filter=period.range_q("created_at")),
            open=Count("id", filter=~Q(status=IncidentReport.Status.CLOSED)),
        )
    )
    return {row.pop("network_id"): row for row in rows}
