"""CAP 1.2 through the API: a message's alert and the Atom feeds of a zone
and a network, for tokens with messages:read, validated against the OASIS
schema; an owner never reads alerts of networks they do not follow."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from api.scopes import Scope
from messaging.models import Message
from messaging.selectors.cap import ATOM_NS, CAP_NS
from tests.api.conftest import client_for, make_token
from tests.factories import MessageFactory
from tests.messaging.test_cap import _schema, assert_valid_cap

NS = {"cap": CAP_NS, "atom": ATOM_NS}


def _published(world, network=None, **fields) -> Message:
    return MessageFactory(
        created_by=world.users["officer"],
        networks=[network or world.network],
        status=Message.Status.PUBLISHED,
        published_at=timezone.now(),
        texts={"nl": {"sms": "Inbraken in de buurt", "subject": "Inbraken", "body": "..."}},
        **fields,
    )


@pytest.fixture
def reader(world):
    return client_for(make_token(world.users["coordinator"], [Scope.MESSAGES_READ]))


def test_a_message_as_a_valid_cap_alert(world, reader):
    message = _published(world, is_exercise=True)
    response = reader.get(reverse("api:v1:message_cap", kwargs={"pk": message.pk}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/cap+xml"
    root = assert_valid_cap(response.content)
    assert root.find("cap:status", NS).text == "Test"
    assert root.find("cap:info/cap:area/cap:areaDesc", NS).text.startswith(world.network.name)


@pytest.mark.parametrize("feed", ["zone", "network"])
def test_feeds_carry_the_published_alerts_the_owner_follows(world, reader, feed):
    ours = _published(world)
    _published(world, network=world.other_network)  # another zone: not in the feed
    MessageFactory(created_by=world.users["officer"], networks=[world.network])  # a draft
    # A cancel notice to members: the cancelled alert's CAP Cancel says it.
    _published(world, cancels=_published(world, network=world.other_network))
    kwargs = {"number": world.zone.number} if feed == "zone" else {"slug": world.network.slug}
    response = reader.get(reverse(f"api:v1:feed_{feed}", kwargs=kwargs))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml"
    root = etree.fromstring(response.content)
    assert _schema("atom.xsd").validate(root), _schema("atom.xsd").error_log
    entries = root.findall("atom:entry", NS)
    assert len(entries) == 1
    cap_url = reverse("api:v1:message_cap", kwargs={"pk": ours.pk})
    assert entries[0].find("atom:id", NS).text.endswith(cap_url)
    assert_valid_cap(
        etree.fromstring(etree.tostring(entries[0].find("atom:content/cap:alert", NS)))
    )


def test_feeds_of_what_the_owner_does_not_follow_are_not_found(world, reader):
    for name, kwargs in (
        ("feed_zone", {"number": world.other_zone.number}),
        ("feed_network", {"slug": world.other_network.slug}),
        ("message_cap", {"pk": _published(world, network=world.other_network).pk}),
    ):
        response = reader.get(reverse(f"api:v1:{name}", kwargs=kwargs))
        assert response.status_code == 404, name
        assert response["Content-Type"] == "application/problem+json"


def test_cap_needs_the_messages_scope(world):
    client = client_for(make_token(world.users["officer"], [Scope.NETWORKS_READ]))
    message = _published(world)
    response = client.get(reverse("api:v1:message_cap", kwargs={"pk": message.pk}))
    assert response.status_code == 403
