"""Email replies: Reply-To per delivery, inbound mail threaded into the inbox."""

from __future__ import annotations

import pytest
from anymail.inbound import AnymailInboundMessage
from anymail.signals import AnymailInboundEvent, inbound
from django.core import mail
from django.test import TestCase
from django.urls import reverse

from messaging.models import Delivery, Reply
from messaging.services.email_replies import email_reply_address
from messaging.services.lifecycle import message_publish
from tests.factories import MessageFactory


@pytest.fixture
def sent_alert(world, settings):
    settings.REPLY_TO_DOMAIN = "replies.bin.example.org"
    message = MessageFactory(
        kind="urgent", texts={"nl": {"sms": "Inbrekers actief"}}, created_by=world.users["officer"],
        by_sms=False, networks=[world.network],
    )  # fmt: skip
    with TestCase.captureOnCommitCallbacks(execute=True):
        message_publish(message=message, published_by=world.users["officer"])
    return message


def _deliver(raw_to: str, text: str, message_id: str = "<m1@example.org>"):
    message = AnymailInboundMessage.construct(
        from_email="Bewoner <bewoner@example.org>",
        to=raw_to,
        subject="Re: Inbrekers actief",
        text=text,
        headers=[("Message-ID", message_id)],
    )
    event = AnymailInboundEvent(event_type="inbound", message=message)
    inbound.send(sender=object, event=event, esp_name="test")


def test_alert_emails_carry_a_reply_address_and_replies_come_back(client, world, sent_alert):
    email = mail.outbox[-1]
    assert len(email.reply_to) == 1 and email.reply_to[0].endswith("@replies.bin.example.org")
    _deliver(email.reply_to[0], "Ik zag een gele Polo.\n\nOp maandag schreef BIN:\n> Inbrekers")
    reply = Reply.objects.get()
    delivery = Delivery.objects.get(message=sent_alert, channel="email")
    assert reply.message == sent_alert and reply.member == delivery.member
    assert reply.channel == "email" and reply.body == "Ik zag een gele Polo."
    # The same mail posted twice is stored once.
    _deliver(email.reply_to[0], "Ik zag een gele Polo.")
    assert Reply.objects.count() == 1
    client.force_login(world.users["coordinator"])
    inbox = client.get(reverse("messaging:inbox", args=[world.network.slug]))
    assert reply.conversation in inbox.context["page"].object_list


def test_alert_emails_and_sms_say_how_to_answer(world, sent_alert):
    from outbox.gateways import locmem

    email = mail.outbox[-1]
    # In the member's language (Dutch).
    assert "door op deze e-mail te antwoorden of op uw persoonlijke pagina: http" in email.body
    assert "/me/" in email.body
    message = MessageFactory(
        kind="urgent", texts={"nl": {"sms": "Inbrekers actief"}}, created_by=world.users["officer"],
        by_email=False, networks=[world.network],
    )  # fmt: skip
    locmem.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        message_publish(message=message, published_by=world.users["officer"])
    # In the member's language (Dutch), then the short personal link.
    (sms,) = locmem.outbox
    assert sms.body.startswith("Inbrekers actief Antwoord per sms of via http")
    assert "/m/" in sms.body


def test_forged_reply_addresses_are_dropped(world, sent_alert):
    delivery = Delivery.objects.get(message=sent_alert, channel="email")
    _deliver(f"reply+r{delivery.pk}-000000000000@replies.bin.example.org", "x", "<m2@x>")
    _deliver("someone@replies.bin.example.org", "x", "<m3@x>")
    assert not Reply.objects.exists()


def test_no_reply_to_without_a_domain(world, settings):
    settings.REPLY_TO_DOMAIN = ""
    assert email_reply_address(delivery_id=1) is None
