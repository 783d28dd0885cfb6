"""Receivers of other apps' signals: thin, they call a service."""

from __future__ import annotations

from anymail.signals import inbound
from django.dispatch import receiver

from messaging.services.delivery_status import delivery_status_record
from messaging.services.email_bounces import email_bounce_record
from messaging.services.email_replies import email_reply_record
from messaging.services.inbound_sms import inbound_sms_answer
from outbox.signals import InboundMessage, StatusReport, inbound_received, status_received


@receiver(inbound, dispatch_uid="messaging.email_reply")
def email_reply_received(sender, event, esp_name, **kwargs) -> None:
    # A bounce of an alert email (SMTP) is not a reply.
    if email_bounce_record(inbound=event.message) is None:
        email_reply_record(inbound=event.message)


@receiver(status_received, dispatch_uid="messaging.delivery_status")
def delivery_status_received(sender, report: StatusReport, **kwargs) -> str:
    return delivery_status_record(report=report)


@receiver(inbound_received, dispatch_uid="messaging.inbound_sms")
def inbound_sms_received(sender, message: InboundMessage, **kwargs) -> str:
    return inbound_sms_answer(message=message)
