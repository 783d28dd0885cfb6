"""Read-side queries of messaging: previews, progress, history."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from messaging.models import Delivery, Message
from messaging.services.alerts import message_recipients
from networks.models import Network
from outbox.sms import sms_length


def message_preview(*, message: Message) -> dict:
    """Recipients per channel and language, SMS segments and cost, before publishing."""
    recipients = message_recipients(message=message)
    per_channel = Counter(r.channel for r in recipients)
    sms_per_language = Counter(r.language for r in recipients if r.channel == "sms")
    first = {n.pk: n.default_language for n in message.networks.all()}
    fallback = next(iter(first.values()), "nl")
    texts = []
    segments_total = 0
    for language in sorted({*message.texts.keys(), *sms_per_language.keys()}):
        text = message.text_for(language, fallback)
        # The short personal link appended to every SMS counts too.
        length = sms_length(f"{text.get('sms', '')} {SHORT_LINK_SAMPLE}")
        count = sms_per_language.get(language, 0)
        segments_total += length.segments * count
        texts.append({"language": language, "text": text, "length": length, "sms_count": count})
    cost = Decimal(str(settings.SMS_COST_PER_SEGMENT)) * segments_total
    return {
        "per_channel": dict(per_channel),
        "total": len(recipients),
        "texts": texts,
        "segments_total": segments_total,
        "cost": cost.quantize(Decimal("0.01")),
        "held": sum(1 for r in recipients if r.not_before),
    }


SHORT_LINK_SAMPLE = settings.PUBLIC_BASE_URL + "/m/12345.1.0123456789/"

FINAL = {Delivery.Status.DELIVERED, Delivery.Status.UNDELIVERED, Delivery.Status.FAILED}
DONE = FINAL | {Delivery.Status.SENT, Delivery.Status.CANCELLED}


def message_progress(*, message: Message) -> dict:
    """Counts per channel and status, and how far the fan-out is, in one query."""
    rows = (
        Delivery.objects.filter(message=message)
        .values("channel", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    table: dict[str, dict[str, int]] = {}
    total = done = 0
    for row in rows:
        table.setdefault(row["channel"], {})[row["status"]] = row["n"]
        total += row["n"]
        if row["status"] in DONE:
            done += row["n"]
    return {
        "table": table,
        "total": total,
        "done": done,
        "percent": round(100 * done / total) if total else (100 if message.fanout_done_at else 0),
        "finished": bool(message.fanout_done_at) and done == total,
        "statuses": Delivery.Status.choices,
    }


def message_failures(*, message: Message) -> QuerySet[Delivery]:
    return (
        Delivery.objects.filter(
            message=message,
            status__in=[Delivery.Status.FAILED, Delivery.Status.UNDELIVERED],
        )
        .select_related("member")
        .order_by("-updated_at")
    )


def message_history(*, network: Network) -> QuerySet[Message]:
    return (
        Message.objects.filter(networks=network)
        .select_related("created_by")
        .annotate(delivery_count=Count("deliveries"))
        .order_by("-created_at")
    )


def alerts_without_feedback(*, networks: QuerySet[Network], hours: int = 24) -> QuerySet[Message]:
    """Urgent alerts published more than ``hours`` ago that no feedback follows yet."""
    feedback = Message.objects.filter(
        follows=OuterRef("pk"), kind=Message.Kind.FEEDBACK, status=Message.Status.PUBLISHED
    )
    return (
        Message.objects.filter(
            kind=Message.Kind.URGENT,
            status=Message.Status.PUBLISHED,
            networks__in=networks,
            published_at__lt=timezone.now() - timedelta(hours=hours),
        )
        .filter(~Exists(feedback))
        .distinct()
        .order_by("published_at")
    )


ALL_CHANNELS = tuple(Delivery.Channel.values)


@dataclass(frozen=True)
class CommunicationPolicy:
    """A network's communication plan as it applies to sending.

    ``coordinator_kinds``: the kinds its coordinators may write.
    ``approval``: per kind, whether the mandated officer approves a
    coordinator's message first (kinds not named follow ``needs_approval``).
    ``channels``: per kind, the channels it may go through (kinds not named,
    or no mapping at all, may use every channel).
    ``charter_number``: the signed charter version it comes from, if any.
    """

    coordinator_kinds: tuple[str, ...]
    needs_approval: bool = True
    approval: Mapping[str, bool] = field(default_factory=dict)
    channels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    charter_number: int | None = None

    def approves(self, kind: str) -> bool:
        """Whether a coordinator's message of this kind waits for the officer."""
        return self.approval.get(kind, self.needs_approval)

    def coordinator_may_publish(self, kind: str) -> bool:
        """A coordinator publishes this kind directly, without approval."""
        return kind in self.coordinator_kinds and not self.approves(kind)

    def channels_for(self, kind: str) -> tuple[str, ...]:
        return tuple(self.channels.get(kind, ALL_CHANNELS))

    @classmethod
    def from_plan(cls, plan: dict, *, charter_number: int | None = None) -> CommunicationPolicy:
        """From a charter's communication plan (see charters.plan)."""
        kinds = tuple(
            k for k in Message.Kind.values if (plan.get(k) or {}).get("coordinator_may_send")
        )
        return cls(
            coordinator_kinds=kinds,
            approval={k: bool((plan.get(k) or {}).get("officer_approves")) for k in plan},
            channels={k: tuple((plan.get(k) or {}).get("channels") or ()) for k in plan},
            charter_number=charter_number,
        )


# Until a network has a signed charter, the circular's default: the police send
# urgent alerts and feedback; coordinators send prevention tips and general
# information after the mandated officer approved them. No channel is ruled
# out before the partners agree on them in the charter.
DEFAULT_POLICY = CommunicationPolicy(
    coordinator_kinds=(Message.Kind.PREVENTION, Message.Kind.INFO), needs_approval=True
)


def communication_policy(*, network: Network) -> CommunicationPolicy:
    """The network's communication plan as it applies to sending.

    The one place Messaging reads it: the plan of the network's charter in
    force (its latest version signed by all three parties), else the default.
    """
    from charters.selectors.charter import charter_in_force

    charter = charter_in_force(network=network)
    if charter is None or not charter.communication_plan:
        return DEFAULT_POLICY
    return CommunicationPolicy.from_plan(charter.communication_plan, charter_number=charter.number)


def message_plan_problems(*, message: Message) -> dict[str, list[str]]:
    """Field → what the networks' communication plans refuse in this message.

    Channels a kind may not use, for everyone (the police too: the plan was
    agreed by all partners). Checked by the compose form, shown on the
    preview and enforced again when publishing, since a plan may change
    between writing and publishing.
    """
    return plan_channel_problems(
        networks=message.networks.all(),
        kind=message.kind,
        by_sms=message.by_sms,
        by_email=message.by_email,
        by_voice=message.by_voice,
    )


def plan_channel_problems(
    *, networks, kind: str, by_sms: bool = False, by_email: bool = False, by_voice: bool = False
) -> dict[str, list[str]]:
    """Field ("by_sms", ...) → the networks' plans refusing that channel for
    ``kind``. Shared by the compose form, publishing and meeting invitations."""
    problems: dict[str, list[str]] = {}
    chosen = (
        ("by_sms", "sms", by_sms),
        ("by_email", "email", by_email),
        ("by_voice", "voice", by_voice),
    )
    for network in networks:
        allowed = communication_policy(network=network).channels_for(kind)
        for field_name, channel, on in chosen:
            if on and channel not in allowed:
                problems.setdefault(field_name, []).append(
                    plan_channel_error(network=network, kind=kind, allowed=allowed)
                )
    return problems


def plan_channel_error(*, network: Network, kind: str, allowed) -> str:
    from django.utils.translation import gettext as _

    labels = dict(Delivery.Channel.choices)
    # The kind's label as it is (quoted in the text): German capitalises nouns.
    return _("The communication plan of %(network)s sends “%(kind)s” only by: %(channels)s.") % {
        "network": network,
        "kind": Message.Kind(kind).label,
        "channels": ", ".join(str(labels.get(c, c)) for c in allowed) or "—",
    }


def messages_awaiting_approval(*, user) -> QuerySet[Message]:
    """Coordinators' messages waiting for this officer (or admin)."""
    from networks.selectors import user_roles

    roles = user_roles(user=user)
    qs = Message.objects.filter(status=Message.Status.PENDING_APPROVAL)
    if not roles.is_admin:
        qs = qs.filter(networks__police_zone_id__in=roles.officer_of_zones)
    return qs.select_related("created_by").distinct().order_by("created_at")


def message_templates_for(*, user) -> QuerySet:
    """Platform-wide templates plus those of the user's zones."""
    from messaging.models import MessageTemplate
    from networks.selectors import user_roles

    roles = user_roles(user=user)
    if roles.is_admin:
        return MessageTemplate.objects.order_by("kind", "title")
    zones = set(roles.officer_of_zones)
    if roles.coordinates:
        zones |= set(
            Network.objects.filter(pk__in=roles.coordinates).values_list(
                "police_zone_id", flat=True
            )
        )
    return MessageTemplate.objects.filter(
        Q(police_zone__isnull=True) | Q(police_zone_id__in=zones)
    ).order_by("kind", "title")
