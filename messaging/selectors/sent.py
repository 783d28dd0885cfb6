"""Reads of a sent message's page: who it was for, its timeline, the
conversations about it and its failures by reason.

Every function takes ``networks``: None for all the networks the message
went to, else the ones the viewer follows, so a coordinator of one of
several targeted networks sees that network's figures only. The stored
per-message figures (``messaging.figures_models``) are used where they hold
for the viewer and are fresh; otherwise the figures are computed from the
message's deliveries (one or two aggregate queries).
"""

from __future__ import annotations

import math
from datetime import datetime

from django.db.models import Case, Count, Exists, F, Max, Min, OuterRef, Q, QuerySet, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from messaging.figures_models import (
    DeliveryFiguresStale,
    MessageDeliveryCount,
    MessageDeliveryFigures,
)
from messaging.models import Conversation, Delivery, Message
from networks.models import Network

S = Delivery.Status
FAILED = (S.FAILED, S.UNDELIVERED)
PENDING = (S.QUEUED, S.SENDING)

# What the providers' error codes mean, for the failures table (Twilio's API
# and delivery-report codes, the email tracking's reject reasons).
REASONS = {
    "21211": _("Not a valid phone number"),
    "21214": _("Not a valid phone number"),
    "21217": _("Not a valid phone number"),
    "21408": _("Country not enabled for SMS"),
    "21610": _("The member sent STOP"),
    "21612": _("The number cannot receive this SMS"),
    "21614": _("Not a mobile number"),
    "30003": _("Phone unreachable or switched off"),
    "30004": _("Blocked by the recipient"),
    "30005": _("Unknown or inactive number"),
    "30006": _("Landline or unreachable carrier"),
    "30007": _("Filtered by the carrier"),
    "bounced": _("Email bounced"),
    "rejected": _("Email refused by the provider"),
    "complaint": _("Marked as spam"),
    "busy": _("Line busy"),
    "no-answer": _("No answer"),
}


def reason_label(*, code: str) -> str:
    """A delivery's error code as people read it."""
    if code in REASONS:
        return str(REASONS[code])
    if code[:2] in ("5.", "4."):  # an SMTP bounce's enhanced status code
        return str(_("Email bounced (%(code)s)") % {"code": code})
    if code:
        return str(_("Error %(code)s") % {"code": code})
    return str(_("No reason given"))


def _deliveries(message: Message, networks) -> QuerySet[Delivery]:
    deliveries = Delivery.objects.filter(message=message)
    if networks is not None:
        deliveries = deliveries.filter(member__network__in=list(networks))
    return deliveries


def _stored_figures(message: Message) -> MessageDeliveryFigures | None:
    """The message's stored figures if no delivery changed since they were computed."""
    if DeliveryFiguresStale.objects.filter(message_id=message.pk).exists():
        return None
    return MessageDeliveryFigures.objects.filter(message=message).first()


def message_audience(*, message: Message, networks=None) -> list[dict]:
    """Per network the message went to: the members it reached out to and
    its deliveries per channel (total, delivered, sent, failed, pending,
    cancelled), with a total row per network."""
    shown = list(message.networks.all()) if networks is None else list(networks)
    names = {n.pk: n for n in shown}
    if _stored_figures(message) is not None:
        rows = MessageDeliveryCount.objects.filter(
            message=message, network_id__in=list(names)
        ).values("network_id", "channel", "total", "delivered", "sent", "failed", "pending")
    else:
        rows = (
            _deliveries(message, shown)
            .values("channel", network_id=F("member__network_id"))
            .annotate(
                total=Count("id"),
                delivered=Count("id", filter=Q(status=S.DELIVERED)),
                sent=Count("id", filter=Q(status=S.SENT)),
                failed=Count("id", filter=Q(status__in=FAILED)),
                pending=Count("id", filter=Q(status__in=PENDING)),
            )
            .order_by()
        )
    members = dict(
        _deliveries(message, shown)
        .values_list("member__network_id")
        .annotate(n=Count("member_id", distinct=True))
        .order_by()
    )
    audience = {
        pk: {"network": network, "members": members.get(pk, 0), "channels": []}
        for pk, network in names.items()
    }
    for row in rows:
        if row["network_id"] in audience:
            audience[row.pop("network_id")]["channels"].append(row)
    for entry in audience.values():
        entry["channels"].sort(key=lambda row: row["channel"])
        entry["total"] = sum(row["total"] for row in entry["channels"])
    return sorted(audience.values(), key=lambda entry: entry["network"].name)


def message_timeline(*, message: Message, networks=None) -> list[dict]:
    """The moments of a sent message: published, first delivery, 90 % of
    its deliveries arrived, and done (every delivery final). A moment not
    reached yet has ``at`` None."""
    figures = _stored_figures(message) if networks is None else None
    if figures is not None:
        first_at, t90_at = figures.first_at, figures.t90_at
        done_at = message.completed_at
    else:
        first_at, t90_at, done_at = _timeline_live(message, networks)
    return [
        {"key": "published", "label": _("Published"), "at": message.published_at},
        {"key": "first", "label": _("First delivery"), "at": first_at},
        {"key": "t90", "label": _("Reached 90 %"), "at": t90_at},
        {"key": "done", "label": _("Done"), "at": done_at},
    ]


def _timeline_live(message: Message, networks) -> tuple[datetime | None, ...]:
    # The rule of messaging.services.delivery_figures: cancelled deliveries
    # and those replaced by a fallback do not count; the 90 % moment is the
    # ⌈0.9·n⌉-th earliest arrival.
    counted = (
        _deliveries(message, networks)
        .exclude(status=S.CANCELLED)
        .exclude(Exists(Delivery.objects.filter(fallback_for=OuterRef("pk"))))
        .annotate(
            reached_at=Case(
                When(status=S.DELIVERED, then=Coalesce("delivered_at", "sent_at")),
                When(status=S.SENT, then=F("sent_at")),
            )
        )
    )
    figures = counted.aggregate(
        n=Count("id"),
        arrived=Count("reached_at"),
        first=Min("reached_at"),
        pending=Count("id", filter=Q(status__in=PENDING)),
        last=Max("updated_at"),
    )
    n = figures["n"]
    t90_at = None
    if n and figures["arrived"] >= math.ceil(0.9 * n):
        t90_at = (
            counted.filter(reached_at__isnull=False)
            .order_by("reached_at")
            .values_list("reached_at", flat=True)[math.ceil(0.9 * n) - 1]
        )
    if networks is None:
        done_at = message.completed_at
    else:
        # The networks shown only: when their last delivery became final.
        done = message.fanout_done_at and n and not figures["pending"]
        done_at = figures["last"] if done else None
    return figures["first"], t90_at, done_at


def message_conversations(*, message: Message, networks: list[Network]) -> QuerySet:
    """The conversations with members about the message, in these networks,
    open ones first, with how many replies each holds."""
    return (
        Conversation.objects.filter(message=message, network__in=networks)
        .select_related("member", "network", "assigned_to")
        .annotate(reply_count=Count("replies"))
        .order_by("status", "-last_activity_at")
    )


def message_failure_reasons(*, message: Message, networks: list[Network]) -> list[dict]:
    """The failed and undelivered deliveries to members of these networks,
    counted per channel and reason, most frequent first."""
    rows = (
        Delivery.objects.filter(
            message=message, status__in=FAILED, member__network__in=list(networks)
        )
        .values("channel", "error_code")
        .annotate(n=Count("id"))
        .order_by("-n", "channel", "error_code")
    )
    return [
        {
            "channel": row["channel"],
            "code": row["error_code"],
            "reason": reason_label(code=row["error_code"]),
            "count": row["n"],
        }
        for row in rows
    ]
