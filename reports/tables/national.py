"""The federal viewer's dashboard: national aggregates per province,
municipality and police zone, networks by status and kind, and trends.

Anonymised by ``reports.disclosure.protect``: every count below 5 reads
"< 5", and so does a second count wherever the first could be worked out
from a total or a related figure (the ``Relation``s each section states
next to its rows); a rate or time computed from a hidden count is left out
(``Derived``). The sections are built with true counts and protected once,
before the page, the charts and the exports read them. Cells are addressed
by section and column name (``Columns``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from networks.models import Network
from reports.disclosure import Derived, Ref, Relation, protect
from reports.selectors.members import members_over_time
from reports.selectors.national import (
    active_members_by_network,
    national_by_area,
    network_areas,
    networks_by_status_and_kind,
)
from reports.selectors.period import Period
from reports.tables.report import Chart, Columns, Report, Section, month_label
from reports.tables.sections import (
    MEMBER_REPORTS,
    SPEED,
    delivery_relations,
    delivery_section,
    member_reports_section,
    messages_relations,
    messages_section,
    speed_section,
    times_derived,
)

NETWORK_STATUS = Columns("network_status", ("status", "bin", "binz", "total"))
KINDS = Columns("kinds", ("kind", "networks", "members"))
BIN_ROW, BINZ_ROW = 0, 1  # the rows of KINDS
# The figures of every area table (province, zone, municipality), as the
# selector ``national_by_area`` names them.
AREA_FIGURES = ("networks", "active_networks", "binz_networks", "members", "binz_members")
PROVINCES = Columns("provinces", ("country", "province", *AREA_FIGURES))
ZONES = Columns("zones", ("zone", "number", *AREA_FIGURES))
MUNICIPALITIES = Columns("municipalities", ("municipality", "province", *AREA_FIGURES))
MEMBERS = Columns("members", ("month", "members", "bin", "binz", "joined", "left"))


def national_report_cached(*, period: Period) -> Report:
    """The national report, from the cache when computed less than
    REPORTS_NATIONAL_CACHE_SECONDS ago: it reads every member and delivery,
    and its anonymised, national figures do not need to be to the minute.
    (The dashboard and the REST API share it.)"""
    seconds = settings.REPORTS_NATIONAL_CACHE_SECONDS
    if not seconds:
        return national_report(period=period)
    key = f"reports:national:{period.start:%Y%m%d}:{period.end:%Y%m%d}:{get_language()}"
    report = cache.get(key)
    if report is None:
        report = national_report(period=period)
        cache.set(key, report, seconds)
    return report


def national_report(*, period: Period) -> Report:
    """The national dashboard, anonymised (see the module's docstring)."""
    report = Report(
        title=_("National overview"), scope=_("Belgium and the Netherlands"), period=period
    )
    report.anonymised = True
    relations: list[Relation] = []
    derived: list[Derived] = []

    by_status = networks_by_status_and_kind()
    section, found = _status_section(by_status)
    report.sections.append(section)
    relations += found
    active_row = [r["status"] for r in by_status].index(Network.Status.ACTIVE)

    active = active_members_by_network()
    provinces = national_by_area(level="province", active_by_network=active)
    section, found = _kinds_section(provinces, statuses=len(by_status))
    report.sections.append(section)
    relations += found

    # Per province, zone and municipality: each column adds up to the
    # national figure, and municipalities add up to their province and zone.
    report.sections.append(_provinces_section(provinces))
    relations += _area_relations(PROVINCES, count=len(provinces), active_row=active_row)
    zones = national_by_area(level="zone", active_by_network=active)
    report.sections.append(_zones_section(zones))
    relations += _area_relations(ZONES, count=len(zones), active_row=active_row)
    municipalities = national_by_area(level="municipality", active_by_network=active)
    report.sections.append(_municipalities_section(municipalities))
    relations += _area_relations(MUNICIPALITIES, count=len(municipalities), active_row=active_row)
    relations += _sub_area_relations(
        provinces=provinces, zones=zones, municipalities=municipalities
    )

    section, found = _members_section(period)
    report.sections.append(section)
    relations += found

    messages = messages_section(ids=None, period=period)
    report.sections.append(messages)
    relations += messages_relations(months=len(messages.rows))

    delivery = delivery_section(ids=None, period=period)
    report.sections.append(delivery)
    found, found_derived = delivery_relations(rows=len(delivery.rows))
    relations += found
    derived += found_derived

    # Times: from the messages that reached 90 %, the reports triaged.
    speed = speed_section(ids=None, period=period)
    report.sections.append(speed)
    derived += times_derived(SPEED, rows=len(speed.rows), count="reached")
    member_reports = member_reports_section(ids=None, period=period)
    report.sections.append(member_reports)
    derived += times_derived(MEMBER_REPORTS, rows=len(member_reports.rows), count="triaged")

    protect(report.sections, relations=relations, derived=derived)
    return report


# --- networks by status and kind -------------------------------------------------


def _status_section(by_status: list[dict]) -> tuple[Section, list[Relation]]:
    """Networks by status; BIN + BIN-Z = total, per status."""
    labels = dict(Network.Status.choices)
    section = Section(
        key=NETWORK_STATUS.key,
        title=_("Networks by status"),
        columns=[_("Status"), "BIN", "BIN-Z", _("Total")],
        rows=[
            NETWORK_STATUS.row(
                status=str(labels[r["status"]]),
                bin=r[Network.Kind.BIN],
                binz=r[Network.Kind.BINZ],
                total=r[Network.Kind.BIN] + r[Network.Kind.BINZ],
            )
            for r in by_status
        ],
        chart=Chart(kind="bar", columns=NETWORK_STATUS.indexes("bin", "binz"), stacked=True),
    )
    cell = NETWORK_STATUS.cell
    relations = [
        Relation.total([cell(i, "bin"), cell(i, "binz")], cell(i, "total"))
        for i in range(len(by_status))
    ]
    return section, relations


def _kinds_section(provinces: list[dict], *, statuses: int) -> tuple[Section, list[Relation]]:
    """BIN and BIN-Z: networks of each kind are the column sums of the status table."""
    bin_networks = sum(r["networks"] - r["binz_networks"] for r in provinces)
    bin_members = sum(r["members"] - r["binz_members"] for r in provinces)
    binz_networks = sum(r["binz_networks"] for r in provinces)
    binz_members = sum(r["binz_members"] for r in provinces)
    rows = [None, None]
    rows[BIN_ROW] = KINDS.row(kind="BIN", networks=bin_networks, members=bin_members)
    rows[BINZ_ROW] = KINDS.row(kind="BIN-Z", networks=binz_networks, members=binz_members)
    section = Section(
        key=KINDS.key,
        title=_("BIN and BIN-Z"),
        columns=[_("Kind"), _("Networks"), _("Active members")],
        rows=rows,
        chart=Chart(kind="bar", columns=KINDS.indexes("networks", "members")),
    )
    status = NETWORK_STATUS.cell
    bin_cell, binz_cell = KINDS.cell(BIN_ROW, "networks"), KINDS.cell(BINZ_ROW, "networks")
    relations = [
        Relation.total([status(i, "bin") for i in range(statuses)], bin_cell),
        Relation.total([status(i, "binz") for i in range(statuses)], binz_cell),
        Relation.total([status(i, "total") for i in range(statuses)], [bin_cell, binz_cell]),
    ]
    return section, relations


# --- per province, police zone and municipality ----------------------------------


def _area_columns() -> list[str]:
    return [
        _("Networks"),
        _("Active networks"),
        _("BIN-Z networks"),
        _("Active members"),
        _("of which BIN-Z"),
    ]


def _figures(row: dict) -> dict:
    return {name: row[name] for name in AREA_FIGURES}


def _provinces_section(provinces: list[dict]) -> Section:
    return Section(
        key=PROVINCES.key,
        title=_("Per province"),
        columns=[_("Country"), _("Province"), *_area_columns()],
        rows=[
            PROVINCES.row(
                country=r["country"], province=r["municipality__province"] or "—", **_figures(r)
            )
            for r in provinces
        ],
        chart=Chart(
            kind="bar",
            columns=PROVINCES.indexes("members"),
            label_column=PROVINCES.index("province"),
        ),
        first_number=PROVINCES.index("networks"),
    )


def _zones_section(zones: list[dict]) -> Section:
    return Section(
        key=ZONES.key,
        title=_("Per police zone"),
        columns=[_("Police zone"), _("Number"), *_area_columns()],
        rows=[
            ZONES.row(zone=r["police_zone__name"], number=r["police_zone__number"], **_figures(r))
            for r in zones
        ],
        first_number=ZONES.index("networks"),
    )


def _municipalities_section(municipalities: list[dict]) -> Section:
    return Section(
        key=MUNICIPALITIES.key,
        title=_("Per municipality"),
        columns=[_("Municipality"), _("Province"), *_area_columns()],
        rows=[
            MUNICIPALITIES.row(
                municipality=r["municipality__name"],
                province=r["municipality__province"] or "—",
                **_figures(r),
            )
            for r in municipalities
        ],
        first_number=MUNICIPALITIES.index("networks"),
    )


def _national_figures(*, active_row: int) -> dict[str, list[Ref]]:
    """The national cells each area figure adds up to."""
    bin_networks, binz_networks = KINDS.cell(BIN_ROW, "networks"), KINDS.cell(BINZ_ROW, "networks")
    bin_members, binz_members = KINDS.cell(BIN_ROW, "members"), KINDS.cell(BINZ_ROW, "members")
    return {
        "networks": [bin_networks, binz_networks],
        "active_networks": [NETWORK_STATUS.cell(active_row, "total")],
        "binz_networks": [binz_networks],
        "members": [bin_members, binz_members],
        "binz_members": [binz_members],
    }


def _area_relations(table: Columns, *, count: int, active_row: int) -> list[Relation]:
    """Each figure of an area table adds up to the national one; the active
    networks also to the active BIN and BIN-Z networks by status."""
    national = _national_figures(active_row=active_row)
    relations = [
        Relation.total([table.cell(r, name) for r in range(count)], national[name])
        for name in AREA_FIGURES
    ]
    relations.append(
        Relation.total(
            [table.cell(r, "active_networks") for r in range(count)],
            [NETWORK_STATUS.cell(active_row, "bin"), NETWORK_STATUS.cell(active_row, "binz")],
        )
    )
    return relations


def _sub_area_relations(*, provinces, zones, municipalities) -> list[Relation]:
    """Municipalities add up to their province, and to their police zone
    when the zone's networks all lie in those municipalities (and theirs all
    in the zone)."""
    networks = network_areas()
    muni_row = {r["municipality_id"]: i for i, r in enumerate(municipalities)}
    province_row = {(r["country"], r["municipality__province"]): i for i, r in enumerate(provinces)}
    zone_row = {r["police_zone_id"]: i for i, r in enumerate(zones)}
    muni_province: dict = {}
    muni_zones: dict = {}
    zone_munis: dict = {}
    for n in networks:
        muni_province.setdefault(n["municipality_id"], set()).add(
            (n["country"], n["municipality__province"])
        )
        muni_zones.setdefault(n["municipality_id"], set()).add(n["police_zone_id"])
        zone_munis.setdefault(n["police_zone_id"], set()).add(n["municipality_id"])
    # (area table, its row) -> the rows of the municipalities that make it up
    groups: dict[tuple[Columns, int], list[int]] = {}
    for muni, found in muni_province.items():
        if len(found) == 1 and muni in muni_row:
            row = province_row.get(next(iter(found)))
            if row is not None:
                groups.setdefault((PROVINCES, row), []).append(muni_row[muni])
    for zone, munis in zone_munis.items():
        if zone in zone_row and all(muni_zones[m] == {zone} and m in muni_row for m in munis):
            groups[(ZONES, zone_row[zone])] = [muni_row[m] for m in munis]
    relations = []
    for (table, row), rows in groups.items():
        for name in AREA_FIGURES:
            relations.append(
                Relation.total([MUNICIPALITIES.cell(r, name) for r in rows], table.cell(row, name))
            )
    return relations


# --- trends --------------------------------------------------------------------


def _members_section(period: Period) -> tuple[Section, list[Relation]]:
    """Members over time: BIN + BIN-Z = members, and each month's members are
    the previous month's plus those who joined minus those who left."""
    series = members_over_time(network_ids=None, period=period, split_by_kind=True)
    section = Section(
        key=MEMBERS.key,
        title=_("Members over time"),
        columns=[_("Month"), _("Members at month end"), "BIN", "BIN-Z", _("Joined"), _("Left")],
        rows=[
            MEMBERS.row(
                month=month_label(p["month"]),
                members=p["members"],
                bin=p["by_kind"][Network.Kind.BIN],
                binz=p["by_kind"][Network.Kind.BINZ],
                joined=p["joined"],
                left=p["left"],
            )
            for p in series
        ],
        chart=Chart(kind="line", columns=MEMBERS.indexes("members", "bin", "binz")),
    )
    cell = MEMBERS.cell
    relations = []
    for t in range(len(series)):
        relations.append(Relation.total([cell(t, "bin"), cell(t, "binz")], cell(t, "members")))
        if t:
            relations.append(
                Relation.running(
                    now=cell(t, "members"),
                    before=cell(t - 1, "members"),
                    added=cell(t, "joined"),
                    removed=cell(t, "left"),
                )
            )
    return section, relations
