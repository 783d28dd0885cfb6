"""The communication plan of a network as it applies to sending: who may
write and publish which kind, through which channels.

The plan itself lives in the network's signed charter (the charters app, a
higher layer); messaging reads it through ``messaging.hooks.communication_plan``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from messaging.hooks import communication_plan
from messaging.models import Delivery, Message
from networks.models import Network

ALL_CHANNELS = tuple(Delivery.Channel.values)


class CoordinatorReports(models.TextChoices):
    """What a network's coordinators see of members' reports (the plan's
    ``member_reports`` entry). Reports go to the police first (seed 003): a
    report's description, persons, vehicle, plate and reporter reach the
    coordinators only when an officer shares it, whatever the setting; its
    photo stays with the police."""

    NOTHING = "nothing", gettext_lazy("Nothing until an officer shares a report (no list)")
    SUMMARY = "summary", gettext_lazy("Category, street and time of every report")
    SHARED = "shared", gettext_lazy("Only the reports an officer shared, in a list")


# Today's behaviour, and the circular's: the coordinator knows what is going
# on in the neighbourhood without learning who reported or whom it is about.
DEFAULT_COORDINATOR_REPORTS = CoordinatorReports.SUMMARY


@dataclass(frozen=True)
class CommunicationPolicy:
    """A network's communication plan as it applies to sending.

    ``coordinator_kinds``: the kinds its coordinators may write.
    ``approval``: per kind, whether the mandated officer approves a
    coordinator's message first (kinds not named follow ``needs_approval``).
    ``channels``: per kind, the channels it may go through (kinds not named,
    or no mapping at all, may use every channel).
    ``charter_number``: the signed charter version it comes from, if any.
    ``member_reports``: what coordinators see of members' reports
    (``CoordinatorReports``).
    """

    coordinator_kinds: tuple[str, ...]
    needs_approval: bool = True
    approval: Mapping[str, bool] = field(default_factory=dict)
    channels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    charter_number: int | None = None
    member_reports: str = DEFAULT_COORDINATOR_REPORTS

    def coordinators_list_reports(self) -> bool:
        """Coordinators have a list of the network's reports (of every
        report, or of the shared ones only)."""
        return self.member_reports != CoordinatorReports.NOTHING

    def coordinators_see_summaries(self) -> bool:
        """Coordinators see the category, street and time of reports nobody
        shared with them."""
        return self.member_reports == CoordinatorReports.SUMMARY

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
        # The plan's kinds only: it also holds entries that are not kinds.
        named = [k for k in Message.Kind.values if k in plan]
        reports = plan.get("member_reports")
        if reports not in CoordinatorReports.values:
            # Plans signed before the setting existed: what applied then.
            reports = DEFAULT_COORDINATOR_REPORTS
        return cls(
            coordinator_kinds=kinds,
            approval={k: bool((plan.get(k) or {}).get("officer_approves")) for k in named},
            channels={k: tuple((plan.get(k) or {}).get("channels") or ()) for k in named},
            charter_number=charter_number,
            member_reports=reports,
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
    force (its latest version signed by all three parties), which charters
    provides through ``messaging.hooks.communication_plan``, else the default.
    """
    provided = communication_plan(network=network)
    if provided is None:
        return DEFAULT_POLICY
    plan, charter_number = provided
    return CommunicationPolicy.from_plan(plan, charter_number=charter_number)


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
    labels = dict(Delivery.Channel.choices)
    # The kind's label as it is (quoted in the text): German capitalises nouns.
    return _("The communication plan of %(network)s sends “%(kind)s” only by: %(channels)s.") % {
        "network": network,
        "kind": Message.Kind(kind).label,
        "channels": ", ".join(str(labels.get(c, c)) for c in allowed) or "—",
    }


def plan_default_channels(*, networks, kind: str) -> tuple[str, ...]:
    """The channels to tick by default for a message of ``kind`` to these
    networks: those every network's plan allows for it (all of the plan's,
    in the usual order). With no network yet, the default plan's."""
    allowed = set(ALL_CHANNELS)
    for network in networks:
        allowed &= set(communication_policy(network=network).channels_for(kind))
    return tuple(c for c in ALL_CHANNELS if c in allowed)


def plan_channels_by_network(*, networks) -> dict[str, dict[str, list[str]]]:
    """Network id → kind → the channels its plan allows: what the compose
    form's script uses to tick the allowed channels when the kind or the
    networks change."""
    result = {}
    for network in networks:
        policy = communication_policy(network=network)
        result[str(network.pk)] = {k: list(policy.channels_for(k)) for k in Message.Kind.values}
    return result
