"""The fan-out of a published message: one Delivery per (message, member,
channel), inserted in bulk (the unique constraint makes a second run add
nothing), and the sends queued in chunks as the rows are written.
"""

from __future__ import annotations

import logging
from itertools import islice

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from messaging.models import Delivery, Message
from messaging.selectors.recipients import message_recipients_iter
from messaging.services.completion import message_completion_check

logger = logging.getLogger(__name__)


def _chunk_size() -> int:
    return getattr(settings, "MESSAGING_FANOUT_CHUNK", 200)


def _queue(message: Message) -> str:
    return "urgent" if message.is_urgent else "default"


def message_fanout_queue(message: Message) -> None:
    """Queue the fan-out of a published message; if the broker is down, the
    sweep starts it later."""
    # why: the tasks module imports the services (the services <-> tasks pair).
    from messaging.tasks import message_fanout_task

    try:
        message_fanout_task.apply_async(args=[message.pk], queue=_queue(message))
    except Exception:
        # Broker down: delivery_sweep starts the fan-out of published messages
        # that have none yet.
        logger.exception("could not queue the fan-out of message %s", message.pk)


def delivery_sends_queue(message: Message, ids: list[int], countdown: float = 0) -> None:
    """Queue the sends of ``ids``, in chunks, on the message's queue."""
    # why: the tasks module imports the services (the services <-> tasks pair).
    from messaging.tasks import delivery_send_task

    size = _chunk_size()
    for start in range(0, len(ids), size):
        try:
            delivery_send_task.apply_async(
                args=[ids[start : start + size]], queue=_queue(message), countdown=countdown
            )
        except Exception:
            logger.exception("could not queue sends of message %s; the sweep will", message.pk)
            return


# Deliveries inserted per statement by the fan-out. The first batch is one
# send chunk, so the first sends start while the rest is still written.
FANOUT_BATCH = 2000


def _fastest_channel_first(rows: list[tuple[int, int, str]]) -> tuple[list[int], list[int]]:
    """Split ``(pk, member, channel)`` rows into the ones to queue now and
    the emails of members who also get an SMS or a voice call, for later.

    A member whose only channel is email keeps their place: nobody waits
    behind somebody else's second channel."""
    faster = {member for _, member, channel in rows if channel != Delivery.Channel.EMAIL}
    first, second = [], []
    for pk, member, channel in rows:
        waits = channel == Delivery.Channel.EMAIL and member in faster
        (second if waits else first).append(pk)
    return first, second


def message_fanout(*, message_id: int) -> int:
    """Create the deliveries of a published message and queue their sends.

    Rows are written in batches and each batch's sends are queued at once, so
    the first members get the alert before the last rows exist. Safe to run
    again: existing rows are kept (unique constraint), and only queued rows
    are sent. Rows that could only be sent after the message's validity are
    written ``expired``. Returns the number of deliveries of the message.
    """
    message = Message.objects.get(pk=message_id)
    if message.status != Message.Status.PUBLISHED:
        return 0
    # Rows that could only go out after the message's validity (a fan-out
    # started late by the sweep, quiet hours ending after it) are written
    # ``expired`` at once: counted and shown, never sent late.
    expires = message.valid_until()
    started = timezone.now()
    if expires is not None and expires <= started:
        logger.warning("message %s expired before its fan-out; nothing is sent", message.pk)

    def status_of(not_before) -> str:
        if expires is not None and (expires <= started or (not_before and not_before >= expires)):
            return Delivery.Status.EXPIRED
        return Delivery.Status.QUEUED

    # Read as they are written: the first batch goes out before the rest of
    # the member list has been read.
    recipients = message_recipients_iter(message=message)
    queued, last_pk, total = 0, 0, 0
    # Emails of members who also get an SMS or a call: queued once every
    # batch's first channel is, so the workers spend the first seconds on what
    # is read at once and the provider's limit is used from the start
    # (BENCHMARKS.md: with both mixed, SMS got half the CPU).
    later: list[int] = []
    while True:
        size = _chunk_size() if total == 0 else FANOUT_BATCH
        batch = list(islice(recipients, size))
        total += len(batch)
        Delivery.objects.bulk_create(
            (
                Delivery(
                    message=message,
                    member_id=r.member_id,
                    channel=r.channel,
                    to=r.to,
                    language=r.language,
                    not_before=r.not_before,
                    status=status_of(r.not_before),
                )
                for r in batch
            ),
            ignore_conflicts=True,
        )
        now = timezone.now()
        # Rows of this message get increasing ids batch after batch; a second
        # run finds all its queued rows in the first pass.
        due = list(
            message.deliveries.filter(status=Delivery.Status.QUEUED, pk__gt=last_pk)
            .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
            .order_by("pk")
            .values_list("pk", "member_id", "channel")
        )
        if due:
            first, second = _fastest_channel_first(due)
            delivery_sends_queue(message, first)
            later.extend(second)
            queued += len(due)
            last_pk = due[-1][0]
        if len(batch) < size:
            break
    if later:
        delivery_sends_queue(message, later)
    Message.objects.filter(pk=message.pk, fanout_done_at__isnull=True).update(
        fanout_done_at=timezone.now()
    )
    logger.info("message %s: %s deliveries, %s queued now", message.pk, total, queued)
    # A message with no recipient (or whose rows were all stopped) is done now.
    message_completion_check(message_id=message.pk)
    return message.deliveries.count()
