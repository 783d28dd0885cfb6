"""The delivery report's time is kept: the time to 90 % delivered reads it."""

from __future__ import annotations

from django.utils import timezone

from messaging.models import Delivery
from outbox.gateways.twilio import twilio_status_handle
from tests.factories import MessageFactory


def _delivery(world, status="sending"):
    message = MessageFactory(
        kind="urgent", status="published", texts={"nl": {"sms": "x"}},
        created_by=world.users["officer"], published_at=timezone.now(),
    )  # fmt: skip
    return Delivery.objects.create(
        message=message, member=world.member, channel="sms", to="+32470000001",
        language="nl", status=status, provider_id="SM" + "a" * 32,
    )  # fmt: skip


def test_delivered_report_sets_delivered_at_once(world):
    delivery = _delivery(world)
    before = timezone.now()
    assert twilio_status_handle(sid=delivery.provider_id, status="delivered") == "delivered"
    delivery.refresh_from_db()
    assert delivery.delivered_at is not None and delivery.delivered_at >= before
    # Delivered without a "sent" report first: the hand-over time is filled too.
    assert delivery.sent_at is not None
    first = delivery.delivered_at
    assert twilio_status_handle(sid=delivery.provider_id, status="delivered") == "unchanged"
    delivery.refresh_from_db()
    assert delivery.delivered_at == first


def test_failed_report_sets_no_delivered_at(world):
    delivery = _delivery(world)
    twilio_status_handle(sid=delivery.provider_id, status="undelivered", error_code="30008")
    delivery.refresh_from_db()
    assert delivery.delivered_at is None
