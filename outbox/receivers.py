"""Receivers of other packages' signals: thin, they call a service."""

from __future__ import annotations

from anymail.signals import tracking
from django.dispatch import receiver

from outbox.services.email_tracking import email_tracking_record


@receiver(tracking, dispatch_uid="outbox.email_tracking")
def email_tracking_received(sender, event, esp_name, **kwargs) -> str:
    return email_tracking_record(event=event, esp_name=esp_name)
