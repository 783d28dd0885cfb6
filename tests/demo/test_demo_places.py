"""The demo shows the product: several zones and municipalities (Flemish,
Walloon in French, bilingual Brussels, Dutch), so the national overview and
the comparison between networks show figures, not "< 5" everywhere
(issue 16, item 17)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from members.models import Member
from networks.models import Network, PoliceZone


@pytest.fixture
def seeded(db):
    call_command("seed_demo", "--force", stdout=StringIO())


def test_zones_and_languages(seeded):
    assert PoliceZone.objects.filter(country="BE").count() >= 4
    assert PoliceZone.objects.filter(country="NL").exists()
    provinces = set(Network.objects.values_list("municipality__province", flat=True))
    assert {"Oost-Vlaanderen", "Namur", "Bruxelles-Capitale", "Utrecht"} <= provinces
    french = Network.objects.filter(languages=["fr"], status=Network.Status.ACTIVE)
    assert french.count() >= 5
    jambes = Network.objects.get(slug="jambes")
    assert set(jambes.members.values_list("language", flat=True)) == {"fr"}
    brussels = Network.objects.filter(municipality__province="Bruxelles-Capitale")
    assert all(n.languages == ["fr", "nl"] for n in brussels)
    assert {"fr", "nl"} <= set(
        Member.objects.filter(network__in=brussels).values_list("language", flat=True)
    )


def test_national_overview_shows_figures(client, seeded):
    client.force_login(User.objects.get(email="federal@demo.bin"))
    report = client.get(reverse("reports:national")).context["report"]
    provinces = report.section("provinces")
    shown = [row for row in provinces.rows if isinstance(row[2], int)]
    # Several provinces show their networks and members as numbers.
    assert len(shown) >= 3
    assert provinces.chart_data()["datasets"][0]["data"].count(None) < len(provinces.rows)
    municipalities = report.section("municipalities")
    assert sum(isinstance(row[2], int) for row in municipalities.rows) >= 2


def test_a_french_sign_up_page_exists(client, seeded):
    response = client.get(
        reverse("members:signup:join", args=["jambes"]), HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert response.status_code == 200
