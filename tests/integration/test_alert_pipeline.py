"""An urgent alert from publish to sent, on real components: PostgreSQL,
Redis, a Celery worker process, SMTP on loopback and the file SMS gateway."""

from __future__ import annotations

import time

import pytest

from messaging.models import Delivery, Message
from messaging.services.lifecycle import message_publish
from outbox.gateways.file import file_outbox_read
from tests.factories import MemberFactory

pytestmark = [pytest.mark.worker, pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]


def test_urgent_alert_reaches_every_member(
    client, settings, world, celery_worker_process, smtp_server
):
    members = [world.member, *MemberFactory.create_batch(11, network=world.network)]
    message = Message.objects.create(
        kind=Message.Kind.URGENT,
        texts={"nl": {"sms": "Inbrekers actief: licht aan", "subject": "Dringend", "body": "..."}},
        created_by=world.users["officer"],
    )
    message.networks.set([world.network])
    started = time.monotonic()
    # transactional test: the fan-out is queued on commit, to Redis, for the worker.
    message_publish(message=message, published_by=world.users["officer"])
    expected = 2 * len(members)  # SMS and email each
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done = Delivery.objects.filter(message=message, status=Delivery.Status.SENT).count()
        if done == expected:
            break
        time.sleep(0.2)
    log = celery_worker_process.log_path.read_text()
    assert done == expected, log
    phones = {str(m.mobile_phone) for m in members}
    sms = [m for m in file_outbox_read(limit=5000) if m.get("to") in phones and m["kind"] == "sms"]
    assert {m["to"] for m in sms} == phones
    emails = smtp_server.wait_for(len(members))
    assert {e["To"] for e in emails} == {m.email for m in members}
    # Twilio reports each SMS delivered through the signed status webhook.
    from django.urls import reverse
    from twilio.request_validator import RequestValidator

    settings.TWILIO_AUTH_TOKEN = "integration-token"
    path = reverse("outbox:twilio_status")
    for delivery in Delivery.objects.filter(message=message, channel="sms"):
        params = {"MessageSid": delivery.provider_id, "MessageStatus": "delivered"}
        signature = RequestValidator("integration-token").compute_signature(
            settings.PUBLIC_BASE_URL + path, params
        )
        response = client.post(path, params, headers={"X-Twilio-Signature": signature})
        assert response.status_code in (200, 204)
    delivered = Delivery.objects.filter(message=message, channel="sms", status="delivered")
    assert delivered.count() == len(members)
    assert time.monotonic() - started < 60
