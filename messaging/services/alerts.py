"""Publishing a message and fanning it out to every member, by channel.

Publishing stores the message and queues the fan-out after commit. The
fan-out inserts one Delivery per (message, member, channel) in bulk — the
unique constraint makes a second run add nothing — and queues the sends in
chunks. A send claims its row with a conditional UPDATE (queued → sending),
so two workers never send the same row, and nothing is locked while the
gateway is called. Temporary failures go back to queued with backoff;
permanent SMS failures fall back to email.
"""

from __future__ import annotations

import logging
import smtplib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from members.models import Member
from members.tokens import member_self_service_url, member_short_url
from messaging.models import Delivery, Message
from outbox.gateways import (
    GatewayConfigurationError,
    OutgoingCall,
    OutgoingSMS,
    PermanentGatewayError,
    TemporaryGatewayError,
    get_sms_gateway,
    get_voice_gateway,
)

__all__ = [
    "delivery_send_chunk",
    "delivery_sweep",
    "message_cancel",
    "message_fanout",
    "message_publish",
    "message_recipients",
    "message_update_draft",
]

logger = logging.getLogger(__name__)

MAX_SEND_ATTEMPTS = 6
LOCAL_TZ = ZoneInfo("Europe/Brussels")


def _chunk_size() -> int:
    return getattr(settings, "MESSAGING_FANOUT_CHUNK", 200)


def _stale_claim() -> timedelta:
    return timedelta(seconds=getattr(settings, "MESSAGING_STALE_CLAIM_SECONDS", 300))


def _sweep_grace() -> timedelta:
    return timedelta(seconds=getattr(settings, "MESSAGING_SWEEP_GRACE_SECONDS", 30))


@dataclass(frozen=True)
class Recipient:
    member_id: int
    channel: str
    to: str
    language: str
    not_before: datetime | None


def _quiet_until(*, start, end, now: datetime) -> datetime | None:
    """When a member's quiet hours end, if ``now`` falls inside them."""
    if start is None or end is None or start == end:
        return None
    local = now.astimezone(LOCAL_TZ)
    t = local.time()
    inside = (start <= t < end) if start < end else (t >= start or t < end)
    if not inside:
        return None
    end_today = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    return end_today if end_today > local else end_today + timedelta(days=1)


def message_recipients(*, message: Message, now: datetime | None = None) -> list[Recipient]:
    """Who gets the message through which channel, with member preferences applied.

    See ``_recipients_iter``, which yields them one by one."""
    return list(_recipients_iter(message=message, now=now))


def _recipients_iter(*, message: Message, now: datetime | None = None) -> Iterator[Recipient]:
    """The recipients of ``message``, in member order, as they are read.

    Active members of the targeted networks (and streets); each member's own
    channels intersected with the message's; non-urgent messages skip paused
    members and wait for the end of quiet hours — urgent alerts override both.
    A person on several targeted networks gets one message per channel: the
    same phone number or email address is served once.
    """
    now = now or timezone.now()
    if message.update_of_id:
        yield from _recipients_of(message.update_of)
        return
    members = Member.objects.active().filter(network__in=message.networks.all())
    if message.streets:
        members = members.filter(street__in=message.streets)
    if not message.is_urgent:
        members = members.exclude(paused_until__gte=now.astimezone(LOCAL_TZ).date())
    rows = members.order_by("pk").values(
        "pk", "email", "mobile_phone", "landline", "language", "by_sms", "by_email",
        "by_voice", "quiet_hours_start", "quiet_hours_end", "network__languages",
    )  # fmt: skip
    seen: set[tuple[str, str]] = set()
    for row in rows.iterator(chunk_size=FANOUT_BATCH):
        not_before = None
        if not message.is_urgent:
            not_before = _quiet_until(
                start=row["quiet_hours_start"], end=row["quiet_hours_end"], now=now
            )
        wanted = []
        if message.by_sms and row["by_sms"] and row["mobile_phone"]:
            wanted.append((Delivery.Channel.SMS, str(row["mobile_phone"])))
        if message.by_email and row["by_email"] and row["email"]:
            wanted.append((Delivery.Channel.EMAIL, row["email"]))
        voice_number = row["landline"] or row["mobile_phone"]
        if message.by_voice and row["by_voice"] and voice_number:
            wanted.append((Delivery.Channel.VOICE, str(voice_number)))
        for channel, address in wanted:
            key = (channel, address.lower())
            if key in seen:
                continue
            seen.add(key)
            yield Recipient(
                member_id=row["pk"],
                channel=channel,
                to=address,
                language=row["language"],
                not_before=not_before,
            )


def _recipients_of(original: Message) -> list[Recipient]:
    """An update goes to the members the original reached, by the same channels,
    with their details and wishes as they are now: a changed number or address,
    a channel switched off (STOP), a pause, or leaving are respected."""
    pairs = set(
        original.deliveries.exclude(status=Delivery.Status.CANCELLED)
        .filter(fallback_for__isnull=True)
        .values_list("member_id", "channel")
    )
    members = Member.objects.active().filter(pk__in={m for m, _c in pairs})
    if not original.is_urgent:
        members = members.exclude(paused_until__gte=timezone.localdate())
    recipients = []
    for member in members.order_by("pk"):
        current = {
            Delivery.Channel.SMS: member.by_sms and str(member.mobile_phone or ""),
            Delivery.Channel.EMAIL: member.by_email and member.email,
            Delivery.Channel.VOICE: member.by_voice
            and str(member.landline or member.mobile_phone or ""),
        }
        for channel, address in current.items():
            if (member.pk, channel) in pairs and address:
                recipients.append(
                    Recipient(
                        member_id=member.pk,
                        channel=channel,
                        to=address,
                        language=member.language,
                        not_before=None,
                    )
                )
    return recipients


@transaction.atomic
def message_update_draft(*, original: Message, created_by) -> Message:
    """A draft update of a published message, with its texts to edit; once
    published it reaches the same recipients as the original."""
    original = Message.objects.get(pk=original.pk)
    if original.status != Message.Status.PUBLISHED:
        raise ValidationError(_("Only a published message can be updated."))
    update = Message.objects.create(
        kind=original.kind,
        streets=original.streets,
        by_sms=original.by_sms,
        by_email=original.by_email,
        by_voice=original.by_voice,
        texts=original.texts,
        follows=original.follows,
        update_of=original,
        created_by=created_by,
    )
    update.networks.set(original.networks.all())
    return update


@transaction.atomic
def message_cancel(*, message: Message, cancelled_by) -> int:
    """Cancel a message: what has not gone out yet never will.

    Returns how many deliveries were stopped. Sent messages cannot be called
    back; send an update to correct them.
    """
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.status == Message.Status.CANCELLED:
        return 0
    message.status = Message.Status.CANCELLED
    message.cancelled_at = timezone.now()
    message.save(update_fields=["status", "cancelled_at"])
    stopped = message.deliveries.filter(status=Delivery.Status.QUEUED).update(
        status=Delivery.Status.CANCELLED
    )
    logger.info(
        "message %s cancelled by %s; %s deliveries stopped", message.pk, cancelled_by.pk, stopped
    )
    return stopped


@transaction.atomic
def message_publish(*, message: Message, published_by, check_plan: bool = True) -> Message:
    """Publish a draft (or approved) message; the fan-out starts after commit.

    The channels must be ones the networks' communication plans allow for the
    kind (``messaging.selectors.message_plan_problems``). ``check_plan=False``
    is for the platform's own notices about the charter itself (new house
    rules), which are not messages of the plan.
    """
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.status not in (Message.Status.DRAFT, Message.Status.PENDING_APPROVAL):
        raise ValidationError(_("Only a draft can be published."))
    if not message.texts or not any(message.texts.values()):
        raise ValidationError({"texts": _("Write the text of the message.")})
    if not message.networks.exists():
        raise ValidationError({"networks": _("Choose at least one network.")})
    if not (message.by_sms or message.by_email or message.by_voice):
        raise ValidationError({"by_sms": _("Choose at least one channel.")})
    if check_plan:
        from messaging.selectors import message_plan_problems

        problems = message_plan_problems(message=message)
        if problems:
            raise ValidationError(problems)
    message.status = Message.Status.PUBLISHED
    message.published_at = timezone.now()
    if message.approved_by_id is None:
        message.approved_by = published_by
    message.save(update_fields=["status", "published_at", "approved_by"])
    transaction.on_commit(lambda: _queue_fanout(message))
    logger.info("message %s (%s) published by %s", message.pk, message.kind, published_by.pk)
    return message


def _queue(message: Message) -> str:
    return "urgent" if message.is_urgent else "default"


def _queue_fanout(message: Message) -> None:
    from messaging.tasks import message_fanout_task

    try:
        message_fanout_task.apply_async(args=[message.pk], queue=_queue(message))
    except Exception:
        # Broker down: delivery_sweep starts the fan-out of published messages
        # that have none yet.
        logger.exception("could not queue the fan-out of message %s", message.pk)


def delivery_sends_queue(message: Message, ids: list[int], countdown: float = 0) -> None:
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


def message_fanout(*, message_id: int) -> int:
    """Create the deliveries of a published message and queue their sends.

    Rows are written in batches and each batch's sends are queued at once, so
    the first members get the alert before the last rows exist. Safe to run
    again: existing rows are kept (unique constraint), and only queued rows
    are sent. Returns the number of deliveries of the message.
    """
    message = Message.objects.get(pk=message_id)
    if message.status != Message.Status.PUBLISHED:
        return 0
    # Read as they are written: the first batch goes out before the rest of
    # the member list has been read.
    recipients = _recipients_iter(message=message)
    queued, last_pk, total = 0, 0, 0
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
            .values_list("pk", flat=True)
        )
        if due:
            delivery_sends_queue(message, due)
            queued += len(due)
            last_pk = due[-1]
        if len(batch) < size:
            break
    Message.objects.filter(pk=message.pk, fanout_done_at__isnull=True).update(
        fanout_done_at=timezone.now()
    )
    logger.info("message %s: %s deliveries, %s queued now", message.pk, total, queued)
    return message.deliveries.count()


# Rows claimed per round trip: one SELECT ... FOR UPDATE SKIP LOCKED and one
# UPDATE per batch instead of two statements per delivery. Each outcome is
# still recorded on its own, right after its send (``_send_one``). A cancel
# stops every row not yet claimed, so at most this many rows of a cancelled
# message can still go out.
CLAIM_BATCH = 20


def _claim_batch(delivery_ids: list[int]) -> list[Delivery]:
    """Take the queued, due rows among ``delivery_ids`` for sending; rows held
    by another worker, not due, or of a message no longer published are left."""
    now = timezone.now()
    with transaction.atomic():
        claimable = list(
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("message", "member__network")
            .filter(
                pk__in=delivery_ids,
                status=Delivery.Status.QUEUED,
                # A cancelled message sends nothing more, whatever was queued.
                message__status=Message.Status.PUBLISHED,
            )
            .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .order_by("pk")
        )
        if claimable:
            Delivery.objects.filter(pk__in=[d.pk for d in claimable]).update(
                status=Delivery.Status.SENDING, claimed_at=now
            )
    for delivery in claimable:
        delivery.status, delivery.claimed_at = Delivery.Status.SENDING, now
    return claimable


class _Throttle:
    """At most MESSAGING_SEND_RATE[channel] sends per second from this process."""

    last: dict[str, float] = {}

    @classmethod
    def wait(cls, channel: str) -> None:
        rate = getattr(settings, "MESSAGING_SEND_RATE", {}).get(channel) or 0
        if rate <= 0:
            return
        interval = 1.0 / rate
        now = time.monotonic()
        earliest = cls.last.get(channel, 0.0) + interval
        if earliest > now:
            time.sleep(earliest - now)
        cls.last[channel] = max(now, earliest)


def _send(delivery: Delivery, *, mail_connection=None) -> str:
    """Hand one delivery to its gateway; returns the provider's id.

    ``mail_connection``: an open email backend to reuse (one SMTP session per
    chunk rather than per email)."""
    message = delivery.message
    texts = message.text_for(delivery.language, delivery.member.network.default_language)
    _Throttle.wait(delivery.channel)
    reference = f"d{delivery.pk}"
    if delivery.channel == Delivery.Channel.SMS:
        # Every message carries the member's personal link (short in SMS).
        body = f"{texts.get('sms', '')} {member_short_url(member=delivery.member)}"
        result = get_sms_gateway().send_sms(
            OutgoingSMS(to=delivery.to, body=body, reference=reference)
        )
        return result.provider_id
    if delivery.channel == Delivery.Channel.VOICE:
        result = get_voice_gateway().call(
            OutgoingCall(
                to=delivery.to,
                text=texts.get("sms", ""),
                language=delivery.language,
                reference=reference,
            )
        )
        return result.provider_id
    from messaging.services.email_replies import email_reply_address

    reply_to = email_reply_address(delivery_id=delivery.pk)
    with translation.override(delivery.language):
        footer = _(
            "Your personal page (language, channels, quiet hours, pause, leave): %(url)s"
        ) % {"url": member_self_service_url(member=delivery.member)}
    email = EmailMessage(
        subject=texts.get("subject") or texts.get("sms", "")[:80],
        body=(texts.get("body") or texts.get("sms", "")) + "\n\n-- \n" + footer,
        to=[delivery.to],
        reply_to=[reply_to] if reply_to else None,
        connection=mail_connection,
    )
    if mail_connection is not None and hasattr(mail_connection, "open"):
        # Opened here, the session stays up for the rest of the chunk (a
        # backend opened by send() itself closes after each message).
        mail_connection.open()
    email.send()
    return ""


def _backoff(attempts: int) -> timedelta:
    first = getattr(settings, "MESSAGING_RETRY_BACKOFF_SECONDS", 5)
    return timedelta(seconds=min(600, first * 2 ** max(0, attempts - 1)))


def _record(delivery_id: int, **fields) -> int:
    """Write the outcome of a send, only while the send still holds the row
    (status sending): a cancel or a sweep in between wins.

    The gateway has been called by then: if the database connection dropped
    meanwhile, the outcome is written again on a fresh connection instead of
    leaving the row for the sweep, which would send it a second time.
    """
    mine = Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.SENDING)
    try:
        return mine.update(**fields)
    except (OperationalError, InterfaceError):
        if connection.in_atomic_block:
            raise
        logger.warning("database connection lost recording delivery %s; reconnecting", delivery_id)
        connection.close()
        return mine.update(**fields)


_SENT_SQL = None


def _record_sent(delivery_id: int, *, provider_id: str, attempts: int) -> None:
    """``_record`` for the common outcome, as one plain parametrised UPDATE:
    building it through the ORM cost more than the statement itself, once
    per delivery."""
    global _SENT_SQL
    if _SENT_SQL is None:
        table = connection.ops.quote_name(Delivery._meta.db_table)
        # The table name comes from the model; every value is a parameter.
        _SENT_SQL = (
            f"UPDATE {table} SET status = %s, attempts = %s, provider_id = %s, "  # noqa: S608  # nosec B608
            "sent_at = %s, error = '' WHERE id = %s AND status = %s"
        )
    params = (
        Delivery.Status.SENT.value,
        attempts,
        provider_id,
        connection.ops.adapt_datetimefield_value(timezone.now()),
        delivery_id,
        Delivery.Status.SENDING.value,
    )

    def write() -> None:
        with connection.cursor() as cursor:
            cursor.execute(_SENT_SQL, params)

    try:
        write()
    except (OperationalError, InterfaceError):
        if connection.in_atomic_block:
            raise
        logger.warning("database connection lost recording delivery %s; reconnecting", delivery_id)
        connection.close()
        write()


def delivery_email_fallback(delivery: Delivery) -> Delivery | None:
    """After a permanent SMS failure, the same message by email if possible."""
    member = delivery.member
    if delivery.channel != Delivery.Channel.SMS or not member.email:
        return None
    fallback, created = Delivery.objects.get_or_create(
        message=delivery.message,
        member=member,
        channel=Delivery.Channel.EMAIL,
        defaults={"to": member.email, "language": delivery.language, "fallback_for": delivery},
    )
    return fallback if created else None


def delivery_send_chunk(*, delivery_ids: list[int]) -> dict[str, int]:
    """Send a chunk of deliveries; rows are claimed (CLAIM_BATCH at a time)
    before they are sent.

    Returns counts per outcome, for logs and tests.
    """
    counts = {"sent": 0, "retry": 0, "failed": 0, "skipped": 0}
    # (message, seconds to wait) → rows to try again then.
    retry_ids: dict[tuple[int, float], list[int]] = {}
    mail_connection = get_connection()
    _commit_without_flush(True)
    try:
        for start in range(0, len(delivery_ids), CLAIM_BATCH):
            batch = delivery_ids[start : start + CLAIM_BATCH]
            claimed = _claim_batch(batch)
            counts["skipped"] += len(batch) - len(claimed)
            for delivery in claimed:
                outcome, wait = _send_one(delivery, mail_connection=mail_connection)
                counts[outcome] += 1
                if outcome == "retry":
                    retry_ids.setdefault((delivery.message_id, wait), []).append(delivery.pk)
    finally:
        _mail_close(mail_connection)
        _commit_without_flush(False)
    # Each row is queued again for when its own backoff ends: a task that came
    # earlier would find the row not yet due and leave it to the sweep.
    for (message_id, wait), ids in retry_ids.items():
        message = Message.objects.get(pk=message_id)
        delivery_sends_queue(message, ids, countdown=wait)
    return counts


def _commit_without_flush(on: bool) -> None:
    """While a chunk is sent, PostgreSQL confirms each commit (claims, one
    outcome per send) before writing it to disk.

    Waiting for the disk on every outcome cost about a tenth of the send rate.
    What this risks is small and never a loss: only a crash of the database
    server itself (not of a worker) can forget the last fraction of a second of
    commits; those rows then look claimed or queued again and the sweep sends
    them once more, so a member may get a message twice, never not at all.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO OFF" if on else "RESET synchronous_commit")
    except (OperationalError, InterfaceError):
        # A dropped connection: the next statement reconnects with the default.
        connection.close()


def _mail_close(connection) -> None:
    close = getattr(connection, "close", None)
    if close is None:
        return
    try:
        close()
    except Exception:
        # A broken session is dropped; the next send opens a new one.
        logger.warning("closing the SMTP connection failed", exc_info=True)


def _send_one(delivery: Delivery, *, mail_connection) -> tuple[str, float]:
    """Send one claimed row and record its outcome at once: ("sent" | "retry" |
    "failed", seconds until the retry is due).

    Recorded right after the send, one row at a time: a worker killed in
    between leaves at most this one row for the sweep to send again.
    """
    attempts = delivery.attempts + 1
    try:
        provider_id = _send(delivery, mail_connection=mail_connection)
    except (TemporaryGatewayError, OSError) as exc:
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            # The mail server refuses the address: retrying cannot help.
            _record(
                delivery.pk, status=Delivery.Status.FAILED, attempts=attempts, error=str(exc)[:1000]
            )
            return "failed", 0.0
        if delivery.channel == Delivery.Channel.EMAIL:
            # The SMTP session may be broken: the next email opens a new one.
            _mail_close(mail_connection)
        final = attempts >= MAX_SEND_ATTEMPTS
        # The provider's Retry-After (HTTP 429) when it asks for longer than our backoff.
        retry_after = getattr(exc, "retry_after", None) or 0
        wait = max(_backoff(attempts), timedelta(seconds=min(retry_after, 600)))
        _record(
            delivery.pk,
            status=Delivery.Status.FAILED if final else Delivery.Status.QUEUED,
            attempts=attempts,
            error=str(exc)[:1000],
            next_attempt_at=None if final else timezone.now() + wait,
        )
        return ("failed", 0.0) if final else ("retry", wait.total_seconds())
    except (PermanentGatewayError, GatewayConfigurationError) as exc:
        _record(
            delivery.pk,
            status=Delivery.Status.FAILED,
            attempts=attempts,
            error=str(exc)[:1000],
            error_code=getattr(exc, "code", "")[:32],
        )
        published = Message.objects.filter(
            pk=delivery.message_id, status=Message.Status.PUBLISHED
        ).exists()
        fallback = delivery_email_fallback(delivery) if published else None
        if fallback is not None:
            delivery_sends_queue(delivery.message, [fallback.pk])
        return "failed", 0.0
    _record_sent(delivery.pk, provider_id=provider_id, attempts=attempts)
    return "sent", 0.0


def delivery_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Recover what a crash or a lost task left behind. Run every minute.

    - rows claimed by a worker that died go back to queued;
    - published messages whose fan-out never ran get it now;
    - queued rows that are due (quiet hours over, backoff passed) are queued.
    """
    now = now or timezone.now()
    reclaimed = Delivery.objects.filter(
        status=Delivery.Status.SENDING, claimed_at__lt=now - _stale_claim()
    ).update(status=Delivery.Status.QUEUED)
    started = 0
    for message in Message.objects.filter(
        status=Message.Status.PUBLISHED,
        fanout_done_at__isnull=True,
        published_at__lt=now - _sweep_grace(),
    ):
        _queue_fanout(message)
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
        "reclaimed": reclaimed,
        "fanouts": started,
        "requeued": sum(len(v) for v in by_message.values()),
    }
