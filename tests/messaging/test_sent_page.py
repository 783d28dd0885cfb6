"""A sent message's page: its texts, who it was for, the timeline (published,
first delivery, 90 %, done), the conversations about it and its failures,
each viewer seeing the figures of the networks they follow only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from members.models import Member
from messaging.figures_models import MessageDeliveryFigures
from messaging.models import Delivery, Message, Reply
from messaging.selectors.sent import message_audience, message_timeline, reason_label
from messaging.services.conversations import conversation_reply_receive
from messaging.services.delivery_figures import delivery_figures_recompute
from tests.factories import MemberFactory, MessageFactory

T0 = datetime(2026, 3, 12, 1, 14, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _postgres(require_postgres):
    # The stored figures are kept by triggers on PostgreSQL only.
    return


def _message(world, networks) -> Message:
    return MessageFactory(
        kind=Message.Kind.URGENT,
        status=Message.Status.PUBLISHED,
        published_at=T0,
        fanout_done_at=T0,
        completed_at=T0 + timedelta(minutes=12),
        streets=["Kerkstraat"],
        texts={
            "nl": {"sms": "Inbrekers actief in de Kerkstraat.", "subject": "Inbraken", "body": ""},
            "fr": {"sms": "Cambrioleurs actifs rue de l'Église.", "subject": "", "body": ""},
        },
        created_by=world.users["officer"],
        networks=networks,
    )


def _deliveries(message, network, *, first_minute: int, failed: int = 1, name: str = "Lid"):
    """Ten SMS to ten members of ``network``: ``10 - failed - 1`` delivered a
    minute apart from ``first_minute``, one sent (no report) and the rest failed
    (30003: the phone is off)."""
    members = [
        MemberFactory(network=network, status=Member.Status.ACTIVE, first_name=f"{name}{i}")
        for i in range(10)
    ]
    for i, member in enumerate(members):
        at = T0 + timedelta(minutes=first_minute + i)
        fields = {"status": Delivery.Status.DELIVERED, "sent_at": at, "delivered_at": at}
        if i == 9 - failed:
            fields = {"status": Delivery.Status.SENT, "sent_at": at}
        elif i > 9 - failed:
            fields = {"status": Delivery.Status.FAILED, "error_code": "30003", "error": "off"}
        Delivery.objects.create(
            message=message, member=member, channel="sms", to=str(member.mobile_phone),
            language="nl", **fields,
        )  # fmt: skip
    return members


def test_the_page_shows_texts_audience_timeline_replies_and_failures(client, world):
    message = _message(world, [world.network])
    members = _deliveries(message, world.network, first_minute=1)
    Delivery.objects.create(
        message=message, member=members[0], channel="email", to=members[0].email,
        language="nl", status=Delivery.Status.UNDELIVERED, error_code="bounced",
    )  # fmt: skip
    reply = Reply.objects.create(
        message=message, network=world.network, member=members[2], channel="sms",
        from_address=str(members[2].mobile_phone), body="Ik zie een gele Polo",
    )  # fmt: skip
    conversation = conversation_reply_receive(reply=reply)
    delivery_figures_recompute(message_id=message.pk)
    figures = MessageDeliveryFigures.objects.get(message=message)
    # Eleven counted: the tenth arrival (⌈0.9·11⌉) never came.
    assert figures.first_at == T0 + timedelta(minutes=1) and figures.t90_at is None

    client.force_login(world.users["officer"])
    response = client.get(reverse("messaging:detail", args=[message.pk]))
    html = response.content.decode()
    # Its text in each language.
    assert "Inbrekers actief in de Kerkstraat." in html
    assert "Cambrioleurs actifs rue de l&#x27;Église." in html
    # Who it was for.
    [entry] = response.context["audience"]
    assert entry["network"] == world.network and entry["members"] == 10 and entry["total"] == 11
    assert {row["channel"]: row["failed"] for row in entry["channels"]} == {"sms": 1, "email": 1}
    assert "Only these streets" in html and "Kerkstraat" in html
    # The timeline.
    steps = {step["key"]: step["at"] for step in response.context["timeline"]}
    assert steps == {
        "published": T0,
        "first": T0 + timedelta(minutes=1),
        "t90": None,
        "done": T0 + timedelta(minutes=12),
    }
    assert 'data-step="t90"' in html and "not yet" in html
    # Replies: the conversation about it.
    assert reverse("messaging:conversation", args=[world.network.slug, conversation.pk]) in html
    assert "Ik zie een gele Polo" in html
    # Failures per reason, and who.
    reasons = {(r["channel"], r["reason"]): r["count"] for r in response.context["failure_reasons"]}
    assert reasons == {
        ("sms", "Phone unreachable or switched off"): 1,
        ("email", "Email bounced"): 1,
    }
    assert "Lid9" in html and "Lid8" not in html
    assert "Write feedback" in html


def test_the_90_percent_moment_and_the_stored_and_live_figures_agree(world):
    message = _message(world, [world.network])
    _deliveries(message, world.network, first_minute=3)
    delivery_figures_recompute(message_id=message.pk)
    stored = message_timeline(message=message)
    live = message_timeline(message=message, networks=[world.network])
    # Ten counted, nine arrived: the ninth arrival is the 90 % moment.
    assert [s["at"] for s in stored] == [
        T0,
        T0 + timedelta(minutes=3),
        T0 + timedelta(minutes=11),
        T0 + timedelta(minutes=12),
    ]
    assert [s["at"] for s in live][:3] == [s["at"] for s in stored][:3]
    # A delivery changing after the figures were computed: read live until the refresh.
    Delivery.objects.filter(message=message, status=Delivery.Status.FAILED).update(
        status=Delivery.Status.DELIVERED, delivered_at=T0, sent_at=T0
    )
    assert message_timeline(message=message)[1]["at"] == T0


@pytest.mark.parametrize("role", ["coordinator", "officer"])
def test_viewers_of_one_network_see_its_figures_only(client, world, role):
    message = _message(world, [world.network, world.other_network])
    _deliveries(message, world.network, first_minute=5, name="Eigen")
    _deliveries(message, world.other_network, first_minute=1, failed=3, name="Ander")
    delivery_figures_recompute(message_id=message.pk)
    client.force_login(world.users[role])
    response = client.get(reverse("messaging:detail", args=[message.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert [entry["network"] for entry in response.context["audience"]] == [world.network]
    assert response.context["audience"][0]["total"] == 10
    steps = {step["key"]: step["at"] for step in response.context["timeline"]}
    # Their own network's first delivery, not the other one's earlier one.
    assert steps["first"] == T0 + timedelta(minutes=5)
    assert steps["t90"] == T0 + timedelta(minutes=13)
    assert [r["count"] for r in response.context["failure_reasons"]] == [1]
    assert "Eigen9" in html and "Ander" not in html
    assert response.context["progress"]["total"] == 10


def test_the_whole_audience_for_those_who_follow_every_network(world):
    message = _message(world, [world.network, world.other_network])
    _deliveries(message, world.network, first_minute=5)
    _deliveries(message, world.other_network, first_minute=1)
    assert [e["total"] for e in message_audience(message=message)] == [10, 10]
    delivery_figures_recompute(message_id=message.pk)
    assert message_timeline(message=message)[1]["at"] == T0 + timedelta(minutes=1)


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("30003", "Phone unreachable or switched off"),
        ("21610", "The member sent STOP"),
        ("5.1.1", "Email bounced (5.1.1)"),
        ("99999", "Error 99999"),
        ("", "No reason given"),
    ],
)
def test_reasons_read_as_people_say_them(code, label):
    assert reason_label(code=code) == label
