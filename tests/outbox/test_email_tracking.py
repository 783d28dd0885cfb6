"""Email bounces and complaints: django-anymail's tracking webhook (here
Postmark's, with its basic-auth secret) into the delivery's status and the
member's communication problems."""

from __future__ import annotations

import base64
import json

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import include, path, reverse

from bin_platform.urls import anymail_webhook_urls
from members.models import ConsentRecord
from messaging.models import Delivery, Message
from messaging.selectors.reach import network_member_problems
from messaging.services.lifecycle import message_publish
from outbox.models import Notification
from tests.factories import MessageFactory

# The project routes the configured provider's webhooks only; this module
# routes Postmark's, as a deployment with EMAIL_BACKEND=postmark would.
urlpatterns = [
    path(
        "anymail/",
        include(
            (anymail_webhook_urls("anymail.backends.postmark.EmailBackend"), "anymail"),
            namespace="postmark",
        ),
    ),
    path("", include("bin_platform.urls")),
]
pytestmark = pytest.mark.urls(__name__)

SECRET = "tracker:a-long-random-password"  # nosec B105


@pytest.fixture(autouse=True)
def _postmark(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET, "POSTMARK_SERVER_TOKEN": "test-token"}


def event(client, payload: dict, *, secret: str = SECRET):
    auth = base64.b64encode(secret.encode()).decode()
    return client.post(
        reverse("postmark:postmark_tracking_webhook"),
        json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {auth}",
    )


def _email_delivery(world, provider_id: str = "pm-0001") -> Delivery:
    message = MessageFactory(
        networks=[world.network], status=Message.Status.PUBLISHED, kind="prevention"
    )
    return Delivery.objects.create(
        message=message, member=world.member, channel="email", to=world.member.email,
        language="nl", status=Delivery.Status.SENT, provider_id=provider_id,
    )  # fmt: skip


def _bounce(message_id: str, kind: str = "HardBounce") -> dict:
    return {
        "RecordType": "Bounce", "Type": kind, "MessageID": message_id, "ID": 42,
        "Email": "x@example.org", "Description": "The mailbox does not exist.",
        "Details": "smtp;550 5.1.1 unknown user", "BouncedAt": "2026-12-06T04:00:00Z",
    }  # fmt: skip


def test_a_hard_bounce_marks_the_delivery_undelivered(client, world):
    delivery = _email_delivery(world)
    assert event(client, _bounce("pm-0001")).status_code == 200
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.UNDELIVERED
    assert "does not exist" in delivery.error and delivery.error_code == "bounced"
    problems = network_member_problems(networks=[world.network])
    assert [code for code, _w, _t in problems[0].problems] == ["email_failed"]


def test_delivered_and_a_late_bounce_report(client, world):
    delivery = _email_delivery(world)
    event(client, {"RecordType": "Delivery", "MessageID": "pm-0001", "Recipient": "x@e.org"})
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DELIVERED and delivery.delivered_at
    # A provider rejecting the address (suppressed) is final too, but only
    # moves a delivery that has no final status yet.
    other = _email_delivery(world, provider_id="pm-0002")
    event(client, _bounce("pm-0002", kind="ManuallyDeactivated"))
    other.refresh_from_db()
    assert other.status == Delivery.Status.FAILED and other.error_code == "blocked"
    event(client, _bounce("pm-0001"))
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DELIVERED


def test_a_spam_complaint_switches_email_off(client, world):
    ConsentRecord.objects.create(
        member=world.member, subject="email", version="1", given_at=world.member.created_at,
        method="web_form",
    )  # fmt: skip
    delivery = _email_delivery(world)
    payload = {**_bounce("pm-0001", kind="SpamComplaint"), "RecordType": "SpamComplaint"}
    assert event(client, payload).status_code == 200
    world.member.refresh_from_db()
    assert world.member.by_email is False and world.member.email_complained_at
    assert not world.member.consents.filter(subject="email", withdrawn_at__isnull=True)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT  # it did arrive
    codes = [c for c, _w, _t in network_member_problems(networks=[world.network])[0].problems]
    assert "email_complained" in codes
    # Twice: nothing more happens.
    assert event(client, payload).status_code == 200


def test_wrong_credentials_change_nothing(client, world):
    delivery = _email_delivery(world)
    response = event(client, _bounce("pm-0001"), secret="tracker:guess")
    assert response.status_code in (400, 403)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT


def test_a_bounced_notification_is_recorded_on_the_outbox_row(client, world):
    notification = Notification.objects.create(
        kind="welcome", channel="email", to="x@example.org", body="Welkom",
        status=Notification.Status.SENT, provider_id="pm-n-1",
    )  # fmt: skip
    event(client, _bounce("pm-n-1"))
    notification.refresh_from_db()
    assert notification.status == Notification.Status.UNDELIVERED
    assert "does not exist" in notification.last_error


def test_unknown_and_uninteresting_events_are_accepted(client, world):
    assert event(client, _bounce("pm-unknown")).status_code == 200
    opened = {"RecordType": "Open", "MessageID": "pm-0001", "Recipient": "x@example.org"}
    assert event(client, opened).status_code == 200


def test_sent_emails_keep_the_providers_message_id(world, settings):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    message = MessageFactory(
        networks=[world.network], kind="prevention", by_sms=False, by_email=True,
        created_by=world.users["officer"],
    )  # fmt: skip
    with TestCase.captureOnCommitCallbacks(execute=True):
        message_publish(message=message, published_by=world.users["officer"])
    delivery = Delivery.objects.get(message=message, member=world.member)
    sent = mail.outbox[-1]
    assert delivery.provider_id == str(sent.anymail_status.message_id)
    assert delivery.status == Delivery.Status.SENT
