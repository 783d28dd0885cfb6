"""Celery tasks of the outbox: thin, they take ids and call a service."""

from celery import shared_task

from outbox.gateways.base import TemporaryGatewayError
from outbox.services.notifications import notification_send, notification_sweep


@shared_task(
    autoretry_for=(TemporaryGatewayError, OSError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=4,
)
def notification_send_task(notification_id: int) -> None:
    notification_send(notification_id=notification_id)


@shared_task
def notification_sweep_task() -> None:
    notification_sweep()
