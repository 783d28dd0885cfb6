"""CAP 1.2 alerts and their Atom feed: every document validates against the
OASIS CAP 1.2 schema (vendor/cap/) and says what the message is."""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from messaging.models import Message
from messaging.selectors.cap import (
    ATOM_NS,
    CAP_NS,
    cap_atom_feed,
    message_cap_xml,
    network_cap_polygons,
)
from tests.factories import MessageFactory, MunicipalityFactory, NetworkFactory, PoliceZoneFactory

SCHEMAS = Path(settings.BASE_DIR) / "vendor" / "cap"
NS = {"cap": CAP_NS, "atom": ATOM_NS}
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[3.95, 50.93], [3.97, 50.93], [3.97, 50.95], [3.95, 50.95], [3.95, 50.93]]],
}


@cache
def _schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


def assert_valid_cap(document: bytes | etree._Element) -> etree._Element:
    """Valid against the official CAP 1.2 schema and the stricter one."""
    root = etree.fromstring(document) if isinstance(document, bytes) else document
    for name in ("CAP-v1.2.xsd", "cap12_extended.xsd"):
        schema = _schema(name)
        assert schema.validate(root), f"{name}: {schema.error_log}"
    return root


def _published(network, **fields) -> Message:
    defaults = {
        "kind": Message.Kind.URGENT,
        "status": Message.Status.PUBLISHED,
        "published_at": timezone.now(),
        "texts": {
            "nl": {"sms": "Inbrekers actief", "subject": "Inbraken", "body": "Doe het licht aan."},
            "fr": {"sms": "Cambrioleurs actifs", "subject": "Cambriolages", "body": "Allumez."},
        },
    }
    defaults.update(fields)
    return MessageFactory(networks=[network], **defaults)


@pytest.fixture
def network(db):
    zone = PoliceZoneFactory(name="PZ Erpe-Mere/Lede", number="5416")
    town = MunicipalityFactory(name="Erpe-Mere", official_code="41082", police_zone=zone)
    return NetworkFactory(name="BIN Oordegem", municipality=town, area_geojson=SQUARE)


def _text(root, path: str) -> str:
    return root.findtext(path, namespaces=NS)


def test_published_urgent_alert(network):
    message = _published(network)
    root = assert_valid_cap(message_cap_xml(message=message))
    assert _text(root, "cap:status") == "Actual"
    assert _text(root, "cap:msgType") == "Alert"
    assert _text(root, "cap:scope") == "Restricted"
    assert _text(root, "cap:restriction")
    assert root.find("cap:references", NS) is None
    infos = root.findall("cap:info", NS)
    assert [_text(i, "cap:language") for i in infos] == ["nl-BE", "fr-BE"]
    nl, fr = infos
    assert _text(nl, "cap:category") == "Security"
    assert (_text(nl, "cap:urgency"), _text(nl, "cap:severity"), _text(nl, "cap:certainty")) == (
        "Immediate",
        "Moderate",
        "Observed",
    )
    assert _text(nl, "cap:event") != _text(fr, "cap:event")  # each in its own language
    assert _text(nl, "cap:headline") == "Inbraken"
    assert _text(fr, "cap:description") == "Allumez."
    assert "101" in _text(nl, "cap:instruction") and "112" in _text(fr, "cap:instruction")
    assert "PZ Erpe-Mere/Lede" in _text(nl, "cap:contact")
    assert _text(nl, "cap:web").endswith(reverse("messaging:detail", kwargs={"pk": message.pk}))
    # Default validity of an urgent alert: four hours after publishing.
    expires = timezone.datetime.fromisoformat(_text(nl, "cap:expires"))
    assert expires == message.published_at.replace(microsecond=0) + timedelta(hours=4)
    area = nl.find("cap:area", NS)
    assert _text(area, "cap:areaDesc") == "BIN Oordegem, Erpe-Mere"
    assert _text(area, "cap:geocode/cap:valueName") == "NIS"
    assert _text(area, "cap:geocode/cap:value") == "41082"
    polygon = _text(area, "cap:polygon").split(" ")
    assert polygon[0] == "50.930000,3.950000"  # lat,lon: GeoJSON's order swapped
    assert polygon[0] == polygon[-1] and len(polygon) == 5


def test_validity_from_the_message(network):
    until = timezone.now() + timedelta(hours=2)
    message = _published(network, kind=Message.Kind.PREVENTION, expires_at=until)
    root = assert_valid_cap(message_cap_xml(message=message))
    info = root.find("cap:info", NS)
    assert timezone.datetime.fromisoformat(_text(info, "cap:expires")) == until.replace(
        microsecond=0
    )
    assert (_text(info, "cap:urgency"), _text(info, "cap:certainty")) == ("Future", "Possible")


def test_exercise_is_a_test(network):
    root = assert_valid_cap(message_cap_xml(message=_published(network, is_exercise=True)))
    assert _text(root, "cap:status") == "Test"
    assert _text(root, "cap:note") == "EXERCISE"


def test_draft_is_a_draft(network):
    message = MessageFactory(networks=[network])
    root = assert_valid_cap(message_cap_xml(message=message))
    assert _text(root, "cap:status") == "Draft"
    assert root.find("cap:info/cap:expires", NS) is None


def test_update_references_the_chain(network):
    first = _published(network, published_at=timezone.now() - timedelta(hours=2))
    second = _published(network, update_of=first, published_at=timezone.now() - timedelta(hours=1))
    third = _published(network, update_of=second)
    root = assert_valid_cap(message_cap_xml(message=third))
    assert _text(root, "cap:msgType") == "Update"
    references = _text(root, "cap:references").split(" ")
    first_root = etree.fromstring(message_cap_xml(message=first))
    expected = ",".join(_text(first_root, f"cap:{f}") for f in ("sender", "identifier", "sent"))
    assert references[0] == expected
    assert len(references) == 2 and f".message.{second.pk}," in references[1]


def test_cancelled_message_is_a_cancel(network):
    message = _published(network, published_at=timezone.now() - timedelta(minutes=5))
    original = etree.fromstring(message_cap_xml(message=message))
    message.status = Message.Status.CANCELLED
    message.cancelled_at = timezone.now()
    message.save()
    root = assert_valid_cap(message_cap_xml(message=message))
    assert _text(root, "cap:msgType") == "Cancel"
    assert _text(root, "cap:identifier") == _text(original, "cap:identifier") + ".cancel"
    assert _text(root, "cap:references") == ",".join(
        _text(original, f"cap:{f}") for f in ("sender", "identifier", "sent")
    )


def test_dutch_network(db):
    zone = PoliceZoneFactory(country="NL", number="NL-01")
    town = MunicipalityFactory(official_code="GM0344", police_zone=zone, name="Utrecht")
    network = NetworkFactory(municipality=town, languages=["nl"])
    message = _published(network, kind=Message.Kind.FEEDBACK, texts={"nl": {"sms": "Opgepakt"}})
    root = assert_valid_cap(message_cap_xml(message=message))
    info = root.find("cap:info", NS)
    assert _text(info, "cap:language") == "nl-NL"
    assert _text(info, "cap:urgency") == "Past"
    assert _text(info, "cap:area/cap:geocode/cap:valueName") == "CBS"
    assert _text(info, "cap:area/cap:geocode/cap:value") == "GM0344"
    assert "0900-8844" in _text(info, "cap:contact")
    assert info.find("cap:area/cap:polygon", NS) is None


def test_several_networks_one_area_each(network):
    other = NetworkFactory(
        name="BIN Aaigem",
        municipality=network.municipality,
        area_geojson={
            "type": "MultiPolygon",
            "coordinates": [
                [[[4.0, 50.9], [4.1, 50.9], [4.1, 51.0], [4.0, 50.9]]],
                [[[4.2, 50.9], [4.3, 50.9], [4.3, 51.0]]],  # open ring: closed for CAP
            ],
        },
    )
    message = _published(network, kind=Message.Kind.INFO)
    message.networks.add(other)
    root = assert_valid_cap(message_cap_xml(message=message))
    areas = root.find("cap:info", NS).findall("cap:area", NS)
    assert [_text(a, "cap:areaDesc") for a in areas] == [
        "BIN Aaigem, Erpe-Mere",
        "BIN Oordegem, Erpe-Mere",
    ]
    assert len(areas[0].findall("cap:polygon", NS)) == 2


@pytest.mark.parametrize(
    "area",
    [
        {"type": "Point", "coordinates": [4.0, 50.9]},
        {"type": "Polygon", "coordinates": [[[4.0, 50.9], [4.1, 50.9]]]},
        {"type": "Polygon", "coordinates": [[["x", 50.9], [4.1, 50.9], [4.1, 51], [4, 50.9]]]},
        {"type": "Polygon", "coordinates": [[[4.0, 95.0], [4.1, 50.9], [4.1, 51], [4, 95]]]},
        {"type": "Polygon"},
        "not geojson",
    ],
)
def test_broken_geometry_gives_no_polygon(network, area):
    network.area_geojson = area
    assert network_cap_polygons(network=network) == []
    network.save()
    assert_valid_cap(message_cap_xml(message=_published(network)))


def test_atom_feed_is_valid_and_carries_valid_alerts(network):
    older = _published(network, published_at=timezone.now() - timedelta(days=1))
    exercise = _published(network, is_exercise=True)
    feed_url = "https://bin.example.org/api/v1/zones/1/cap.atom"
    feed = cap_atom_feed(messages=[exercise, older], title="PZ Erpe-Mere/Lede", feed_url=feed_url)
    root = etree.fromstring(feed)
    schema = _schema("atom.xsd")
    assert schema.validate(root), schema.error_log
    assert root.tag == f"{{{ATOM_NS}}}feed"
    assert _text(root, "atom:id") == feed_url
    assert root.find("atom:link[@rel='self']", NS).get("href") == feed_url
    entries = root.findall("atom:entry", NS)
    assert len(entries) == 2
    for entry, message in zip(entries, [exercise, older], strict=True):
        alert = entry.find("atom:content/cap:alert", NS)
        assert_valid_cap(etree.fromstring(etree.tostring(alert)))
        assert entry.find("atom:content", NS).get("type") == "application/cap+xml"
        assert _text(entry, "atom:title") == "Inbraken"
        assert _text(entry, "atom:id").endswith(f"/{message.pk}/cap.xml")
    # The feed's updated is its newest entry's.
    assert _text(root, "atom:updated") == _text(entries[0], "atom:updated")


def test_empty_atom_feed_is_valid(db):
    feed = cap_atom_feed(messages=[], title="Niets", feed_url="https://bin.example.org/feed")
    schema = _schema("atom.xsd")
    assert schema.validate(etree.fromstring(feed)), schema.error_log


def test_staff_download(client, world):
    message = _published(world.network)
    client.force_login(world.users["officer"])
    response = client.get(reverse("messaging:cap", kwargs={"pk": message.pk}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/cap+xml"
    assert f"bin-message-{message.pk}.cap.xml" in response["Content-Disposition"]
    assert_valid_cap(response.content)
    page = client.get(reverse("messaging:detail", kwargs={"pk": message.pk}))
    assert reverse("messaging:cap", kwargs={"pk": message.pk}).encode() in page.content


def test_download_refused_to_another_zone(client, world):
    message = _published(world.network)
    client.force_login(world.users["officer_other"])
    response = client.get(reverse("messaging:cap", kwargs={"pk": message.pk}))
    assert response.status_code == 403
