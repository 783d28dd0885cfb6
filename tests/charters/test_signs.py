"""The municipality's register of BIN signs: who edits, validation, map data."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from charters.models import Sign
from charters.selectors.signs import sign_map_data, signs_summary
from charters.services.signs import sign_delete, sign_save
from networks.models import Network


def _new_url(world) -> str:
    return reverse("charters:governance:sign_new", kwargs={"slug": world.network.slug})


def _data(**changes) -> dict:
    data = {
        "street": "Kerkstraat", "house_number": "12", "latitude": "", "longitude": "",
        "state": "planned", "placed_on": "", "notes": "",
    }  # fmt: skip
    data.update(changes)
    return data


def test_municipal_staff_adds_a_sign_by_street_or_coordinates(client, world):
    client.force_login(world.users["municipal"])
    page = client.get(_new_url(world)).content.decode()
    assert '<datalist id="sign-streets"><option value="Kerkstraat">' in page
    assert client.post(_new_url(world), _data()).status_code == 302
    response = client.post(
        _new_url(world),
        _data(street="", house_number="", latitude="50.9604", longitude="3.8401",
              state="placed", placed_on="2020-04-01"),
    )  # fmt: skip
    assert response.status_code == 302
    by_street, by_point = Sign.objects.order_by("pk")
    assert (by_street.street, by_street.house_number) == ("Kerkstraat", "12")
    assert by_street.updated_by == world.users["municipal"]
    assert by_point.latitude == Decimal("50.960400")
    assert by_point.street == "" and by_point.state == "placed"


def test_free_text_street_is_accepted(world):
    sign = sign_save(
        network=world.network, by=world.users["municipal"], street="Marktplein", state="planned"
    )
    assert sign.street == "Marktplein"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"street": "", "house_number": ""}, "street"),
        ({"street": "", "house_number": "", "latitude": "50.96"}, "longitude"),
        ({"latitude": "91", "longitude": "3.8"}, "latitude"),
        ({"latitude": "50.9", "longitude": "-181"}, "longitude"),
        ({"state": "placed"}, "placed_on"),
        ({"placed_on": (timezone.localdate() + timedelta(days=2)).isoformat()}, "placed_on"),
        (
            {"street": "", "house_number": "5", "latitude": "50.9", "longitude": "3.8"},
            "house_number",
        ),
    ],
)
def test_bad_locations_are_refused_next_to_the_field(client, world, changes, field):
    client.force_login(world.users["municipal"])
    response = client.post(_new_url(world), _data(**changes))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Sign.objects.exists()


def test_service_checks_both_coordinates_even_without_the_form(world):
    with pytest.raises(ValidationError) as exc:
        sign_save(
            network=world.network, by=world.users["admin"], state="planned",
            latitude=Decimal("50.9"),
        )  # fmt: skip
    assert "longitude" in exc.value.message_dict


@pytest.mark.parametrize(
    "role", ["coordinator", "co_coordinator", "steering", "officer", "municipal_other"]
)
def test_others_only_look(client, world, role):
    sign = Sign.objects.create(network=world.network, street="Kerkstraat", house_number="1")
    with pytest.raises(PermissionDenied):
        sign_save(network=world.network, by=world.users[role], street="Dorp", state="planned")
    with pytest.raises(PermissionDenied):
        sign_delete(sign=sign, by=world.users[role])
    client.force_login(world.users[role])
    assert client.post(_new_url(world), _data()).status_code == 403
    delete = reverse(
        "charters:governance:sign_delete", kwargs={"slug": world.network.slug, "pk": sign.pk}
    )
    assert client.post(delete).status_code == 403
    assert Sign.objects.count() == 1


def test_edit_and_delete(client, world):
    sign = Sign.objects.create(network=world.network, street="Kerkstraat", house_number="1")
    client.force_login(world.users["municipal"])
    edit = reverse(
        "charters:governance:sign_edit", kwargs={"slug": world.network.slug, "pk": sign.pk}
    )
    assert 'value="Kerkstraat"' in client.get(edit).content.decode()
    client.post(edit, _data(state="damaged", placed_on="2019-06-01", notes="Hit by a van"))
    sign.refresh_from_db()
    assert (sign.state, sign.notes) == ("damaged", "Hit by a van")
    # A sign of another network is not reachable through this network's URL.
    other = Sign.objects.create(network=world.other_network, street="Dorp")
    url = reverse(
        "charters:governance:sign_edit", kwargs={"slug": world.network.slug, "pk": other.pk}
    )
    assert client.get(url).status_code == 404
    delete = reverse(
        "charters:governance:sign_delete", kwargs={"slug": world.network.slug, "pk": sign.pk}
    )
    assert client.post(delete).status_code == 302
    assert not Sign.objects.filter(pk=sign.pk).exists()


def test_page_has_table_and_map_data_without_tiles(client, world, settings):
    settings.MAP_TILE_URL = ""
    area = {
        "type": "Polygon",
        "coordinates": [[[3.83, 50.95], [3.85, 50.95], [3.84, 50.97], [3.83, 50.95]]],
    }
    Network.objects.filter(pk=world.network.pk).update(area_geojson=area)
    Sign.objects.create(network=world.network, street="Kerkstraat", house_number="1")
    Sign.objects.create(
        network=world.network, latitude=Decimal("50.96"), longitude=Decimal("3.84"),
        state="placed", placed_on=timezone.localdate(),
    )  # fmt: skip
    client.force_login(world.users["steering"])
    response = client.get(reverse("charters:governance:signs", kwargs={"slug": world.network.slug}))
    body = response.content.decode()
    assert "Kerkstraat 1" in body  # the table works without JavaScript or tiles
    assert 'id="sign-map-data" type="application/json"' in body
    assert "vendor/leaflet/leaflet.js" in body and "src/signs_map.js" in body
    assert "<script>" not in body  # CSP: no inline script
    data = response.context["map_data"]
    assert data["tiles"]["url"] == ""
    assert data["area"] == area
    assert data["signs"] == [
        {"lat": 50.96, "lng": 3.84, "state": "placed", "state_label": "Placed", "label": ""}
    ]
    assert response.context["unmapped"] == 1
    assert "Add a sign" not in body  # the steering committee only looks


def test_tile_server_is_configurable(world, settings):
    settings.MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = "© Example"
    data = sign_map_data(network=world.network)
    assert json.dumps(data["tiles"]) == json.dumps(
        {"url": "https://tiles.example.org/{z}/{x}/{y}.png", "attribution": "© Example"}
    )


def test_tile_host_goes_into_the_csp():
    from bin_platform.settings.base import _tile_origin

    assert _tile_origin("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png") == (
        "https://*.tile.openstreetmap.org"
    )
    assert _tile_origin("https://tiles.example.org:8443/{z}/{x}/{y}.png") == (
        "https://tiles.example.org:8443"
    )
    assert _tile_origin("") == "" and _tile_origin("javascript:alert(1)") == ""


def test_signs_summary_for_reports(world):
    for state in ("placed", "placed", "damaged", "planned"):
        Sign.objects.create(network=world.network, street="Kerkstraat", state=state)
    Sign.objects.create(network=world.other_network, street="Dorp", state="removed")
    summary = signs_summary(networks=Network.objects.filter(pk=world.network.pk))
    assert summary["total"] == 4
    counts = {value: count for value, _label, count in summary["by_state"]}
    assert counts == {"planned": 1, "placed": 2, "damaged": 1, "removed": 0}
    assert signs_summary(networks=Network.objects.all())["total"] == 5


def test_demo_data_is_idempotent(world):
    from charters.models import Meeting, ScreeningRecord
    from demo.governance import seed_governance_demo

    users = {
        "coordinator@demo.bin": world.users["coordinator"],
        "officer@demo.bin": world.users["officer"],
    }
    networks = {"oordegem": world.network}
    seed_governance_demo(networks=networks, users=users)
    counts = (Sign.objects.count(), Meeting.objects.count(), ScreeningRecord.objects.count())
    seed_governance_demo(networks=networks, users=users)
    assert (
        Sign.objects.count(),
        Meeting.objects.count(),
        ScreeningRecord.objects.count(),
    ) == counts
    assert counts == (4, 2, 1)
    world.network.refresh_from_db()
    assert world.network.area_geojson["type"] == "Polygon"
    world.network.full_clean()
    for sign in Sign.objects.all():
        sign.full_clean()
