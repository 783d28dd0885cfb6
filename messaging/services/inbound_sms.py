"""Inbound SMS from members (normalised by the provider's module and passed
on by ``outbox.signals.inbound_received``): the first word decides.

STOP and its synonyms (in Dutch, French, German and English, see
``messaging.services.keywords``) end SMS to the number in every network at
once; START and its synonyms resume them; HELP (HULP, AIDE, HILFE) answers
with the network, its coordinator and the emergency numbers, in the member's
language. Anything else is stored as a Reply, threaded to the last message
sent to the number, and filed in the member's open conversation
(``messaging.services.conversations``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Case, F, IntegerField, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from members.models import Member
from members.services.core import member_sms_opt_in, member_sms_opt_out
from messaging.models import Delivery, Reply
from messaging.selectors.messages import emergency_text_routes_line
from messaging.services.conversations import conversation_reply_receive
from messaging.services.keywords import (
    HELP_KEYWORDS,
    OPT_IN_KEYWORDS,
    OPT_OUT_KEYWORDS,
    keyword_match,
)
from messaging.signals import reply_received
from networks.models import Network, Role, RoleAssignment
from outbox.signals import InboundMessage

__all__ = [
    "HELP_KEYWORDS",
    "OPT_IN_KEYWORDS",
    "OPT_OUT_KEYWORDS",
    "InboundResult",
    "inbound_sms_answer",
    "inbound_sms_handle",
]

logger = logging.getLogger(__name__)

_S = Delivery.Status


@dataclass(frozen=True)
class InboundResult:
    """What an inbound SMS did: ``action`` is opt_out, opt_in, help or reply;
    ``text`` the SMS to answer with (empty: no answer); ``reply`` the stored
    Reply, if any (None for keywords alone and for a repeated post)."""

    action: str
    text: str = ""
    reply: Reply | None = None


def _last_delivery(number: str) -> Delivery | None:
    """The last SMS that reached (or left for) this number."""
    return (
        Delivery.objects.filter(
            channel=Delivery.Channel.SMS, to=number, status__in=[_S.SENT, _S.DELIVERED]
        )
        .select_related("message", "member__network")
        .order_by(F("sent_at").desc(nulls_last=True), "-pk")
        .first()
    )


def _sender(number: str) -> tuple[Member | None, Delivery | None]:
    """The member behind a number and the last delivery to it.

    The member of that delivery if they still have the number; else the
    number's membership, active ones first, then the most recently changed.
    """
    delivery = _last_delivery(number)
    if delivery is not None and str(delivery.member.mobile_phone) == number:
        return delivery.member, delivery
    if not number.startswith("+"):
        return None, delivery
    member = (
        Member.objects.filter(mobile_phone=number)
        .select_related("network")
        .order_by(
            Case(
                When(status=Member.Status.ACTIVE, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            "-updated_at",
        )
        .first()
    )
    return member, delivery


def _network_names(members: list[Member]) -> str:
    return ", ".join(sorted({m.network.bin_name for m in members}))


def _coordinator_name(network: Network) -> str:
    assignment = (
        RoleAssignment.objects.effective()
        .filter(role=Role.COORDINATOR, network=network)
        .select_related("user")
        .order_by("granted_at")
        .first()
    )
    # The name only: a coordinator's own phone or email is not for anyone who texts HELP.
    return assignment.user.get_full_name().strip() if assignment else ""


def _help_text(member: Member) -> str:
    network = member.network
    coordinator = _coordinator_name(network)
    if coordinator:
        intro = _("%(network)s, coordinator: %(name)s.") % {
            "network": network.bin_name,
            "name": coordinator,
        }
    else:
        intro = _("%(network)s.") % {"network": network.bin_name}
    if member.deaf:
        # Not "call 101": the routes a deaf or hard-of-hearing member can use.
        emergency = "{} {}".format(
            emergency_text_routes_line(member=member),
            _("This number is not an emergency line."),
        )
    else:
        numbers = "; ".join(f"{number}: {label}" for number, label in network.emergency_numbers)
        emergency = _("Emergency numbers: %(numbers)s. This number is not an emergency line.") % {
            "numbers": numbers
        }
    # Translators: STOP and START are the keywords; keep them in English.
    keywords = _("Reply STOP to stop SMS, START to receive them again.")
    return f"{intro} {emergency} {keywords}"


def _reply_store(
    *, number: str, body: str, sid: str, member: Member | None, delivery: Delivery | None
) -> Reply | None:
    try:
        # A savepoint: the duplicate's IntegrityError must not spoil an outer transaction.
        with transaction.atomic():
            reply = Reply.objects.create(
                message=delivery.message if delivery else None,
                member=member,
                network=member.network if member else None,
                channel=Delivery.Channel.SMS,
                from_address=number,
                body=body,
                provider_id=sid[:64],
            )
    except IntegrityError:
        # Twilio posted this message before (a retry): it is stored already.
        logger.info("inbound SMS %s stored already", sid)
        return None
    # Into the member's open conversation: automatic answer, urgent notices.
    conversation_reply_receive(reply=reply)
    reply_received.send(sender=Reply, reply=reply)
    return reply


def _cancel_queued_sms(number: str) -> int:
    """SMS still waiting for this number (quiet hours, backoff) must not go out after STOP."""
    return Delivery.objects.filter(
        channel=Delivery.Channel.SMS, to=number, status=_S.QUEUED
    ).update(status=_S.CANCELLED, updated_at=timezone.now())


def inbound_sms_handle(
    *, from_number: str, to_number: str = "", body: str, sid: str
) -> InboundResult:
    """Handle one inbound SMS; the caller answers with ``result.text``, if any.

    ``from_number`` is in E.164 form (the provider's module normalised it).

    Keywords are matched on the first word, without case or accents. A
    keyword followed by more words is also stored as a Reply: "Yes, I saw
    them at number 12" or "Help, someone is in my garden" must reach people,
    not only the robot.
    A number that belongs to no member gets no answer; its text is still
    stored (without member or network).
    """
    number = from_number
    text = (body or "").strip()
    matched = keyword_match(text)
    keyword = matched.action if matched else ""
    has_more = bool(text) and len(text.split(None, 1)) > 1

    if keyword == "opt_out":
        action = "opt_out"
        members = member_sms_opt_out(mobile_phone=number)
        cancelled = _cancel_queued_sms(number)
        answer = ""
        if members:
            member, _delivery = _sender(number)
            with translation.override((member or members[0]).language):
                answer = _(
                    # Translators: START is the keyword; keep it in English.
                    "You will no longer receive SMS from %(network)s. "
                    "Reply START to receive them again."
                ) % {"network": _network_names(members)}
        logger.info(
            "inbound SMS %s to %s: opt-out of %s membership(s), %s queued SMS cancelled",
            sid, to_number, len(members), cancelled,
        )  # fmt: skip
    elif keyword == "opt_in":
        action = "opt_in"
        members = member_sms_opt_in(mobile_phone=number)
        answer = ""
        if members:
            member, _delivery = _sender(number)
            if member is None or member not in members:
                member = members[0]
            with translation.override(member.language):
                answer = _(
                    # Translators: STOP is the keyword; keep it in English.
                    "You will receive SMS from %(network)s again. Reply STOP to stop them."
                ) % {"network": _network_names(members)}
        logger.info(
            "inbound SMS %s to %s: opt-in of %s membership(s)", sid, to_number, len(members)
        )
    elif keyword == "help":
        action = "help"
        member, _delivery = _sender(number)
        answer = ""
        if member is not None:
            with translation.override(member.language):
                answer = _help_text(member)
        logger.info("inbound SMS %s to %s: help", sid, to_number)
    else:
        member, delivery = _sender(number)
        reply = _reply_store(number=number, body=text, sid=sid, member=member, delivery=delivery)
        logger.info(
            "inbound SMS %s to %s: reply %s",
            sid, to_number, reply.pk if reply else "(repeated)",
        )  # fmt: skip
        return InboundResult(action="reply", reply=reply)

    reply = None
    if has_more:
        member, delivery = _sender(number)
        reply = _reply_store(number=number, body=text, sid=sid, member=member, delivery=delivery)
    return InboundResult(action=action, text=answer, reply=reply)


def inbound_sms_answer(*, message: InboundMessage) -> str:
    """Receiver of ``outbox.signals.inbound_received`` for SMS: handle it and
    return the text to answer with."""
    if message.channel != "sms":
        return ""
    return inbound_sms_handle(
        from_number=message.from_address,
        to_number=message.to_address,
        body=message.body,
        sid=message.provider_id,
    ).text
