from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from networks.models import Network, Role, RoleAssignment, Street
from networks.selectors import address_in_area, house_number_value, suppress_small, user_roles
from networks.services import role_grant, role_revoke
from tests.factories import NetworkFactory, PoliceZoneFactory, UserFactory


@pytest.mark.parametrize(
    ("parity", "low", "high", "number", "inside"),
    [
        ("all", None, None, 999, True),
        ("all", 10, 20, 10, True),
        ("all", 10, 20, 21, False),
        ("even", 2, 40, 12, True),
        ("even", 2, 40, 13, False),
        ("odd", 1, 39, 13, True),
        ("odd", None, 39, 41, False),
    ],
)
def test_street_covers(parity, low, high, number, inside):
    street = Street(name="X", postcode="9340", number_from=low, number_to=high, parity=parity)
    assert street.covers(number) is inside


def test_house_number_value():
    assert house_number_value("12A") == 12
    assert house_number_value(" 7 bus 3") == 7
    assert house_number_value("bis") is None


def test_address_in_area(db):
    network = NetworkFactory(streets=[("Kerkstraat", "9340", 1, 50), ("Dorp", "9340", None, None)])
    assert (
        address_in_area(network=network, street="kerkstraat", house_number="12", postcode="9340")
        == {}
    )
    assert "street" in address_in_area(
        network=network, street="Stationsstraat", house_number="1", postcode="9340"
    )
    assert "postcode" in address_in_area(
        network=network, street="Dorp", house_number="1", postcode="9300"
    )
    errors = address_in_area(
        network=network, street="Kerkstraat", house_number="51", postcode="9340"
    )
    assert "1–50" in errors["house_number"]


def test_emergency_numbers_follow_the_country(client, db):
    be = NetworkFactory(slug="be-net")
    nl_zone = PoliceZoneFactory(country="NL", number="NL-1")
    nl = NetworkFactory(
        slug="nl-net",
        municipality__police_zone=nl_zone,
        municipality__official_code="GM0344",
        streets=[("Kanaalstraat", "3531 AA", None, None)],
    )
    be_html = client.get(reverse("networks:public:network", args=[be.slug])).content.decode()
    nl_html = client.get(reverse("networks:public:network", args=[nl.slug])).content.decode()
    assert "101" in be_html and "0900-8844" not in be_html
    assert "0900-8844" in nl_html and ">101<" not in nl_html
    assert "112" in be_html and "112" in nl_html


def test_proposed_networks_are_not_public(client, db):
    network = NetworkFactory(status=Network.Status.PROPOSED)
    assert client.get(reverse("networks:public:network", args=[network.slug])).status_code == 404


def test_network_must_match_zone_and_country(db):
    network = NetworkFactory()
    network.police_zone = PoliceZoneFactory()
    with pytest.raises(ValidationError) as exc:
        network.full_clean()
    assert "police_zone" in exc.value.message_dict
    network = NetworkFactory()
    network.languages = ["nl", "xx"]
    with pytest.raises(ValidationError):
        network.full_clean()


def test_role_scope_is_enforced_by_the_database(db):
    user = UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(user=user, role=Role.COORDINATOR)


def test_role_grant_rules(world):
    new = UserFactory()
    officer, coordinator = world.users["officer"], world.users["coordinator"]
    role_grant(granted_by=officer, user=new, role=Role.COORDINATOR, network=world.network)
    # Held, awaiting the police screening (charters: screening_record).
    assert world.network.id in user_roles(user=new).awaiting_screening_of
    # Granting twice keeps one row.
    role_grant(granted_by=officer, user=new, role=Role.COORDINATOR, network=world.network)
    assert RoleAssignment.objects.filter(user=new).count() == 1
    with pytest.raises(PermissionDenied):
        role_grant(granted_by=coordinator, user=new, role=Role.OFFICER, police_zone=world.zone)
    with pytest.raises(PermissionDenied):
        role_grant(
            granted_by=world.users["officer_other"],
            user=new,
            role=Role.STEERING,
            network=world.network,
        )
    with pytest.raises(PermissionDenied):
        role_grant(
            granted_by=coordinator, user=coordinator, role=Role.STEERING, network=world.network
        )
    with pytest.raises(ValidationError):
        role_grant(granted_by=world.users["admin"], user=new, role=Role.OFFICER)
    role_grant(granted_by=world.users["admin"], user=new, role=Role.OFFICER, police_zone=world.zone)


def test_role_revoke_keeps_the_audit_trail(world):
    steering = world.users["steering"]
    assignment = RoleAssignment.objects.get(user=steering)
    with pytest.raises(PermissionDenied):
        role_revoke(revoked_by=world.users["co_coordinator"], assignment=assignment)
    role_revoke(revoked_by=world.users["coordinator"], assignment=assignment)
    assignment.refresh_from_db()
    assert assignment.revoked_by == world.users["coordinator"]
    assert not user_roles(user=steering).steering_of


def test_suppress_small():
    assert suppress_small(0) == "< 5"
    assert suppress_small(4) == "< 5"
    assert suppress_small(5) == "5"


def test_the_national_overview_is_the_anonymised_reports_dashboard(client, world):
    # One national page, the one with complementary suppression (reports.disclosure).
    client.force_login(world.users["federal"])
    home = client.get(reverse("accounts:home")).content.decode()
    assert reverse("reports:national") in home
    html = client.get(reverse("reports:national")).content.decode()
    assert "&lt; 5" in html
    assert world.member.last_name not in html


def test_coordinator_edits_description_languages_and_streets(client, world):
    client.force_login(world.users["coordinator"])
    url = reverse("networks:edit", args=[world.network.slug])
    street = world.network.streets.get()
    data = {
        "name": "Oordegem",
        "public_description": "Nieuwe tekst",
        "default_language": "fr",
        "other_languages": ["nl", "fr"],
        "area_geojson": "",
        "streets-TOTAL_FORMS": "2",
        "streets-INITIAL_FORMS": "1",
        "streets-MIN_NUM_FORMS": "0",
        "streets-MAX_NUM_FORMS": "1000",
        "streets-0-id": street.pk,
        "streets-0-network": world.network.pk,
        "streets-0-name": "Kerkstraat",
        "streets-0-postcode": "9340",
        "streets-0-parity": "all",
        "streets-1-network": world.network.pk,
        "streets-1-name": "Dorpsstraat",
        "streets-1-postcode": "9340",
        "streets-1-number_from": "2",
        "streets-1-number_to": "40",
        "streets-1-parity": "even",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    world.network.refresh_from_db()
    assert world.network.languages == ["fr", "nl"]
    assert world.network.public_description == "Nieuwe tekst"
    assert world.network.streets.count() == 2
    # A coordinator does not change the lifecycle status.
    assert "status" not in client.get(url).context["form"].fields
    # A reversed range is refused next to the street, and nothing is saved.
    data["streets-1-number_from"] = "50"
    data["public_description"] = "Nog anders"
    response = client.post(url, data)
    assert response.status_code == 200
    world.network.refresh_from_db()
    assert world.network.public_description == "Nieuwe tekst"


def test_bad_geojson_is_an_error_next_to_the_field(client, world):
    client.force_login(world.users["officer"])
    url = reverse("networks:edit", args=[world.network.slug])
    data = {
        "name": "Oordegem",
        "status": "active",
        "default_language": "nl",
        "streets-TOTAL_FORMS": "0",
        "streets-INITIAL_FORMS": "0",
        "streets-MIN_NUM_FORMS": "0",
        "streets-MAX_NUM_FORMS": "1000",
    }
    for bad in ('"hello"', "[1, 2]", '{"type": "Point", "coordinates": [4, 51]}', "{nope"):
        response = client.post(url, {**data, "area_geojson": bad})
        assert response.status_code == 200, bad
        assert "area_geojson" in response.context["form"].errors, bad
    ring = "[[3.9, 50.9], [4.0, 50.9], [4.0, 51.0], [3.9, 50.9]]"
    polygon = '{"type": "Polygon", "coordinates": [' + ring + "]}"
    assert client.post(url, {**data, "area_geojson": polygon}).status_code == 302
    world.network.refresh_from_db()
    assert world.network.area_geojson["type"] == "Polygon"


def test_suspended_and_dissolved_networks_are_not_public(client, db):
    for status in (Network.Status.SUSPENDED, Network.Status.DISSOLVED):
        network = NetworkFactory(status=status)
        assert (
            client.get(reverse("networks:public:network", args=[network.slug])).status_code == 404
        )


def test_visitors_read_the_description_in_their_language(client, world):
    # A Dutch and French network: its page speaks each visitor's language, and
    # a German visitor gets the main language, not a mix of texts.
    network = world.network
    network.languages = ["nl", "fr"]
    network.status = Network.Status.ACTIVE
    network.save()
    client.force_login(world.users["coordinator"])
    url = reverse("networks:edit", args=[network.slug])
    form = client.get(url).context["form"]
    assert "public_description_fr" in form.fields and "public_description_de" not in form.fields
    street = network.streets.get()
    data = {
        "public_description": "Samen voor een veilige buurt.",
        "public_description_fr": "Ensemble pour un quartier sûr.",
        "default_language": "nl",
        "other_languages": ["fr"],
        "area_geojson": "",
        "streets-TOTAL_FORMS": "1",
        "streets-INITIAL_FORMS": "1",
        "streets-MIN_NUM_FORMS": "0",
        "streets-MAX_NUM_FORMS": "1000",
        "streets-0-id": street.pk,
        "streets-0-network": network.pk,
        "streets-0-name": street.name,
        "streets-0-postcode": street.postcode,
        "streets-0-parity": "all",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    network.refresh_from_db()
    assert network.public_descriptions == {"fr": "Ensemble pour un quartier sûr."}
    client.logout()
    page = reverse("networks:public:network", args=[network.slug])
    for language, shown, hidden in (
        ("fr", "Ensemble pour un quartier sûr.", "Samen voor"),
        ("nl", "Samen voor een veilige buurt.", "Ensemble pour"),
        ("de", "Samen voor een veilige buurt.", "Ensemble pour"),
    ):
        html = client.get(page, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert shown in html and hidden not in html, language
