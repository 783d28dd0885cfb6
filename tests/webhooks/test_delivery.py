"""Signed notices to a real local receiver: the dispatch flow, retries with
backoff, giving up, switching an endpoint off, and the limits on targets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from messaging.models import Message
from messaging.services.lifecycle import message_publish
from outbox.models import Notification
from tests.factories import MessageFactory
from webhooks.models import Event, WebhookDelivery
from webhooks.services.deliveries import webhook_delivery_send, webhook_sweep
from webhooks.services.events import webhook_event_emit

pytestmark = pytest.mark.django_db


def _draft(world) -> Message:
    return MessageFactory(
        kind=Message.Kind.URGENT,
        texts={"nl": {"sms": "Inbrekers actief in de Kerkstraat", "subject": "Inbraken"}},
        by_sms=True,
        by_email=True,
        created_by=world.users["officer"],
        networks=[world.network],
    )


def _emit(world, **data) -> WebhookDelivery:
    webhook_event_emit(
        event_type=Event.MESSAGE_PUBLISHED, police_zone_ids=[world.zone.pk], data=data or {"x": 1}
    )
    return WebhookDelivery.objects.latest("pk")


def _due(delivery: WebhookDelivery) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


def test_published_and_completed_reach_the_receiver_signed(
    world, receiver, endpoint_for, django_capture_on_commit_callbacks
):
    """A dispatch system hears of the alert at once and of its completion,
    with the figures, each notice signed per Standard Webhooks."""
    endpoint_for(world.zone, world.users["officer"])
    message = _draft(world)
    with django_capture_on_commit_callbacks(execute=True):
        message_publish(message=message, published_by=world.users["officer"])
    assert receiver.types() == [Event.MESSAGE_PUBLISHED, Event.MESSAGE_COMPLETED]
    published, completed = receiver.payloads
    assert published["data"]["message"]["id"] == message.pk
    assert published["data"]["message"]["networks"] == [{"slug": "oordegem", "name": "Oordegem"}]
    assert published["data"]["message"]["texts"]["nl"]["sms"].startswith("Inbrekers")
    figures = completed["data"]["figures"]
    assert figures["total"] == figures["done"] == 2  # one member, SMS and email
    assert set(figures["by_channel"]) == {"sms", "email"}
    first = receiver.received[0]
    assert first.headers["webhook-id"].startswith("msg_")
    assert first.headers["webhook-signature"].startswith("v1,")
    assert first.headers["content-type"] == "application/json"
    assert WebhookDelivery.objects.filter(status="delivered").count() == 2
    message.refresh_from_db()
    assert message.completed_at is not None


def test_a_wrong_secret_does_not_verify(world, receiver, endpoint_for):
    endpoint_for(world.zone, world.users["officer"])
    delivery = _emit(world)
    assert webhook_delivery_send(delivery_id=delivery.pk) == "delivered"
    got = receiver.received[0]
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "QUJD" * 11).verify(got.body, got.headers)


def test_retry_with_backoff_then_delivered_with_the_same_id(world, receiver, endpoint_for):
    endpoint_for(world.zone, world.users["officer"])
    receiver.answers = [500]
    delivery = _emit(world)
    before = timezone.now()
    assert webhook_delivery_send(delivery_id=delivery.pk) == "retry"
    delivery.refresh_from_db()
    assert delivery.status == "queued" and delivery.attempts == 1
    assert delivery.response_status == 500 and "500" in delivery.last_error
    assert delivery.next_attempt_at >= before + timedelta(seconds=29)
    # Not due yet: a task that comes early sends nothing.
    assert webhook_delivery_send(delivery_id=delivery.pk) == "skipped"
    _due(delivery)
    assert webhook_delivery_send(delivery_id=delivery.pk) == "delivered"
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts == 2
    ids = {r.headers["webhook-id"] for r in receiver.received}
    assert ids == {delivery.event_id}
    assert len(receiver.payloads) == 2  # both attempts signed correctly
    assert delivery.endpoint.consecutive_failures == 0


def test_gives_up_after_the_last_attempt(world, receiver, endpoint_for, settings):
    settings.WEBHOOKS_MAX_ATTEMPTS = 3
    endpoint_for(world.zone, world.users["officer"])
    receiver.default = 503
    delivery = _emit(world)
    outcomes = []
    for _ in range(3):
        _due(delivery)
        outcomes.append(webhook_delivery_send(delivery_id=delivery.pk))
    assert outcomes == ["retry", "retry", "failed"]
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts == 3
    assert webhook_delivery_send(delivery_id=delivery.pk) == "skipped"


def test_switched_off_after_repeated_failures_and_the_owner_told(
    world, receiver, endpoint_for, settings
):
    settings.WEBHOOKS_DISABLE_AFTER_FAILURES = 3
    endpoint = endpoint_for(world.zone, world.users["officer"])
    receiver.default = 500
    first, second = _emit(world), _emit(world)
    webhook_delivery_send(delivery_id=first.pk)
    webhook_delivery_send(delivery_id=second.pk)
    _due(first)
    assert webhook_delivery_send(delivery_id=first.pk) == "disabled"
    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_at
    assert "3" in endpoint.disabled_reason
    second.refresh_from_db()
    assert second.status == "cancelled"  # what waited is not sent
    notice = Notification.objects.get(kind="webhook_disabled")
    assert notice.to == world.users["officer"].email
    assert endpoint.url in notice.body and f"/manage/webhooks/{endpoint.pk}/" in notice.body
    # An inactive endpoint gets no new events.
    assert (
        webhook_event_emit(
            event_type=Event.MESSAGE_PUBLISHED, police_zone_ids=[world.zone.pk], data={}
        )
        == 0
    )


def test_gone_switches_off_at_once(world, receiver, endpoint_for):
    endpoint = endpoint_for(world.zone, world.users["officer"])
    receiver.answers = [410]
    assert webhook_delivery_send(delivery_id=_emit(world).pk) == "disabled"
    endpoint.refresh_from_db()
    assert not endpoint.is_active and "410" in endpoint.disabled_reason


def test_redirects_are_not_followed(world, receiver, endpoint_for):
    endpoint_for(world.zone, world.users["officer"])
    receiver.answers = [302]
    assert webhook_delivery_send(delivery_id=_emit(world).pk) == "retry"
    assert len(receiver.received) == 1


def test_timeout_is_a_failed_attempt(world, receiver, endpoint_for, settings):
    settings.WEBHOOKS_TIMEOUT_SECONDS = 0.3
    endpoint_for(world.zone, world.users["officer"])
    receiver.delay = 1.0
    delivery = _emit(world)
    assert webhook_delivery_send(delivery_id=delivery.pk) == "retry"
    delivery.refresh_from_db()
    assert "Timeout" in delivery.last_error and delivery.response_status is None


def test_only_the_start_of_a_long_answer_is_read(world, receiver, endpoint_for, settings):
    settings.WEBHOOKS_MAX_RESPONSE_BYTES = 100
    endpoint_for(world.zone, world.users["officer"])
    receiver.default = 200
    receiver.body = b"x" * 2_000_000
    delivery = _emit(world)
    assert webhook_delivery_send(delivery_id=delivery.pk) == "delivered"
    delivery.refresh_from_db()
    assert delivery.response_excerpt == "x" * 100


def test_a_target_moved_inside_is_refused_at_send_time(world, receiver, endpoint_for):
    endpoint = endpoint_for(world.zone, world.users["officer"])
    # Registered fine; the address changed afterwards (an admin edit, DNS).
    type(endpoint).objects.filter(pk=endpoint.pk).update(url="http://10.0.0.7/hook")
    delivery = _emit(world)
    assert webhook_delivery_send(delivery_id=delivery.pk) == "retry"
    delivery.refresh_from_db()
    assert "private" in delivery.last_error
    assert receiver.received == []


def test_sweep_hands_back_dead_claims_and_queues_due_rows(world, receiver, endpoint_for):
    endpoint_for(world.zone, world.users["officer"])
    stale, due = _emit(world), _emit(world)
    long_ago = timezone.now() - timedelta(hours=1)
    WebhookDelivery.objects.filter(pk=stale.pk).update(status="sending", claimed_at=long_ago)
    WebhookDelivery.objects.filter(pk=due.pk).update(created_at=long_ago)
    result = webhook_sweep()
    assert result["reclaimed"] == 1
    # Celery runs eagerly in the tests: what the sweep queued went out.
    assert WebhookDelivery.objects.get(pk=due.pk).status == "delivered"
    assert len(receiver.received) >= 1


def test_https_with_the_certificate_checked(world, tls_receiver, endpoint_for, settings):
    endpoint_for(world.zone, world.users["officer"])
    delivery = _emit(world, hello="tls")
    assert webhook_delivery_send(delivery_id=delivery.pk) == "delivered"
    assert tls_receiver.payloads[0]["data"] == {"hello": "tls"}
    assert tls_receiver.received[0].headers["host"] == tls_receiver.url.split("/")[2]
    # A certificate the platform does not trust: refused, nothing sent.
    settings.WEBHOOKS_CA_BUNDLE = ""
    second = _emit(world)
    assert webhook_delivery_send(delivery_id=second.pk) == "retry"
    second.refresh_from_db()
    assert "SSL" in second.last_error or "certificate" in second.last_error
    assert len(tls_receiver.received) == 1


def test_connects_to_the_checked_address(world, receiver, endpoint_for, monkeypatch):
    """DNS rebinding: the name is resolved once, checked, and that address is
    the one connected to (the Host header still names the host)."""
    import webhooks.services.deliveries as deliveries

    port = receiver.url.split(":")[2].split("/")[0]
    endpoint = endpoint_for(world.zone, world.users["officer"])
    type(endpoint).objects.filter(pk=endpoint.pk).update(url=f"http://dispatch.test:{port}/h")
    monkeypatch.setattr(deliveries, "webhook_target_check", lambda url: ["127.0.0.1"])
    assert webhook_delivery_send(delivery_id=_emit(world).pk) == "delivered"
    assert receiver.received[0].headers["host"] == f"dispatch.test:{port}"
