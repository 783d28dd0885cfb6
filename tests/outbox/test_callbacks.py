"""What providers report back reaches the outbox's own rows too: a sign-up
code's SMS is no longer an "unknown sid"."""

from __future__ import annotations

import pytest
from django.test import override_settings

from outbox.gateways.twilio import twilio_status_handle
from outbox.models import Notification
from outbox.services.callbacks import status_report_record
from outbox.signals import ReportedStatus, StatusReport, status_received
from outbox.urls import webhook_modules

pytestmark = pytest.mark.django_db


def _sent_sms(provider_id: str = "SM" + "a" * 32) -> Notification:
    return Notification.objects.create(
        kind="signup_sms_code", channel="sms", to="+32470123456", body="", sensitive=True,
        status=Notification.Status.SENT, provider_id=provider_id,
    )  # fmt: skip


def test_delivery_report_of_a_notification_is_recorded():
    row = _sent_sms()
    assert twilio_status_handle(sid=row.provider_id, status="delivered") == "delivered"
    row.refresh_from_db()
    assert row.status == Notification.Status.DELIVERED and row.delivered_at is not None
    # Late and repeated reports never move it back.
    assert twilio_status_handle(sid=row.provider_id, status="sent") == "unchanged"
    assert twilio_status_handle(sid=row.provider_id, status="undelivered") == "unchanged"
    row.refresh_from_db()
    assert row.status == Notification.Status.DELIVERED


def test_undelivered_notification_keeps_the_reason():
    row = _sent_sms()
    result = twilio_status_handle(
        sid=row.provider_id, status="undelivered", error_code="30005", error_message="Unknown"
    )
    assert result == "undelivered"
    row.refresh_from_db()
    assert row.status == Notification.Status.UNDELIVERED
    assert row.last_error == "Unknown (error 30005)"


def test_reports_pass_on_to_receivers_normalised():
    seen: list[StatusReport] = []

    def receiver(sender, report, **kwargs):
        seen.append(report)
        return "delivered"

    status_received.connect(receiver, dispatch_uid="test.outbox.receiver")
    try:
        result = twilio_status_handle(sid="SM" + "b" * 32, status="undelivered", error_code="30006")
    finally:
        status_received.disconnect(dispatch_uid="test.outbox.receiver")
    assert result == "delivered"
    (report,) = seen
    assert report.provider == "twilio" and report.status == ReportedStatus.UNDELIVERED
    assert report.unreachable  # 30006: landline or unreachable carrier
    assert report.error_code == "30006"


def test_nobody_knows_the_id():
    report = StatusReport(provider="twilio", provider_id="SMx", status=ReportedStatus.SENT)
    assert status_report_record(report=report) == "unknown"


@override_settings(
    OUTBOX_GATEWAYS={
        "sms": {"BACKEND": "messaging.gateways.locmem.LocmemSMSGateway"},
        "voice": {"BACKEND": "outbox.gateways.console.ConsoleVoiceGateway"},
    },
    OUTBOX_WEBHOOK_PROVIDERS=["outbox.gateways.twilio"],
)
def test_webhooks_follow_the_configured_providers():
    # An old setting naming messaging.gateways still finds its gateway.
    assert webhook_modules() == [
        "outbox.gateways.locmem",
        "outbox.gateways.console",
        "outbox.gateways.twilio",
    ]
