"""The national dashboard cannot be undone by arithmetic (review finding R1).

Each test builds data where a count below 5 used to follow by subtraction
from the figures shown, tries that subtraction, and checks it no longer
works: one of the figures it needs is hidden as well.
"""

from __future__ import annotations

import csv
import io
import itertools
from fractions import Fraction

from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from members.models import Member
from networks.models import Network
from reports.disclosure import HIDDEN, Derived, Relation, protect
from reports.tables.national import national_report
from reports.tables.report import Section
from tests.factories import MunicipalityFactory, NetworkFactory, PoliceZoneFactory
from tests.reports.conftest import _member, at

Q1 = {"period": "custom", "start": "2026-01-01", "end": "2026-03-31"}


def _shown(*values) -> bool:
    """Whether every value needed for a subtraction is on the page."""
    return all(isinstance(v, int) for v in values)


def _rows(report, key):
    return report.section(key).rows


def test_status_total_minus_bin_no_longer_gives_binz(dataset):
    # Six active BINs (a, c, d and three more) and the one BIN-Z b.
    for i in range(3):
        NetworkFactory(name=f"Extra {i}", slug=f"extra-{i}", municipality=dataset.lede)
    report = national_report(period=dataset.period)
    label = dict(Network.Status.choices)[Network.Status.ACTIVE]
    active = next(r for r in _rows(report, "network_status") if r[0] == label)
    assert active[2] == HIDDEN
    assert not _shown(active[3], active[1])  # Total - BIN no longer possible
    kinds = _rows(report, "kinds")
    assert kinds[1][1] == HIDDEN
    # The BIN column's sum over the statuses is the BIN networks figure.
    bin_column = [r[1] for r in _rows(report, "network_status")]
    assert not (_shown(kinds[0][1]) and sum(isinstance(v, int) for v in bin_column) == 4)


def test_members_series_no_longer_gives_the_leaves(dataset):
    # Ten members join C in February; a3 leaves in February.
    for _ in range(10):
        _member(dataset.c, status=Member.Status.ACTIVE, approved=at(2026, 2, 5))
    report = national_report(period=dataset.period)
    rows = _rows(report, "members")
    for before, now in itertools.pairwise(rows):
        _month, members, bin_, binz, joined, left = now
        if left == HIDDEN:
            assert not _shown(before[1], joined, members)
        if joined == HIDDEN:
            assert not _shown(before[1], left, members)
        if HIDDEN in (bin_, binz):
            assert not _shown(members, bin_, binz)
    feb = rows[1]
    assert feb[5] == HIDDEN


def test_messages_total_no_longer_gives_the_hidden_kind(dataset):
    from tests.reports.conftest import _message

    # January: 2 urgent alerts (the dataset's), 5 of each other kind: the
    # urgent count is the one small figure of the row, and Total minus the
    # other kinds would give it.
    for kind in ("feedback", "prevention", "info"):
        for i in range(5):
            _message(kind, at(2026, 1, 3 + i), [dataset.c], user=dataset.users["officer"])
    report = national_report(period=dataset.period)
    rows = _rows(report, "messages")
    january = rows[0]
    assert january[1] == HIDDEN
    assert january[1:].count(HIDDEN) >= 2  # a second figure hidden with it
    for row in rows:
        hidden = [v for v in row[1:] if v == HIDDEN]
        assert len(hidden) != 1, row  # never one unknown against the total


def test_delivery_columns_and_rate_no_longer_give_a_hidden_column(dataset):
    from tests.reports.conftest import _delivery

    # Enough SMS deliveries that "Delivered" and the total are shown.
    m1 = dataset.messages["m1"]
    for member in dataset.members.values():
        if member.network_id in (dataset.a.pk, dataset.b.pk):
            _delivery(m1, member, "voice", "delivered", minutes=3)
    report = national_report(period=dataset.period)
    assert any(HIDDEN in row[1:8] for row in _rows(report, "delivery"))
    for row in _rows(report, "delivery"):
        counts = row[1:8]  # total and the six statuses
        assert counts.count(HIDDEN) != 1, row
        if HIDDEN in counts:
            # success * (total - cancelled) would give the cancelled ones.
            assert row[8] is None, row
    sms = _rows(report, "delivery")[0]
    assert sms[1] == 10 and sms[2] == 7  # the large figures are still there


def test_province_minus_its_municipalities_no_longer_gives_the_small_one(dataset):
    zone = PoliceZoneFactory(name="Gent", number="5415")
    big = MunicipalityFactory(name="Gent", police_zone=zone, province="Oost-Vlaanderen")
    merelbeke = MunicipalityFactory(name="Merelbeke", police_zone=zone, province="Oost-Vlaanderen")
    for i in range(6):
        NetworkFactory(name=f"Gent {i}", slug=f"gent-{i}", municipality=big)
    for i in range(5):
        NetworkFactory(name=f"Merelbeke {i}", slug=f"merelbeke-{i}", municipality=merelbeke)
    report = national_report(period=dataset.period)
    provinces = _rows(report, "provinces")
    municipalities = {r[0]: r for r in _rows(report, "municipalities")}
    zones = {r[0]: r for r in _rows(report, "zones")}
    # 15 networks in the province: Gent 6, Merelbeke 5, Lede 2, Erpe-Mere 1, Aalst 1.
    networks = [provinces[0][2]] + [municipalities[m][2] for m in municipalities]
    assert HIDDEN in networks  # Erpe-Mere and Aalst have one network each
    assert networks.count(HIDDEN) != 1
    hidden_munis = [m for m in municipalities if municipalities[m][2] == HIDDEN]
    shown_munis = [m for m in municipalities if municipalities[m][2] != HIDDEN]
    if _shown(provinces[0][2]):
        # Province minus the shown municipalities leaves at least two unknowns.
        assert len(hidden_munis) >= 2
        # ... and no zone isolates one of them: a zone shown with all but
        # one of its municipalities shown would.
        assert not _shown(zones["Aalst"][2])
    assert "Gent" in shown_munis  # large figures stay


def test_province_minus_zone_no_longer_gives_the_municipality_outside(dataset):
    # The dataset: province 6 members, zone Erpe-Mere/Lede 5: the difference
    # was Aalst's one member.
    report = national_report(period=dataset.period)
    province = _rows(report, "provinces")[0]
    zone = next(r for r in _rows(report, "zones") if r[0] == "Erpe-Mere/Lede")
    assert not _shown(province[5], zone[5])


def test_exports_and_charts_carry_the_same_suppression(client, dataset):
    for i in range(3):
        NetworkFactory(name=f"Extra {i}", slug=f"extra-{i}", municipality=dataset.lede)
    client.force_login(dataset.users["federal"])
    page = client.get(reverse("reports:national"), Q1)
    report = page.context["report"]
    status = report.section("network_status")
    label = dict(Network.Status.choices)[Network.Status.ACTIVE]
    index = [r[0] for r in status.rows].index(label)
    chart = status.chart_data()
    assert chart["datasets"][1]["data"][index] is None  # BIN-Z: a gap
    body = client.get(reverse("reports:national_export", kwargs={"fmt": "csv"}), Q1)
    lines = list(csv.reader(io.StringIO(body.content.decode().lstrip("\ufeff"))))
    active = next(line for line in lines if line and line[0] == label)
    assert active[2] == HIDDEN
    assert HIDDEN in (active[1], active[3])
    note = "and so is a second figure where the first could be worked out from a total"
    assert note in page.content.decode()


# --- the rule itself, on small tables ---------------------------------------------


def _table(rows):
    return Section(key="t", title="t", columns=["x"] * len(rows[0]), rows=[list(r) for r in rows])


def test_a_single_hidden_part_hides_the_next_smallest():
    table = _table([["row", 3, 40, 12, 55]])
    relations = [Relation.total([("t", 0, 1), ("t", 0, 2), ("t", 0, 3)], ("t", 0, 4))]
    protect([table], relations=relations, derived=[])
    assert table.rows[0] == ["row", HIDDEN, 40, HIDDEN, 55]


def test_hidden_zeros_are_not_given_away_by_a_sum_of_zero():
    # 0 + 0 + 30 = 30: both hidden cells would be known to be 0.
    table = _table([["row", 0, 0, 30, 30]])
    relations = [Relation.total([("t", 0, 1), ("t", 0, 2), ("t", 0, 3)], ("t", 0, 4))]
    protect([table], relations=relations, derived=[])
    assert table.rows[0][3] == HIDDEN


def test_two_relations_together_are_checked():
    # a + b = 10 (shown), a + b + c = 11 (shown): c = 1 although each
    # relation has two unknowns.
    zone = _table([["zone", 6, 4, 10]])
    province = Section(key="p", title="p", columns=["x", "x"], rows=[["p", 11]])
    outside = Section(key="o", title="o", columns=["x", "x"], rows=[["o", 1]])
    relations = [
        Relation.total([("t", 0, 1), ("t", 0, 2)], ("t", 0, 3)),
        Relation.total([("t", 0, 1), ("t", 0, 2), ("o", 0, 1)], ("p", 0, 1)),
    ]
    protect([zone, province, outside], relations=relations, derived=[])
    assert outside.rows[0][1] == HIDDEN
    assert zone.rows[0][3] == HIDDEN or province.rows[0][1] == HIDDEN


def test_running_series_hides_a_figure_of_the_month():
    table = _table([["jan", 100, 0, 0], ["feb", 108, 10, 2]])
    relations = [
        Relation.running(
            now=("t", 1, 1), before=("t", 0, 1), added=("t", 1, 2), removed=("t", 1, 3)
        )
    ]
    protect([table], relations=relations, derived=[])
    assert table.rows[1][3] == HIDDEN
    assert not _shown(table.rows[0][1], table.rows[1][1], table.rows[1][2])


def test_a_rate_from_a_hidden_count_is_left_out():
    table = _table([["sms", 100, 97, 3, 97.0]])
    relations = [Relation.total([("t", 0, 2), ("t", 0, 3)], ("t", 0, 1))]
    derived = [Derived(("t", 0, 4), (("t", 0, 1), ("t", 0, 2), ("t", 0, 3)))]
    protect([table], relations=relations, derived=derived)
    assert table.rows[0] == ["sms", 100, HIDDEN, HIDDEN, None]


def _rank(rows: list[list[Fraction]]) -> int:
    rows = [r[:] for r in rows]
    rank = 0
    for col in range(len(rows[0]) if rows else 0):
        pivot = next((i for i in range(rank, len(rows)) if rows[i][col]), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for i in range(len(rows)):
            if i != rank and rows[i][col]:
                factor = rows[i][col] / rows[rank][col]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[rank], strict=True)]
        rank += 1
    return rank


@settings(max_examples=60, deadline=None)
@given(
    counts=st.lists(st.integers(min_value=0, max_value=12), min_size=3, max_size=9),
    provinces=st.integers(min_value=1, max_value=3),
    zones=st.integers(min_value=1, max_value=4),
)
def test_no_hidden_cell_follows_from_the_relations(counts, provinces, zones):
    """Checked independently with exact fractions: after ``protect`` no
    relation has a single hidden cell and no hidden cell is a combination of
    the shown ones."""
    n = len(counts)
    munis = _table([[f"m{i}", v] for i, v in enumerate(counts)])
    munis.key = "m"
    prov = Section(key="p", title="p", columns=["x", "x"], rows=[])
    zone = Section(key="z", title="z", columns=["x", "x"], rows=[])
    relations = []
    provinces, zones = min(provinces, n), min(zones, n)  # no area without municipalities
    for key, section, groups in (("p", prov, provinces), ("z", zone, zones)):
        for g in range(groups):
            members = [i for i in range(n) if i % groups == g]
            section.rows.append([f"{key}{g}", sum(counts[i] for i in members)])
            relations.append(Relation.total([("m", i, 1) for i in members], (key, g, 1)))
    national = Section(key="n", title="n", columns=["x", "x"], rows=[["n", sum(counts)]])
    relations.append(Relation.total([("p", g, 1) for g in range(provinces)], ("n", 0, 1)))
    relations.append(Relation.total([("z", g, 1) for g in range(zones)], ("n", 0, 1)))
    sections = [munis, prov, zone, national]
    hidden = protect(sections, relations=relations, derived=[])
    for relation in relations:
        assert sum(ref in hidden for ref, _c in relation.terms) != 1
    cells = sorted(hidden)
    matrix = [
        [Fraction(dict(relation.terms).get(ref, 0)) for ref in cells] for relation in relations
    ]
    rank = _rank(matrix) if cells else 0
    for index in range(len(cells)):
        unit = [Fraction(int(i == index)) for i in range(len(cells))]
        assert _rank([*matrix, unit]) == rank + 1, cells[index]
