"""Municipal staff see counts below 5 as "< 5" on their dashboards, in the
charts and in every export, and so does every count that would give one
away by subtraction; the network pages show them the same (issue 16, item 7).
Officers, coordinators and admins see the counts as they are."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from tests.reports.test_views import Q1, _get

HIDDEN = "< 5"


def _numbers(report) -> list:
    """Every int left in the report's rows and totals."""
    found = []
    for section in report.sections:
        for row in [*section.rows, *([section.totals] if section.totals else [])]:
            found += [v for v in row if isinstance(v, int) and not isinstance(v, bool)]
    return found


def test_municipality_report_hides_small_counts_from_municipal_staff(client, dataset):
    user = dataset.users["municipal"]
    page = _get(client, user, "reports:municipality", Q1, pk=dataset.lede.pk)
    report = page.context["report"]
    assert report.anonymised
    assert [n for n in _numbers(report) if n < 5] == []
    streets = report.section("streets")
    # The member per street of the dataset (2 in Kerkstraat, 1 in Molenstraat).
    members = streets.columns.index("Active members")
    assert {row[members] for row in streets.rows} == {HIDDEN}
    share = streets.columns.index("Share (%)")
    assert {row[share] for row in streets.rows} == {None}
    networks = report.section("networks")
    assert networks.rows[0][3] == HIDDEN and networks.totals[3] == HIDDEN
    for section in report.sections:
        for dataset_ in (section.chart_data() or {}).get("datasets", []):
            assert all(not isinstance(v, int) or v >= 5 for v in dataset_["data"]), section.key
    body = page.content.decode()
    assert "&lt; 5" in body

    csv_text = _get(client, user, "reports:municipality_export", Q1, fmt="csv",
                    pk=dataset.lede.pk).content.decode()  # fmt: skip
    assert "Kerkstraat,< 5" in csv_text
    assert "counts below 5 are shown as" in csv_text
    assert "Kerkstraat,2" not in csv_text


def test_municipal_staff_workbook_and_pdf_hide_small_counts_too(client, dataset):
    from openpyxl import load_workbook
    from pypdf import PdfReader

    user, kwargs = dataset.users["municipal"], {"pk": dataset.lede.pk}
    response = _get(client, user, "reports:municipality_export", Q1, fmt="xlsx", **kwargs)
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    numbers = [
        v
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for v in row
        if isinstance(v, int) and not isinstance(v, bool)
    ]
    assert numbers and all(n >= 5 for n in numbers)
    response = _get(client, user, "reports:municipality_export", Q1, fmt="pdf", **kwargs)
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages).split()
    )
    assert "Oordegem BIN Active < 5 < 5 < 5 < 5" in text


def test_network_report_of_municipal_staff_is_anonymised_too(client, dataset):
    report = _get(client, dataset.users["municipal"], "reports:network", Q1,
                  slug=dataset.a.slug).context["report"]  # fmt: skip
    assert report.anonymised
    assert [n for n in _numbers(report) if n < 5] == []


@pytest.mark.parametrize("who", ["officer", "admin", "coordinator"])
def test_police_admins_and_coordinators_see_exact_counts(client, dataset, who):
    if who == "coordinator":
        name, kwargs = "reports:network", {"slug": dataset.a.slug}
    else:
        name, kwargs = "reports:municipality", {"pk": dataset.lede.pk}
    report = _get(client, dataset.users[who], name, Q1, **kwargs).context["report"]
    assert not report.anonymised
    assert report.section("networks").rows[0][3] == 3


def test_network_pages_show_municipal_staff_small_counts_as_less_than_five(client, dataset):
    user = dataset.users["municipal"]
    client.force_login(user)
    detail = client.get(reverse("networks:detail", args=[dataset.a.slug])).content.decode()
    assert "&lt; 5" in detail
    listing = client.get(reverse("networks:mine")).content.decode()
    assert "&lt; 5" in listing
    client.force_login(dataset.users["coordinator"])
    detail = client.get(reverse("networks:detail", args=[dataset.a.slug])).content.decode()
    assert "&lt; 5" not in detail
