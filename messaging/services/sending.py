"""Sending the deliveries of a message, a chunk at a time.

A send claims its rows with a conditional UPDATE (queued → sending), so two
workers never send the same row, and nothing is locked while the gateway is
called. Temporary failures go back to queued with backoff; permanent SMS
failures fall back to email.
"""

from __future__ import annotations

import logging
import smtplib
import time
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from members.tokens import member_personal_url, member_short_url
from messaging.models import Delivery, Message
from messaging.selectors.messages import email_reply_hint, sms_with_reply_hint
from messaging.services.completion import message_completion_check
from messaging.services.email_bounces import email_bounce_address
from messaging.services.email_replies import email_reply_address
from messaging.services.fanout import delivery_sends_queue
from outbox.gateways import get_sms_gateway, get_voice_gateway
from outbox.gateways.base import (
    GatewayConfigurationError,
    OutgoingCall,
    OutgoingSMS,
    PermanentGatewayError,
    TemporaryGatewayError,
)
from outbox.services.email_tracking import email_message_id

logger = logging.getLogger(__name__)

MAX_SEND_ATTEMPTS = 6

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
        # Every message says how to answer and carries the member's personal
        # link (short in SMS), where they can answer too.
        body = sms_with_reply_hint(
            text=texts.get("sms", ""),
            url=member_short_url(member=delivery.member),
            language=delivery.language,
        )
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
    reply_to = email_reply_address(delivery_id=delivery.pk)
    url = member_personal_url(member=delivery.member)
    with translation.override(delivery.language):
        footer = _(
            "Your personal page (language, channels, quiet hours, pause, leave): %(url)s"
        ) % {"url": url}
    footer = (
        email_reply_hint(language=delivery.language, url=url, reply_by_email=bool(reply_to))
        + "\n"
        + footer
    )
    # Over SMTP, bounces come back to an address naming this delivery (the
    # envelope sender); the From header the member sees stays the usual one.
    bounce_to = email_bounce_address(delivery_id=delivery.pk)
    email = EmailMessage(
        subject=texts.get("subject") or texts.get("sms", "")[:80],
        body=(texts.get("body") or texts.get("sms", "")) + "\n\n-- \n" + footer,
        from_email=bounce_to,
        to=[delivery.to],
        reply_to=[reply_to] if reply_to else None,
        headers={"From": settings.DEFAULT_FROM_EMAIL} if bounce_to else None,
        connection=mail_connection,
    )
    if mail_connection is not None and hasattr(mail_connection, "open"):
        # Opened here, the session stays up for the rest of the chunk (a
        # backend opened by send() itself closes after each message).
        mail_connection.open()
    email.send()
    # The provider's id (anymail), which its bounce and complaint events name.
    return email_message_id(email)


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
    if not retry_ids:
        # The chunk's last sends may have been the message's last ones.
        for message_id in set(
            Delivery.objects.filter(pk__in=delivery_ids).values_list("message_id", flat=True)
        ):
            message_completion_check(message_id=message_id)
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
