"""Celery tasks of surveys: thin, they call a service."""

from celery import shared_task

from surveys.services import survey_close_due


@shared_task
def survey_close_due_task() -> None:
    survey_close_due()
