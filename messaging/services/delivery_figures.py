"""Per-message delivery figures, kept up to date for the dashboards.

The national and zone dashboards need, per message, its deliveries by
network, channel and status, and the moment 90 % of them had arrived (a
90th percentile over its deliveries); the message's page shows that moment
and the first arrival (``first_at``) in its timeline. Computed from a million deliveries at
every page view that took 1.4 s, so each message's figures are stored
(``MessageDeliveryCount``, ``MessageDeliveryFigures``) and recomputed when
its deliveries change.

How they stay correct, whatever changes the deliveries (send, status
callback, sweep, cancel, fallback, erasure) and however many workers do so
at once: database triggers on the delivery table append a marker
(``DeliveryFiguresStale``) for each message a statement touched, in the same
transaction, without waiting on anything. ``delivery_figures_recompute``
takes a per-message advisory lock, deletes the markers committed so far,
then recomputes the message's figures from its deliveries in a later
statement (so from a snapshot that holds every change those markers stood
for) and replaces the stored rows. A change committed meanwhile leaves its
marker behind, so the message stays stale until the next run. Recomputing
twice gives the same rows (idempotent). The dashboards read the stored
figures only for messages without a marker and compute the others from
their deliveries (``reports.selectors.messages``), so a figure is never
older than the deliveries, only faster when fresh.

``delivery_figures_refresh`` (Celery beat, every 30 seconds) recomputes the
stale messages and the published ones never computed.
"""

from __future__ import annotations

import logging

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from messaging.figures_models import (
    DeliveryFiguresStale,
    MessageDeliveryCount,
    MessageDeliveryFigures,
)
from messaging.models import Delivery, Message

logger = logging.getLogger(__name__)

# Advisory lock namespace of the recomputation (one lock per message).
FIGURES_LOCK = 5_116_018
REFRESH_BATCH = 500

FAILED = (Delivery.Status.FAILED, Delivery.Status.UNDELIVERED)
PENDING = (Delivery.Status.QUEUED, Delivery.Status.SENDING)

# The ⌈0.9·n⌉-th earliest arrival among the deliveries counted (not cancelled,
# not replaced by a fallback), one never arriving counting as infinitely late:
# the same rule as reports.selectors.messages.delivery_speed.
_T90_SQL = """
    WITH d AS (
        SELECT CASE WHEN d.status = 'delivered' THEN COALESCE(d.delivered_at, d.sent_at)
                    WHEN d.status = 'sent' THEN d.sent_at END AS reached_at
        FROM messaging_delivery d
        WHERE d.message_id = %s AND d.status <> 'cancelled'
          AND NOT EXISTS (SELECT 1 FROM messaging_delivery f WHERE f.fallback_for_id = d.id)
    ), p AS (
        SELECT COUNT(*) AS n,
               percentile_disc(0.9) WITHIN GROUP (
                   ORDER BY COALESCE(reached_at, 'infinity'::timestamptz)) AS t90,
               MIN(reached_at) AS first_at
        FROM d
    )
    SELECT n, CASE WHEN t90 = 'infinity'::timestamptz THEN NULL ELSE t90 END, first_at FROM p
"""


def figures_are_kept() -> bool:
    """Whether the figures tables are maintained (the triggers exist on PostgreSQL only)."""
    return connection.vendor == "postgresql"


@transaction.atomic
def delivery_figures_recompute(*, message_id: int) -> None:
    """Recompute one message's stored delivery figures from its deliveries
    (see the module docstring for why this is safe to run at any time)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [FIGURES_LOCK, message_id % 2**31])
    DeliveryFiguresStale.objects.filter(message_id=message_id).delete()
    if not Message.objects.filter(pk=message_id).exists():
        return
    S = Delivery.Status
    rows = (
        Delivery.objects.filter(message_id=message_id)
        .values("member__network_id", "channel")
        .annotate(
            total=Count("id"),
            delivered=Count("id", filter=Q(status=S.DELIVERED)),
            sent=Count("id", filter=Q(status=S.SENT)),
            failed=Count("id", filter=Q(status__in=FAILED)),
            pending=Count("id", filter=Q(status__in=PENDING)),
            cancelled=Count("id", filter=Q(status=S.CANCELLED)),
            expired=Count("id", filter=Q(status=S.EXPIRED)),
        )
        .order_by()
    )
    counts = [
        MessageDeliveryCount(
            message_id=message_id,
            network_id=row.pop("member__network_id"),
            **row,
        )
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.execute(_T90_SQL, [message_id])
        counted, t90_at, first_at = cursor.fetchone()
    MessageDeliveryCount.objects.filter(message_id=message_id).delete()
    MessageDeliveryCount.objects.bulk_create(counts)
    MessageDeliveryFigures.objects.update_or_create(
        message_id=message_id,
        defaults={
            "counted": counted,
            "t90_at": t90_at,
            "first_at": first_at,
            "computed_at": timezone.now(),
        },
    )


def delivery_figures_refresh(*, limit: int = REFRESH_BATCH) -> int:
    """Recompute the figures of up to ``limit`` messages whose deliveries
    changed, and of published messages never computed; returns how many."""
    if not figures_are_kept():
        return 0
    stale = list(
        DeliveryFiguresStale.objects.order_by()
        .values_list("message_id", flat=True)
        .distinct()[:limit]
    )
    never = list(
        Message.objects.filter(published_at__isnull=False, delivery_figures__isnull=True)
        .exclude(pk__in=stale)
        .order_by("pk")
        .values_list("pk", flat=True)[: max(0, limit - len(stale))]
    )
    for message_id in [*stale, *never]:
        delivery_figures_recompute(message_id=message_id)
    if stale or never:
        logger.info("delivery figures of %s messages recomputed", len(stale) + len(never))
    return len(stale) + len(never)
