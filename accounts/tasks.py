"""Celery tasks of the accounts app: thin wrappers that load by id and call a service."""

from celery import shared_task

from accounts.services import TASK_RETRIES, invitation_send, invitation_send_pending


@shared_task(
    bind=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=TASK_RETRIES,
)
def invitation_send_task(self, invitation_id: int) -> None:
    invitation_send(invitation_id=invitation_id)


@shared_task
def invitation_send_pending_task() -> None:
    invitation_send_pending()
