"""The reports' figures through the API: the dashboards' sections, their
permissions and filters, and the national small-count suppression."""

from __future__ import annotations

from api.scopes import Scope
from tests.factories import MemberFactory, NetworkFactory

AGG = [Scope.AGGREGATES_READ]


def _section(body: dict, key: str) -> dict:
    return next(s for s in body["sections"] if s["key"] == key)


def test_municipal_staff_read_their_municipality(world, api):
    for _ in range(3):
        MemberFactory(network=world.network)
    client = api("municipal", scopes=AGG)
    code = world.municipality.official_code
    response = client.get(f"/api/v1/aggregates/municipalities/{code}/?period=last_30_days")
    assert response.status_code == 200
    body = response.json()
    assert body["scope"] == world.municipality.name and not body["anonymised"]
    networks = _section(body, "networks")
    row = networks["rows"][0]
    assert row[0] == world.network.name
    assert row[networks["columns"].index("Active members")] == 4
    # No member data in the figures.
    assert world.member.email not in response.content.decode()


def test_the_same_figures_as_the_dashboard(world, api, client):
    """The API serialises the very Report the dashboard page renders."""
    code = world.municipality.official_code
    body = api("municipal", scopes=AGG).get(f"/api/v1/aggregates/municipalities/{code}/").json()
    client.force_login(world.users["municipal"])
    page = client.get(f"/manage/reports/municipality/{world.municipality.pk}/")
    report = page.context["report"]
    assert [s["key"] for s in body["sections"]] == [s.key for s in report.sections]
    assert _section(body, "networks")["totals"] == report.section("networks").totals


def test_area_network_filter_and_period_errors(world, api):
    second = NetworkFactory(municipality=world.municipality, slug="second")
    client = api("municipal", scopes=AGG)
    code = world.municipality.official_code
    whole = client.get(f"/api/v1/aggregates/municipalities/{code}/").json()
    assert len(_section(whole, "networks")["rows"]) == 2
    body = client.get(f"/api/v1/aggregates/municipalities/{code}/?network=second").json()
    assert [r[0] for r in _section(body, "networks")["rows"]] == [second.name]
    assert body["scope"] == f"{world.municipality.name}: {second.name}"
    bad = client.get(
        f"/api/v1/aggregates/municipalities/{code}/?period=custom&start=2030-01-01&end=2029-01-01"
    )
    assert bad.status_code == 400
    assert bad["Content-Type"] == "application/problem+json"
    assert bad.json()["errors"]
    foreign = client.get(
        f"/api/v1/aggregates/municipalities/{code}/?network={world.other_network.slug}"
    )
    assert foreign.status_code == 400 and "network" in foreign.json()["errors"]


def test_national_figures_hide_small_counts(world, api):
    body = api("federal", scopes=AGG).get("/api/v1/aggregates/national/").json()
    assert body["anonymised"] is True
    cells = [c for s in body["sections"] for row in s["rows"] for c in row]
    assert "< 5" in cells
    # The world has 2 networks and 2 members: no count below 5 shows as a number.
    status = _section(body, "network_status")
    assert all(
        v == "< 5" or not isinstance(v, int) or v >= 5 for row in status["rows"] for v in row
    )


def test_who_reads_which_area(world, api):
    municipal = api("municipal", scopes=AGG)
    assert municipal.get(f"/api/v1/aggregates/zones/{world.zone.number}/").status_code == 403
    assert municipal.get("/api/v1/aggregates/national/").status_code == 403
    other = world.other_municipality.official_code
    assert municipal.get(f"/api/v1/aggregates/municipalities/{other}/").status_code == 403
    assert municipal.get("/api/v1/aggregates/municipalities/00000/").status_code == 404
    officer = api("officer", scopes=AGG)
    zone = officer.get(f"/api/v1/aggregates/zones/{world.zone.number}/").json()
    code = world.municipality.official_code
    area = officer.get(f"/api/v1/aggregates/municipalities/{code}/").json()
    # The zone's dashboard adds the police's open items to the networks table.
    assert (
        len(_section(zone, "networks")["columns"]) == len(_section(area, "networks")["columns"]) + 2
    )
