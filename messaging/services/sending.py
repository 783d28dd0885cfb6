"""Sending the deliveries of a message, a chunk at a time, many at once.

A send claims its rows with a conditional UPDATE (queued → sending), so two
workers never send the same row, and nothing is locked while the gateway is
called. The provider calls run in send threads within the account's shared
limits (``messaging.services.dispatch``, ``outbox.limits``); claims and
outcomes stay on the task's thread. Temporary failures go back to queued
with backoff, a 429 also pauses the account; permanent SMS failures fall
back to email. A row claimed by a worker that died is in doubt: before an
SMS is sent again, the provider is asked whether it already has it.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from members.tokens import member_personal_url, member_short_url
from messaging.models import Delivery, Message
from messaging.selectors.messages import (
    email_reply_hint,
    emergency_text_routes_line,
    sms_with_reply_hint,
    texts_marked_test,
)
from messaging.services.completion import message_completion_check
from messaging.services.dispatch import Job, MailSessions, jobs_dispatch
from messaging.services.email_bounces import email_bounce_address
from messaging.services.email_replies import email_reply_address
from messaging.services.fanout import delivery_sends_queue
from messaging.services.voice import delivery_call_fallback
from outbox.gateways import get_sms_gateway, get_voice_gateway
from outbox.gateways.base import (
    GatewayConfigurationError,
    GatewayError,
    OutgoingCall,
    OutgoingSMS,
    PermanentGatewayError,
    TemporaryGatewayError,
)
from outbox.limits import Limits, email_limits, limiter
from outbox.services.email_tracking import email_message_id

logger = logging.getLogger(__name__)

MAX_SEND_ATTEMPTS = 6
# A 429 only says "slower": a row may meet many before it goes out.
MAX_RATE_LIMITED_ATTEMPTS = 30
# Seconds the account holds back after a 429 without Retry-After.
RATE_LIMIT_PAUSE = 1.0

# Rows claimed per round trip: one SELECT ... FOR UPDATE SKIP LOCKED and one
# UPDATE per batch instead of two statements per delivery. Each outcome is
# still recorded on its own, right after its send (``_outcome``). A cancel
# message can still go out.
CLAIM_BATCH = 20


def _claim_batch(
    delivery_ids: list[int], messages: dict[int, Message] | None = None
) -> tuple[list[Delivery], int]:
    """Take the queued, due rows among ``delivery_ids`` for sending; rows held
    by another worker, not due, or of a message no longer published are left.
    Rows of a message whose validity ended (``Message.expires_at``) are never
    sent late: they are marked ``expired``. Returns the claimed rows and how
    many were marked expired.

    A queued row that still has a ``claimed_at`` was claimed before and never
    decided (its worker died; the sweep handed it back): it is marked
    ``in_doubt_since`` that claim. Every decided outcome clears the claim.

    ``messages`` caches the rows' messages across the claims of one chunk:
    read once, not once per row (their texts do not change once published).
    """
    now = timezone.now()
    with transaction.atomic():
        claimable = list(
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("member__network")
            .filter(
                pk__in=delivery_ids,
                status=Delivery.Status.QUEUED,
                # A cancelled message sends nothing more, whatever was queued.
                message__status=Message.Status.PUBLISHED,
            )
            # Nor does one whose validity ended (say, after a broker outage).
            .filter(Q(message__expires_at__isnull=True) | Q(message__expires_at__gt=now))
            .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .order_by("pk")
        )
        if claimable:
            Delivery.objects.filter(pk__in=[d.pk for d in claimable]).update(
                status=Delivery.Status.SENDING, claimed_at=now
            )
    expired = 0
    if len(claimable) < len(delivery_ids):
        # Only when rows were left (rare): the usual batch costs no statement more.
        taken = {d.pk for d in claimable}
        expired = Delivery.objects.filter(
            pk__in=[pk for pk in delivery_ids if pk not in taken],
            status=Delivery.Status.QUEUED,
            message__expires_at__lte=now,
        ).update(status=Delivery.Status.EXPIRED)
    messages = {} if messages is None else messages
    missing = {d.message_id for d in claimable} - messages.keys()
    if missing:
        messages.update(Message.objects.in_bulk(missing))
    for delivery in claimable:
        delivery.message = messages[delivery.message_id]
        delivery.in_doubt_since = delivery.claimed_at
        delivery.status, delivery.claimed_at = Delivery.Status.SENDING, now
    return claimable, expired


@dataclass
class _Send:
    """A claimed row and what goes to the provider, built on the task's
    thread (texts, links: database reads) before a send thread runs it."""

    delivery: Delivery
    sms: OutgoingSMS | None = None
    call: OutgoingCall | None = None
    email: EmailMessage | None = None
    # Claimed before by a worker that died mid-send: the provider may have it.
    in_doubt_since: datetime | None = None


def _prepare(delivery: Delivery) -> _Send:
    message = delivery.message
    texts = message.text_for(delivery.language, delivery.member.network.default_language)
    if message.is_exercise:
        # Marked here, where the texts are built: the message is the chunk's
        # cached row, so an exercise costs no query per delivery.
        texts = texts_marked_test(texts=texts, language=delivery.language)
    # The reference names the row at the provider (Twilio: in the status callback URL).
    reference = f"d{delivery.pk}"
    in_doubt = getattr(delivery, "in_doubt_since", None)
    if delivery.channel == Delivery.Channel.SMS:
        # Every message says how to answer and carries the member's personal
        # link (short in SMS), where they can answer too.
        body = sms_with_reply_hint(
            text=texts.get("sms", ""),
            url=member_short_url(member=delivery.member),
            language=delivery.language,
        )
        if delivery.member.deaf:
            # Not "call 101": the text routes to the emergency services.
            with translation.override(delivery.language):
                body = f"{body} {emergency_text_routes_line(member=delivery.member, short=True)}"
        sms = OutgoingSMS(to=delivery.to, body=body, reference=reference)
        return _Send(delivery=delivery, sms=sms, in_doubt_since=in_doubt)
    if delivery.channel == Delivery.Channel.VOICE:
        call = OutgoingCall(
            to=delivery.to,
            text=texts.get("voice") or texts.get("sms", ""),
            language=delivery.language,
            reference=reference,
            # Dutch is read by a Dutch voice in the Netherlands, a Flemish one in Belgium.
            country=delivery.member.network.country,
        )
        return _Send(delivery=delivery, call=call, in_doubt_since=in_doubt)
    reply_to = email_reply_address(delivery_id=delivery.pk)
    url = member_personal_url(member=delivery.member)
    with translation.override(delivery.language):
        footer = _(
            "Your personal page (language, channels, quiet hours, pause, leave): %(url)s"
        ) % {"url": url}
        routes = emergency_text_routes_line(member=delivery.member)
    footer = (
        email_reply_hint(language=delivery.language, url=url, reply_by_email=bool(reply_to))
        + "\n"
        + (routes + "\n" if routes else "")
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
    )
    return _Send(delivery=delivery, email=email, in_doubt_since=in_doubt)


def _limits(send: _Send) -> Limits:
    if send.sms is not None:
        return get_sms_gateway().limits()
    if send.call is not None:
        return get_voice_gateway().limits()
    return email_limits()


def _transmit(send: _Send, sessions: MailSessions) -> tuple[str, bool]:
    """Hand one prepared delivery to its provider, in a send thread: network
    only, no database. Returns (the provider's id, whether the provider
    already had it: an in-doubt SMS found by ``lookup_sms`` is not sent again)."""
    if send.sms is not None:
        gateway = get_sms_gateway()
        if send.in_doubt_since is not None and gateway.supports_lookup:
            found = _lookup(gateway, send)
            if found is not None:
                return found.provider_id, True
        return gateway.send_sms(send.sms).provider_id, False
    if send.call is not None:
        # No lookup for calls: an in-doubt call is made again.
        return get_voice_gateway().call(send.call).provider_id, False
    connection = sessions.take()
    send.email.connection = connection
    try:
        send.email.send()
    except BaseException:
        # The session may be broken: the next email opens a new one.
        sessions.drop(connection)
        raise
    sessions.give(connection)
    # The provider's id (anymail), which its bounce and complaint events name.
    return email_message_id(send.email), False


def _lookup(gateway, send: _Send):
    """The provider's record of an in-doubt SMS, or None to send it.

    A provider that cannot answer for a while (429, 5xx, network) is asked
    again later, like a failed send; on the row's last attempt, or when it
    can never answer (no permission to list, an unknown error), the SMS is
    sent: a possible duplicate is better than a missing alert."""
    try:
        return gateway.lookup_sms(send.sms, since=send.in_doubt_since)
    except TemporaryGatewayError as exc:
        if send.delivery.attempts + 1 >= MAX_SEND_ATTEMPTS:
            logger.warning("delivery %s: lookup failed (%s); sending", send.delivery.pk, exc)
            return None
        error = TemporaryGatewayError(
            f"lookup before sending again: {exc}",
            retry_after=exc.retry_after,
            rate_limited=exc.rate_limited,
        )
        # Still undecided: the row keeps its old claim for the next try.
        error.still_in_doubt = True
        raise error from exc
    except GatewayError as exc:
        logger.warning("delivery %s: lookup impossible (%s); sending", send.delivery.pk, exc)
        return None


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


class _SentRows:
    """The sends that came back together, recorded as sent in one statement.

    They are written as soon as the group that ended together has been
    through ``_outcome`` (``jobs_dispatch``'s ``after``), before any further
    request is started: a worker killed in between leaves no more rows in
    doubt than requests in flight, as when each row was written on its own,
    for one round trip instead of one per delivery.
    """

    def __init__(self) -> None:
        self.rows: list[tuple[int, int, str]] = []

    def add(self, delivery_id: int, *, provider_id: str, attempts: int) -> None:
        self.rows.append((delivery_id, attempts, provider_id))

    def flush(self) -> None:
        rows, self.rows = self.rows, []
        if not rows:
            return
        table = connection.ops.quote_name(Delivery._meta.db_table)
        values = ", ".join(["(%s, %s, %s)"] * len(rows))
        # The table name comes from the model; every value is a parameter.
        # UPDATE ... FROM a VALUES list: PostgreSQL, and SQLite since 3.33.
        sql = (
            f"WITH sent (id, attempts, provider_id) AS (VALUES {values}) "  # noqa: S608  # nosec B608
            f"UPDATE {table} SET status = %s, attempts = sent.attempts, "
            "provider_id = sent.provider_id, sent_at = %s, error = '' "
            f"FROM sent WHERE {table}.id = sent.id AND {table}.status = %s"
        )
        params = [value for row in rows for value in row] + [
            Delivery.Status.SENT.value,
            connection.ops.adapt_datetimefield_value(timezone.now()),
            Delivery.Status.SENDING.value,
        ]

        def write() -> None:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)

        try:
            write()
        except (OperationalError, InterfaceError):
            if connection.in_atomic_block:
                raise
            logger.warning("database connection lost recording %s sends; reconnecting", len(rows))
            connection.close()
            write()


def delivery_email_fallback(delivery: Delivery) -> Delivery | None:
    """After a permanent SMS failure, the same message by email if possible;
    after a call that failed, by SMS or email (``delivery_call_fallback``)."""
    if delivery.channel == Delivery.Channel.VOICE:
        return delivery_call_fallback(delivery)
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
    """Send a chunk of deliveries, many at once (``messaging.services.dispatch``).

    Rows are claimed CLAIM_BATCH at a time as the send threads need work,
    each send takes a lease of its provider account first, and each outcome
    is recorded on this thread as soon as it comes back. Returns counts per
    outcome (``reconciled``: in-doubt SMS the provider already had;
    ``expired``: not sent, the message's validity had ended), for logs and
    tests.
    """
    counts = {"sent": 0, "retry": 0, "failed": 0, "skipped": 0, "reconciled": 0, "expired": 0}
    # (message, seconds to wait) → rows to try again then.
    retry_ids: dict[tuple[int, float], list[int]] = {}
    pending = list(delivery_ids)
    sessions = MailSessions()
    sent = _SentRows()
    messages: dict[int, Message] = {}

    def refill(wanted: int) -> tuple[list[Job], bool]:
        jobs: list[Job] = []
        while pending and len(jobs) < wanted:
            batch = pending[: min(CLAIM_BATCH, wanted - len(jobs))]
            del pending[: len(batch)]
            claimed, expired = _claim_batch(batch, messages)
            counts["expired"] += expired
            counts["skipped"] += len(batch) - len(claimed) - expired
            for delivery in claimed:
                send = _prepare(delivery)
                jobs.append(
                    Job(limits=_limits(send), work=partial(_transmit, send, sessions), item=send)
                )
        return jobs, not pending

    def done(job: Job, result, error: BaseException | None) -> None:
        outcome, wait = _outcome(job, result, error, sent=sent)
        counts[outcome] += 1
        if outcome == "retry":
            delivery = job.item.delivery
            retry_ids.setdefault((delivery.message_id, wait), []).append(delivery.pk)

    _commit_without_flush(True)
    try:
        jobs_dispatch(refill=refill, done=done, after=sent.flush)
    finally:
        sessions.close()
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


def _outcome(
    job: Job, result, error: BaseException | None, *, sent: _SentRows
) -> tuple[str, float]:
    """Record what came back for one send: ("sent" | "reconciled" | "retry" |
    "failed", seconds until the retry is due).

    Recorded right after the send (a sent row with the others that came back
    at the same moment, see ``_SentRows``): a worker killed in between leaves
    only its requests in flight for the sweep.
    """
    send: _Send = job.item
    delivery = send.delivery
    attempts = delivery.attempts + 1
    if error is None:
        provider_id, reconciled = result
        sent.add(delivery.pk, provider_id=provider_id, attempts=attempts)
        return ("reconciled" if reconciled else "sent"), 0.0
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        # The mail server refuses the address: retrying cannot help.
        _record(
            delivery.pk, status=Delivery.Status.FAILED, attempts=attempts, error=str(error)[:1000]
        )
        return "failed", 0.0
    if isinstance(error, (TemporaryGatewayError, OSError)):
        # The provider's Retry-After (HTTP 429) when it asks for longer than our backoff.
        retry_after = min(getattr(error, "retry_after", None) or 0, 600)
        rate_limited = getattr(error, "rate_limited", False)
        counts = {}
        if rate_limited:
            # Too many requests for the account: every worker holds back, and
            # the row waits its turn; being slowed down is no reason to give
            # up, nor does it use up the attempts real errors are allowed.
            limiter().pause(job.limits, min(retry_after or RATE_LIMIT_PAUSE, 60))
            wait = timedelta(seconds=max(retry_after, RATE_LIMIT_PAUSE))
            refused = delivery.rate_limited + 1
            final = refused >= MAX_RATE_LIMITED_ATTEMPTS
            counts["rate_limited"] = refused
        else:
            wait = max(_backoff(attempts), timedelta(seconds=retry_after))
            final = attempts >= MAX_SEND_ATTEMPTS
            counts["attempts"] = attempts
        _record(
            delivery.pk,
            status=Delivery.Status.FAILED if final else Delivery.Status.QUEUED,
            **counts,
            error=str(error)[:1000],
            next_attempt_at=None if final else timezone.now() + wait,
            # Decided: not in doubt any more (see _claim_batch), unless the
            # provider could not say whether it has the message.
            claimed_at=send.in_doubt_since if getattr(error, "still_in_doubt", False) else None,
        )
        return ("failed", 0.0) if final else ("retry", wait.total_seconds())
    if isinstance(error, (PermanentGatewayError, GatewayConfigurationError)):
        _record(
            delivery.pk,
            status=Delivery.Status.FAILED,
            attempts=attempts,
            error=str(error)[:1000],
            error_code=getattr(error, "code", "")[:32],
        )
        published = Message.objects.filter(
            pk=delivery.message_id, status=Message.Status.PUBLISHED
        ).exists()
        fallback = delivery_email_fallback(delivery) if published else None
        if fallback is not None:
            delivery_sends_queue(delivery.message, [fallback.pk])
        return "failed", 0.0
    # A bug, not the provider: the row stays claimed for the sweep, the task fails loudly.
    raise error
