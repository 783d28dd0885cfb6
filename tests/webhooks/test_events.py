"""Which events reach which endpoint, and what a payload carries: no
personal data, counts only for members joining."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from members.models import Member
from members.services.core import member_approve, member_create
from messaging.models import Message
from messaging.services.inbound_sms import inbound_sms_handle
from messaging.services.incidents import incident_create
from messaging.services.lifecycle import message_cancel, message_publish
from tests.factories import MemberFactory, MessageFactory, NetworkFactory
from webhooks.models import Event, WebhookDelivery
from webhooks.services.endpoints import webhook_endpoint_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(world):
    endpoint, _secret = webhook_endpoint_create(
        created_by=world.users["officer"],
        police_zone=world.zone,
        url="https://93.184.216.34/hooks",
        description="",
        events=list(Event.values),
    )
    return endpoint


def _payloads(event_type: str) -> list[dict]:
    return [d.payload for d in WebhookDelivery.objects.filter(event_type=event_type).order_by("pk")]


def _personal(member: Member) -> list[str]:
    return [
        str(value)
        for value in (member.first_name, member.last_name, member.email, member.mobile_phone)
    ]


def test_member_joined_carries_counts_only(world, endpoint):
    pending = MemberFactory(network=world.network, status=Member.Status.PENDING, source="manual")
    assert _payloads(Event.MEMBER_JOINED) == []  # a sign-up waiting is not a member yet
    member_approve(member=pending, approved_by=world.users["coordinator"])
    (payload,) = _payloads(Event.MEMBER_JOINED)
    assert payload["type"] == "member.joined"
    assert payload["data"] == {
        "network": {"slug": "oordegem", "name": "Oordegem"},
        "active_members": 2,
    }
    text = json.dumps(payload)
    assert not [value for value in _personal(pending) if value and value in text]
    member_create(  # created active at once (a list import, the coordinator)
        network=world.network, first_name="An", last_name="Peeters", street="Kerkstraat",
        house_number="3", postcode="9340", email="an@example.org", status=Member.Status.ACTIVE,
    )  # fmt: skip
    member_create(  # pending: no event
        network=world.network, first_name="Bo", last_name="Claes", street="Kerkstraat",
        house_number="5", postcode="9340", email="bo@example.org",
    )  # fmt: skip
    assert [p["data"]["active_members"] for p in _payloads(Event.MEMBER_JOINED)] == [2, 3]


def test_report_created_without_what_the_member_wrote(world, endpoint):
    report = incident_create(
        member=world.member,
        category="vehicle",
        happened_at=timezone.now(),
        street="Kerkstraat",
        description="Een gele VW Polo reed drie keer rond",
        plate="1-ABC-123",
    )
    (payload,) = _payloads(Event.REPORT_CREATED)
    assert payload["data"]["report"]["id"] == report.pk
    assert payload["data"]["report"]["category"] == "vehicle"
    text = json.dumps(payload)
    assert "Polo" not in text and "ABC" not in text and "Kerkstraat" not in text
    assert not [value for value in _personal(world.member) if value and value in text]


def test_reply_received_without_who_or_what(world, endpoint):
    inbound_sms_handle(
        from_number=str(world.member.mobile_phone), body="Ik zag ze bij nummer 12", sid="SM1"
    )
    (payload,) = _payloads(Event.REPLY_RECEIVED)
    assert payload["data"]["reply"]["network"]["slug"] == "oordegem"
    text = json.dumps(payload)
    assert "nummer 12" not in text and str(world.member.mobile_phone) not in text


def test_reply_of_an_unknown_number_goes_nowhere(world, endpoint):
    inbound_sms_handle(from_number="+32470999999", body="Hallo", sid="SM2")
    assert _payloads(Event.REPLY_RECEIVED) == []


def test_published_and_cancelled(world, endpoint):
    message = MessageFactory(created_by=world.users["officer"], networks=[world.network])
    message_publish(message=message, published_by=world.users["officer"])
    message_cancel(message=message, cancelled_by=world.users["officer"])
    (published,) = _payloads(Event.MESSAGE_PUBLISHED)
    (cancelled,) = _payloads(Event.MESSAGE_CANCELLED)
    assert published["data"]["message"]["status"] == Message.Status.PUBLISHED
    assert cancelled["data"]["message"]["status"] == Message.Status.CANCELLED
    assert cancelled["data"]["message"]["cancelled_at"].endswith("Z")


def test_only_the_chosen_events_of_the_own_zone(world):
    officer = world.users["officer"]
    mine, _s = webhook_endpoint_create(
        created_by=officer, police_zone=world.zone, url="https://93.184.216.34/a",
        description="", events=[Event.MESSAGE_CANCELLED],
    )  # fmt: skip
    webhook_endpoint_create(
        created_by=world.users["officer_other"], police_zone=world.other_zone,
        url="https://93.184.216.35/b", description="", events=list(Event.values),
    )  # fmt: skip
    message = MessageFactory(created_by=officer, networks=[world.network])
    message_publish(message=message, published_by=officer)
    assert not WebhookDelivery.objects.exists()  # mine: not chosen; theirs: not their zone
    message_cancel(message=message, cancelled_by=officer)
    assert list(WebhookDelivery.objects.values_list("endpoint", flat=True)) == [mine.pk]


def test_a_message_to_two_zones_tells_each_its_own_networks(world):
    admin = world.users["admin"]
    endpoints = {}
    for zone in (world.zone, world.other_zone):
        endpoints[zone.pk], _s = webhook_endpoint_create(
            created_by=admin, police_zone=zone, url="https://93.184.216.34/a", description="",
            events=[Event.MESSAGE_PUBLISHED],
        )  # fmt: skip
    extra = NetworkFactory(name="Impe", slug="impe", municipality=world.municipality)
    message = MessageFactory(created_by=admin, networks=[world.network, extra, world.other_network])
    message_publish(message=message, published_by=admin, check_plan=False)
    seen = {
        d.endpoint.police_zone_id: {n["slug"] for n in d.payload["data"]["message"]["networks"]}
        for d in WebhookDelivery.objects.select_related("endpoint")
    }
    assert seen == {world.zone.pk: {"oordegem", "impe"}, world.other_zone.pk: {"nieuwerkerken"}}
