"""The dashboards as sections of tables: one structure for the page, its
charts, and the CSV, XLSX and PDF exports, so they always show the same figures.

A section's rows hold ints, floats (rounded for display), strings (names,
labels, "< 5") or None (no value). A chart is drawn from chosen columns of the
same rows; a suppressed or missing value is a gap in the chart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from charters.models import CharterVersion
from messaging.models import Delivery, IncidentReport, Message
from networks.models import Network
from reports import selectors
from reports.disclosure import Derived, Relation, protect
from reports.selectors import Period


@dataclass
class Chart:
    """How to draw a section: ``kind`` is a Chart.js type (bar, line),
    ``columns`` the indexes of the row values to plot, ``label_column`` the
    index of the category labels."""

    kind: str
    columns: list[int]
    label_column: int = 0
    stacked: bool = False
    unit: str = ""


@dataclass
class Section:
    key: str
    title: str
    columns: list[str]
    rows: list[list]
    chart: Chart | None = None
    note: str = ""
    totals: list | None = None
    # The numeric columns (right-aligned): from first_number up to, not
    # including, last_number (None: to the end).
    first_number: int = 1
    last_number: int | None = None

    def _numeric(self, index: int) -> bool:
        end = len(self.columns) if self.last_number is None else self.last_number
        return self.first_number <= index < end

    @property
    def header(self) -> list[tuple[str, bool]]:
        return [(c, self._numeric(i)) for i, c in enumerate(self.columns)]

    @property
    def cells(self) -> list[list[tuple[object, bool]]]:
        """Rows as (value, numeric) pairs, for the templates."""
        return [[(v, self._numeric(i)) for i, v in enumerate(row)] for row in self.rows]

    @property
    def total_cells(self) -> list[tuple[object, bool]]:
        return [(v, self._numeric(i)) for i, v in enumerate(self.totals or [])]

    @property
    def wide(self) -> bool:
        """Too many columns to share the width with a chart."""
        return len(self.columns) > 6

    def chart_data(self) -> dict | None:
        """The chart's labels and datasets, as json_script data for Chart.js."""
        if self.chart is None or not self.rows:
            return None

        def number(value):
            return value if isinstance(value, int | float) and not isinstance(value, bool) else None

        return {
            "type": self.chart.kind,
            "stacked": self.chart.stacked,
            "title": self.title,
            "unit": self.chart.unit,
            "labels": [str(row[self.chart.label_column]) for row in self.rows],
            "datasets": [
                {
                    "label": self.columns[index],
                    "data": [number(row[index]) for row in self.rows],
                    # What the table says where the chart has a gap ("< 5").
                    "text": [_text(row[index]) for row in self.rows],
                }
                for index in self.chart.columns
            ],
        }


def _text(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return formats.number_format(value, 1)
    return str(value)


@dataclass
class Report:
    title: str
    scope: str
    period: Period
    sections: list[Section] = field(default_factory=list)
    anonymised: bool = False
    generated_at: object = field(default_factory=timezone.now)

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    @property
    def filename_stem(self) -> str:
        from django.utils.text import slugify

        period = f"{self.period.start:%Y%m%d}-{self.period.end:%Y%m%d}"
        return f"report-{slugify(self.scope)[:60]}-{period}"


def _month_label(month: date) -> str:
    return f"{month:%Y-%m}"


def _minutes(seconds):
    return None if seconds is None else round(seconds / 60.0, 1)


def _hours(seconds):
    return None if seconds is None else round(seconds / 3600.0, 1)


def charter_label(network) -> str:
    """A short text for the state of a network's charter (``networks_with_charter`` rows)."""
    labels = dict(CharterVersion.Status.choices)
    if network.charter_in_force:
        text = _("In force: version %(number)s") % {"number": network.charter_in_force}
        if network.charter_signed_at:
            signed = formats.date_format(
                timezone.localtime(network.charter_signed_at), "SHORT_DATE_FORMAT"
            )
            text += f" ({signed})"
        if network.charter_latest and network.charter_latest != network.charter_in_force:
            text += "; " + _("version %(number)s: %(status)s") % {
                "number": network.charter_latest,
                "status": labels.get(network.charter_latest_status, ""),
            }
        return text
    if network.charter_latest:
        return _("Version %(number)s: %(status)s") % {
            "number": network.charter_latest,
            "status": labels.get(network.charter_latest_status, ""),
        }
    return _("No charter yet")


# --- municipality, zone and network dashboards ------------------------------------


def network_report(
    *, networks: list[Network], period: Period, title: str, scope: str, zone_extras: bool = False
) -> Report:
    """The dashboard of a municipality, police zone or single network: every
    figure per network and in total. ``zone_extras`` adds the police's open
    items (member reports not closed, urgent alerts without feedback)."""
    ids = [n.pk for n in networks]
    report = Report(title=title, scope=scope, period=period)
    # Read once: the messages section and the networks' total both use it.
    series = selectors.messages_per_kind_month(network_ids=ids, period=period)
    report.sections.append(
        _networks_section(ids=ids, period=period, zone_extras=zone_extras, message_series=series)
    )
    report.sections.append(_members_section(ids=ids, period=period))
    report.sections.append(_streets_section(ids=ids, networks=networks))
    report.sections.append(_messages_section(ids=ids, period=period, series=series))
    report.sections.append(_delivery_section(ids=ids, period=period))
    report.sections.append(_speed_section(ids=ids, period=period))
    report.sections.append(_member_reports_section(ids=ids, period=period))
    return report


def _networks_section(
    *, ids, period: Period, zone_extras: bool, message_series: list[dict]
) -> Section:
    networks = list(selectors.networks_with_charter(network_ids=ids))
    members = selectors.member_counts_by_network(network_ids=ids, period=period)
    messages = selectors.messages_by_network(network_ids=ids, period=period)
    reports = selectors.member_reports_by_network(network_ids=ids, period=period)
    governance = selectors.signs_and_meetings_by_network(network_ids=ids, period=period)
    alerts = selectors.alerts_without_feedback_by_network(network_ids=ids) if zone_extras else {}
    columns = [
        _("Network"),
        _("Kind"),
        _("Status"),
        _("Active members"),
        _("Pending sign-ups"),
        _("Joined in period"),
        _("Left in period"),
        _("Messages in period"),
        _("Member reports in period"),
        _("Signs placed"),
        _("Meetings held in period"),
    ]
    if zone_extras:
        columns += [_("Open member reports"), _("Urgent alerts without feedback")]
    columns.append(_("Charter"))
    kinds = {Network.Kind.BIN: "BIN", Network.Kind.BINZ: "BIN-Z"}
    rows = []
    for network in networks:
        m = members.get(network.pk, {})
        g = governance.get(network.pk, {})
        r = reports.get(network.pk, {})
        row = [
            network.name,
            kinds.get(network.kind, network.kind),
            network.get_status_display(),
            m.get("active", 0),
            m.get("pending", 0),
            m.get("joined", 0),
            m.get("left", 0),
            messages.get(network.pk, {}).get("messages", 0),
            r.get("reports", 0),
            g.get("signs_placed", 0),
            g.get("meetings", 0),
        ]
        if zone_extras:
            row += [r.get("open", 0), alerts.get(network.pk, 0)]
        row.append(charter_label(network))
        rows.append(row)
    totals = None
    if len(rows) > 1:
        totals = [_("Total"), "", ""] + [
            sum(row[i] for row in rows) for i in range(3, len(columns) - 1)
        ]
        totals.append("")
    # A message to several of these networks counts once in the total.
    if totals is not None:
        totals[7] = sum(p["total"] for p in message_series)
    return Section(
        key="networks",
        title=_("Networks"),
        columns=columns,
        rows=rows,
        totals=totals,
        chart=Chart(kind="bar", columns=[3, 4]),
        first_number=3,
        last_number=len(columns) - 1,
        note=_(
            "Active members and pending sign-ups are today's figures; pending sign-ups include "
            "those still confirming their email address or phone."
        ),
    )


def _members_section(*, ids, period: Period) -> Section:
    series = selectors.members_over_time(network_ids=ids, period=period)
    return Section(
        key="members",
        title=_("Members over time"),
        columns=[_("Month"), _("Members at month end"), _("Joined"), _("Left")],
        rows=[[_month_label(p["month"]), p["members"], p["joined"], p["left"]] for p in series],
        chart=Chart(kind="line", columns=[1, 2, 3]),
        note=_(
            "A member counts from approval until leaving; suspended members still count. "
            "The current month ends today."
        ),
    )


def _streets_section(*, ids, networks: list[Network]) -> Section:
    streets = selectors.members_per_street(network_ids=ids)
    coverage = selectors.street_coverage(streets=streets)
    names = {n.pk: n.name for n in networks}
    rows = [
        [
            names.get(s["network_id"], ""),
            s["street"] + ("" if s["in_area"] else " " + _("(not in the street list)")),
            s["members"],
            s["households"],
            s["share"],
        ]
        for s in streets
    ]
    if not coverage["streets_counted"]:
        note = _(
            "No household counts entered yet for the %(streets)s streets; the municipality "
            "enters them from the network's report."
        ) % {"streets": coverage["streets"]}
    else:
        note = _(
            "Household counts entered for %(counted)s of %(streets)s streets; on those "
            "streets %(members)s of %(households)s households joined (%(share)s)."
        ) % {
            "counted": coverage["streets_counted"],
            "streets": coverage["streets"],
            "members": coverage["members_on_counted_streets"],
            "households": coverage["households"],
            "share": "—" if coverage["share"] is None else f"{_text(coverage['share'])} %",
        }
    return Section(
        key="streets",
        title=_("Active members per street"),
        columns=[_("Network"), _("Street"), _("Active members"), _("Households"), _("Share (%)")],
        rows=rows,
        note=note,
        first_number=2,
    )


def _messages_section(*, ids, period: Period, series: list[dict] | None = None) -> Section:
    if series is None:
        series = selectors.messages_per_kind_month(network_ids=ids, period=period)
    kinds = dict(Message.Kind.choices)
    return Section(
        key="messages",
        title=_("Messages per kind and month"),
        columns=[_("Month"), *[str(kinds[k]) for k in Message.Kind.values], _("Total")],
        rows=[
            [
                _month_label(p["month"]),
                *[p[k] for k in Message.Kind.values],
                p["total"],
            ]
            for p in series
        ],
        chart=Chart(kind="bar", columns=list(range(1, len(Message.Kind.values) + 1)), stacked=True),
    )


def _delivery_section(*, ids, period: Period) -> Section:
    rows = selectors.delivery_by_channel(network_ids=ids, period=period)
    labels = dict(Delivery.Channel.choices)
    table = [
        [
            str(labels[row["channel"]]),
            row["total"],
            row["delivered"],
            row["sent"],
            row["failed"],
            row["pending"],
            row["cancelled"],
            row["success_rate"],
        ]
        for row in rows
    ]
    return Section(
        key="delivery",
        title=_("Delivery per channel"),
        columns=[
            _("Channel"),
            _("Deliveries"),
            _("Delivered"),
            _("Sent, no report"),
            _("Failed"),
            _("Pending"),
            _("Cancelled"),
            _("Success (%)"),
        ],
        rows=table,
        chart=Chart(kind="bar", columns=[2, 3, 4, 5], stacked=True),
        note=_(
            "Messages published in the period. Success: delivered, or sent where the channel "
            "gives no delivery report (email), out of all deliveries not cancelled."
        ),
    )


def _speed_section(*, ids, period: Period) -> Section:
    rows = selectors.delivery_speed(network_ids=ids, period=period)
    kinds = dict(Message.Kind.choices)
    table = [
        [
            str(kinds[row["kind"]]),
            row["messages"],
            row["reached"],
            _minutes(row["median"]),
            _minutes(row["mean"]),
        ]
        for row in rows
    ]
    return Section(
        key="speed",
        title=_("Time from publishing to 90 % delivered"),
        columns=[
            _("Kind"),
            _("Messages"),
            _("Reached 90 %"),
            _("Median (minutes)"),
            _("Mean (minutes)"),
        ],
        rows=table,
        chart=Chart(kind="bar", columns=[3], unit=pgettext("unit", "min")),
        note=_(
            "Per message: the moment 90 % of its deliveries had arrived (delivered, or sent for "
            "email); messages that never reached 90 % are counted apart."
        ),
    )


def _member_reports_section(*, ids, period: Period) -> Section:
    rows = selectors.member_reports_by_category(network_ids=ids, period=period)
    labels = dict(IncidentReport.Category.choices)
    table = [
        [
            str(labels[row["category"]]),
            row["reports"],
            row["triaged"],
            row["open"],
            _hours(row["median"]),
            _hours(row["mean"]),
        ]
        for row in rows
    ]
    return Section(
        key="member_reports",
        title=_("Member reports per category"),
        columns=[
            _("Category"),
            _("Reports"),
            _("Triaged"),
            _("Still open"),
            _("Median time to triage (hours)"),
            _("Mean time to triage (hours)"),
        ],
        rows=table,
        chart=Chart(kind="bar", columns=[1, 2]),
        note=_("Reports made in the period; time to triage runs until first handled."),
    )


# --- national dashboard -------------------------------------------------------------


def national_report(*, period: Period) -> Report:
    """The federal viewer's dashboard: national aggregates per province,
    municipality and zone, networks by status and kind, and trends.

    Anonymised by ``reports.disclosure.protect``: every count below 5 reads
    "< 5", and so does a second count wherever the first could be worked out
    from a total or a related figure (the ``Relation`` list below); a rate or
    time computed from a hidden count is left out. The sections are built
    with true counts and protected once, before the page, the charts and the
    exports read them."""
    report = Report(
        title=_("National overview"), scope=_("Belgium and the Netherlands"), period=period
    )
    report.anonymised = True
    relations: list[Relation] = []
    derived: list[Derived] = []

    # Networks by status: BIN + BIN-Z = total, per status.
    status_labels = dict(Network.Status.choices)
    by_status = selectors.networks_by_status_and_kind()
    report.sections.append(
        Section(
            key="network_status",
            title=_("Networks by status"),
            columns=[_("Status"), "BIN", "BIN-Z", _("Total")],
            rows=[
                [
                    str(status_labels[r["status"]]),
                    r[Network.Kind.BIN],
                    r[Network.Kind.BINZ],
                    r[Network.Kind.BIN] + r[Network.Kind.BINZ],
                ]
                for r in by_status
            ],
            chart=Chart(kind="bar", columns=[1, 2], stacked=True),
        )
    )
    statuses = range(len(by_status))
    active_row = [r["status"] for r in by_status].index(Network.Status.ACTIVE)
    for i in statuses:
        relations.append(
            Relation.total([("network_status", i, 1), ("network_status", i, 2)],
                           ("network_status", i, 3))
        )  # fmt: skip

    # BIN and BIN-Z: networks of each kind are the column sums above.
    active = selectors.active_members_by_network()
    provinces = selectors.national_by_area(level="province", active_by_network=active)
    kinds_total = {
        "bin": [
            sum(r["networks"] - r["binz_networks"] for r in provinces),
            sum(r["members"] - r["binz_members"] for r in provinces),
        ],
        "binz": [
            sum(r["binz_networks"] for r in provinces),
            sum(r["binz_members"] for r in provinces),
        ],
    }
    report.sections.append(
        Section(
            key="kinds",
            title=_("BIN and BIN-Z"),
            columns=[_("Kind"), _("Networks"), _("Active members")],
            rows=[
                ["BIN", kinds_total["bin"][0], kinds_total["bin"][1]],
                ["BIN-Z", kinds_total["binz"][0], kinds_total["binz"][1]],
            ],
            chart=Chart(kind="bar", columns=[1, 2]),
        )
    )
    bin_networks, binz_networks = ("kinds", 0, 1), ("kinds", 1, 1)
    bin_members, binz_members = ("kinds", 0, 2), ("kinds", 1, 2)
    relations += [
        Relation.total([("network_status", i, 1) for i in statuses], bin_networks),
        Relation.total([("network_status", i, 2) for i in statuses], binz_networks),
        Relation.total([("network_status", i, 3) for i in statuses], [bin_networks, binz_networks]),
    ]

    # Per province, zone and municipality: each column adds up to the
    # national figure, and municipalities add up to their province and zone.
    area_columns = [
        _("Networks"),
        _("Active networks"),
        _("BIN-Z networks"),
        _("Active members"),
        _("of which BIN-Z"),
    ]
    national_figures = [
        [bin_networks, binz_networks],
        [("network_status", active_row, 3)],
        [binz_networks],
        [bin_members, binz_members],
        [binz_members],
    ]

    def figures(row):
        return [
            row["networks"],
            row["active_networks"],
            row["binz_networks"],
            row["members"],
            row["binz_members"],
        ]

    def area_relations(key: str, count: int) -> None:
        for offset, national in enumerate(national_figures):
            column = 2 + offset
            relations.append(Relation.total([(key, r, column) for r in range(count)], national))
        relations.append(
            Relation.total([(key, r, 3) for r in range(count)],
                           [("network_status", active_row, 1), ("network_status", active_row, 2)])
        )  # fmt: skip

    report.sections.append(
        Section(
            key="provinces",
            title=_("Per province"),
            columns=[_("Country"), _("Province"), *area_columns],
            rows=[
                [r["country"], r["municipality__province"] or "—", *figures(r)] for r in provinces
            ],
            chart=Chart(kind="bar", columns=[5], label_column=1),
            first_number=2,
        )
    )
    area_relations("provinces", len(provinces))
    zones = selectors.national_by_area(level="zone", active_by_network=active)
    report.sections.append(
        Section(
            key="zones",
            title=_("Per police zone"),
            columns=[_("Police zone"), _("Number"), *area_columns],
            rows=[[r["police_zone__name"], r["police_zone__number"], *figures(r)] for r in zones],
            first_number=2,
        )
    )
    area_relations("zones", len(zones))
    municipalities = selectors.national_by_area(level="municipality", active_by_network=active)
    report.sections.append(
        Section(
            key="municipalities",
            title=_("Per municipality"),
            columns=[_("Municipality"), _("Province"), *area_columns],
            rows=[
                [r["municipality__name"], r["municipality__province"] or "—", *figures(r)]
                for r in municipalities
            ],
            first_number=2,
        )
    )
    area_relations("municipalities", len(municipalities))
    relations += _sub_area_relations(
        provinces=provinces, zones=zones, municipalities=municipalities
    )

    # Members over time: BIN + BIN-Z = members, and each month's members are
    # the previous month's plus those who joined minus those who left.
    series = selectors.members_over_time(network_ids=None, period=period, split_by_kind=True)
    report.sections.append(
        Section(
            key="members",
            title=_("Members over time"),
            columns=[_("Month"), _("Members at month end"), "BIN", "BIN-Z", _("Joined"), _("Left")],
            rows=[
                [
                    _month_label(p["month"]),
                    p["members"],
                    p["by_kind"][Network.Kind.BIN],
                    p["by_kind"][Network.Kind.BINZ],
                    p["joined"],
                    p["left"],
                ]
                for p in series
            ],
            chart=Chart(kind="line", columns=[1, 2, 3]),
        )
    )
    for t in range(len(series)):
        relations.append(Relation.total([("members", t, 2), ("members", t, 3)], ("members", t, 1)))
        if t:
            relations.append(
                Relation.running(
                    now=("members", t, 1),
                    before=("members", t - 1, 1),
                    added=("members", t, 4),
                    removed=("members", t, 5),
                )
            )

    # Messages: the kinds add up to the month's total; a kind's months add up
    # to (nearly always exactly) the messages of that kind timed below.
    messages = _messages_section(ids=None, period=period)
    report.sections.append(messages)
    kinds = len(Message.Kind.values)
    for t in range(len(messages.rows)):
        relations.append(
            Relation.total(
                [("messages", t, 1 + k) for k in range(kinds)], ("messages", t, 1 + kinds)
            )
        )
    for k in range(kinds):
        relations.append(
            Relation.total([("messages", t, 1 + k) for t in range(len(messages.rows))],
                           ("speed", k, 1))
        )  # fmt: skip

    # Delivery: the statuses add up to the deliveries; the success rate
    # comes from all of them.
    delivery = _delivery_section(ids=None, period=period)
    report.sections.append(delivery)
    for r in range(len(delivery.rows)):
        relations.append(
            Relation.total([("delivery", r, c) for c in range(2, 7)], ("delivery", r, 1))
        )
        derived.append(Derived(("delivery", r, 7), tuple(("delivery", r, c) for c in range(1, 7))))

    # Times: from the messages that reached 90 %, the reports triaged.
    speed = _speed_section(ids=None, period=period)
    report.sections.append(speed)
    for r in range(len(speed.rows)):
        derived += [Derived(("speed", r, c), (("speed", r, 2),)) for c in (3, 4)]
    member_reports = _member_reports_section(ids=None, period=period)
    report.sections.append(member_reports)
    for r in range(len(member_reports.rows)):
        derived += [Derived(("member_reports", r, c), (("member_reports", r, 2),)) for c in (4, 5)]

    protect(report.sections, relations=relations, derived=derived)
    return report


def _sub_area_relations(*, provinces, zones, municipalities) -> list[Relation]:
    """Municipalities add up to their province, and to their police zone
    when the zone's networks all lie in those municipalities (and theirs all
    in the zone)."""
    networks = selectors.network_areas()
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
    relations = []
    groups: dict[tuple[str, int], list[int]] = {}
    for muni, found in muni_province.items():
        if len(found) == 1 and muni in muni_row:
            row = province_row.get(next(iter(found)))
            if row is not None:
                groups.setdefault(("provinces", row), []).append(muni_row[muni])
    for zone, munis in zone_munis.items():
        if zone in zone_row and all(muni_zones[m] == {zone} and m in muni_row for m in munis):
            groups[("zones", zone_row[zone])] = [muni_row[m] for m in munis]
    for (key, row), rows in groups.items():
        for column in range(2, 7):
            relations.append(
                Relation.total([("municipalities", r, column) for r in rows], (key, row, column))
            )
    return relations
