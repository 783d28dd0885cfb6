"""Celery tasks of the members app: thin, they call a service."""

from celery import shared_task

from members.services.core import member_retention


@shared_task
def member_retention_task() -> None:
    member_retention()
