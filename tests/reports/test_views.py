"""Dashboards as pages and files: scope, filters, exports equal to the screen,
small-count suppression, household counts, and queries independent of size."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from reports.exports import _cell_text

Q1 = {"period": "custom", "start": "2026-01-01", "end": "2026-03-31"}


def _get(client, user, name, query=None, **kwargs):
    client.force_login(user)
    return client.get(reverse(name, kwargs=kwargs), query or {})


def test_municipality_dashboard_shows_its_networks_only(client, dataset):
    # The zone's officer sees the counts as they are (municipal staff: "< 5",
    # tests/reports/test_small_counts.py).
    response = _get(client, dataset.users["officer"], "reports:municipality", Q1,
                    pk=dataset.lede.pk)  # fmt: skip
    assert response.status_code == 200
    report = response.context["report"]
    networks = report.section("networks")
    assert [row[0] for row in networks.rows] == ["Oordegem", "Zaken Lede"]
    a = networks.rows[0]
    # active, pending, joined, left, messages, reports, signs placed, meetings held
    assert a[3:11] == [3, 1, 3, 1, 4, 4, 2, 2]
    assert a[-1].startswith("In force: version 1")
    # The total counts m1 (to both networks) once.
    assert networks.totals[3:11] == [4, 1, 3, 1, 4, 4, 2, 2]
    assert "Open member reports" not in networks.columns
    body = response.content.decode()
    assert "Oordegem" in body and "Aaigem" not in body
    assert 'data-report-chart="chart-members"' in body
    assert 'id="caption-members">Members over time' in body


def test_zone_dashboard_adds_open_items_and_filters_by_network(client, dataset):
    officer = dataset.users["officer"]
    response = _get(client, officer, "reports:zone", Q1, pk=dataset.zone.pk)
    networks = response.context["report"].section("networks")
    assert [row[0] for row in networks.rows] == ["Aaigem", "Oordegem", "Zaken Lede"]
    open_reports = networks.columns.index("Open member reports")
    without_feedback = networks.columns.index("Urgent alerts without feedback")
    oordegem = networks.rows[1]
    assert (oordegem[open_reports], oordegem[without_feedback]) == (3, 1)

    response = _get(client, officer, "reports:zone", {**Q1, "network": "aaigem"},
                    pk=dataset.zone.pk)  # fmt: skip
    assert [row[0] for row in response.context["report"].section("networks").rows] == ["Aaigem"]
    # A network of another zone is not a choice.
    response = _get(client, officer, "reports:zone", {**Q1, "network": "elders"},
                    pk=dataset.zone.pk)  # fmt: skip
    assert response.status_code == 400
    assert response.context["report"] is None
    assert "Select a valid choice" in response.context["form"].errors["network"][0]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"period": "custom", "start": "2026-03-01", "end": "2026-01-01"}, "end",
         "The last day must not be before the first."),
        ({"period": "custom", "start": "2026-01-01"}, "end", "Give the last day of the period."),
        ({"period": "custom", "start": "yesterday", "end": "2026-01-01"}, "start",
         "Enter a valid date."),
        ({"period": "custom", "start": "2026-01-01", "end": "2999-01-01"}, "end",
         "The period cannot end in the future."),
        ({"period": "custom", "start": "2016-01-01", "end": "2026-01-01"}, "start",
         "Choose a period of at most five years."),
        ({"period": "decade"}, "period", "Select a valid choice."),
        # Year 1 used to overflow the date arithmetic (a 500).
        ({"period": "custom", "start": "0001-01-01", "end": "0001-01-02"}, "start",
         "The period cannot start before"),
        ({"period": "custom", "start": "1999-12-31", "end": "2000-01-05"}, "start",
         "The period cannot start before"),
    ],
)  # fmt: skip
def test_bad_filters_are_explained_next_to_the_field(client, dataset, query, field, message):
    response = _get(client, dataset.users["municipal"], "reports:municipality", query,
                    pk=dataset.lede.pk)  # fmt: skip
    assert response.status_code == 400
    assert message in response.context["form"].errors[field][0]
    body = response.content.decode()
    assert f'id="id_{field}-error"' in body and 'aria-invalid="true"' in body
    # What was typed stays in the form.
    for value in query.values():
        assert value in body


def test_presets(client, dataset):
    from django.utils import timezone

    today = timezone.localdate()
    for preset, days in (("last_30_days", 29), ("this_year", None), ("last_12_months", None)):
        response = _get(client, dataset.users["municipal"], "reports:municipality",
                        {"period": preset}, pk=dataset.lede.pk)  # fmt: skip
        period = response.context["report"].period
        assert period.end == today
        if days:
            assert (period.end - period.start).days == days
    response = _get(client, dataset.users["municipal"], "reports:municipality",
                    pk=dataset.lede.pk)  # fmt: skip
    assert len(response.context["report"].section("members").rows) == 12


# --- exports ----------------------------------------------------------------------


def _csv_sections(text: str) -> dict[str, list[list[str]]]:
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    sections: dict[str, list[list[str]]] = {}
    current = None
    for i, row in enumerate(rows):
        if not row:
            current = rows[i + 1][0] if i + 1 < len(rows) else None
            sections[current] = []
        elif current is not None and row != [current]:
            sections[current].append(row)
    return sections


@pytest.mark.parametrize("who", ["municipal", "federal"])
def test_csv_and_xlsx_match_the_screen(client, dataset, who):
    from openpyxl import load_workbook

    if who == "federal":
        name, kwargs = "reports:national", {}
    else:
        name, kwargs = "reports:municipality", {"pk": dataset.lede.pk}
    user = dataset.users[who]
    page = _get(client, user, name, Q1, **kwargs)
    report = page.context["report"]
    # The page links each export with the same scope and filters.
    from urllib.parse import urlencode

    for fmt in ("csv", "xlsx", "pdf"):
        link = reverse(f"{name}_export", kwargs={**kwargs, "fmt": fmt}) + "?" + urlencode(Q1)
        assert f'href="{link}"'.replace("&", "&amp;") in page.content.decode()

    response = _get(client, user, f"{name}_export", Q1, fmt="csv", **kwargs)
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    sections = _csv_sections(response.content.decode("utf-8"))
    for section in report.sections:
        expected = [[_cell_text(c) for c in section.columns]]
        expected += [[_cell_text(v) for v in row] for row in section.rows]
        if section.totals:
            expected.append([_cell_text(v) for v in section.totals])
        assert sections[section.title] == expected, section.key

    response = _get(client, user, f"{name}_export", Q1, fmt="xlsx", **kwargs)
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    assert len(workbook.sheetnames) == len(report.sections) + 1
    for section, sheet_name in zip(report.sections, workbook.sheetnames[1:], strict=True):
        values = [list(r) for r in workbook[sheet_name].iter_rows(values_only=True)]
        assert values[0][0] == section.title
        assert [v for v in values[1] if v is not None] == [str(c) for c in section.columns]
        for row, got in zip(section.rows, values[2:], strict=False):
            got = (got + [None] * len(row))[: len(row)]  # trailing empty cells are not stored
            assert got == [None if v == "" else v for v in row], section.key


def test_pdf_report_holds_every_section(client, dataset):
    from pypdf import PdfReader

    user = dataset.users["officer"]
    kwargs = {"pk": dataset.lede.pk}
    report = _get(client, user, "reports:municipality", Q1, **kwargs).context["report"]
    response = _get(client, user, "reports:municipality_export", Q1, fmt="pdf", **kwargs)
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    flat = " ".join(text.split())
    for section in report.sections:
        assert section.title in flat
    assert "Oordegem BIN Active 3 1 3 1 4 4 2 2" in flat
    assert "Kerkstraat" in flat and "12.5" in flat


def test_unknown_export_format_is_404(client, dataset):
    response = _get(client, dataset.users["municipal"], "reports:municipality_export",
                    pk=dataset.lede.pk, fmt="docx")  # fmt: skip
    assert response.status_code == 404


# --- anonymisation -----------------------------------------------------------------


def test_national_dashboard_suppresses_small_counts_everywhere(client, dataset):
    from tests.factories import NetworkFactory

    user = dataset.users["federal"]
    response = _get(client, user, "reports:national", Q1)
    report = response.context["report"]
    provinces = report.section("provinces")
    # 4 networks, 4 active, 1 BIN-Z, 6 members, 1 in BIN-Z. The 6 members
    # are hidden too: minus the zone Erpe-Mere/Lede's 5 they would give the
    # one member of Aalst (secondary suppression, reports/disclosure.py).
    assert provinces.rows == [["BE", "Oost-Vlaanderen", "< 5", "< 5", "< 5", "< 5", "< 5"]]
    chart = provinces.chart_data()
    assert chart["datasets"][0]["data"] == [None]
    assert chart["datasets"][0]["text"] == ["< 5"]
    status = report.section("network_status").chart_data()
    assert status["datasets"][0]["data"][2] is None  # 3 active BINs: a gap
    assert status["datasets"][0]["text"][2] == "< 5"
    body = response.content.decode()
    assert "&lt; 5" in body
    csv_text = _get(client, user, "reports:national_export", Q1, fmt="csv").content.decode()
    assert "< 5" in csv_text

    NetworkFactory(municipality=dataset.lede)  # the fifth network in the province
    provinces = _get(client, user, "reports:national", Q1).context["report"].section("provinces")
    assert provinces.rows[0][2:4] == [5, 5]


def test_national_figures_are_cached_for_a_while(client, dataset, settings):
    from tests.factories import NetworkFactory

    settings.REPORTS_NATIONAL_CACHE_SECONDS = 600
    user = dataset.users["federal"]
    first = _get(client, user, "reports:national", Q1).context["report"]
    NetworkFactory(municipality=dataset.lede)
    again = _get(client, user, "reports:national", Q1).context["report"]
    assert again.section("provinces").rows == first.section("provinces").rows
    assert again.generated_at == first.generated_at
    settings.REPORTS_NATIONAL_CACHE_SECONDS = 0
    fresh = _get(client, user, "reports:national", Q1).context["report"]
    assert fresh.section("provinces").rows[0][2] == 5


def test_no_contact_data_in_any_dashboard_or_export(client, dataset):
    members = dataset.members.values()
    secrets = [m.email for m in members] + [m.mobile_phone.as_e164 for m in members]
    secrets += [m.last_name for m in members]
    pages = [
        ("municipal", "reports:municipality", {"pk": dataset.lede.pk}),
        ("officer", "reports:zone", {"pk": dataset.zone.pk}),
        ("coordinator", "reports:network", {"slug": dataset.a.slug}),
        ("federal", "reports:national", {}),
    ]
    for who, name, kwargs in pages:
        for target, extra in ((name, {}), (f"{name}_export", {"fmt": "csv"})):
            body = _get(client, dataset.users[who], target, Q1, **kwargs, **extra)
            text = body.content.decode()
            for secret in secrets:
                assert secret not in text, (who, target)


# --- household counts --------------------------------------------------------------


def _household_post(dataset, values):
    streets = list(dataset.a.streets.order_by("name", "number_from"))
    data = {
        "streets-TOTAL_FORMS": str(len(streets)),
        "streets-INITIAL_FORMS": str(len(streets)),
        "streets-MIN_NUM_FORMS": "0",
        "streets-MAX_NUM_FORMS": "1000",
    }
    for i, (street, value) in enumerate(zip(streets, values, strict=True)):
        data[f"streets-{i}-id"] = str(street.pk)
        data[f"streets-{i}-household_count"] = value
    return streets, data


def test_municipal_staff_enter_household_counts(client, dataset):
    url = reverse("reports:households", kwargs={"slug": dataset.a.slug})
    client.force_login(dataset.users["municipal"])
    _streets, data = _household_post(dataset, ["12", "6", "30"])
    response = client.post(url, data)
    assert response.status_code == 302
    assert [s.household_count for s in dataset.a.streets.order_by("name", "number_from")] == [
        12, 6, 30,
    ]  # fmt: skip
    report = _get(client, dataset.users["officer"], "reports:network", Q1,
                  slug=dataset.a.slug).context["report"]  # fmt: skip
    assert report.section("streets").rows[1][2:] == [1, 30, 3.3]


def test_household_counts_refuse_bad_input_and_other_roles(client, dataset):
    url = reverse("reports:households", kwargs={"slug": dataset.a.slug})
    client.force_login(dataset.users["municipal"])
    _streets, data = _household_post(dataset, ["-3", "abc", ""])
    response = client.post(url, data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Ensure this value is greater than or equal to 0." in body
    assert "Enter a whole number." in body
    assert dataset.a.streets.filter(household_count__lt=0).count() == 0
    for who in ("coordinator", "officer", "federal"):
        client.force_login(dataset.users[who])
        assert client.post(url, data).status_code == 403


# --- performance ------------------------------------------------------------------


def _grow(dataset, networks: int, members: int):
    from messaging.models import Delivery
    from tests.factories import MemberFactory, NetworkFactory

    m1 = dataset.messages["m1"]
    for _ in range(networks):
        network = NetworkFactory(municipality=dataset.lede)
        m1.networks.add(network)
        for member in MemberFactory.create_batch(members, network=network):
            Delivery.objects.create(message=m1, member=member, channel="sms", to="x",
                                    language="nl", status="delivered")  # fmt: skip


@pytest.mark.parametrize(
    ("who", "name", "kwargs"),
    [
        ("municipal", "reports:municipality", lambda d: {"pk": d.lede.pk}),
        ("officer", "reports:zone", lambda d: {"pk": d.zone.pk}),
        ("federal", "reports:national", lambda d: {}),
    ],
)
def test_query_count_does_not_grow_with_networks_or_members(
    client, dataset, django_assert_max_num_queries, who, name, kwargs
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(dataset.users[who])
    url = reverse(name, kwargs=kwargs(dataset))
    client.get(url, Q1)  # warm up (sessions, content types)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url, Q1).status_code == 200
    _grow(dataset, networks=6, members=8)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url, Q1).status_code == 200


def test_csv_export_is_semicolon_separated_for_dutch_readers(client, dataset):
    # Belgian Excel set to Dutch opens a comma-separated file in one column.
    client.force_login(dataset.users["municipal"])
    url = reverse("reports:municipality_export", kwargs={"pk": dataset.lede.pk, "fmt": "csv"})
    dutch = client.get(url, Q1, HTTP_ACCEPT_LANGUAGE="nl").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(dutch), delimiter=";"))
    assert max(len(row) for row in rows) > 2
    english = client.get(url, Q1, HTTP_ACCEPT_LANGUAGE="en").content.decode("utf-8-sig")
    assert max(len(row) for row in csv.reader(io.StringIO(english))) > 2
