"""Celery tasks of the charters app: thin, they call a service."""

from celery import shared_task

from charters.services.interest import interest_retention
from charters.services.meetings import meeting_reminders_send


@shared_task
def meeting_reminders_task() -> None:
    meeting_reminders_send()


@shared_task
def interest_retention_task() -> None:
    interest_retention()
