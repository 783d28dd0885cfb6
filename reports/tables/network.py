"""The dashboards of a municipality, police zone or single network: every
figure per network and in total."""

from __future__ import annotations

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from charters.models import CharterVersion
from networks.models import Network
from reports.disclosure import Derived, Relation, protect
from reports.selectors.governance import networks_with_charter, signs_and_meetings_by_network
from reports.selectors.incidents import member_reports_by_network
from reports.selectors.members import (
    member_counts_by_network,
    members_over_time,
    members_per_street,
    street_coverage,
)
from reports.selectors.messages import (
    alerts_without_feedback_by_network,
    messages_by_network,
    messages_per_kind_month,
)
from reports.selectors.period import Period
from reports.tables.report import Chart, Columns, Report, Section, cell_text, month_label
from reports.tables.sections import (
    MEMBER_REPORTS,
    MESSAGES,
    SPEED,
    delivery_relations,
    delivery_section,
    member_reports_section,
    messages_relations,
    messages_section,
    speed_section,
    times_derived,
)

# The networks table; a police zone's adds its open items before the charter.
NETWORK_FIGURES = (
    "active",
    "pending",
    "joined",
    "left",
    "messages",
    "member_reports",
    "signs_placed",
    "meetings",
)
ZONE_FIGURES = ("open_member_reports", "alerts_without_feedback")
NETWORKS_TABLE = Columns("networks", ("network", "kind", "status", *NETWORK_FIGURES, "charter"))
NETWORKS_TABLE_ZONE = Columns(
    "networks", ("network", "kind", "status", *NETWORK_FIGURES, *ZONE_FIGURES, "charter")
)
MEMBERS = Columns("members", ("month", "members", "joined", "left"))
STREETS = Columns("streets", ("network", "street", "members", "households", "share"))


def network_report(
    *,
    networks: list[Network],
    period: Period,
    title: str,
    scope: str,
    zone_extras: bool = False,
    anonymised: bool = False,
    member_reports: bool = True,
) -> Report:
    """The dashboard of a municipality, police zone or single network: every
    figure per network and in total. ``zone_extras`` adds the police's open
    items (member reports not closed, urgent alerts without feedback).

    ``anonymised`` (a viewer who sees small counts as "< 5": municipal staff)
    protects the report as the national one is (``reports.disclosure``): every
    count below 5 and every count that would give one away by subtraction
    reads "< 5", on the page, in its charts and in every export.

    ``member_reports`` False leaves out every figure on members' reports (a
    coordinator whose network's communication plan shows them no summary of
    reports, ``messaging.view_incident_figures``): "—" in the networks table
    and no member reports section."""
    ids = [n.pk for n in networks]
    report = Report(title=title, scope=scope, period=period)
    # Read once: the messages section and the networks' total both use it.
    series = messages_per_kind_month(network_ids=ids, period=period)
    networks_table, order = _networks_section(
        ids=ids,
        period=period,
        zone_extras=zone_extras,
        message_series=series,
        member_reports=member_reports,
    )
    report.sections.append(networks_table)
    report.sections.append(_members_section(ids=ids, period=period))
    streets, street_networks = _streets_section(ids=ids, networks=networks, anonymised=anonymised)
    report.sections.append(streets)
    report.sections.append(messages_section(ids=ids, period=period, series=series))
    report.sections.append(delivery_section(ids=ids, period=period))
    report.sections.append(speed_section(ids=ids, period=period))
    if member_reports:
        report.sections.append(member_reports_section(ids=ids, period=period))
    if anonymised:
        table = NETWORKS_TABLE_ZONE if zone_extras else NETWORKS_TABLE
        _protect(report, table=table, order=order, street_networks=street_networks)
    return report


def _protect(
    report: Report, *, table: Columns, order: list[int], street_networks: list[int]
) -> None:
    """Hide small counts and those that follow from them (see network_report).

    The identities the report shows: each figure of the networks table adds
    up to its total row, and a network's active members to its streets;
    members at month end run on from the month before; the kinds of
    messages add up to the month's total, the months to the messages timed
    and to the networks' total; the statuses of a channel to its deliveries.
    """
    sections = {section.key: section for section in report.sections}
    networks = sections["networks"]
    relations: list[Relation] = []
    derived: list[Derived] = []
    figures = [name for name in table.names if name in NETWORK_FIGURES + ZONE_FIGURES]
    if "member_reports" not in sections:
        # Left out (network_report's member_reports): "—", nothing to protect.
        figures = [name for name in figures if name not in ("member_reports", *ZONE_FIGURES)]
    total_row = None
    if networks.totals is not None:
        # The total row is protected as one more row, then put back.
        networks.rows.append(networks.totals)
        total_row = len(networks.rows) - 1
        for name in figures:
            parts = [table.cell(r, name) for r in range(total_row)]
            if name == "messages":
                # A message to several networks counts once in the total.
                parts = [MESSAGES.cell(t, "total") for t in range(len(sections["messages"].rows))]
            relations.append(Relation.total(parts, table.cell(total_row, name)))
    row_of = {network_id: r for r, network_id in enumerate(order)}
    by_network: dict[int, list] = {}
    for r, network_id in enumerate(street_networks):
        by_network.setdefault(network_id, []).append(STREETS.cell(r, "members"))
        derived.append(Derived(STREETS.cell(r, "share"), (STREETS.cell(r, "members"),)))
    for network_id, cells in by_network.items():
        if network_id in row_of:
            relations.append(Relation.total(cells, table.cell(row_of[network_id], "active")))
    cell = MEMBERS.cell
    relations += [
        Relation.running(
            now=cell(t, "members"),
            before=cell(t - 1, "members"),
            added=cell(t, "joined"),
            removed=cell(t, "left"),
        )
        for t in range(1, len(sections["members"].rows))
    ]
    relations += messages_relations(months=len(sections["messages"].rows))
    found, found_derived = delivery_relations(rows=len(sections["delivery"].rows))
    relations += found
    derived += found_derived
    derived += times_derived(SPEED, rows=len(sections["speed"].rows), count="reached")
    if "member_reports" in sections:
        derived += times_derived(
            MEMBER_REPORTS, rows=len(sections["member_reports"].rows), count="triaged"
        )
    protect(report.sections, relations=relations, derived=derived)
    if total_row is not None:
        networks.totals = networks.rows.pop()
    report.anonymised = True


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


def _networks_section(
    *,
    ids,
    period: Period,
    zone_extras: bool,
    message_series: list[dict],
    member_reports: bool = True,
) -> tuple[Section, list[int]]:
    """The networks table and the network id of each of its rows."""
    networks = list(networks_with_charter(network_ids=ids))
    members = member_counts_by_network(network_ids=ids, period=period)
    messages = messages_by_network(network_ids=ids, period=period)
    reports = member_reports_by_network(network_ids=ids, period=period) if member_reports else {}
    governance = signs_and_meetings_by_network(network_ids=ids, period=period)
    alerts = alerts_without_feedback_by_network(network_ids=ids) if zone_extras else {}
    figures = NETWORK_FIGURES + (ZONE_FIGURES if zone_extras else ())
    table = NETWORKS_TABLE_ZONE if zone_extras else NETWORKS_TABLE
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
        extras = (
            {
                "open_member_reports": r.get("open", 0) if member_reports else None,
                "alerts_without_feedback": alerts.get(network.pk, 0),
            }
            if zone_extras
            else {}
        )
        rows.append(
            table.row(
                network=network.name,
                kind=kinds.get(network.kind, network.kind),
                status=network.get_status_display(),
                active=m.get("active", 0),
                pending=m.get("pending", 0),
                joined=m.get("joined", 0),
                left=m.get("left", 0),
                messages=messages.get(network.pk, {}).get("messages", 0),
                member_reports=r.get("reports", 0) if member_reports else None,
                signs_placed=g.get("signs_placed", 0),
                meetings=g.get("meetings", 0),
                **extras,
                charter=charter_label(network),
            )
        )
    totals = None
    if len(rows) > 1:
        sums = {
            name: None
            if not member_reports and name in ("member_reports", "open_member_reports")
            else sum(row[table.index(name)] for row in rows)
            for name in figures
        }
        # A message to several of these networks counts once in the total.
        sums["messages"] = sum(p["total"] for p in message_series)
        totals = table.row(network=_("Total"), kind="", status="", **sums, charter="")
    section = Section(
        key=table.key,
        title=_("Networks"),
        columns=columns,
        rows=rows,
        totals=totals,
        chart=Chart(kind="bar", columns=table.indexes("active", "pending")),
        first_number=table.index("active"),
        last_number=table.index("charter"),
        note=_(
            "Active members and pending sign-ups are today's figures; pending sign-ups include "
            "those still confirming their email address or phone."
        ),
    )
    return section, [network.pk for network in networks]


def _members_section(*, ids, period: Period) -> Section:
    series = members_over_time(network_ids=ids, period=period)
    return Section(
        key=MEMBERS.key,
        title=_("Members over time"),
        columns=[_("Month"), _("Members at month end"), _("Joined"), _("Left")],
        rows=[
            MEMBERS.row(
                month=month_label(p["month"]),
                members=p["members"],
                joined=p["joined"],
                left=p["left"],
            )
            for p in series
        ],
        chart=Chart(kind="line", columns=MEMBERS.indexes("members", "joined", "left")),
        note=_(
            "A member counts from approval until leaving; suspended members still count. "
            "The current month ends today."
        ),
    )


def _streets_section(
    *, ids, networks: list[Network], anonymised: bool
) -> tuple[Section, list[int]]:
    """Active members per street, and the network id of each row."""
    streets = members_per_street(network_ids=ids)
    coverage = street_coverage(streets=streets)
    names = {n.pk: n.name for n in networks}
    rows = [
        STREETS.row(
            network=names.get(s["network_id"], ""),
            street=s["street"] + ("" if s["in_area"] else " " + _("(not in the street list)")),
            members=s["members"],
            households=s["households"],
            share=s["share"],
        )
        for s in streets
    ]
    if anonymised and coverage["streets_counted"]:
        # The members on the counted streets would give a hidden street away.
        note = _("Household counts entered for %(counted)s of %(streets)s streets.") % {
            "counted": coverage["streets_counted"],
            "streets": coverage["streets"],
        }
    elif not coverage["streets_counted"]:
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
            "share": "—" if coverage["share"] is None else f"{cell_text(coverage['share'])} %",
        }
    section = Section(
        key=STREETS.key,
        title=_("Active members per street"),
        columns=[_("Network"), _("Street"), _("Active members"), _("Households"), _("Share (%)")],
        rows=rows,
        note=note,
        first_number=STREETS.index("members"),
    )
    return section, [s["network_id"] for s in streets]
