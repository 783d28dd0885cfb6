"""Figures for the dashboards, all counted in the database.

Every function takes the networks to count (``network_ids``; ``None`` means
every network, for the national view) and, where it matters, a ``Period``.
Each runs a fixed number of queries, whatever the number of networks,
members or deliveries: grouping, conditional counts and window functions do
the work, Python only merges the grouped rows (at most one per network,
street, month or category).

No function returns a name, address, phone number or email of a member:
only counts, street names and durations.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    Count,
    F,
    FloatField,
    Func,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import Coalesce, Lower, TruncMonth
from django.utils import timezone

from charters.models import CharterVersion, Meeting, Sign
from members.models import Member
from messaging.models import Delivery, IncidentReport, Message
from messaging.selectors.messages import alerts_without_feedback
from networks.models import Network, Street
from networks.selectors import user_roles

# --- period ------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A range of whole days, both ends included, in the platform's time zone."""

    start: date
    end: date

    @property
    def start_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def end_before(self) -> datetime:
        """The first moment after the period (exclusive upper bound)."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    def months(self) -> list[date]:
        """First day of every month the period touches, in order."""
        months = []
        current = self.start.replace(day=1)
        while current <= self.end:
            months.append(current)
            current = (current + timedelta(days=32)).replace(day=1)
        return months

    def range_q(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.start_at, f"{field}__lt": self.end_before})

    def date_range_q(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.start, f"{field}__lte": self.end})


def _month_key(value) -> date | None:
    """The month of a TruncMonth result (an aware datetime or a date) as a date."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date().replace(day=1)
    return value.replace(day=1)


def _in_networks(field: str, network_ids) -> Q:
    return Q() if network_ids is None else Q(**{f"{field}__in": list(network_ids)})


# --- database helpers ----------------------------------------------------------


class SecondsBetween(Func):
    """``end - start`` in seconds, as a float (NULL when either is NULL)."""

    output_field = FloatField()

    def __init__(self, end, start, **extra):
        super().__init__(end, start, **extra)

    def _parts(self, compiler, connection):
        end_sql, end_params = compiler.compile(self.source_expressions[0])
        start_sql, start_params = compiler.compile(self.source_expressions[1])
        return end_sql, start_sql, (*end_params, *start_params)

    def as_sql(self, compiler, connection, **extra_context):
        end_sql, start_sql, params = self._parts(compiler, connection)
        return f"((julianday({end_sql}) - julianday({start_sql})) * 86400.0)", params

    def as_postgresql(self, compiler, connection, **extra_context):
        end_sql, start_sql, params = self._parts(compiler, connection)
        return f"(EXTRACT(EPOCH FROM ({end_sql} - {start_sql})))::double precision", params


class Median(Aggregate):
    """The median on PostgreSQL (``percentile_cont``); other databases use
    ``_median_fallback``."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


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


# --- members -----------------------------------------------------------------


def members_over_time(*, network_ids, period: Period, split_by_kind: bool = False) -> list[dict]:
    """Members at the end of each month of the period, with joins and leaves.

    A member counts from joining (approval) until leaving; suspended members
    still count (a suspension has no date). Three queries: the count at the
    start of the period, then joins and leaves grouped by month (and by the
    network's kind when ``split_by_kind``).

    Returns ``[{"month": date, "members": n, "joined": n, "left": n}]``, with
    ``"by_kind": {kind: members}`` added when split.
    """
    members = _with_join_and_leave(Member.objects.filter(_in_networks("network_id", network_ids)))
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
            counts[(_month_key(row["month"]), row.get("network__kind", ""))] += row["n"]
        return counts

    joins, leaves = per_month("joined_on"), per_month("left_on")
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


def member_counts_by_network(*, network_ids, period: Period) -> dict[int, dict]:
    """Per network: active now, pending sign-ups now (and how many of them
    wait for approval), joined and left during the period (as
    ``members_over_time`` counts them). One query."""
    joined = period.range_q("joined_on")
    left = period.range_q("left_on")
    awaiting = Q(status=Member.Status.PENDING, email_verified_at__isnull=False) & (
        Q(phone_verified_at__isnull=False) | Q(mobile_phone="")
    )
    rows = (
        _with_join_and_leave(Member.objects.filter(_in_networks("network_id", network_ids)))
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


def members_per_street(*, network_ids) -> list[dict]:
    """Active members per street of each network, next to the households the
    municipality entered for that street (all its stretches together).

    ``households`` is None unless every stretch of the street has a count;
    ``share`` is then the percentage of households that joined. Two queries.
    """
    member_rows = (
        Member.objects.filter(_in_networks("network_id", network_ids), status=Member.Status.ACTIVE)
        .annotate(key=Lower("street"))
        .values("network_id", "key")
        .annotate(members=Count("id"), label=Min("street"))
    )
    street_rows = (
        Street.objects.filter(_in_networks("network_id", network_ids))
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
        entry["members"] = row["members"]
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


# --- messages and deliveries -------------------------------------------------------


def _published_in(period: Period) -> Q:
    return Q(published_at__isnull=False) & period.range_q("published_at")


def messages_per_kind_month(*, network_ids, period: Period) -> list[dict]:
    """Messages published per month and kind, to any of the networks. One query.

    Returns ``[{"month": date, "<kind>": n, ..., "total": n}]`` for every month.
    """
    messages = Message.objects.filter(_published_in(period))
    if network_ids is not None:
        messages = messages.filter(networks__in=list(network_ids))
    rows = (
        messages.annotate(month=TruncMonth("published_at"))
        .values("month", "kind")
        .annotate(n=Count("id", distinct=True))
    )
    counts = {(_month_key(r["month"]), r["kind"]): r["n"] for r in rows}
    series = []
    for month in period.months():
        point = {"month": month}
        for kind in Message.Kind.values:
            point[kind] = counts.get((month, kind), 0)
        point["total"] = sum(point[kind] for kind in Message.Kind.values)
        series.append(point)
    return series


def messages_by_network(*, network_ids, period: Period) -> dict[int, dict]:
    """Per network: messages published in the period, and urgent ones. One query."""
    through = Message.networks.through
    rows = (
        through.objects.filter(
            _in_networks("network_id", network_ids),
            message__published_at__isnull=False,
            message__published_at__gte=period.start_at,
            message__published_at__lt=period.end_before,
        )
        .values("network_id")
        .annotate(
            messages=Count("message_id", distinct=True),
            urgent=Count("message_id", filter=Q(message__kind=Message.Kind.URGENT), distinct=True),
        )
    )
    return {row.pop("network_id"): row for row in rows}


def _messages_published(*, network_ids, period: Period):
    """Ids of the messages published in the period to any of the networks.

    Deliveries are filtered by their message first: a few hundred messages
    lead the planner to the (message, status) index instead of scanning every
    delivery; the member's network then keeps the right ones.
    """
    through = Message.networks.through
    return (
        through.objects.filter(
            _in_networks("network_id", network_ids),
            message__published_at__gte=period.start_at,
            message__published_at__lt=period.end_before,
        )
        .values("message_id")
        .distinct()
    )


SUCCESS_STATUSES = (Delivery.Status.SENT, Delivery.Status.DELIVERED)
FAILED_STATUSES = (Delivery.Status.FAILED, Delivery.Status.UNDELIVERED)
PENDING_STATUSES = (Delivery.Status.QUEUED, Delivery.Status.SENDING)


def delivery_by_channel(*, network_ids, period: Period) -> list[dict]:
    """Deliveries of the messages published in the period, per channel: total,
    delivered (confirmed by the provider), sent (handed over without a report
    yet; email has no reports, so this is its success), failed, still pending,
    cancelled, and the success rate over those not cancelled. One query."""
    S = Delivery.Status
    rows = (
        Delivery.objects.filter(
            _in_networks("member__network_id", network_ids),
            message_id__in=_messages_published(network_ids=network_ids, period=period),
        )
        .values("channel")
        .annotate(
            total=Count("id"),
            delivered=Count("id", filter=Q(status=S.DELIVERED)),
            sent=Count("id", filter=Q(status=S.SENT)),
            failed=Count("id", filter=Q(status__in=FAILED_STATUSES)),
            pending=Count("id", filter=Q(status__in=PENDING_STATUSES)),
            cancelled=Count("id", filter=Q(status=S.CANCELLED)),
        )
    )
    by_channel = {row["channel"]: row for row in rows}
    result = []
    for channel in Delivery.Channel.values:
        row = by_channel.get(
            channel,
            {"total": 0, "delivered": 0, "sent": 0, "failed": 0, "pending": 0, "cancelled": 0},
        )
        counted = row["total"] - row["cancelled"]
        success = row["delivered"] + row["sent"]
        result.append(
            {
                "channel": channel,
                **{k: row[k] for k in ("total", "delivered", "sent", "failed", "pending")},
                "cancelled": row["cancelled"],
                "success_rate": round(100.0 * success / counted, 1) if counted else None,
            }
        )
    return result


def _time_to_90_sql(*, network_ids, period: Period) -> tuple[str, list, str]:
    """The per-delivery rows both databases start from: when each delivery of
    a message published in the period reached its member (NULL if not yet or
    never). Cancelled rows and rows replaced by an email fallback are left out."""
    d = Delivery._meta.db_table
    m = Message._meta.db_table
    mb = Member._meta.db_table
    params: list = [
        connection.ops.adapt_datetimefield_value(period.start_at),
        connection.ops.adapt_datetimefield_value(period.end_before),
    ]
    member_join = network_filter = ""
    if network_ids is not None:
        ids = list(network_ids)
        placeholders = ", ".join(["%s"] * len(ids))
        t = Message.networks.through._meta.db_table
        member_join = f"JOIN {mb} mb ON mb.id = d.member_id"
        # The message list first, so the planner reads deliveries by message.
        subquery = f"SELECT t.message_id FROM {t} t WHERE t.network_id IN ({placeholders})"  # noqa: S608  # nosec B608 - table names from the models
        network_filter = f"AND d.message_id IN ({subquery}) AND mb.network_id IN ({placeholders})"
        params.extend(ids + ids)
    base = f"""
        SELECT d.message_id AS message_id, m.kind AS kind, m.published_at AS published_at,
               CASE WHEN d.status = 'delivered' THEN COALESCE(d.delivered_at, d.sent_at)
                    WHEN d.status = 'sent' THEN d.sent_at END AS reached_at
        FROM {d} d
        JOIN {m} m ON m.id = d.message_id
        {member_join}
        WHERE m.published_at >= %s AND m.published_at < %s {network_filter}
          AND d.status <> 'cancelled'
          AND NOT EXISTS (SELECT 1 FROM {d} f WHERE f.fallback_for_id = d.id)
    """  # noqa: S608  # nosec B608 - table names from the models, values as parameters
    return base, params, d


def delivery_speed(*, network_ids, period: Period) -> list[dict]:
    """Per message kind: messages published in the period, how many reached
    90 % of their deliveries, and the median and mean time from publishing to
    that moment (seconds).

    A message's moment is the 90th percentile (percentile_disc: the ⌈0.9·n⌉-th
    earliest) of its deliveries' arrival times, a delivery that never arrived
    counting as infinitely late: per message on PostgreSQL with
    ``percentile_disc``, on other databases with window functions. One query.
    """
    if network_ids is not None and not list(network_ids):
        return _speed_rows({})
    base, params, _table = _time_to_90_sql(network_ids=network_ids, period=period)
    if _is_postgres():
        sql = f"""
            WITH d AS ({base}),
            per_message AS (
                SELECT message_id, kind, published_at,
                       percentile_disc(0.9) WITHIN GROUP (
                           ORDER BY COALESCE(reached_at, 'infinity'::timestamptz)) AS t90
                FROM d GROUP BY message_id, kind, published_at
            )
            SELECT kind, COUNT(*),
                   COUNT(*) FILTER (WHERE t90 <> 'infinity'),
                   percentile_cont(0.5) WITHIN GROUP (
                       ORDER BY EXTRACT(EPOCH FROM (t90 - published_at))::double precision)
                       FILTER (WHERE t90 <> 'infinity'),
                   AVG(EXTRACT(EPOCH FROM (t90 - published_at))::double precision)
                       FILTER (WHERE t90 <> 'infinity')
            FROM per_message GROUP BY kind
        """  # noqa: S608  # nosec B608 - table names from the models
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found = {
                kind: {"messages": n, "reached": reached, "median": median, "mean": mean}
                for kind, n, reached, median, mean in cursor.fetchall()
            }
        return _speed_rows(found)
    sql = f"""
        WITH d AS ({base}),
        ranked AS (
            SELECT message_id, kind, published_at, reached_at,
                   ROW_NUMBER() OVER (PARTITION BY message_id
                                      ORDER BY reached_at IS NULL, reached_at) AS rn,
                   COUNT(*) OVER (PARTITION BY message_id) AS n
            FROM d
        )
        SELECT kind,
               (julianday(reached_at) - julianday(published_at)) * 86400.0
        FROM ranked WHERE rn = (9 * n + 9) / 10
    """  # noqa: S608  # nosec B608 - table names from the models
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        per_kind: dict[str, list] = defaultdict(list)
        for kind, seconds in cursor.fetchall():
            per_kind[kind].append(seconds)
    found = {}
    for kind, values in per_kind.items():
        reached = [v for v in values if v is not None]
        found[kind] = {
            "messages": len(values),
            "reached": len(reached),
            "median": statistics.median(reached) if reached else None,
            "mean": statistics.fmean(reached) if reached else None,
        }
    return _speed_rows(found)


def _speed_rows(found: dict) -> list[dict]:
    empty = {"messages": 0, "reached": 0, "median": None, "mean": None}
    return [{"kind": kind, **found.get(kind, empty)} for kind in Message.Kind.values]


# --- member reports ------------------------------------------------------------------


def member_reports_by_category(*, network_ids, period: Period) -> list[dict]:
    """Member reports made in the period per category: how many, how many were
    triaged, still open, and the median and mean time to triage (seconds).
    One query on PostgreSQL; elsewhere a second one reads the triage times
    (one number per report) for the median."""
    reports = IncidentReport.objects.filter(
        _in_networks("network_id", network_ids), period.range_q("created_at")
    )
    triage = SecondsBetween(F("triaged_at"), F("created_at"))
    aggregates = {
        "reports": Count("id"),
        "triaged": Count("id", filter=Q(triaged_at__isnull=False)),
        "open": Count("id", filter=~Q(status=IncidentReport.Status.CLOSED)),
    }
    if _is_postgres():
        aggregates["median"] = Median(triage, filter=Q(triaged_at__isnull=False))
    rows = {
        row["category"]: row
        for row in reports.values("category").annotate(
            **aggregates,
            mean=Sum(triage, filter=Q(triaged_at__isnull=False)),
        )
    }
    if not _is_postgres():
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
        IncidentReport.objects.filter(_in_networks("network_id", network_ids))
        .values("network_id")
        .annotate(
            reports=Count("id", filter=period.range_q("created_at")),
            open=Count("id", filter=~Q(status=IncidentReport.Status.CLOSED)),
        )
    )
    return {row.pop("network_id"): row for row in rows}


def alerts_without_feedback_by_network(*, network_ids, hours: int = 24) -> dict[int, int]:
    """Per network: urgent alerts older than ``hours`` that no feedback follows. One query."""
    networks = Network.objects.filter(_in_networks("id", network_ids))
    alerts = alerts_without_feedback(networks=networks, hours=hours)
    through = Message.networks.through
    rows = (
        through.objects.filter(
            _in_networks("network_id", network_ids),
            message_id__in=alerts.values("pk"),
        )
        .values("network_id")
        .annotate(n=Count("message_id", distinct=True))
    )
    return {row["network_id"]: row["n"] for row in rows}


# --- governance ------------------------------------------------------------------------


def signs_and_meetings_by_network(*, network_ids, period: Period) -> dict[int, dict]:
    """Per network: BIN signs placed (now, and during the period) and
    meetings held during the period (all, and member meetings). Two queries."""
    result: dict[int, dict] = defaultdict(
        lambda: {"signs_placed": 0, "signs_placed_in_period": 0, "meetings": 0,
                 "member_meetings": 0}
    )  # fmt: skip
    placed = Q(state=Sign.State.PLACED)
    for row in (
        Sign.objects.filter(_in_networks("network_id", network_ids))
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
            _in_networks("network_id", network_ids),
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
        Network.objects.filter(_in_networks("id", network_ids))
        .select_related("municipality", "police_zone")
        .annotate(
            charter_latest=Subquery(versions.values("number")[:1], output_field=IntegerField()),
            charter_latest_status=Subquery(versions.values("status")[:1]),
            charter_in_force=Subquery(signed.values("number")[:1], output_field=IntegerField()),
            charter_signed_at=Subquery(signed.values("signed_at")[:1]),
        )
        .order_by("name")
    )


# --- national ----------------------------------------------------------------------------


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
    """Active members per network, all networks. One query on the
    (network, status) index."""
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


# --- who sees which dashboard ----------------------------------------------------------


def dashboards_for_user(*, user) -> dict:
    """The dashboards a user may open: national, zones, municipalities and
    networks (three small queries, none counting members)."""
    from networks.selectors import (
        municipality_list_for_user,
        networks_visible_to,
        zone_list_for_user,
    )

    roles = user_roles(user=user)
    return {
        "national": roles.is_admin or roles.is_federal_viewer,
        "zones": list(zone_list_for_user(user=user).order_by("name")),
        "municipalities": list(municipality_list_for_user(user=user).order_by("name")),
        "networks": list(networks_visible_to(user=user).order_by("name")),
    }
