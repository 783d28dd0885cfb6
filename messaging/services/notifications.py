"""The outbox of messages to one person (codes, welcome, notices)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from messaging.gateways import (
    OutgoingSMS,
    PermanentGatewayError,
    get_sms_gateway,
)
from messaging.models import Notification

__all__ = [
    "MAX_ATTEMPTS",
    "SECRET_KINDS",
    "notification_queue",
    "notification_send",
    "notification_sweep",
]

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# Kinds whose text carries a secret (a code or a personal link): once sent,
# no copy of the text is kept.
SECRET_KINDS = frozenset(
    {
        "signup_sms_code",
        "signup_email_link",
        "signup_duplicate_notice",
        "welcome",
        "self_service_new_link",
    }
)
# A claimed row whose worker died is picked up again after this long.
STALE_CLAIM = timedelta(minutes=10)


def notification_queue(
    *,
    kind: str,
    channel: str,
    to: str,
    body: str,
    subject: str = "",
    html_body: str = "",
    member=None,
) -> Notification:
    """Store a message to one person and send it after the transaction commits.

    ``kind`` names what it is ("signup_email_link", "welcome", ...) for logs
    and tests. The send itself happens in ``notification_send_task``.
    """
    notification = Notification.objects.create(
        kind=kind,
        channel=channel,
        to=to,
        subject=subject[:200],
        body=body,
        html_body=html_body,
        member=member,
    )
    transaction.on_commit(lambda: _queue_send(notification.pk))
    return notification


def _queue_send(notification_id: int) -> None:
    from messaging.tasks import notification_send_task

    try:
        notification_send_task.delay(notification_id)
    except Exception:
        # Broker down: the row stays queued; notification_sweep sends it later.
        logger.exception("could not queue notification %s; the sweep will retry", notification_id)


def _claim(notification_id: int) -> Notification | None:
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or notification.status not in (
            Notification.Status.QUEUED,
            Notification.Status.FAILED,
        ):
            return None
        if notification.attempts >= MAX_ATTEMPTS:
            return None
        notification.status = Notification.Status.SENDING
        notification.claimed_at = timezone.now()
        notification.attempts += 1
        notification.save(update_fields=["status", "claimed_at", "attempts"])
        return notification


def notification_send(*, notification_id: int) -> Notification | None:
    """Send one queued notification once.

    The row is claimed (queued → sending) and committed before the provider is
    called, so no lock is held while talking to it and a second worker skips
    the row. Temporary failures are re-raised for the task to retry;
    permanent ones (invalid number) are recorded and not retried.
    """
    notification = _claim(notification_id)
    if notification is None:
        return None
    try:
        if notification.channel == Notification.Channel.EMAIL:
            message = EmailMultiAlternatives(
                subject=notification.subject, body=notification.body, to=[notification.to]
            )
            if notification.html_body:
                message.attach_alternative(notification.html_body, "text/html")
            message.send()
            provider_id = ""
        else:
            result = get_sms_gateway().send_sms(
                OutgoingSMS(
                    to=notification.to, body=notification.body, reference=f"n{notification.pk}"
                )
            )
            provider_id = result.provider_id
    except PermanentGatewayError as exc:
        Notification.objects.filter(pk=notification.pk).update(
            status=Notification.Status.FAILED,
            attempts=MAX_ATTEMPTS,
            last_error=f"permanent: {exc}"[:2000],
        )
        logger.warning("notification %s refused for good: %s", notification.pk, exc)
        return None
    except Exception as exc:
        Notification.objects.filter(pk=notification.pk).update(
            status=Notification.Status.FAILED, last_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        logger.warning(
            "notification %s failed (attempt %s): %s", notification.pk, notification.attempts, exc
        )
        raise
    done = {"status": Notification.Status.SENT, "sent_at": timezone.now(), "last_error": ""}
    if notification.kind in SECRET_KINDS:
        done.update(subject="", body="", html_body="")
    Notification.objects.filter(pk=notification.pk).update(provider_id=provider_id, **done)
    notification.refresh_from_db()
    return notification


def notification_sweep(*, older_than: timedelta = timedelta(minutes=2)) -> list[int]:
    """Queue again what was never queued (broker down), failed for a passing
    reason, or was claimed by a worker that died. Run periodically."""
    now = timezone.now()
    Notification.objects.filter(
        status=Notification.Status.SENDING, claimed_at__lt=now - STALE_CLAIM
    ).update(status=Notification.Status.QUEUED)
    ids = list(
        Notification.objects.filter(
            status__in=[Notification.Status.QUEUED, Notification.Status.FAILED],
            created_at__lt=now - older_than,
            attempts__lt=MAX_ATTEMPTS,
        ).values_list("pk", flat=True)[:1000]
    )
    for notification_id in ids:
        _queue_send(notification_id)
    return ids
