"""Celery tasks of surveys: thin, they call a service."""

from celery import shared_task

from surveys import services


@shared_task
def survey_close_due_task() -> None:
    services.survey_close_due()
