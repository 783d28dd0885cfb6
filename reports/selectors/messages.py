"""Message and delivery figures: messages per kind and month, delivery per
channel, time to 90 % delivered, urgent alerts without feedback."""

from __future__ import annotations

import statistics
from collections import defaultdict

from django.db import connection
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth

from members.models import Member
from messaging.figures_models import (
    DeliveryFiguresStale,
    MessageDeliveryCount,
    MessageDeliveryFigures,
)
from messaging.models import Delivery, Message
from messaging.selectors.messages import alerts_without_feedback
from messaging.services.delivery_figures import figures_are_kept
from networks.models import Network
from reports.selectors.period import Period, in_networks, month_key
from reports.selectors.sql import is_postgres


def _published_in(period: Period) -> Q:
    # Exercises (marked TEST) are rehearsals: never counted.
    return Q(published_at__isnull=False, is_exercise=False) & period.range_q("published_at")


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
    counts = {(month_key(r["month"]), r["kind"]): r["n"] for r in rows}
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
            in_networks("network_id", network_ids),
            message__published_at__isnull=False,
            message__is_exercise=False,
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
            in_networks("network_id", network_ids),
            message__published_at__gte=period.start_at,
            message__published_at__lt=period.end_before,
            message__is_exercise=False,
        )
        .values("message_id")
        .distinct()
    )


SUCCESS_STATUSES = (Delivery.Status.SENT, Delivery.Status.DELIVERED)
FAILED_STATUSES = (Delivery.Status.FAILED, Delivery.Status.UNDELIVERED)
PENDING_STATUSES = (Delivery.Status.QUEUED, Delivery.Status.SENDING)


_EMPTY_COUNTS = {
    "total": 0,
    "delivered": 0,
    "sent": 0,
    "failed": 0,
    "pending": 0,
    "cancelled": 0,
    "expired": 0,
}


def _fresh_messages() -> Q:
    """Messages whose stored figures are up to date: computed, and no delivery
    changed since (messaging.services.delivery_figures)."""
    return Q(message__delivery_figures__isnull=False) & ~Q(
        message_id__in=DeliveryFiguresStale.objects.values("message_id")
    )


# Up to this many messages without fresh stored figures are read by id
# through the delivery index; more are read in one scan of the deliveries.
STALE_BY_INDEX = 100


def _stored_figures_fresh() -> Q:
    """On Message: its stored figures exist and no delivery changed since."""
    return Q(delivery_figures__isnull=False) & ~Q(
        pk__in=DeliveryFiguresStale.objects.values("message_id")
    )


def delivery_by_channel(*, network_ids, period: Period) -> list[dict]:
    """Deliveries of the messages published in the period, per channel: total,
    delivered (confirmed by the provider), sent (handed over without a report
    yet; email has no reports, so this is its success), failed, still pending,
    cancelled, expired (not sent before the message's validity ended, so not
    a success), and the success rate over those not cancelled.

    On PostgreSQL the messages whose figures are up to date are read from
    ``MessageDeliveryCount`` (one row per message, network and channel), the
    others counted from their deliveries: two queries whatever the size."""
    S = Delivery.Status
    aggregates = {
        "total": Count("id"),
        "delivered": Count("id", filter=Q(status=S.DELIVERED)),
        "sent": Count("id", filter=Q(status=S.SENT)),
        "failed": Count("id", filter=Q(status__in=FAILED_STATUSES)),
        "pending": Count("id", filter=Q(status__in=PENDING_STATUSES)),
        "cancelled": Count("id", filter=Q(status=S.CANCELLED)),
        "expired": Count("id", filter=Q(status=S.EXPIRED)),
    }
    published = _messages_published(network_ids=network_ids, period=period)
    deliveries = Delivery.objects.filter(
        in_networks("member__network_id", network_ids), message_id__in=published
    )
    by_channel: dict[str, dict] = {}
    if figures_are_kept():
        fresh = MessageDeliveryCount.objects.filter(
            in_networks("network_id", network_ids), message_id__in=published
        ).filter(_fresh_messages())
        rows = fresh.values("channel").annotate(**{k: Sum(k) for k in _EMPTY_COUNTS}).order_by()
        for row in rows:
            by_channel[row["channel"]] = {k: row[k] or 0 for k in _EMPTY_COUNTS}
        # The others, counted from their deliveries: their ids first (a few,
        # usually none), so the deliveries are read by message through the
        # index instead of scanned whole to find nothing.
        stale = list(
            Message.objects.filter(pk__in=published)
            .exclude(_stored_figures_fresh())
            .values_list("pk", flat=True)[: STALE_BY_INDEX + 1]
        )
        if len(stale) > STALE_BY_INDEX:
            # Many (the first refresh after deploying has not run yet): one
            # scan of the deliveries is cheaper than an index probe each.
            deliveries = deliveries.exclude(
                message_id__in=Message.objects.filter(_stored_figures_fresh()).values("pk")
            )
        else:
            deliveries = deliveries.filter(message_id__in=stale) if stale else deliveries.none()
    for row in deliveries.values("channel").annotate(**aggregates).order_by():
        into = by_channel.setdefault(row["channel"], dict(_EMPTY_COUNTS))
        for key in _EMPTY_COUNTS:
            into[key] += row[key]
    result = []
    for channel in Delivery.Channel.values:
        row = by_channel.get(channel, _EMPTY_COUNTS)
        counted = row["total"] - row["cancelled"]
        success = row["delivered"] + row["sent"]
        result.append(
            {
                "channel": channel,
                **{k: row[k] for k in ("total", "delivered", "sent", "failed", "pending")},
                "cancelled": row["cancelled"],
                "expired": row["expired"],
                "success_rate": round(100.0 * success / counted, 1) if counted else None,
            }
        )
    return result


def _time_to_90_sql(*, network_ids, period: Period, extra: str = "") -> tuple[str, list, str]:
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
        WHERE m.published_at >= %s AND m.published_at < %s AND NOT m.is_exercise
          {network_filter}
          AND d.status <> 'cancelled'
          AND NOT EXISTS (SELECT 1 FROM {d} f WHERE f.fallback_for_id = d.id)
          {extra}
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
    if is_postgres():
        return _speed_rows(_delivery_speed_postgres(network_ids=network_ids, period=period))
    base, params, _table = _time_to_90_sql(network_ids=network_ids, period=period)
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


def _delivery_speed_postgres(*, network_ids, period: Period) -> dict:
    """``delivery_speed`` on PostgreSQL, one query. A message whose stored
    figures are up to date (``MessageDeliveryFigures``, no change since) and
    whose networks all lie in the scope takes its time to 90 % from there:
    all its deliveries then are the scope's. The percentile is computed from
    the deliveries for the others only."""
    m = Message._meta.db_table
    t = Message.networks.through._meta.db_table
    f = MessageDeliveryFigures._meta.db_table
    st = DeliveryFiguresStale._meta.db_table
    params: list = [
        connection.ops.adapt_datetimefield_value(period.start_at),
        connection.ops.adapt_datetimefield_value(period.end_before),
    ]
    in_scope = outside_scope = ""
    if network_ids is not None:
        ids = list(network_ids)
        placeholders = ", ".join(["%s"] * len(ids))
        # Table names from the models, values as parameters.
        in_scope = f"AND m.id IN (SELECT message_id FROM {t} WHERE network_id IN ({placeholders}))"  # noqa: S608  # nosec B608
        outside_scope = (
            f"AND NOT EXISTS (SELECT 1 FROM {t} o WHERE o.message_id = m.id"  # noqa: S608  # nosec B608
            f" AND o.network_id NOT IN ({placeholders}))"
        )
        params += ids + ids
    few = (
        Message.objects.filter(
            published_at__gte=period.start_at,
            published_at__lt=period.end_before,
            is_exercise=False,
        )
        .exclude(_stored_figures_fresh())[: STALE_BY_INDEX + 1]
        .count()
        <= STALE_BY_INDEX
    )
    if few:
        # The ids first (an init plan), so the deliveries of those few
        # messages are read through the (message, status) index.
        extra = (
            f"AND d.message_id = ANY(ARRAY(SELECT m2.id FROM {m} m2"  # noqa: S608  # nosec B608
            " WHERE m2.published_at >= %s AND m2.published_at < %s AND NOT m2.is_exercise"
            " AND m2.id NOT IN (SELECT message_id FROM fresh)))"
        )
    else:
        extra = "AND d.message_id NOT IN (SELECT message_id FROM fresh)"
    base, base_params, _table = _time_to_90_sql(network_ids=network_ids, period=period, extra=extra)
    params += base_params + (params[:2] if few else [])  # the period again, for ``extra``
    sql = f"""
        WITH fresh AS (
            SELECT m.id AS message_id, m.kind, m.published_at,
                   COALESCE(f.t90_at, 'infinity'::timestamptz) AS t90, f.counted
            FROM {m} m JOIN {f} f ON f.message_id = m.id
            WHERE m.published_at >= %s AND m.published_at < %s AND NOT m.is_exercise
              {in_scope} {outside_scope}
              AND NOT EXISTS (SELECT 1 FROM {st} s WHERE s.message_id = m.id)
        ),
        d AS ({base}),
        per_message AS (
            SELECT message_id, kind, published_at, t90 FROM fresh WHERE counted > 0
            UNION ALL
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
        return {
            kind: {"messages": n, "reached": reached, "median": median, "mean": mean}
            for kind, n, reached, median, mean in cursor.fetchall()
        }


def _speed_rows(found: dict) -> list[dict]:
    empty = {"messages": 0, "reached": 0, "median": None, "mean": None}
    return [{"kind": kind, **found.get(kind, empty)} for kind in Message.Kind.values]


def alerts_without_feedback_by_network(*, network_ids, hours: int = 24) -> dict[int, int]:
    """Per network: urgent alerts older than ``hours`` that no feedback follows. One query."""
    networks = Network.objects.filter(in_networks("id", network_ids))
    alerts = alerts_without_feedback(networks=networks, hours=hours)
    through = Message.networks.through
    rows = (
        through.objects.filter(
            in_networks("network_id", network_ids),
            message_id__in=alerts.values("pk"),
        )
        .values("network_id")
        .annotate(n=Count("message_id", distinct=True))
    )
    return {row["network_id"]: row["n"] for row in rows}
