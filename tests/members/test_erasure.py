"""Leaving erases every copy of a member's contact data, in every app.

A member who was imported (a duplicate row of them kept in the import's
error report), received an alert by SMS and email, replied by both, sent an
incident report and got feedback leaves; then every text, char and JSON
column of every table is searched for their name, phone and email.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from anymail.inbound import AnymailInboundMessage
from anymail.signals import AnymailInboundEvent, inbound
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import TestCase
from django.utils import timezone

from members.hooks import member_erasers
from members.models import Member, MemberImport
from members.services.core import member_erase
from members.services.imports import import_commit, import_preview
from messaging.models import Delivery, Message, Reply
from messaging.services.conversations import conversation_answer, conversation_forward
from messaging.services.email_replies import email_reply_address
from messaging.services.incidents import incident_create, incident_triage
from messaging.services.lifecycle import message_publish
from outbox.gateways.twilio import twilio_inbound_handle
from outbox.models import Notification
from tests.factories import MessageFactory

FIRST, LAST = "Griet", "Vanderstraeten"
EMAIL = "griet.vanderstraeten@example.org"
MOBILE, MOBILE_TYPED = "+32470998877", "0470 99 88 77"
NEEDLES = (LAST, EMAIL, MOBILE, "470998877", MOBILE_TYPED, "Vanderstraeten".upper())


def _text_columns():
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField | models.JSONField):
                yield model, field


def _copies() -> list[str]:
    found = []
    for model, field in _text_columns():
        for needle in NEEDLES:
            lookup = {f"{field.attname}__icontains": needle}
            if model._default_manager.filter(**lookup).exists():
                found.append(f"{model._meta.label}.{field.name} holds {needle!r}")
    return found


def _import_member(world) -> Member:
    header = "first_name,last_name,street,house_number,postcode,email,mobile_phone"
    row = f"{FIRST},{LAST},Kerkstraat,12,9340,{EMAIL},{MOBILE_TYPED}"
    upload = SimpleUploadedFile("leden.csv", f"{header}\n{row}\n{row}\n".encode())
    coordinator = world.users["coordinator"]
    preview = import_preview(network=world.network, uploaded_file=upload, created_by=coordinator)
    assert preview.error_count == 1  # the second row: a duplicate within the file
    with TestCase.captureOnCommitCallbacks(execute=True):
        done = import_commit(member_import=preview, confirmed_by=coordinator, attested=True)
    assert done.rows and LAST in str(done.rows)  # the kept error row names them
    member = Member.objects.get(email=EMAIL)
    Member.objects.filter(pk=member.pk).update(by_sms=True, by_email=True, language="nl")
    member.refresh_from_db()
    return member


def _alert(world) -> Message:
    message = MessageFactory(
        kind=Message.Kind.URGENT,
        texts={"nl": {"sms": "Inbrekers actief", "subject": "Dringend", "body": "Licht aan"}},
        created_by=world.users["officer"],
        by_email=True,
        networks=[world.network],
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        message_publish(message=message, published_by=world.users["officer"])
    return message


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.REPLY_TO_DOMAIN = "replies.bin.example.org"


def test_every_app_contributes_its_part_of_the_erasure():
    names = {f"{eraser.__module__}.{eraser.__name__}" for eraser in member_erasers}
    assert "messaging.services.erasure.member_messaging_erase" in names


def test_leaving_erases_every_copy_of_the_members_contact_data(world):
    member = _import_member(world)
    _alert(world)
    deliveries = Delivery.objects.filter(member=member)
    assert {d.channel for d in deliveries} == {"sms", "email"}
    assert all(d.to in (EMAIL, MOBILE) for d in deliveries)
    # Replies by SMS and by email (threaded by the Reply-To address).
    # The answers and notices they cause go out at once, as the worker does
    # (a copy still queued when the member leaves is scrubbed by retention).
    with TestCase.captureOnCommitCallbacks(execute=True):
        twilio_inbound_handle(
            from_number=MOBILE, body=f"Gezien, {FIRST} {LAST}", sid="SM" + "9" * 32
        )
    email_delivery = deliveries.get(channel="email")
    event = AnymailInboundEvent(
        event_type="inbound",
        message=AnymailInboundMessage.construct(
            from_email=f"{FIRST} {LAST} <{EMAIL}>",
            to=email_reply_address(delivery_id=email_delivery.pk),
            subject="Re: Dringend",
            text=f"Ik zag ze ook.\n\n{FIRST} {LAST}\n{MOBILE_TYPED}",
        ),
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        inbound.send(sender=object, event=event, esp_name="test")
    assert Reply.objects.filter(member=member).count() == 2
    with TestCase.captureOnCommitCallbacks(execute=True):
        conversation = Reply.objects.filter(member=member).first().conversation
        conversation_forward(
            conversation=conversation,
            forwarded_by=world.users["coordinator"],
            to_email=world.users["officer"].email,
        )
        conversation_answer(
            conversation=conversation, answered_by=world.users["officer"], text="Bedankt."
        )
    with TestCase.captureOnCommitCallbacks(execute=True):
        report = incident_create(
            member=member,
            category="vehicle",
            happened_at=timezone.now() - timedelta(hours=1),
            street="Kerkstraat",
            description="A white van, twice.",
        )
        incident_triage(
            report=report,
            handled_by=world.users["officer"],
            status="acknowledged",
            feedback=f"Thank you, {FIRST}.",
        )
    before = _copies()
    assert any("Delivery.to" in c for c in before) and any("Reply" in c for c in before)
    assert any("MemberImport.rows" in c for c in before)
    assert any("Notification.body" in c for c in before)  # the forward

    with TestCase.captureOnCommitCallbacks(execute=True):
        member_erase(member=member, actor=None, reason="left")

    left = _copies()
    assert left == [], "\n".join(left)
    # What stays: the rows as anonymous counts.
    assert Delivery.objects.filter(member=member).count() == 2
    assert Reply.objects.filter(network=world.network).count() == 2
    assert MemberImport.objects.get().error_count == 1
    assert Notification.objects.filter(kind="reply_forward").exists()
