"""Periodic work of the API."""

from celery import shared_task

from api.services.idempotency import idempotency_purge


@shared_task
def idempotency_purge_task() -> int:
    return idempotency_purge()
