"""Reach: nobody silently left out.

Which kinds of message each channel carries under a network's communication
plan (for the sign-up form and the personal page), who a message will not
reach and why (the preview), and the members with communication problems a
coordinator or officer should act on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from members.models import Member
from messaging.models import Delivery, Message
from messaging.selectors.policy import ALL_CHANNELS, communication_policy
from messaging.selectors.recipients import LOCAL_TZ, Recipient
from networks.models import Network
from outbox.models import Notification

__all__ = [
    "PROBLEMS",
    "UNREACHED_REASONS",
    "MemberProblems",
    "message_unreached",
    "network_member_problems",
    "plan_channel_kinds",
    "reach_of_channels",
]

_S = Delivery.Status
FAILED = (_S.UNDELIVERED, _S.FAILED)
# Final outcomes: the last of these per member and channel tells whether the
# address still works (queued or sent says nothing yet).
_FINAL = (_S.DELIVERED, _S.UNDELIVERED, _S.FAILED)

# Why a member of the audience gets nothing (or gets it late), in the order shown.
UNREACHED_REASONS = {
    "no_channel": gettext_lazy("none of their channels is used for this message"),
    "opted_out": gettext_lazy("opted out by STOP or a spam complaint"),
    "paused": gettext_lazy("paused their messages"),
    "deaf": gettext_lazy("deaf or hard of hearing: never called, and no other channel chosen"),
    "failing": gettext_lazy("their last deliveries bounced or failed"),
    "quiet_hours": gettext_lazy("in quiet hours: sent when they end"),
}

# A member's communication problem: what it is and what to do about it.
PROBLEMS = {
    "email_failed": (
        gettext_lazy("The last email bounced or failed."),
        gettext_lazy("Check the email address with the member and correct it."),
    ),
    "sms_failed": (
        gettext_lazy("The last SMS was not delivered."),
        gettext_lazy("Check the mobile number with the member (a landline cannot get SMS)."),
    ),
    "voice_failed": (
        gettext_lazy("The last voice call failed."),
        gettext_lazy("Check the phone number with the member."),
    ),
    "sms_stopped": (
        gettext_lazy("Texted STOP: gets no SMS."),
        gettext_lazy("Only the member can restart them, by texting START to the alert number."),
    ),
    "email_complained": (
        gettext_lazy("Marked our email as spam: email is off."),
        gettext_lazy(
            "Ask the member whether they want email again; they switch it on "
            "on their personal page."
        ),
    ),
    "no_urgent_channel": (
        gettext_lazy("Will not receive urgent alerts."),
        gettext_lazy(
            "None of their channels carries urgent alerts under the communication plan: "
            "ask them to add one on their personal page."
        ),
    ),
}


def plan_channel_kinds(*, network: Network) -> dict[str, tuple[str, ...]]:
    """Channel → the kinds of message it carries under the network's plan."""
    policy = communication_policy(network=network)
    return {
        channel: tuple(k for k in Message.Kind.values if channel in policy.channels_for(k))
        for channel in ALL_CHANNELS
    }


@dataclass(frozen=True)
class ChannelReach:
    channel: str
    label: str
    kinds: tuple[str, ...]
    kind_labels: tuple[str, ...]
    chosen: bool


@dataclass(frozen=True)
class Reach:
    """What a choice of channels brings a member under the network's plan."""

    channels: tuple[ChannelReach, ...]
    urgent_channels: tuple[str, ...]
    urgent_reached: bool
    missed_kinds: tuple[str, ...] = field(default=())


def reach_of_channels(*, network: Network, chosen: Iterable[str]) -> Reach:
    """Per channel the kinds it carries, which channels are chosen, and
    whether urgent alerts (and which other kinds) would reach the member.

    ``chosen``: the channels the member chose and can be reached on (a
    channel without its address does not count)."""
    chosen = set(chosen)
    kinds = plan_channel_kinds(network=network)
    labels = dict(Delivery.Channel.choices)
    kind_labels = dict(Message.Kind.choices)
    rows = tuple(
        ChannelReach(
            channel=channel,
            label=str(labels[channel]),
            kinds=kinds[channel],
            kind_labels=tuple(str(kind_labels[k]) for k in kinds[channel]),
            chosen=channel in chosen,
        )
        for channel in ALL_CHANNELS
    )
    reached = {k for row in rows if row.chosen for k in row.kinds}
    return Reach(
        channels=rows,
        urgent_channels=tuple(str(labels[c]) for c in ALL_CHANNELS if "urgent" in kinds[c]),
        urgent_reached=Message.Kind.URGENT in reached,
        missed_kinds=tuple(str(kind_labels[k]) for k in Message.Kind.values if k not in reached),
    )


def member_reachable_channels(member) -> list[str]:
    """The channels a member chose and has the address for."""
    pairs = (
        ("sms", member.by_sms and member.mobile_phone),
        ("email", member.by_email and member.email),
        # A deaf or hard-of-hearing member is never called (fan-out skips it).
        ("voice", member.by_voice and not member.deaf and (member.landline or member.mobile_phone)),
    )
    return [channel for channel, ok in pairs if ok]


def _last_per_address(rows, member_field: str):
    """The newest of ``rows`` per (member, channel, address) where the
    database can say so (PostgreSQL: DISTINCT ON); elsewhere (SQLite, the
    development database) every row, and ``keep`` picks the newest."""
    if connection.features.can_distinct_on_fields:
        return rows.distinct(member_field, "channel", "to")
    return rows


def _last_outcomes(members: Iterable[Member]) -> dict[tuple[int, str], str]:
    """(member, channel) → status of the last message with a final outcome
    to the member's current address on that channel: alert deliveries and
    the outbox's own messages about the member (codes, welcome, notices).

    Only the current address counts: once a coordinator corrects a bounced
    address, the old bounce no longer makes a problem."""
    members = list(members)
    if not members:
        return {}
    current = {
        (m.pk, channel): str(address).lower() for m in members for channel, address in _addresses(m)
    }
    ids = [m.pk for m in members]
    latest: dict[tuple[int, str], tuple] = {}

    def keep(member_id, channel, to, status, at) -> None:
        key = (member_id, channel)
        if current.get(key) != (to or "").lower():
            return
        if key not in latest or at > latest[key][0]:
            latest[key] = (at, status)

    deliveries = (
        Delivery.objects.filter(member_id__in=ids, status__in=_FINAL)
        .order_by("member_id", "channel", "to", "-created_at")
        .values_list("member_id", "channel", "to", "status", "created_at")
    )
    for row in _last_per_address(deliveries, "member_id"):
        keep(*row)
    notifications = (
        Notification.objects.filter(
            about_type=ContentType.objects.get_for_model(Member),
            about_id__in=ids,
            status__in=_FINAL,
        )
        .order_by("about_id", "channel", "to", "-created_at")
        .values_list("about_id", "channel", "to", "status", "created_at")
    )
    for row in _last_per_address(notifications, "about_id"):
        keep(*row)
    return {key: status for key, (_at, status) in latest.items()}


def message_unreached(
    *,
    message: Message,
    recipients: list[Recipient],
    networks=None,
    now: datetime | None = None,
    sample: int = 50,
) -> dict:
    """Who of the message's audience it will not reach (or reach late), by reason.

    The audience is the active members of the targeted networks (and
    streets). Members without any delivery: opted out (STOP, spam complaint)
    of a channel the message uses, paused (non-urgent messages), or none of
    their channels is used (the plan or the message leaves it out). Members
    with deliveries whose last deliveries on those channels all bounced or
    failed: probably not reached. Held by quiet hours: reached later.

    ``networks`` (None: all targeted) limits the audience to the members of
    those networks, for a viewer who follows only some of them.

    Returns ``{"total": n, "reasons": [{"code", "label", "count", "members"}]}``
    with at most ``sample`` members named per reason.
    """
    if message.update_of_id or message.cancels_id:
        # An update (or a cancel notice) goes to whom the original reached;
        # its preview says so.
        return {"total": 0, "reasons": []}
    now = now or timezone.now()
    targeted = message.networks.all() if networks is None else list(networks)
    members = Member.objects.active().filter(network__in=targeted)
    if message.streets:
        members = members.filter(street__in=message.streets)
    members = members.select_related("network").order_by("last_name", "first_name", "pk")
    channels_of: dict[int, set[str]] = {}
    held: set[int] = set()
    served: set[tuple[str, str]] = set()
    for r in recipients:
        channels_of.setdefault(r.member_id, set()).add(r.channel)
        served.add((r.channel, r.to.lower()))
        if r.not_before:
            held.add(r.member_id)
    used = {c for c, on in zip(ALL_CHANNELS, _message_channels(message), strict=True) if on}
    members = list(members)
    outcomes = _last_outcomes(m for m in members if m.pk in channels_of)
    today = now.astimezone(LOCAL_TZ).date()
    by_reason: dict[str, list[Member]] = {code: [] for code in UNREACHED_REASONS}
    for member in members:
        got = channels_of.get(member.pk)
        if got:
            if all(outcomes.get((member.pk, c)) in FAILED for c in got):
                by_reason["failing"].append(member)
            elif member.pk in held:
                by_reason["quiet_hours"].append(member)
            continue
        if any((c, str(a).lower()) in served for c, a in _addresses(member) if c in used):
            # The same person on another targeted network: served once, there.
            continue
        stopped = {"sms"} if member.sms_opted_out_at and not member.by_sms else set()
        if member.email_complained_at and not member.by_email:
            stopped.add("email")
        if stopped & used:
            by_reason["opted_out"].append(member)
        elif not message.is_urgent and member.paused_until and member.paused_until >= today:
            by_reason["paused"].append(member)
        elif member.deaf and member.by_voice and "voice" in used:
            by_reason["deaf"].append(member)
        else:
            by_reason["no_channel"].append(member)
    reasons = [
        {
            "code": code,
            "label": label,
            "count": len(by_reason[code]),
            "members": by_reason[code][:sample],
        }
        for code, label in UNREACHED_REASONS.items()
        if by_reason[code]
    ]
    total = sum(r["count"] for r in reasons if r["code"] != "quiet_hours")
    return {"total": total, "reasons": reasons}


def _addresses(member: Member) -> list[tuple[str, str]]:
    return [
        ("sms", member.mobile_phone or ""),
        ("email", member.email or ""),
        ("voice", member.landline or member.mobile_phone or ""),
    ]


def _message_channels(message: Message) -> tuple[bool, bool, bool]:
    flags = {"sms": message.by_sms, "email": message.by_email, "voice": message.by_voice}
    return tuple(flags[c] for c in ALL_CHANNELS)


@dataclass
class MemberProblems:
    member: Member
    problems: list[tuple[str, str, str]]  # (code, what, what to do)


def network_member_problems(*, networks: QuerySet[Network] | list[Network]) -> list[MemberProblems]:
    """Active members of these networks with communication problems: a
    channel whose last delivery bounced or failed, SMS stopped by keyword,
    email reported as spam, or no channel that carries urgent alerts under
    the network's plan. Each with what to do; by network and name."""
    members = list(
        Member.objects.active()
        .filter(network__in=networks)
        .select_related("network")
        .order_by("network__name", "last_name", "first_name", "pk")
    )
    outcomes = _last_outcomes(members)
    urgent_by_network: dict[int, set[str]] = {}
    result = []
    for member in members:
        if member.network_id not in urgent_by_network:
            kinds = plan_channel_kinds(network=member.network)
            urgent_by_network[member.network_id] = {c for c, ks in kinds.items() if "urgent" in ks}
        reachable = member_reachable_channels(member)
        codes = []
        for channel in reachable:
            if outcomes.get((member.pk, channel)) in FAILED:
                codes.append(f"{channel}_failed")
        if member.sms_opted_out_at and not member.by_sms:
            codes.append("sms_stopped")
        if member.email_complained_at and not member.by_email:
            codes.append("email_complained")
        if not set(reachable) & urgent_by_network[member.network_id]:
            codes.append("no_urgent_channel")
        if codes:
            problems = [(code, str(PROBLEMS[code][0]), str(PROBLEMS[code][1])) for code in codes]
            result.append(MemberProblems(member=member, problems=problems))
    return result


def problem_counts(problems: list[MemberProblems]) -> dict[str, int]:
    """Problem code → members with it, for the list's summary."""
    counts: dict[str, int] = {}
    for row in problems:
        for code, _what, _todo in row.problems:
            counts[code] = counts.get(code, 0) + 1
    return counts
