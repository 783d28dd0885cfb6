"""Publishing and fan-out: idempotent, chunked, preferences applied, retries,
permanent failures with email fallback, and the sweep."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.core import mail
from django.test import TestCase
from django.utils import timezone

from members.models import Member
from messaging.models import Delivery, Message
from messaging.services.fanout import message_fanout
from messaging.services.lifecycle import message_cancel, message_publish, message_update_draft
from messaging.services.sending import delivery_send_chunk
from messaging.services.sweep import delivery_sweep
from outbox.gateways import locmem
from outbox.gateways.base import (
    BaseSMSGateway,
    PermanentGatewayError,
    SendResult,
    TemporaryGatewayError,
)
from tests.factories import MemberFactory, MessageFactory

TEXTS = {
    "nl": {"sms": "Inbrekers actief, licht aan", "subject": "Dringend", "body": "Lang bericht"},
    "fr": {"sms": "Cambrioleurs actifs", "subject": "Urgent", "body": "Message long"},
}


@pytest.fixture(autouse=True)
def _empty_outbox():
    locmem.outbox.clear()
    FlakySMS.plan = []
    yield
    locmem.outbox.clear()


class FlakySMS(BaseSMSGateway):
    """A gateway that fails as planned, then accepts: one plan entry per call."""

    plan: list = []
    sent: list = []

    def send_sms(self, message):
        outcome = FlakySMS.plan.pop(0) if FlakySMS.plan else "ok"
        if outcome == "429":
            raise TemporaryGatewayError("429 Too Many Requests", retry_after=1)
        if outcome == "429-slow":
            raise TemporaryGatewayError("429 Too Many Requests", retry_after=120)
        if outcome == "invalid":
            raise PermanentGatewayError("invalid number", code="21211")
        FlakySMS.sent.append(message)
        return SendResult(provider_id=f"SM{len(FlakySMS.sent):032d}")


def _message(world, *, kind=Message.Kind.URGENT, networks=None, **fields) -> Message:
    return MessageFactory(
        kind=kind, texts=TEXTS, created_by=world.users["officer"],
        networks=networks or [world.network], **fields,
    )  # fmt: skip


def _publish(world, message):
    with TestCase.captureOnCommitCallbacks(execute=True):
        message_publish(message=message, published_by=world.users["officer"])


def test_publish_fans_out_to_every_member_and_channel(world):
    extra = MemberFactory(network=world.network, language="fr", by_email=False)
    message = _message(world)
    _publish(world, message)
    deliveries = Delivery.objects.filter(message=message)
    # world.member: SMS + email; extra: SMS only
    assert deliveries.count() == 3
    assert set(deliveries.values_list("status", flat=True)) == {Delivery.Status.SENT}
    bodies = {m.to: m.body for m in locmem.outbox}
    # The member's language, how to answer, then the short personal link.
    assert bodies[str(extra.mobile_phone)].startswith(
        "Cambrioleurs actifs Répondez par SMS ou via http"
    )
    assert bodies[str(world.member.mobile_phone)].startswith(
        "Inbrekers actief, licht aan Antwoord per sms of via http"
    )
    assert "/m/" in bodies[str(extra.mobile_phone)]
    assert mail.outbox[0].subject == "Dringend"
    assert "/me/" in mail.outbox[0].body  # the full personal link in every email
    # Members of the other network get nothing.
    assert not deliveries.filter(member__network=world.other_network).exists()


def test_fanout_twice_sends_nothing_twice(world):
    message = _message(world)
    _publish(world, message)
    with TestCase.captureOnCommitCallbacks(execute=True):
        message_fanout(message_id=message.pk)
        message_fanout(message_id=message.pk)
    assert Delivery.objects.filter(message=message).count() == 2
    assert len(locmem.outbox) == 1 and len(mail.outbox) == 1


def test_sends_are_chunked(world, settings):
    settings.MESSAGING_FANOUT_CHUNK = 2
    MemberFactory.create_batch(4, network=world.network, by_email=False)
    calls = []
    from messaging import tasks

    original = tasks.delivery_send_task.apply_async

    def spy(*args, **kwargs):
        calls.append(kwargs["args"][0])
        return original(*args, **kwargs)

    tasks.delivery_send_task.apply_async = spy
    try:
        _publish(world, _message(world, by_email=False))
    finally:
        tasks.delivery_send_task.apply_async = original
    assert [len(chunk) for chunk in calls] == [2, 2, 1]
    assert len(locmem.outbox) == 5


def test_each_members_fastest_channel_is_queued_before_second_emails(world, settings, monkeypatch):
    settings.MESSAGING_FANOUT_CHUNK = 2
    both = MemberFactory.create_batch(3, network=world.network)  # SMS + email
    email_only = MemberFactory(network=world.network, by_sms=False, by_voice=False)
    chunks = []
    from messaging import tasks

    monkeypatch.setattr(
        tasks.delivery_send_task, "apply_async", lambda *a, **kw: chunks.append(kw["args"][0])
    )
    message = _message(world)
    _publish(world, message)
    channel = dict(message.deliveries.values_list("pk", "channel"))
    member = dict(message.deliveries.values_list("pk", "member_id"))
    order = [pk for chunk in chunks for pk in chunk]
    assert sorted(order) == sorted(channel)  # every row queued once
    seconds = [pk for pk in order if channel[pk] == "email" and member[pk] != email_only.pk]
    # Every SMS, and the email of the member who has nothing else, come first.
    assert order[-len(seconds) :] == seconds
    assert len(seconds) == len(both) + 1  # world.member gets SMS + email too
    assert any(member[pk] == email_only.pk for pk in order[: -len(seconds)])


def test_one_message_per_person_across_networks(world):
    # The same person (same phone and email) is a member of both networks.
    twin = MemberFactory(
        network=world.other_network,
        email=world.member.email,
        mobile_phone=world.member.mobile_phone,
    )
    message = _message(world, networks=[world.network, world.other_network])
    _publish(world, message)
    assert len([m for m in locmem.outbox if m.to == str(twin.mobile_phone)]) == 1
    assert len([m for m in mail.outbox if twin.email in m.to]) == 1


def test_streets_limit_the_audience(world):
    MemberFactory(network=world.network, street="Kerkstraat", by_email=False)
    message = _message(world, streets=["Dorpsstraat"])
    _publish(world, message)
    assert Delivery.objects.filter(message=message).count() == 0


def test_pause_and_quiet_hours_hold_non_urgent_messages_only(world):
    member = world.member
    today = timezone.localdate()
    Member.objects.filter(pk=member.pk).update(paused_until=today + timedelta(days=3))
    tip = _message(world, kind=Message.Kind.PREVENTION)
    _publish(world, tip)
    assert not Delivery.objects.filter(message=tip).exists()
    urgent = _message(world)
    _publish(world, urgent)
    assert Delivery.objects.filter(message=urgent, status=Delivery.Status.SENT).count() == 2
    # Quiet hours around now: a tip waits; the sweep sends it once they end.
    Member.objects.filter(pk=member.pk).update(
        paused_until=None, quiet_hours_start=time(0, 0), quiet_hours_end=time(23, 59)
    )
    locmem.outbox.clear()
    tip2 = _message(world, kind=Message.Kind.INFO)
    _publish(world, tip2)
    held = Delivery.objects.filter(message=tip2)
    assert held.count() == 2 and set(held.values_list("status", flat=True)) == {"queued"}
    assert held.first().not_before is not None and not locmem.outbox
    later = held.first().not_before + timedelta(minutes=1)
    with TestCase.captureOnCommitCallbacks(execute=True):
        delivery_sweep(now=later)
    # Claiming checks the real clock: make the rows due now.
    held.update(not_before=timezone.now() - timedelta(seconds=1))
    with TestCase.captureOnCommitCallbacks(execute=True):
        delivery_sweep(now=timezone.now() + timedelta(minutes=1))
    assert set(held.values_list("status", flat=True)) == {"sent"}


def test_temporary_failures_retry_with_backoff(world, settings):
    settings.OUTBOX_GATEWAYS = {
        **settings.OUTBOX_GATEWAYS,
        "sms": {"BACKEND": "tests.messaging.test_fanout.FlakySMS", "OPTIONS": {}},
    }
    FlakySMS.plan = ["429"]
    FlakySMS.sent = []
    message = _message(world, by_email=False)
    _publish(world, message)
    delivery = Delivery.objects.get(message=message)
    assert delivery.status == Delivery.Status.QUEUED
    assert delivery.attempts == 1 and delivery.next_attempt_at > timezone.now()
    assert "429" in delivery.error
    # Not due yet: a send skips it.
    assert delivery_send_chunk(delivery_ids=[delivery.pk])["skipped"] == 1
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert delivery_send_chunk(delivery_ids=[delivery.pk])["sent"] == 1
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT and delivery.attempts == 2
    assert len(FlakySMS.sent) == 1


def test_a_providers_retry_after_is_waited_for(world, settings):
    settings.OUTBOX_GATEWAYS = {
        **settings.OUTBOX_GATEWAYS,
        "sms": {"BACKEND": "tests.messaging.test_fanout.FlakySMS", "OPTIONS": {}},
    }
    settings.MESSAGING_RETRY_BACKOFF_SECONDS = 5
    FlakySMS.plan = ["429-slow"]
    before = timezone.now()
    _publish(world, _message(world, by_email=False))
    delivery = Delivery.objects.get()
    # Twilio said "Retry-After: 120": longer than our first backoff of 5 s.
    assert delivery.next_attempt_at >= before + timedelta(seconds=120)


def test_permanent_sms_failure_falls_back_to_email(world, settings):
    settings.OUTBOX_GATEWAYS = {
        **settings.OUTBOX_GATEWAYS,
        "sms": {"BACKEND": "tests.messaging.test_fanout.FlakySMS", "OPTIONS": {}},
    }
    FlakySMS.plan = ["invalid"]
    message = _message(world, by_email=False)
    _publish(world, message)
    sms = Delivery.objects.get(message=message, channel="sms")
    assert sms.status == Delivery.Status.FAILED and sms.error_code == "21211"
    email = Delivery.objects.get(message=message, channel="email")
    assert email.fallback_for == sms and email.status == Delivery.Status.SENT
    assert mail.outbox[0].to == [world.member.email]


def test_a_claimed_row_is_never_sent_twice(world):
    message = _message(world, by_email=False)
    message.status = Message.Status.PUBLISHED
    message.save()
    message_fanout(message_id=message.pk)  # sends once (eager tasks)
    delivery = Delivery.objects.get(message=message)
    assert len(locmem.outbox) == 1
    # Another worker holds the row, or it was sent already: nothing goes out.
    for status in (Delivery.Status.SENDING, Delivery.Status.SENT):
        Delivery.objects.filter(pk=delivery.pk).update(status=status)
        assert delivery_send_chunk(delivery_ids=[delivery.pk])["skipped"] == 1
    assert len(locmem.outbox) == 1


def test_sweep_recovers_stale_claims_and_lost_fanouts(world):
    message = _message(world, by_email=False)
    message.status = Message.Status.PUBLISHED
    message.published_at = timezone.now() - timedelta(minutes=5)
    message.save()
    # The fan-out task was lost (broker down at publish time).
    with TestCase.captureOnCommitCallbacks(execute=True):
        result = delivery_sweep()
    assert result["fanouts"] == 1
    delivery = Delivery.objects.get(message=message)
    assert delivery.status == Delivery.Status.SENT
    # A worker died mid-send: the row is handed out again after a while.
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.SENDING, claimed_at=timezone.now() - timedelta(minutes=10)
    )
    result = delivery_sweep()
    assert result["reclaimed"] == 1


def test_publish_validates(world):
    from django.core.exceptions import ValidationError

    empty = Message.objects.create(kind="urgent", texts={}, created_by=world.users["officer"])
    with pytest.raises(ValidationError):
        message_publish(message=empty, published_by=world.users["officer"])
    message = _message(world)
    _publish(world, message)
    with pytest.raises(ValidationError):
        message_publish(message=message, published_by=world.users["officer"])


def test_an_update_goes_to_the_same_recipients(world):
    original = _message(world)
    _publish(world, original)
    first_recipients = set(original.deliveries.values_list("member_id", "channel"))
    # Someone joins after the alert: they do not get the update of it.
    MemberFactory(network=world.network)
    update = message_update_draft(original=original, created_by=world.users["officer"])
    update.texts = {"nl": {"sms": "Update: verdachte opgepakt"}}
    update.save()
    _publish(world, update)
    assert set(update.deliveries.values_list("member_id", "channel")) == first_recipients


def test_cancel_stops_what_has_not_gone_out(world):
    message = _message(world, kind=Message.Kind.INFO)
    Member.objects.filter(pk=world.member.pk).update(
        quiet_hours_start=time(0, 0), quiet_hours_end=time(23, 59)
    )
    _publish(world, message)
    assert set(message.deliveries.values_list("status", flat=True)) == {"queued"}
    stopped = message_cancel(message=message, cancelled_by=world.users["officer"])
    assert stopped == 2
    message.deliveries.update(not_before=timezone.now() - timedelta(seconds=1))
    with TestCase.captureOnCommitCallbacks(execute=True):
        delivery_sweep(now=timezone.now() + timedelta(minutes=1))
    assert set(message.deliveries.values_list("status", flat=True)) == {"cancelled"}
    assert not locmem.outbox and not mail.outbox


def test_the_short_link_in_sms_opens_the_personal_page(client, world):
    from urllib.parse import urlparse

    from members.tokens import member_short_url

    path = urlparse(member_short_url(member=world.member)).path
    response = client.get(path)
    assert response.status_code == 302 and "/me/" in response["Location"]
    assert client.get(response["Location"]).status_code == 200
    # Tampered or revoked: the invalid-link page.
    assert client.get(path[:-3] + "00/").status_code == 404
    Member.objects.filter(pk=world.member.pk).update(token_version=5)
    assert client.get(path).status_code == 404


class BrokenMail:
    """An email backend whose server refuses, as planned."""

    error: Exception = OSError("connection refused")

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise BrokenMail.error


def test_email_errors_stop_after_the_last_attempt(world, settings):
    import smtplib

    settings.EMAIL_BACKEND = "tests.messaging.test_fanout.BrokenMail"
    message = _message(world, by_sms=False)
    BrokenMail.error = smtplib.SMTPRecipientsRefused({"x@example.org": (550, b"no such user")})
    _publish(world, message)
    delivery = Delivery.objects.get(message=message)
    assert delivery.status == Delivery.Status.FAILED  # refused: not retried
    BrokenMail.error = OSError("connection refused")
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.QUEUED, attempts=5, next_attempt_at=None
    )
    delivery_send_chunk(delivery_ids=[delivery.pk])
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED and delivery.attempts == 6


def test_nothing_of_a_cancelled_message_goes_out(world):
    message = _message(world, by_email=False)
    message.status = Message.Status.PUBLISHED
    message.save()
    Delivery.objects.create(
        message=message, member=world.member, channel="sms",
        to=str(world.member.mobile_phone), language="nl",
    )  # fmt: skip
    message_cancel(message=message, cancelled_by=world.users["officer"])
    # A row requeued after the cancel (a retry, a reclaimed claim) is not sent.
    Delivery.objects.filter(message=message).update(status=Delivery.Status.QUEUED)
    ids = list(Delivery.objects.filter(message=message).values_list("pk", flat=True))
    assert delivery_send_chunk(delivery_ids=ids)["skipped"] == 1
    assert not locmem.outbox


def test_an_update_uses_todays_number_and_wishes(world):
    original = _message(world)
    _publish(world, original)
    Member.objects.filter(pk=world.member.pk).update(mobile_phone="+32470999888", by_email=False)
    update = message_update_draft(original=original, created_by=world.users["officer"])
    _publish(world, update)
    rows = set(update.deliveries.values_list("channel", "to"))
    assert rows == {("sms", "+32470999888")}
