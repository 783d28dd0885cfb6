"""Recovering what a crash or a lost task left behind (run every minute)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from messaging.models import Delivery, Message
from messaging.services.completion import message_completion_sweep
from messaging.services.fanout import delivery_sends_queue, message_fanout_queue


def _stale_claim() -> timedelta:
    return timedelta(seconds=getattr(settings, "MESSAGING_STALE_CLAIM_SECONDS", 300))


def _sweep_grace() -> timedelta:
    return timedelta(seconds=getattr(settings, "MESSAGING_SWEEP_GRACE_SECONDS", 30))


def delivery_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Recover what a crash or a lost task left behind. Run every minute.

    - rows claimed by a worker that died go back to queued, keeping their
      ``claimed_at``: they are in doubt, and before such an SMS is sent
      again the provider is asked whether it already has it
      (``messaging.services.sending._transmit``, the gateway's ``lookup_sms``);
    - queued rows of messages whose validity ended are marked ``expired``
      (one statement): never sent late, e.g. after a broker outage;
    - published messages whose fan-out never ran get it now;
    - queued rows that are due (quiet hours over, backoff passed) are queued;
    - messages whose deliveries are all final are marked completed.
    """
    now = now or timezone.now()
    reclaimed = Delivery.objects.filter(
        status=Delivery.Status.SENDING, claimed_at__lt=now - _stale_claim()
    ).update(status=Delivery.Status.QUEUED)
    # The expiry is on the message, so one statement marks every row of
    # every stale message, whatever its count.
    expired = Delivery.objects.filter(
        status=Delivery.Status.QUEUED,
        message_id__in=Message.objects.filter(expires_at__lte=now).values("pk"),
    ).update(status=Delivery.Status.EXPIRED)
    started = 0
    for message in Message.objects.filter(
        status=Message.Status.PUBLISHED,
        fanout_done_at__isnull=True,
        published_at__lt=now - _sweep_grace(),
    ):
        message_fanout_queue(message)
        started += 1
    due = (
        Delivery.objects.filter(status=Delivery.Status.QUEUED)
        .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(Q(created_at__lt=now - _sweep_grace()) | Q(next_attempt_at__lte=now))
        .order_by("message_id", "pk")
        .values_list("message_id", "pk")[:20000]
    )
    by_message: dict[int, list[int]] = {}
    for message_id, pk in due:
        by_message.setdefault(message_id, []).append(pk)
    for message_id, ids in by_message.items():
        delivery_sends_queue(Message.objects.get(pk=message_id), ids)
    return {
        "completed": message_completion_sweep(),
        "reclaimed": reclaimed,
        "fanouts": started,
        "requeued": sum(len(v) for v in by_message.values()),
        "expired": expired,
    }
