"""What providers report back, after their module checked and translated it:
record it on the outbox's own rows and pass it on (``outbox.signals``)."""

from __future__ import annotations

import logging

from django.db.models import DateTimeField, F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from outbox.models import Notification
from outbox.signals import (
    ADDRESS_MAX_CHARS,
    PROVIDER_ID_MAX_CHARS,
    SMS_MAX_CHARS,
    InboundMessage,
    ReportedStatus,
    StatusReport,
    inbound_received,
    status_received,
)

__all__ = [
    "inbound_message_receive",
    "inbound_message_too_long",
    "notification_status_record",
    "status_report_record",
]

logger = logging.getLogger(__name__)

_N = Notification.Status
# A notification's status only moves forward: these may be left for each report.
_MOVES_FROM = {
    ReportedStatus.ACCEPTED: [_N.SENDING],
    ReportedStatus.SENT: [_N.SENDING],
    ReportedStatus.DELIVERED: [_N.SENDING, _N.SENT],
    ReportedStatus.UNDELIVERED: [_N.SENDING, _N.SENT],
    ReportedStatus.FAILED: [_N.SENDING, _N.SENT],
}
_TARGET = {
    ReportedStatus.ACCEPTED: _N.SENT,
    ReportedStatus.SENT: _N.SENT,
    ReportedStatus.DELIVERED: _N.DELIVERED,
    ReportedStatus.UNDELIVERED: _N.UNDELIVERED,
    # Failed after the hand-over is final for one person's message: no retry
    # (that is for failures to hand it over), so it reads "not delivered".
    ReportedStatus.FAILED: _N.UNDELIVERED,
}


def notification_status_record(*, report: StatusReport) -> str:
    """Apply a delivery report to the notification with its provider id.

    One conditional UPDATE: a late or repeated report never moves a row back.
    Returns the new status, "unchanged" or "unknown".
    """
    if not report.provider_id:
        return "unknown"
    if report.status == ReportedStatus.COMPLAINED:
        # A complaint changes nothing about a one-person message's delivery.
        known = Notification.objects.filter(provider_id=report.provider_id).exists()
        return "unchanged" if known else "unknown"
    target = _TARGET[report.status]
    now = timezone.now()
    fields: dict = {"status": target}
    if target in (_N.SENT, _N.DELIVERED):
        fields["sent_at"] = Coalesce(F("sent_at"), Value(now, output_field=DateTimeField()))
    if target == _N.DELIVERED:
        fields["delivered_at"] = now
    if target == _N.UNDELIVERED:
        detail = report.error or f"{report.provider}: {report.status}"
        if report.error_code:
            detail = f"{detail} (error {report.error_code})"
        fields["last_error"] = detail[:2000]
    rows = Notification.objects.filter(provider_id=report.provider_id)
    if rows.filter(status__in=_MOVES_FROM[report.status]).update(**fields):
        return str(target)
    return "unchanged" if rows.exists() else "unknown"


def status_report_record(*, report: StatusReport) -> str:
    """Record one delivery report where it belongs: with the receivers of
    ``status_received`` (messaging's deliveries, by far the most reports),
    else on the outbox's own notifications.

    Returns the first answer that knew the provider id, else "unknown" (the
    caller still answers the provider with success: it must not retry a
    report nobody can use). A provider id belongs to one row only, so the
    outbox looks at its own rows only when no receiver knew the id: a report
    on an alert costs no query here.
    """
    answers = status_received.send(sender=report.provider, report=report)
    known = [str(answer) for _receiver, answer in answers if str(answer) != "unknown"]
    if known:
        return known[0]
    result = notification_status_record(report=report)
    if result == "unknown":
        logger.warning(
            "%s status %r for unknown sid %s",
            report.provider.capitalize(),
            str(report.status),
            report.provider_id,
        )
    return result


def inbound_message_too_long(*, message: InboundMessage) -> bool:
    """Whether a field is longer than any real message's: an SMS body over
    SMS_MAX_CHARS, an address or provider id over its column."""
    return (
        (message.channel == "sms" and len(message.body) > SMS_MAX_CHARS)
        or len(message.from_address) > ADDRESS_MAX_CHARS
        or len(message.to_address) > ADDRESS_MAX_CHARS
        or len(message.provider_id) > PROVIDER_ID_MAX_CHARS
    )


def inbound_message_receive(*, message: InboundMessage) -> str:
    """Pass a person's message to the receivers of ``inbound_received``;
    returns the text to answer with ("" for none).

    A message with a field longer than any real one (an SMS over 1,600
    characters) is dropped, whatever the provider module checked: receivers
    store what they get.
    """
    if inbound_message_too_long(message=message):
        logger.warning(
            "%s inbound %s message dropped: a field is too long",
            message.provider.capitalize(),
            message.channel,
        )
        return ""
    answers = inbound_received.send(sender=message.provider, message=message)
    return next((str(answer) for _receiver, answer in answers if answer), "")
