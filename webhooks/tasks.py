"""Celery tasks of webhooks: thin, they take ids and call a service."""

from celery import shared_task

from webhooks.services.deliveries import webhook_delivery_send, webhook_sweep


@shared_task(acks_late=True)
def webhook_delivery_send_task(delivery_id: int) -> None:
    webhook_delivery_send(delivery_id=delivery_id)


@shared_task
def webhook_sweep_task() -> None:
    webhook_sweep()
