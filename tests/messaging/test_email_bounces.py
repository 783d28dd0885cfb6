"""SMTP bounces: alert emails leave with a bounce address per delivery as
envelope sender; the mail server's delivery status notification comes back
through anymail's inbound webhook and marks the delivery undelivered."""

from __future__ import annotations

import pytest
from anymail.inbound import AnymailInboundMessage
from anymail.signals import AnymailInboundEvent, inbound
from django.core import mail
from django.test import TestCase

from messaging.models import Delivery, Reply
from messaging.selectors.reach import network_member_problems
from messaging.services.email_bounces import email_bounce_address
from messaging.services.lifecycle import message_publish
from tests.factories import MessageFactory

DSN = """\
From: Mail Delivery System <MAILER-DAEMON@mx.example.org>
To: {to}
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain

This is the mail system. Your message could not be delivered.

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org

Final-Recipient: rfc822; {recipient}
Action: {action}
Status: {status}
Diagnostic-Code: smtp; 550 5.1.1 <{recipient}>: Recipient address
    rejected: User unknown

--b1
Content-Type: text/rfc822-headers

Subject: Inbrekers actief

--b1--
"""


@pytest.fixture
def sent(world, settings):
    settings.REPLY_TO_DOMAIN = "replies.bin.example.org"
    settings.EMAIL_SMTP_BOUNCES = True
    settings.DEFAULT_FROM_EMAIL = "BIN Oordegem <alerts@bin.example.org>"
    message = MessageFactory(
        kind="urgent", texts={"nl": {"sms": "Inbrekers actief"}}, created_by=world.users["officer"],
        by_sms=False, networks=[world.network],
    )  # fmt: skip
    with TestCase.captureOnCommitCallbacks(execute=True):
        message_publish(message=message, published_by=world.users["officer"])
    return Delivery.objects.get(message=message, member=world.member, channel="email")


def _bounce(to: str, recipient: str, *, action: str = "failed", status: str = "5.1.1"):
    raw = DSN.format(to=to, recipient=recipient, action=action, status=status)
    message = AnymailInboundMessage.parse_raw_mime(raw)
    event = AnymailInboundEvent(event_type="inbound", message=message)
    inbound.send(sender=object, event=event, esp_name="test")


def test_alert_emails_leave_with_a_bounce_address_and_the_usual_from(sent, settings):
    email = mail.outbox[-1]
    assert email.from_email == email_bounce_address(delivery_id=sent.pk)
    assert email.from_email.startswith(f"bounce+r{sent.pk}-")
    assert email.message()["From"] == "BIN Oordegem <alerts@bin.example.org>"


def test_a_bounce_marks_the_delivery_undelivered(sent, world):
    _bounce(mail.outbox[-1].from_email, sent.to)
    sent.refresh_from_db()
    assert sent.status == Delivery.Status.UNDELIVERED
    assert sent.error_code == "5.1.1" and "User unknown" in sent.error
    assert not Reply.objects.exists()  # a bounce is no reply
    problems = network_member_problems(networks=[world.network])
    assert problems[0].member == world.member
    assert [c for c, _w, _t in problems[0].problems] == ["email_failed"]


def test_a_delay_notice_changes_nothing(sent):
    _bounce(mail.outbox[-1].from_email, sent.to, action="delayed", status="4.4.1")
    sent.refresh_from_db()
    assert sent.status == Delivery.Status.SENT
    assert not Reply.objects.exists()


def test_a_guessed_bounce_address_changes_nothing(sent):
    _bounce(f"bounce+r{sent.pk}-000000000000@replies.bin.example.org", sent.to)
    sent.refresh_from_db()
    assert sent.status == Delivery.Status.SENT
    assert not Reply.objects.exists()


def test_without_the_setting_emails_keep_the_default_sender(world, settings):
    settings.REPLY_TO_DOMAIN = "replies.bin.example.org"
    settings.EMAIL_SMTP_BOUNCES = False
    assert email_bounce_address(delivery_id=1) is None
    settings.EMAIL_SMTP_BOUNCES = True
    settings.REPLY_TO_DOMAIN = ""
    assert email_bounce_address(delivery_id=1) is None
