"""Receivers of the lower apps' signals: thin, they call one service."""

from __future__ import annotations

from django.dispatch import receiver

from members.signals import member_joined
from messaging.signals import (
    incident_report_created,
    message_cancelled,
    message_completed,
    message_published,
    reply_received,
)
from webhooks.models import Event
from webhooks.services.events import (
    webhook_member_joined,
    webhook_message_event,
    webhook_reply_received,
    webhook_report_created,
)


@receiver(message_published, dispatch_uid="webhooks.message_published")
def message_was_published(sender, message, **kwargs) -> int:
    return webhook_message_event(event_type=Event.MESSAGE_PUBLISHED, message=message)


@receiver(message_cancelled, dispatch_uid="webhooks.message_cancelled")
def message_was_cancelled(sender, message, **kwargs) -> int:
    return webhook_message_event(event_type=Event.MESSAGE_CANCELLED, message=message)


@receiver(message_completed, dispatch_uid="webhooks.message_completed")
def message_was_completed(sender, message, figures, **kwargs) -> int:
    return webhook_message_event(
        event_type=Event.MESSAGE_COMPLETED, message=message, figures=figures
    )


@receiver(incident_report_created, dispatch_uid="webhooks.report_created")
def report_was_created(sender, report, **kwargs) -> int:
    return webhook_report_created(report=report)


@receiver(reply_received, dispatch_uid="webhooks.reply_received")
def reply_was_received(sender, reply, **kwargs) -> int:
    return webhook_reply_received(reply=reply)


@receiver(member_joined, dispatch_uid="webhooks.member_joined")
def member_has_joined(sender, member, **kwargs) -> int:
    return webhook_member_joined(member=member)
