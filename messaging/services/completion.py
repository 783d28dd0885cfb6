"""Noticing that a message is done: every delivery final, once per message.

Checked after each chunk of sends, after a fan-out and a cancel, and by the
sweep for anything those missed. Setting ``Message.completed_at`` with a
conditional update makes the ``message_completed`` signal go out once even
when several workers check at the same moment.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from messaging.models import Delivery, Message
from messaging.selectors.messages import DONE, message_progress
from messaging.signals import message_completed


def message_completion_check(*, message_id: int) -> bool:
    """Mark the message completed and send ``message_completed`` when its
    fan-out is done and each of its deliveries is final (sent, delivered,
    undelivered, failed, cancelled or expired). Returns whether it did so now."""
    message = Message.objects.filter(
        pk=message_id,
        completed_at__isnull=True,
        fanout_done_at__isnull=False,
        published_at__isnull=False,
    ).first()
    if message is None:
        return False
    # The cheap question first (one index probe): after most send chunks
    # the answer is "not yet".
    if Delivery.objects.filter(message_id=message.pk).exclude(status__in=DONE).exists():
        return False
    progress = message_progress(message=message)
    if progress["done"] != progress["total"]:
        return False
    with transaction.atomic():
        if not Message.objects.filter(pk=message.pk, completed_at__isnull=True).update(
            completed_at=timezone.now()
        ):
            return False  # another worker was first
        message.refresh_from_db(fields=["completed_at", "status"])
        figures = {
            "total": progress["total"],
            "done": progress["done"],
            "by_channel": progress["table"],
        }
        message_completed.send(sender=Message, message=message, figures=figures)
    return True


def message_completion_sweep() -> int:
    """Check every message whose fan-out is done, that is not completed yet
    and has no delivery still to go; returns how many completed now."""
    pending = Delivery.objects.filter(message=OuterRef("pk")).exclude(status__in=DONE)
    candidates = Message.objects.filter(
        completed_at__isnull=True, fanout_done_at__isnull=False, published_at__isnull=False
    ).exclude(Exists(pending))
    return sum(
        message_completion_check(message_id=pk)
        for pk in candidates.values_list("pk", flat=True)[:500]
    )
