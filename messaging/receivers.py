"""Receivers of other apps' signals: thin, they call a service."""

from __future__ import annotations

from anymail.signals import inbound
from django.dispatch import receiver

from messaging.services.email_replies import email_reply_record


@receiver(inbound, dispatch_uid="messaging.email_reply")
def email_reply_received(sender, event, esp_name, **kwargs) -> None:
    email_reply_record(inbound=event.message)
