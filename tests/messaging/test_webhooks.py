"""Twilio's webhooks: signatures, delivery reports that only move forward,
email fallback, and inbound SMS (STOP/START/HELP keywords and replies)."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from members.models import AuditEntry, ConsentRecord, Member
from messaging.models import Delivery, Message, Reply
from messaging.services.delivery_status import FINAL_RANK, STATUS_RANK
from messaging.services.lifecycle import message_publish
from networks.models import Role
from outbox.gateways import locmem
from tests.factories import (
    MemberFactory,
    MessageFactory,
    MunicipalityFactory,
    NetworkFactory,
    PoliceZoneFactory,
    user_with_role,
)

TOKEN = "0123456789abcdef0123456789abcdef"
BASE = "https://bin.example.org"
TEXTS = {"nl": {"sms": "Inbrekers actief, licht aan", "subject": "Dringend", "body": "Lang"}}

OPT_OUT = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"]
OPT_IN = ["START", "YES", "UNSTOP"]


def _variants(keyword: str) -> list[str]:
    return [keyword, keyword.lower(), f"{keyword.capitalize()} please"]


@pytest.fixture(autouse=True)
def _twilio(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.PUBLIC_BASE_URL = BASE
    settings.TWILIO_WEBHOOK_BASE_URL = ""
    locmem.outbox.clear()
    yield
    locmem.outbox.clear()


def twilio_signature(url: str, params: dict, token: str = TOKEN) -> str:
    """What Twilio puts in X-Twilio-Signature for a form post to ``url``."""
    return RequestValidator(token).compute_signature(url, params)


def post(client, name: str, params: dict, *, signed_url: str | None = None, signature=None):
    """Post like Twilio: the form, signed for the public URL (or ``signed_url``)."""
    path = reverse(f"outbox:{name}")
    if signature is None:
        signature = twilio_signature(signed_url or BASE + path, params)
    headers = {"X-Twilio-Signature": signature} if signature else {}
    return client.post(path, params, headers=headers)


def status(client, sid: str, value: str, **extra):
    return post(client, "twilio_status", {"MessageSid": sid, "MessageStatus": value, **extra})


def inbound(client, from_number, body: str, sid: str = "SM" + "1" * 32):
    params = {"From": str(from_number), "To": "+3278000000", "Body": body, "MessageSid": sid}
    return post(client, "twilio_inbound", params)


def twiml_text(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    root = ElementTree.fromstring(response.content)  # noqa: S314 - our own response
    assert root.tag == "Response"
    return " ".join(m.text or "" for m in root.iter("Message"))


def _publish(world, *, by_email=False, networks=None) -> Message:
    message = MessageFactory(
        kind=Message.Kind.URGENT, texts=TEXTS, created_by=world.users["officer"],
        by_email=by_email, networks=networks or [world.network],
    )  # fmt: skip
    with TestCase.captureOnCommitCallbacks(execute=True):
        message_publish(message=message, published_by=world.users["officer"])
    return message


def _sent_sms(world) -> Delivery:
    """An alert sent to world.member by SMS only, as the fan-out leaves it."""
    message = _publish(world)
    delivery = Delivery.objects.get(message=message, member=world.member, channel="sms")
    assert delivery.status == Delivery.Status.SENT and delivery.provider_id
    return delivery


# --- signatures ------------------------------------------------------------


def test_signatures_are_checked(client, world):
    delivery = _sent_sms(world)
    params = {"MessageSid": delivery.provider_id, "MessageStatus": "delivered"}
    path = reverse("outbox:twilio_status")
    assert client.post(path, params).status_code == 403  # unsigned
    wrong = "bm90IGEgc2lnbmF0dXJl"
    assert post(client, "twilio_status", params, signature=wrong).status_code == 403
    other_url = BASE + reverse("outbox:twilio_inbound")
    assert post(client, "twilio_status", params, signed_url=other_url).status_code == 403
    other_host = "https://evil.example.org" + path
    assert post(client, "twilio_status", params, signed_url=other_host).status_code == 403
    forged = twilio_signature(BASE + path, params, token="another-account-token")
    assert post(client, "twilio_status", params, signature=forged).status_code == 403
    # Changing one field after signing breaks the signature.
    good = twilio_signature(BASE + path, params)
    tampered = {**params, "MessageStatus": "failed"}
    assert post(client, "twilio_status", tampered, signature=good).status_code == 403
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT  # nothing changed
    assert post(client, "twilio_status", params).status_code == 204
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DELIVERED


def test_inbound_refuses_unsigned_posts_and_changes_nothing(client, world):
    params = {"From": str(world.member.mobile_phone), "Body": "STOP", "MessageSid": "SMx"}
    path = reverse("outbox:twilio_inbound")
    assert client.post(path, params).status_code == 403
    assert post(client, "twilio_inbound", params, signature="AAAA").status_code == 403
    world.member.refresh_from_db()
    assert world.member.by_sms is True
    assert not Reply.objects.exists()
    assert twiml_text(post(client, "twilio_inbound", params)) != ""


def test_only_post(client, world):
    for name in ("twilio_status", "twilio_inbound"):
        path = reverse(f"outbox:{name}")
        headers = {"X-Twilio-Signature": twilio_signature(BASE + path, {})}
        assert client.get(path, headers=headers).status_code == 405


def test_no_auth_token_refuses_everything(client, world, settings):
    delivery = _sent_sms(world)
    settings.TWILIO_AUTH_TOKEN = ""
    params = {"MessageSid": delivery.provider_id, "MessageStatus": "delivered"}
    path = reverse("outbox:twilio_status")
    signature = twilio_signature(BASE + path, params, token="")
    assert post(client, "twilio_status", params, signature=signature).status_code == 403
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT


def test_webhook_base_url_is_what_is_signed(client, world, settings):
    settings.TWILIO_WEBHOOK_BASE_URL = "https://tunnel.example.net"
    delivery = _sent_sms(world)
    params = {"MessageSid": delivery.provider_id, "MessageStatus": "delivered"}
    path = reverse("outbox:twilio_status")
    assert post(client, "twilio_status", params).status_code == 403  # signed for PUBLIC_BASE_URL
    signed = "https://tunnel.example.net" + path
    assert post(client, "twilio_status", params, signed_url=signed).status_code == 204
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DELIVERED


def test_the_query_string_is_part_of_the_signed_url(client, world):
    delivery = _sent_sms(world)
    params = {"MessageSid": delivery.provider_id, "MessageStatus": "delivered"}
    path = reverse("outbox:twilio_status") + "?attempt=2"
    without_query = twilio_signature(BASE + reverse("outbox:twilio_status"), params)
    headers = {"X-Twilio-Signature": without_query}
    assert client.post(path, params, headers=headers).status_code == 403
    headers = {"X-Twilio-Signature": twilio_signature(BASE + path, params)}
    assert client.post(path, params, headers=headers).status_code == 204


# --- delivery reports ------------------------------------------------------


def _status_of(delivery) -> str:
    delivery.refresh_from_db()
    return delivery.status


def test_status_moves_forward(client, world):
    delivery = _sent_sms(world)
    assert status(client, delivery.provider_id, "sent").status_code == 204
    assert _status_of(delivery) == Delivery.Status.SENT
    status(client, delivery.provider_id, "delivered")
    assert _status_of(delivery) == Delivery.Status.DELIVERED


def test_a_late_sent_does_not_undo_delivered(client, world):
    delivery = _sent_sms(world)
    status(client, delivery.provider_id, "delivered")
    status(client, delivery.provider_id, "sent")
    status(client, delivery.provider_id, "queued")
    assert _status_of(delivery) == Delivery.Status.DELIVERED


def test_final_statuses_never_change(client, world):
    delivery = _sent_sms(world)
    status(client, delivery.provider_id, "failed", ErrorCode="30008")
    status(client, delivery.provider_id, "delivered")
    status(client, delivery.provider_id, "undelivered", ErrorCode="30005")
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.error_code == "30008"


def test_duplicate_reports_are_harmless(client, world):
    delivery = _sent_sms(world)
    for _i in range(3):
        assert status(client, delivery.provider_id, "delivered").status_code == 204
    assert _status_of(delivery) == Delivery.Status.DELIVERED
    assert Delivery.objects.filter(message=delivery.message).count() == 1


def test_interim_status_only_settles_a_row_still_sending(client, world):
    delivery = _sent_sms(world)
    Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.SENDING, sent_at=None)
    status(client, delivery.provider_id, "accepted")
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT and delivery.sent_at is not None


def test_failure_keeps_twilios_error(client, world):
    delivery = _sent_sms(world)
    status(client, delivery.provider_id, "failed", ErrorCode="30008", ErrorMessage="Unknown error")
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.error_code == "30008" and "Unknown error" in delivery.error


def test_unknown_sid_is_accepted_and_logged(client, world, caplog):
    response = status(client, "SM" + "f" * 32, "delivered")
    assert response.status_code == 204
    assert "unknown sid" in caplog.text


def test_call_reports(client, world):
    message = Message.objects.create(
        kind=Message.Kind.URGENT, texts=TEXTS, created_by=world.users["officer"]
    )
    calls = {}
    for name, sid in (("answered", "CA" + "1" * 32), ("busy", "CA" + "2" * 32)):
        member = MemberFactory(network=world.network)
        calls[name] = Delivery.objects.create(
            message=message, member=member, channel="voice", to=str(member.mobile_phone),
            language="nl", status=Delivery.Status.SENT, provider_id=sid,
        )  # fmt: skip
    for sid, value in (
        (calls["answered"].provider_id, "ringing"),
        (calls["answered"].provider_id, "completed"),
        (calls["answered"].provider_id, "busy"),
        (calls["busy"].provider_id, "busy"),
    ):
        params = {"CallSid": sid, "CallStatus": value}
        assert post(client, "twilio_status", params).status_code == 204
    assert _status_of(calls["answered"]) == Delivery.Status.DELIVERED
    assert _status_of(calls["busy"]) == Delivery.Status.UNDELIVERED


CALLBACKS = ["queued", "sending", "sent", "delivered", "undelivered", "failed"]


@hypothesis_settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    start=st.sampled_from([Delivery.Status.SENDING, Delivery.Status.SENT]),
    sequence=st.lists(st.sampled_from(CALLBACKS), min_size=1, max_size=8),
)
def test_any_order_of_reports_ends_in_the_highest_status(client, world, start, sequence):
    member = world.member
    message = Message.objects.get_or_create(
        kind=Message.Kind.URGENT, texts=TEXTS, created_by=world.users["officer"]
    )[0]
    delivery, _created = Delivery.objects.update_or_create(
        message=message, member=member, channel=Delivery.Channel.SMS,
        defaults={
            "to": str(member.mobile_phone), "language": "nl", "status": start,
            "provider_id": "SM" + "a" * 32, "error_code": "", "error": "",
        },
    )  # fmt: skip
    previous = start
    for value in sequence:
        assert status(client, delivery.provider_id, value).status_code == 204
        current = _status_of(delivery)
        assert STATUS_RANK[current] >= STATUS_RANK[previous]  # never backwards
        if STATUS_RANK[previous] == FINAL_RANK:
            assert current == previous  # a final status stays
        previous = current
    finals = [v for v in sequence if v in ("delivered", "undelivered", "failed")]
    assert previous == (finals[0] if finals else Delivery.Status.SENT)


def test_undelivered_sms_falls_back_to_email(client, world):
    delivery = _sent_sms(world)
    assert not mail.outbox
    with TestCase.captureOnCommitCallbacks(execute=True):
        status(client, delivery.provider_id, "undelivered", ErrorCode="30003")
    assert _status_of(delivery) == Delivery.Status.UNDELIVERED
    email = Delivery.objects.get(message=delivery.message, channel="email")
    assert email.fallback_for == delivery and email.status == Delivery.Status.SENT
    assert [m.to for m in mail.outbox] == [[world.member.email]]
    # The same report again sends nothing more.
    with TestCase.captureOnCommitCallbacks(execute=True):
        status(client, delivery.provider_id, "undelivered", ErrorCode="30003")
    assert len(mail.outbox) == 1


def test_temporary_errors_do_not_fall_back(client, world):
    delivery = _sent_sms(world)
    with TestCase.captureOnCommitCallbacks(execute=True):
        status(client, delivery.provider_id, "undelivered", ErrorCode="30008")
    assert not Delivery.objects.filter(message=delivery.message, channel="email").exists()
    assert not mail.outbox


# --- inbound: keywords -----------------------------------------------------


def _expected(member: Member, msgid: str, **params) -> str:
    with translation.override(member.language):
        return _(msgid) % params


STOP_TEXT = "You will no longer receive SMS from %(network)s. Reply START to receive them again."
START_TEXT = "You will receive SMS from %(network)s again. Reply STOP to stop them."


@pytest.mark.parametrize("body", [v for k in OPT_OUT for v in _variants(k)])
def test_opt_out_keywords(client, world, body):
    member = world.member
    consent = ConsentRecord.objects.create(
        member=member, subject="sms", version="1", given_at=timezone.now(), method="web_form"
    )
    house_rules = ConsentRecord.objects.create(
        member=member, subject="house_rules", version="1", given_at=timezone.now(),
        method="web_form",
    )  # fmt: skip
    # The same person in another network: STOP ends SMS from both.
    twin = MemberFactory(network=world.other_network, mobile_phone=member.mobile_phone)
    text = twiml_text(inbound(client, member.mobile_phone, body))
    member.refresh_from_db()
    twin.refresh_from_db()
    assert member.by_sms is False and twin.by_sms is False
    assert member.by_email is True
    consent.refresh_from_db()
    house_rules.refresh_from_db()
    assert consent.withdrawn_at is not None and house_rules.withdrawn_at is None
    assert text == _expected(member, STOP_TEXT, network="BIN Nieuwerkerken, BIN Oordegem")
    assert AuditEntry.objects.filter(member_id_ref=member.pk, action="change_member").exists()


def test_stop_text_in_english(client, world):
    Member.objects.filter(pk=world.member.pk).update(language="en")
    text = twiml_text(inbound(client, world.member.mobile_phone, "stop"))
    assert text == (
        "You will no longer receive SMS from BIN Oordegem. Reply START to receive them again."
    )


@pytest.mark.parametrize("body", [v for k in OPT_IN for v in _variants(k)])
def test_opt_in_keywords(client, world, body):
    member = world.member
    inbound(client, member.mobile_phone, "STOP", sid="SM" + "0" * 32)
    member.refresh_from_db()
    assert member.by_sms is False
    pending = MemberFactory(
        network=world.other_network, mobile_phone=member.mobile_phone, by_sms=False,
        status=Member.Status.PENDING,
    )  # fmt: skip
    text = twiml_text(inbound(client, member.mobile_phone, body))
    member.refresh_from_db()
    pending.refresh_from_db()
    assert member.by_sms is True
    assert pending.by_sms is False  # only active memberships resume
    consent = member.consents.get(subject="sms", withdrawn_at__isnull=True)
    assert consent.version == "1" and consent.method == ConsentRecord.Method.PERSONAL_PAGE
    assert text == _expected(member, START_TEXT, network="BIN Oordegem")
    # Again: nothing new.
    inbound(client, member.mobile_phone, body, sid="SM" + "9" * 32)
    assert member.consents.filter(subject="sms", withdrawn_at__isnull=True).count() == 1


@pytest.mark.parametrize("body", _variants("HELP"))
def test_help_in_a_belgian_network(client, world, body):
    coordinator = world.users["coordinator"]
    text = twiml_text(inbound(client, world.member.mobile_phone, body))
    assert "Oordegem" in text
    assert "112" in text and "101" in text and "0900-8844" not in text
    assert coordinator.get_full_name() in text
    assert coordinator.email not in text


def test_help_in_a_dutch_network(client, world):
    zone = PoliceZoneFactory(country="NL", name="Basisteam Utrecht")
    network = NetworkFactory(
        name="Lombok", slug="lombok", country="NL", languages=["en"],
        municipality=MunicipalityFactory(police_zone=zone, name="Utrecht"),
    )  # fmt: skip
    member = MemberFactory(network=network, language="en")
    text = twiml_text(inbound(client, member.mobile_phone, "help"))
    assert text.startswith("BIN Lombok.")
    assert "112" in text and "0900-8844" in text and "Police, urgent" not in text
    assert "not an emergency line" in text
    # With a coordinator, their name (and nothing else of theirs) is given.
    coordinator = user_with_role(Role.COORDINATOR, scope=network, first_name="Anke")
    text = twiml_text(inbound(client, member.mobile_phone, "HELP", sid="SM" + "2" * 32))
    assert f"coordinator: {coordinator.get_full_name()}." in text


def test_keywords_from_unknown_numbers_change_nothing(client, world):
    for body in ("STOP", "START", "HELP"):
        assert twiml_text(inbound(client, "+32479999999", body)) == ""
    assert Member.objects.filter(by_sms=False).count() == 0


def test_after_stop_the_fanout_sends_no_sms(client, world):
    inbound(client, world.member.mobile_phone, "Stop")
    message = _publish(world, by_email=True)
    assert not [m for m in locmem.outbox if m.to == str(world.member.mobile_phone)]
    assert not Delivery.objects.filter(message=message, member=world.member, channel="sms")
    assert [m.to for m in mail.outbox] == [[world.member.email]]


def test_stop_cancels_sms_still_waiting(client, world):
    message = Message.objects.create(
        kind=Message.Kind.INFO, texts=TEXTS, created_by=world.users["officer"]
    )
    waiting = Delivery.objects.create(
        message=message, member=world.member, channel="sms", to=str(world.member.mobile_phone),
        language="nl", not_before=timezone.now() + timedelta(hours=8),
    )  # fmt: skip
    inbound(client, world.member.mobile_phone, "STOP")
    assert _status_of(waiting) == Delivery.Status.CANCELLED


# --- inbound: replies ------------------------------------------------------


def test_other_text_is_a_reply_to_the_last_message(client, world):
    _publish(world)
    last = _publish(world)
    text = twiml_text(inbound(client, world.member.mobile_phone, "  Ik zag een gele Polo  "))
    assert text == ""
    reply = Reply.objects.get()
    assert reply.message == last
    assert reply.member == world.member and reply.network == world.network
    assert reply.channel == "sms" and reply.body == "Ik zag een gele Polo"
    assert reply.from_address == str(world.member.mobile_phone)
    assert reply.provider_id == "SM" + "1" * 32
    world.member.refresh_from_db()
    assert world.member.by_sms is True


def test_the_same_message_twice_is_one_reply(client, world):
    _publish(world)
    for _i in range(2):
        assert twiml_text(inbound(client, world.member.mobile_phone, "Gezien")) == ""
    assert Reply.objects.count() == 1


def test_reply_from_an_unknown_number(client, world):
    assert twiml_text(inbound(client, "+32479999999", "Wie is dit?")) == ""
    reply = Reply.objects.get()
    assert reply.member is None and reply.network is None and reply.message is None
    assert reply.from_address == "+32479999999"


def test_a_keyword_with_more_words_is_also_kept_as_a_reply(client, world):
    message = _publish(world)
    Member.objects.filter(pk=world.member.pk).update(by_sms=False)
    text = twiml_text(inbound(client, world.member.mobile_phone, "Yes, I saw them at number 12"))
    assert text  # the opt-in is confirmed
    reply = Reply.objects.get()
    assert reply.body == "Yes, I saw them at number 12" and reply.message == message
    # A keyword alone is not a reply.
    inbound(client, world.member.mobile_phone, "STOP", sid="SM" + "3" * 32)
    assert Reply.objects.count() == 1
