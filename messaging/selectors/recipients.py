"""Who gets a message through which channel: the recipient query of the
fan-out and of the preview, with members' preferences applied."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from members.models import Member
from messaging.models import Delivery, Message

LOCAL_TZ = ZoneInfo("Europe/Brussels")
# A delivery in these has reached its member, or is being handed over: its
# member gets the message's cancel notice and updates.
REACHED_STATUSES = [Delivery.Status.SENDING, Delivery.Status.SENT, Delivery.Status.DELIVERED]
# Member rows read per round trip; the same size as the fan-out's insert
# batches (``messaging.services.fanout.FANOUT_BATCH``).
READ_BATCH = 2000


@dataclass(frozen=True)
class Recipient:
    member_id: int
    channel: str
    to: str
    language: str
    not_before: datetime | None


def _quiet_until(*, start, end, now: datetime) -> datetime | None:
    """When a member's quiet hours end, if ``now`` falls inside them."""
    if start is None or end is None or start == end:
        return None
    local = now.astimezone(LOCAL_TZ)
    t = local.time()
    inside = (start <= t < end) if start < end else (t >= start or t < end)
    if not inside:
        return None
    end_today = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    return end_today if end_today > local else end_today + timedelta(days=1)


def message_recipients(*, message: Message, now: datetime | None = None) -> list[Recipient]:
    """Who gets the message through which channel, with member preferences applied.

    See ``message_recipients_iter``, which yields them one by one."""
    return list(message_recipients_iter(message=message, now=now))


def message_recipients_iter(
    *, message: Message, now: datetime | None = None
) -> Iterator[Recipient]:
    """The recipients of ``message``, in member order, as they are read.

    Active members of the targeted networks (and streets; an exercise: the
    chosen members among them only); each member's own
    channels intersected with the message's; non-urgent messages skip paused
    members and wait for the end of quiet hours — urgent alerts override both.
    A cancel notice or an update goes to whom the original reached
    (``_recipients_of``). A person on several targeted networks gets one message per channel: the
    same phone number or email address is served once.
    """
    now = now or timezone.now()
    if message.cancels_id:
        yield from _recipients_of(message.cancels, now=now, with_queued=False)
        return
    if message.update_of_id:
        yield from _recipients_of(message.update_of, now=now, with_queued=True)
        return
    members = Member.objects.active().filter(network__in=message.networks.all())
    if message.is_exercise:
        # An exercise reaches the members chosen for it, nobody else.
        members = members.filter(pk__in=message.exercise_members.values("pk"))
    if message.streets:
        members = members.filter(street__in=message.streets)
    if not message.is_urgent:
        members = members.exclude(paused_until__gte=now.astimezone(LOCAL_TZ).date())
    rows = members.order_by("pk").values(
        "pk", "email", "mobile_phone", "landline", "language", "by_sms", "by_email",
        "by_voice", "deaf", "quiet_hours_start", "quiet_hours_end", "network__languages",
    )  # fmt: skip
    seen: set[tuple[str, str]] = set()
    for row in rows.iterator(chunk_size=READ_BATCH):
        not_before = None
        if not message.is_urgent:
            not_before = _quiet_until(
                start=row["quiet_hours_start"], end=row["quiet_hours_end"], now=now
            )
        wanted = []
        if message.by_sms and row["by_sms"] and row["mobile_phone"]:
            wanted.append((Delivery.Channel.SMS, str(row["mobile_phone"])))
        if message.by_email and row["by_email"] and row["email"]:
            wanted.append((Delivery.Channel.EMAIL, row["email"]))
        voice_number = row["landline"] or row["mobile_phone"]
        # A deaf or hard-of-hearing member is never called, whatever by_voice says.
        if message.by_voice and row["by_voice"] and not row["deaf"] and voice_number:
            wanted.append((Delivery.Channel.VOICE, str(voice_number)))
        for channel, address in wanted:
            key = (channel, address.lower())
            if key in seen:
                continue
            seen.add(key)
            yield Recipient(
                member_id=row["pk"],
                channel=channel,
                to=address,
                language=row["language"],
                not_before=not_before,
            )


def _recipients_of(original: Message, *, now: datetime, with_queued: bool) -> list[Recipient]:
    """The people ``original`` reached (handed to a provider, or being so),
    for its cancel notice or update: on the channels that reached them, with
    their details and wishes as they are now (a changed number or address, a
    channel switched off by STOP, a pause, or leaving are respected).

    A voice call's notice goes by SMS to a mobile, else by email, else by
    voice again (a landline only): short texts read better than a second
    call. ``with_queued``: also those it is still to reach (an update).
    Non-urgent notices wait for the end of quiet hours."""
    statuses = [*REACHED_STATUSES, Delivery.Status.QUEUED] if with_queued else REACHED_STATUSES
    pairs = set(original.deliveries.filter(status__in=statuses).values_list("member_id", "channel"))
    members = Member.objects.active().filter(pk__in={m for m, _c in pairs})
    if not original.is_urgent:
        members = members.exclude(paused_until__gte=now.astimezone(LOCAL_TZ).date())
    recipients = []
    seen: set[tuple[str, str]] = set()
    for member in members.order_by("pk"):
        mobile = str(member.mobile_phone or "")
        sms = member.by_sms and mobile
        email = member.by_email and member.email
        wanted: dict[str, str] = {}
        if (member.pk, Delivery.Channel.SMS) in pairs and sms:
            wanted[Delivery.Channel.SMS] = sms
        if (member.pk, Delivery.Channel.EMAIL) in pairs and email:
            wanted[Delivery.Channel.EMAIL] = email
        if (member.pk, Delivery.Channel.VOICE) in pairs and member.by_voice:
            if mobile and not member.sms_opted_out_at:
                wanted.setdefault(Delivery.Channel.SMS, mobile)
            elif member.email and not member.email_complained_at:
                wanted.setdefault(Delivery.Channel.EMAIL, member.email)
            elif member.landline and not member.deaf:
                wanted[Delivery.Channel.VOICE] = str(member.landline)
        not_before = None
        if not original.is_urgent:
            not_before = _quiet_until(
                start=member.quiet_hours_start, end=member.quiet_hours_end, now=now
            )
        for channel, address in wanted.items():
            key = (channel, address.lower())
            if key in seen:
                continue
            seen.add(key)
            recipients.append(
                Recipient(
                    member_id=member.pk,
                    channel=channel,
                    to=address,
                    language=member.language,
                    not_before=not_before,
                )
            )
    return recipients
