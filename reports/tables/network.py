"""The dashboards of a municipality, police zone or single network: every
figure per network and in total."""

from __future__ import annotations

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from charters.models import CharterVersion
from networks.models import Network
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
    delivery_section,
    member_reports_section,
    messages_section,
    speed_section,
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
MEMBERS = Columns("members", ("month", "members", "joined", "left"))
STREETS = Columns("streets", ("network", "street", "members", "households", "share"))


def network_report(
    *, networks: list[Network], period: Period, title: str, scope: str, zone_extras: bool = False
) -> Report:
    """The dashboard of a municipality, police zone or single network: every
    figure per network and in total. ``zone_extras`` adds the police's open
    items (member reports not closed, urgent alerts without feedback)."""
    ids = [n.pk for n in networks]
    report = Report(title=title, scope=scope, period=period)
    # Read once: the messages section and the networks' total both use it.
    series = messages_per_kind_month(network_ids=ids, period=period)
    report.sections.append(
        _networks_section(ids=ids, period=period, zone_extras=zone_extras, message_series=series)
    )
    report.sections.append(_members_section(ids=ids, period=period))
    report.sections.append(_streets_section(ids=ids, networks=networks))
    report.sections.append(messages_section(ids=ids, period=period, series=series))
    report.sections.append(delivery_section(ids=ids, period=period))
    report.sections.append(speed_section(ids=ids, period=period))
    report.sections.append(member_reports_section(ids=ids, period=period))
    return report


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
    *, ids, period: Period, zone_extras: bool, message_series: list[dict]
) -> Section:
    networks = list(networks_with_charter(network_ids=ids))
    members = member_counts_by_network(network_ids=ids, period=period)
    messages = messages_by_network(network_ids=ids, period=period)
    reports = member_reports_by_network(network_ids=ids, period=period)
    governance = signs_and_meetings_by_network(network_ids=ids, period=period)
    alerts = alerts_without_feedback_by_network(network_ids=ids) if zone_extras else {}
    figures = NETWORK_FIGURES + (ZONE_FIGURES if zone_extras else ())
    table = Columns("networks", ("network", "kind", "status", *figures, "charter"))
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
                "open_member_reports": r.get("open", 0),
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
                member_reports=r.get("reports", 0),
                signs_placed=g.get("signs_placed", 0),
                meetings=g.get("meetings", 0),
                **extras,
                charter=charter_label(network),
            )
        )
    totals = None
    if len(rows) > 1:
        sums = {name: sum(row[table.index(name)] for row in rows) for name in figures}
        # A message to several of these networks counts once in the total.
        sums["messages"] = sum(p["total"] for p in message_series)
        totals = table.row(network=_("Total"), kind="", status="", **sums, charter="")
    return Section(
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


def _streets_section(*, ids, networks: list[Network]) -> Section:
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
            "share": "—" if coverage["share"] is None else f"{cell_text(coverage['share'])} %",
        }
    return Section(
        key=STREETS.key,
        title=_("Active members per street"),
        columns=[_("Network"), _("Street"), _("Active members"), _("Households"), _("Share (%)")],
        rows=rows,
        note=note,
        first_number=STREETS.index("members"),
    )
