"""Email delivery events from the email provider (django-anymail's tracking
webhooks, /anymail/<provider>/tracking/), in the outbox's own words.

Anymail checks the webhook's credentials (ANYMAIL's WEBHOOK_SECRET or the
provider's signing key) and normalises every provider's events; this module
turns the ones that matter into a ``StatusReport``, as the SMS providers'
modules do, so bounces land on the delivery or notification with that
message id. A complaint (the member marked the email as spam) is reported as
``COMPLAINED``: messaging switches email off for that member.
"""

from __future__ import annotations

import logging

from anymail.signals import AnymailTrackingEvent, EventType

from outbox.services.callbacks import status_report_record
from outbox.signals import ReportedStatus, StatusReport

__all__ = ["email_message_id", "email_tracking_record"]

logger = logging.getLogger(__name__)

# (status, unreachable): "unreachable" marks an address that cannot receive
# mail (hard bounce, address refused or suppressed by the provider).
_EVENTS = {
    EventType.QUEUED: (ReportedStatus.ACCEPTED, False),
    EventType.SENT: (ReportedStatus.ACCEPTED, False),
    EventType.DELIVERED: (ReportedStatus.DELIVERED, False),
    EventType.BOUNCED: (ReportedStatus.UNDELIVERED, True),
    EventType.REJECTED: (ReportedStatus.FAILED, True),
    EventType.FAILED: (ReportedStatus.FAILED, False),
    EventType.COMPLAINED: (ReportedStatus.COMPLAINED, False),
}


def email_tracking_record(*, event: AnymailTrackingEvent, esp_name: str) -> str:
    """Record one of anymail's tracking events; returns what the receivers
    did ("ignored" for events that change nothing: deferred, opened, ...)."""
    known = _EVENTS.get(event.event_type)
    if known is None or not event.message_id:
        return "ignored"
    status, unreachable = known
    failed = status in (ReportedStatus.UNDELIVERED, ReportedStatus.FAILED)
    detail = ""
    if failed or status == ReportedStatus.COMPLAINED:
        detail = (
            event.description or event.mta_response or f"{esp_name}: {event.event_type}"
        ).strip()
    report = StatusReport(
        provider=esp_name.lower().replace(" ", "_"),
        provider_id=str(event.message_id)[:64],
        status=status,
        error_code=str(event.reject_reason or ("complaint" if not failed and detail else ""))[:32],
        error=detail[:1000],
        unreachable=unreachable,
    )
    return status_report_record(report=report)


def email_message_id(message) -> str:
    """The provider's id of an email just sent through anymail (what its
    tracking events name), "" for backends without one (SMTP, files)."""
    message_id = getattr(getattr(message, "anymail_status", None), "message_id", None)
    if message_id is None or isinstance(message_id, set):
        # A set: recipients got different ids; the platform sends to one person only.
        return ""
    return str(message_id)[:64]
