"""Receivers of signals about members: thin, they call a service."""

from __future__ import annotations

from django.db.models.signals import post_delete
from django.dispatch import receiver

from members.models import Member
from outbox.services.notifications import notification_forget_about


@receiver(post_delete, sender=Member, dispatch_uid="members.forget_notifications")
def member_deleted(sender, instance: Member, **kwargs) -> None:
    # The outbox keeps its rows (as a NULLed foreign key did), but they no
    # longer point at a member that is gone.
    notification_forget_about(obj=instance)
