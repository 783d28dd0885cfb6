"""A message to several networks: each coordinator sees their own network's
figures only, and nobody but its writer and the officers opens a draft
(issue 16, item 5)."""

from __future__ import annotations

import pytest
from django.test import TestCase
from django.urls import reverse

from members.models import Member
from messaging.models import Delivery, Message
from messaging.services.lifecycle import message_publish
from outbox.gateways import locmem
from tests.factories import MemberFactory, MessageFactory, NetworkFactory


@pytest.fixture(autouse=True)
def _empty_outbox():
    locmem.outbox.clear()
    yield
    locmem.outbox.clear()


@pytest.fixture
def two_networks(world):
    """Network A (world.network, 1 + 2 active members) and B in the same zone (5)."""
    b = NetworkFactory(name="Wanzele", slug="wanzele", municipality=world.municipality)
    for _ in range(2):
        MemberFactory(network=world.network, status=Member.Status.ACTIVE, by_email=False)
    for _ in range(5):
        MemberFactory(network=b, status=Member.Status.ACTIVE, by_email=False)
    return world.network, b


def _officer_message(world, networks):
    return MessageFactory(
        kind="urgent", texts={"nl": {"sms": "Inbraken"}}, created_by=world.users["officer"],
        networks=list(networks), by_sms=True, by_email=False,
    )  # fmt: skip


def test_coordinator_cannot_open_the_officers_draft(client, world, two_networks):
    draft = _officer_message(world, two_networks)
    client.force_login(world.users["coordinator"])
    assert client.get(reverse("messaging:detail", args=[draft.pk])).status_code == 403
    assert client.get(reverse("messaging:progress", args=[draft.pk])).status_code == 403
    client.force_login(world.users["officer"])
    preview = client.get(reverse("messaging:detail", args=[draft.pk])).context["preview"]
    assert preview["total"] == 8


def test_coordinator_cannot_publish_a_draft_of_the_officer_either(client, world):
    draft = _officer_message(world, [world.network])
    client.force_login(world.users["coordinator"])
    response = client.post(reverse("messaging:publish", args=[draft.pk]))
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.status == Message.Status.DRAFT


def test_the_writer_sees_their_own_draft(client, world):
    client.force_login(world.users["coordinator"])
    draft = MessageFactory(
        kind="info", texts={"nl": {"sms": "Info"}}, created_by=world.users["coordinator"],
        networks=[world.network],
    )  # fmt: skip
    response = client.get(reverse("messaging:detail", args=[draft.pk]))
    assert response.status_code == 200 and "preview" in response.context


def test_progress_of_a_message_to_two_networks_counts_own_network_only(client, world, two_networks):
    a, _b = two_networks
    message = _officer_message(world, two_networks)
    with TestCase.captureOnCommitCallbacks(execute=True):
        message_publish(message=message, published_by=world.users["officer"])
    assert Delivery.objects.filter(message=message).count() == 8
    client.force_login(world.users["coordinator"])
    detail = client.get(reverse("messaging:detail", args=[message.pk]))
    assert detail.context["progress"]["total"] == 3
    partial = client.get(reverse("messaging:progress", args=[message.pk]))
    assert partial.context["progress"]["total"] == 3
    assert "3 of 3 deliveries" in partial.content.decode() or "3 van 3" in partial.content.decode()
    history = client.get(reverse("messaging:network", args=[a.slug]))
    shown = {m.pk: m.delivery_count for m in history.context["messages_list"]}
    assert shown[message.pk] == 3
    client.force_login(world.users["officer"])
    assert (
        client.get(reverse("messaging:progress", args=[message.pk])).context["progress"]["total"]
        == 8
    )
