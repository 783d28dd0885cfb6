"""Celery tasks of messaging: thin, they take ids and call a service."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from messaging.services.delivery_figures import delivery_figures_refresh
from messaging.services.fanout import message_fanout
from messaging.services.feedback import feedback_reminders_send
from messaging.services.sending import delivery_send_chunk
from messaging.services.sweep import delivery_sweep

# A dropped database connection (failover, restart, idle timeout) ends the
# task; it starts again on a fresh connection a moment later. Claims make
# running a fan-out or a send chunk twice harmless.
DATABASE_RETRY = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_backoff_max": 60,
    "max_retries": 8,
}


# Alerts: acks_late and reject-on-worker-lost come from the settings; a send
# claims its rows, so a task delivered twice sends nothing twice.
@shared_task(**DATABASE_RETRY)
def message_fanout_task(message_id: int) -> None:
    message_fanout(message_id=message_id)


@shared_task(**DATABASE_RETRY)
def delivery_send_task(delivery_ids: list[int]) -> None:
    delivery_send_chunk(delivery_ids=delivery_ids)


@shared_task
def delivery_sweep_task() -> None:
    delivery_sweep()


@shared_task
def delivery_figures_refresh_task() -> None:
    delivery_figures_refresh()


@shared_task
def feedback_reminders_task() -> None:
    feedback_reminders_send()
