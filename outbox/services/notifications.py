"""The outbox of messages to one person (codes, welcome, notices): queue,
send once, sweep what was lost, and forget whom a message was about."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.mail import EmailMultiAlternatives
from django.db import models, transaction
from django.utils import timezone

from outbox.gateways import get_sms_gateway
from outbox.gateways.base import OutgoingSMS, PermanentGatewayError
from outbox.models import Notification
from outbox.selectors import notifications_about
from outbox.services.email_tracking import email_message_id

__all__ = [
    "MAX_ATTEMPTS",
    "notification_forget_about",
    "notification_queue",
    "notification_send",
    "notification_sweep",
]

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
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
    sensitive: bool = False,
    about: models.Model | None = None,
) -> Notification:
    """Store a message to one person and send it after the transaction commits.

    ``kind`` names what it is ("signup_email_link", "welcome", ...) for logs
    and tests. ``sensitive``: the text carries a secret (a code, a personal
    link), so no copy of it is kept once it is sent. ``about``: the object the
    message concerns (a member), for that object's data export and erasure
    (``outbox.selectors.notifications_about``). The send itself happens in
    ``notification_send_task``.
    """
    notification = Notification.objects.create(
        kind=kind,
        channel=channel,
        to=to,
        subject=subject[:200],
        body=body,
        html_body=html_body,
        sensitive=sensitive,
        about=about,
    )
    transaction.on_commit(lambda: _queue_send(notification.pk))
    return notification


def _queue_send(notification_id: int) -> None:
    # why: tasks import this module to call its services; the task is looked
    # up when a send is queued (the accepted services <-> tasks idiom).
    from outbox.tasks import notification_send_task

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
            provider_id = email_message_id(message)
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
    if notification.sensitive:
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


def notification_forget_about(*, obj: models.Model) -> int:
    """Unlink the messages about ``obj`` (which is being deleted): they stay,
    as when the member foreign key was set to NULL, but point at nothing."""
    return notifications_about(obj=obj).update(about_type=None, about_id=None)
