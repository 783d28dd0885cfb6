"""Member figures: members over time, per network and per street."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.db.models import Case, Count, DateField, F, Min, Q, QuerySet, Sum, When
from django.db.models.functions import Coalesce, Lower, TruncMonth

from members.figures_models import MemberCount, MemberEarlyLeave, MemberFlow, MemberFlowMonth
from members.models import Member
from members.services.member_figures import member_figures_kept
from networks.models import Network, Street
from reports.selectors.period import Period, in_networks, month_key


def _joined_at():
    """When a member joined: ``approved_at``; members made active without
    one (older rows, imports before it was recorded) count from their
    creation. Pending sign-ups never joined, nor did a member who left
    without an approval date (a sign-up that left before approval:
    ``member_erase`` records the creation as the approval of a member who
    leaves while active or suspended without one)."""
    return Case(
        When(approved_at__isnull=False, then=F("approved_at")),
        When(status__in=[Member.Status.ACTIVE, Member.Status.SUSPENDED], then=F("created_at")),
        default=None,
    )


def _left_at():
    """When a member left; only a member who joined can leave (``_joined_at``)."""
    return Case(
        When(
            Q(status=Member.Status.LEFT, approved_at__isnull=False),
            then=Coalesce(F("left_at"), F("updated_at")),
        ),
        default=None,
    )


def _with_join_and_leave(queryset: QuerySet[Member]) -> QuerySet[Member]:
    """Members annotated with ``joined_on`` and ``left_on``: the one
    definition of joining and leaving every dashboard figure uses."""
    return queryset.annotate(joined_on=_joined_at(), left_on=_left_at())


def members_over_time(*, network_ids, period: Period, split_by_kind: bool = False) -> list[dict]:
    """Members at the end of each month of the period, with joins and leaves.

    A member counts from joining (approval) until leaving; suspended members
    still count (a suspension has no date). Three queries: the count at the
    start of the period, then joins and leaves grouped by month (and by the
    network's kind when ``split_by_kind``).

    Returns ``[{"month": date, "members": n, "joined": n, "left": n}]``, with
    ``"by_kind": {kind: members}`` added when split.

    On PostgreSQL from the stored joins and leaves per network and day
    (``members.services.member_figures``), with the same result.
    """
    if member_figures_kept():
        baseline, joins, leaves = _stored_flows(
            network_ids=network_ids, period=period, split_by_kind=split_by_kind
        )
        return _series(period, baseline, joins, leaves, split_by_kind=split_by_kind)
    members = _with_join_and_leave(Member.objects.filter(in_networks("network_id", network_ids)))
    start = period.start_at
    kind_field = ["network__kind"] if split_by_kind else []
    before = members.filter(joined_on__lt=start).filter(
        Q(left_on__isnull=True) | Q(left_on__gte=start)
    )
    baseline: dict[str, int] = defaultdict(int)
    if split_by_kind:
        for row in before.values("network__kind").annotate(n=Count("id")):
            baseline[row["network__kind"]] += row["n"]
    else:
        baseline[""] = before.aggregate(n=Count("id"))["n"]

    def per_month(field: str) -> dict[tuple[date, str], int]:
        rows = (
            members.filter(**{f"{field}__gte": start, f"{field}__lt": period.end_before})
            .annotate(month=TruncMonth(field))
            .values("month", *kind_field)
            .annotate(n=Count("id"))
        )
        counts: dict[tuple[date, str], int] = defaultdict(int)
        for row in rows:
            counts[(month_key(row["month"]), row.get("network__kind", ""))] += row["n"]
        return counts

    joins, leaves = per_month("joined_on"), per_month("left_on")
    return _series(period, baseline, joins, leaves, split_by_kind=split_by_kind)


def _series(period: Period, baseline, joins, leaves, *, split_by_kind: bool) -> list[dict]:
    """The monthly series of ``members_over_time`` from the count at the
    start (per kind) and the joins and leaves per (month, kind)."""
    kinds = list(Network.Kind.values) if split_by_kind else [""]
    running = {kind: baseline.get(kind, 0) for kind in kinds}
    series = []
    for month in period.months():
        joined = sum(joins.get((month, kind), 0) for kind in kinds)
        left = sum(leaves.get((month, kind), 0) for kind in kinds)
        for kind in kinds:
            running[kind] += joins.get((month, kind), 0) - leaves.get((month, kind), 0)
        point = {
            "month": month,
            "members": sum(running.values()),
            "joined": joined,
            "left": left,
        }
        if split_by_kind:
            point["by_kind"] = dict(running)
        series.append(point)
    return series


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _stored_flows(*, network_ids, period: Period, split_by_kind: bool):
    """``members_over_time``'s start count and monthly joins and leaves, from
    the stored figures: whole months from ``MemberFlowMonth``, the days of a
    partial month (at the period's start or end, and before the start in its
    first month) from ``MemberFlow``. Members at the start: those who joined
    before it, less those who left before it; a member who left before the
    start but joined after it (``MemberEarlyLeave``: dates out of order)
    never was one, so is added back. Four queries, each reading at most a
    row per network and month or per network and day of two months."""
    start, end = period.start, period.end
    first = start.replace(day=1)
    # The whole months inside the period: whole_from <= month < whole_before.
    whole_from = first if start == first else _next_month(first)
    whole_before = max(whole_from, (end + timedelta(days=1)).replace(day=1))
    kind_of: dict[int, str] = {}
    if split_by_kind:
        kind_of = dict(
            Network.objects.filter(in_networks("id", network_ids)).values_list("id", "kind")
        )

    def kind(network_id: int) -> str:
        return kind_of.get(network_id, "") if split_by_kind else ""

    baseline: dict[str, int] = defaultdict(int)
    joins: dict[tuple[date, str], int] = defaultdict(int)
    leaves: dict[tuple[date, str], int] = defaultdict(int)

    def add(rows) -> None:
        for row in rows:
            if row["bucket"] is None:
                baseline[kind(row["network_id"])] += row["joined"] - row["left"]
            else:
                key = (month_key(row["bucket"]), kind(row["network_id"]))
                joins[key] += row["joined"]
                leaves[key] += row["left"]

    whole = Q(month__gte=whole_from, month__lt=whole_before)
    add(
        MemberFlowMonth.objects.filter(in_networks("network_id", network_ids))
        .filter(Q(month__lt=first) | whole)
        .annotate(bucket=Case(When(month__lt=first, then=None), default=F("month")))
        .values("network_id", "bucket")
        .annotate(joined=Sum("joined"), left=Sum("left"))
        .order_by()
    )
    in_partial_months = Q(day__gte=start, day__lte=end) & ~Q(
        day__gte=whole_from, day__lt=whole_before
    )
    add(
        MemberFlow.objects.filter(in_networks("network_id", network_ids))
        .filter(Q(day__gte=first, day__lt=start) | in_partial_months)
        .annotate(
            bucket=Case(
                When(day__lt=start, then=None),
                default=TruncMonth("day"),
                output_field=DateField(),
            )
        )
        .values("network_id", "bucket")
        .annotate(joined=Sum("joined"), left=Sum("left"))
        .order_by()
    )
    early = (
        MemberEarlyLeave.objects.filter(
            in_networks("network_id", network_ids), left_day__lt=start, joined_day__gte=start
        )
        .values("network_id")
        .annotate(n=Sum("members"))
        .order_by()
    )
    for row in early:
        baseline[kind(row["network_id"])] += row["n"]
    return baseline, joins, leaves


def member_counts_by_network(*, network_ids, period: Period) -> dict[int, dict]:
    """Per network: active now, pending sign-ups now (and how many of them
    wait for approval), joined and left during the period (as
    ``members_over_time`` counts them). One query; on PostgreSQL two, on
    the stored figures (``members.services.member_figures``)."""
    if member_figures_kept():
        return _stored_counts_by_network(network_ids=network_ids, period=period)
    joined = period.range_q("joined_on")
    left = period.range_q("left_on")
    awaiting = Q(status=Member.Status.PENDING, email_verified_at__isnull=False) & (
        Q(phone_verified_at__isnull=False) | Q(mobile_phone="")
    )
    rows = (
        _with_join_and_leave(Member.objects.filter(in_networks("network_id", network_ids)))
        .values("network_id")
        .annotate(
            active=Count("id", filter=Q(status=Member.Status.ACTIVE)),
            pending=Count("id", filter=Q(status=Member.Status.PENDING)),
            awaiting=Count("id", filter=awaiting),
            joined=Count("id", filter=joined),
            left=Count("id", filter=left),
        )
    )
    return {row.pop("network_id"): row for row in rows}


def _stored_counts_by_network(*, network_ids, period: Period) -> dict[int, dict]:
    """``member_counts_by_network`` from ``MemberCount`` and ``MemberFlow``:
    the same networks (those with a member), the same figures."""
    S = Member.Status
    result: dict[int, dict] = {}
    rows = (
        MemberCount.objects.filter(in_networks("network_id", network_ids))
        .values("network_id")
        .annotate(
            total=Sum("members"),
            active=Sum("members", filter=Q(status=S.ACTIVE), default=0),
            pending=Sum("members", filter=Q(status=S.PENDING), default=0),
            awaiting=Sum("members", filter=Q(status=S.PENDING, awaiting=True), default=0),
        )
        .filter(total__gt=0)
        .order_by()
    )
    for row in rows:
        result[row["network_id"]] = {
            "active": row["active"],
            "pending": row["pending"],
            "awaiting": row["awaiting"],
            "joined": 0,
            "left": 0,
        }
    flows = (
        MemberFlow.objects.filter(
            in_networks("network_id", network_ids), day__gte=period.start, day__lte=period.end
        )
        .values("network_id")
        .annotate(joined=Sum("joined"), left=Sum("left"))
        .order_by()
    )
    for row in flows:
        if row["network_id"] in result:
            result[row["network_id"]].update(joined=row["joined"], left=row["left"])
    return result


def members_per_street(*, network_ids) -> list[dict]:
    """Active members per street of each network, next to the households the
    municipality entered for that street (all its stretches together).

    ``households`` is None unless every stretch of the street has a count;
    ``share`` is then the percentage of households that joined. Two queries;
    on PostgreSQL the members from the stored counts per street
    (``members.services.member_figures``).
    """
    if member_figures_kept():
        member_rows = (
            MemberCount.objects.filter(
                in_networks("network_id", network_ids), status=Member.Status.ACTIVE, members__gt=0
            )
            .annotate(key=Lower("street"))
            .values("network_id", "key")
            .annotate(n=Sum("members"), label=Min("street"))
            .order_by()
        )
    else:
        member_rows = (
            Member.objects.filter(
                in_networks("network_id", network_ids), status=Member.Status.ACTIVE
            )
            .annotate(key=Lower("street"))
            .values("network_id", "key")
            .annotate(n=Count("id"), label=Min("street"))
        )
    street_rows = (
        Street.objects.filter(in_networks("network_id", network_ids))
        .annotate(key=Lower("name"))
        .values("network_id", "key")
        .annotate(
            households=Sum("household_count"),
            stretches=Count("id"),
            counted=Count("household_count"),
            label=Min("name"),
        )
    )
    merged: dict[tuple[int, str], dict] = {}
    for row in street_rows:
        complete = row["stretches"] == row["counted"]
        merged[(row["network_id"], row["key"])] = {
            "network_id": row["network_id"],
            "street": row["label"],
            "members": 0,
            "households": row["households"] if complete else None,
            "in_area": True,
        }
    for row in member_rows:
        entry = merged.setdefault(
            (row["network_id"], row["key"]),
            {
                "network_id": row["network_id"],
                "street": row["label"],
                "members": 0,
                "households": None,
                "in_area": False,
            },
        )
        entry["members"] = row["n"]
    result = sorted(merged.values(), key=lambda e: (e["network_id"], e["street"].casefold()))
    for entry in result:
        households = entry["households"]
        entry["share"] = round(100.0 * entry["members"] / households, 1) if households else None
    return result


def street_coverage(*, streets: list[dict]) -> dict:
    """Totals of ``members_per_street``: streets with household counts, and
    the share of those households that joined."""
    counted = [s for s in streets if s["households"]]
    households = sum(s["households"] for s in counted)
    joined = sum(s["members"] for s in counted)
    in_area = [s for s in streets if s["in_area"]]
    return {
        "streets": len(in_area),
        "streets_counted": len([s for s in in_area if s["households"] is not None]),
        "households": households,
        "members_on_counted_streets": joined,
        "share": round(100.0 * joined / households, 1) if households else None,
    }
