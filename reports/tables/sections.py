"""The sections every dashboard shows, the national one included: messages
per kind and month, delivery per channel, time to 90 % delivered, and
members' reports per category. ``ids`` is the networks to count (``None``:
every network)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from messaging.models import Delivery, IncidentReport, Message
from reports.disclosure import Derived, Relation
from reports.selectors.incidents import member_reports_by_category
from reports.selectors.messages import delivery_by_channel, delivery_speed, messages_per_kind_month
from reports.selectors.period import Period
from reports.tables.report import Chart, Columns, Section, hours, minutes, month_label

MESSAGES = Columns("messages", ("month", *Message.Kind.values, "total"))
# The delivery statuses that add up to a channel's deliveries.
DELIVERY_STATUSES = ("delivered", "sent", "failed", "pending", "cancelled", "expired")
DELIVERY = Columns("delivery", ("channel", "total", *DELIVERY_STATUSES, "success_rate"))
# One row per message kind, in the order of Message.Kind.
SPEED = Columns("speed", ("kind", "messages", "reached", "median", "mean"))
MEMBER_REPORTS = Columns(
    "member_reports", ("category", "reports", "triaged", "open", "median", "mean")
)


def messages_section(*, ids, period: Period, series: list[dict] | None = None) -> Section:
    """Messages per kind and month; ``series`` when the caller already read it."""
    if series is None:
        series = messages_per_kind_month(network_ids=ids, period=period)
    kinds = dict(Message.Kind.choices)
    return Section(
        key=MESSAGES.key,
        title=_("Messages per kind and month"),
        columns=[_("Month"), *[str(kinds[k]) for k in Message.Kind.values], _("Total")],
        rows=[
            MESSAGES.row(
                month=month_label(p["month"]),
                **{kind: p[kind] for kind in Message.Kind.values},
                total=p["total"],
            )
            for p in series
        ],
        chart=Chart(kind="bar", columns=MESSAGES.indexes(*Message.Kind.values), stacked=True),
    )


def delivery_section(*, ids, period: Period) -> Section:
    rows = delivery_by_channel(network_ids=ids, period=period)
    labels = dict(Delivery.Channel.choices)
    table = [
        DELIVERY.row(
            channel=str(labels[row["channel"]]),
            total=row["total"],
            **{status: row[status] for status in DELIVERY_STATUSES},
            success_rate=row["success_rate"],
        )
        for row in rows
    ]
    return Section(
        key=DELIVERY.key,
        title=_("Delivery per channel"),
        columns=[
            _("Channel"),
            _("Deliveries"),
            _("Delivered"),
            _("Sent, no report"),
            _("Failed"),
            _("Pending"),
            _("Cancelled"),
            _("Expired"),
            _("Success (%)"),
        ],
        rows=table,
        chart=Chart(
            kind="bar",
            columns=DELIVERY.indexes("delivered", "sent", "failed", "pending"),
            stacked=True,
        ),
        note=_(
            "Messages published in the period. Success: delivered, or sent where the channel "
            "gives no delivery report (email), out of all deliveries not cancelled. Expired: "
            "not sent because the message's validity had ended."
        ),
    )


def speed_section(*, ids, period: Period) -> Section:
    rows = delivery_speed(network_ids=ids, period=period)
    kinds = dict(Message.Kind.choices)
    table = [
        SPEED.row(
            kind=str(kinds[row["kind"]]),
            messages=row["messages"],
            reached=row["reached"],
            median=minutes(row["median"]),
            mean=minutes(row["mean"]),
        )
        for row in rows
    ]
    return Section(
        key=SPEED.key,
        title=_("Time from publishing to 90 % delivered"),
        columns=[
            _("Kind"),
            _("Messages"),
            _("Reached 90 %"),
            _("Median (minutes)"),
            _("Mean (minutes)"),
        ],
        rows=table,
        chart=Chart(kind="bar", columns=SPEED.indexes("median"), unit=pgettext("unit", "min")),
        note=_(
            "Per message: the moment 90 % of its deliveries had arrived (delivered, or sent for "
            "email); messages that never reached 90 % are counted apart."
        ),
    )


def member_reports_section(*, ids, period: Period) -> Section:
    rows = member_reports_by_category(network_ids=ids, period=period)
    labels = dict(IncidentReport.Category.choices)
    table = [
        MEMBER_REPORTS.row(
            category=str(labels[row["category"]]),
            reports=row["reports"],
            triaged=row["triaged"],
            open=row["open"],
            median=hours(row["median"]),
            mean=hours(row["mean"]),
        )
        for row in rows
    ]
    return Section(
        key=MEMBER_REPORTS.key,
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
        chart=Chart(kind="bar", columns=MEMBER_REPORTS.indexes("reports", "triaged")),
        note=_("Reports made in the period; time to triage runs until first handled."),
    )


# --- the identities between their cells, for reports.disclosure.protect ------


def messages_relations(*, months: int) -> list[Relation]:
    """The kinds add up to the month's total; a kind's months add up to
    (nearly always exactly) the messages of that kind timed in ``speed``,
    which has one row per kind in the same order."""
    kinds = Message.Kind.values
    cell = MESSAGES.cell
    relations = [
        Relation.total([cell(t, kind) for kind in kinds], cell(t, "total")) for t in range(months)
    ]
    relations += [
        Relation.total([cell(t, kind) for t in range(months)], SPEED.cell(row, "messages"))
        for row, kind in enumerate(kinds)
    ]
    return relations


def delivery_relations(*, rows: int) -> tuple[list[Relation], list[Derived]]:
    """The statuses add up to the deliveries; the success rate comes from all of them."""
    cell = DELIVERY.cell
    relations = [
        Relation.total([cell(r, status) for status in DELIVERY_STATUSES], cell(r, "total"))
        for r in range(rows)
    ]
    derived = [
        Derived(
            cell(r, "success_rate"),
            tuple(cell(r, name) for name in ("total", *DELIVERY_STATUSES)),
        )
        for r in range(rows)
    ]
    return relations, derived


def times_derived(table: Columns, *, rows: int, count: str) -> list[Derived]:
    """The median and mean of each row are computed from its ``count``."""
    return [
        Derived(table.cell(r, name), (table.cell(r, count),))
        for r in range(rows)
        for name in ("median", "mean")
    ]
