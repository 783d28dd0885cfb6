"""Webhook bodies and fields are bounded: an oversize request is refused
before it is read, an over-long field is refused, nothing is stored.
tests/messaging/test_webhooks.py has the webhooks' ordinary behaviour."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from bin_platform.urls import anymail_webhook_urls
from messaging.models import Reply
from outbox.services.callbacks import inbound_message_receive
from outbox.signals import SMS_MAX_CHARS, InboundMessage
from tests.messaging.test_webhooks import (  # noqa: F401 - _twilio: autouse fixture
    _twilio,
    inbound,
    post,
    status,
)


def test_a_signed_inbound_sms_of_two_megabytes_is_refused_unread(client, world):
    response = inbound(client, world.member.mobile_phone, "x" * (2 * 1024 * 1024))
    assert response.status_code == 413
    assert not Reply.objects.exists()


def test_an_sms_longer_than_any_sms_is_refused(client, world):
    response = inbound(client, world.member.mobile_phone, "x" * (SMS_MAX_CHARS + 1))
    assert response.status_code == 400
    assert not Reply.objects.exists()
    response = inbound(client, world.member.mobile_phone, "y" * SMS_MAX_CHARS)
    assert response.status_code == 200
    assert len(Reply.objects.get().body) == SMS_MAX_CHARS


def test_over_long_address_and_status_fields_are_refused(client, world):
    assert inbound(client, "+32" + "4" * 60, "Gezien").status_code == 400
    assert status(client, "SM" + "1" * 100, "delivered").status_code == 400
    assert status(client, "SM1", "failed", ErrorMessage="e" * 1001).status_code == 400
    big = status(client, "SM1", "failed", ErrorMessage="e" * (200 * 1024))
    assert big.status_code == 413
    assert not Reply.objects.exists()


def test_the_signature_is_not_computed_for_an_oversize_body(client, world, monkeypatch):
    def never(**kwargs):
        raise AssertionError("the body was read")

    monkeypatch.setattr("outbox.gateways.twilio.twilio_signature_valid", never)
    params = {"From": "+32470000000", "Body": "x" * (100 * 1024), "MessageSid": "SM1"}
    assert post(client, "twilio_inbound", params, signature="anything").status_code == 413


def test_any_providers_over_long_sms_is_dropped_before_the_receivers(world):
    message = InboundMessage(
        provider="other",
        provider_id="X1",
        channel="sms",
        from_address=str(world.member.mobile_phone),
        to_address="",
        body="z" * (SMS_MAX_CHARS + 1),
    )
    assert inbound_message_receive(message=message) == ""
    assert not Reply.objects.exists()


@pytest.mark.parametrize("length", ["20000", "1e9", "-1"])
def test_email_provider_webhooks_refuse_oversize_bodies(settings, length):
    settings.EMAIL_WEBHOOK_MAX_BYTES = 10_000
    patterns = anymail_webhook_urls("anymail.backends.mailgun.EmailBackend")
    assert {p.name for p in patterns} == {"mailgun_inbound_webhook", "mailgun_tracking_webhook"}
    for pattern in patterns:
        assert getattr(pattern.callback, "csrf_exempt", False)
        request = RequestFactory().post(
            "/anymail/mailgun/inbound/", data=b"", content_type="text/plain"
        )
        request.META["CONTENT_LENGTH"] = length
        response = pattern.callback(request)
        assert response.status_code == (413 if length == "20000" else 400)
