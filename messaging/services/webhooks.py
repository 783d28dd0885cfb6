"""What Twilio tells the platform: delivery reports and inbound SMS.

Both arrive as signed form posts (``messaging/views_webhooks.py``); this
module holds what they change.

- Delivery reports move a Delivery forward only. Twilio posts them in any
  order, sometimes twice, and concurrently; every report is one conditional
  UPDATE that only matches rows of a lower rank, so a late "sent" never
  overwrites "delivered", and a final status (delivered, undelivered, failed)
  never changes again. An SMS that ends undelivered for a reason another try
  cannot fix (unreachable, landline, opted out, ...) falls back to email, as a
  permanent error at send time does.
- Inbound SMS: the first word decides. STOP and its synonyms end SMS to the
  number in every network at once; START, YES and UNSTOP resume them; HELP
  answers with the network, its coordinator and the emergency numbers.
  Anything else is stored as a Reply, threaded to the last message sent to
  the number.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import phonenumbers
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, DateTimeField, F, IntegerField, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from twilio.request_validator import RequestValidator

from members.models import Member
from members.services.core import member_sms_opt_in, member_sms_opt_out
from messaging.gateways.twilio import NUMBER_ERROR_CODES
from messaging.models import Delivery, Reply
from messaging.services.fanout import delivery_sends_queue
from messaging.services.sending import delivery_email_fallback
from networks.models import Network, Role, RoleAssignment

__all__ = [
    "HELP_KEYWORDS",
    "OPT_IN_KEYWORDS",
    "OPT_OUT_KEYWORDS",
    "InboundResult",
    "twilio_inbound_handle",
    "twilio_signature_valid",
    "twilio_status_record",
    "twilio_webhook_url",
]

logger = logging.getLogger(__name__)

OPT_OUT_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
OPT_IN_KEYWORDS = frozenset({"START", "YES", "UNSTOP"})
HELP_KEYWORDS = frozenset({"HELP"})

_S = Delivery.Status
# Status only moves up this ladder; the top rung is final.
STATUS_RANK = {
    _S.QUEUED: 0,
    _S.SENDING: 1,
    _S.SENT: 2,
    _S.DELIVERED: 3,
    _S.UNDELIVERED: 3,
    _S.FAILED: 3,
    _S.CANCELLED: 3,
}
FINAL_RANK = 3

# Twilio's message and call statuses that end or advance a delivery.
TWILIO_STATUSES = {
    "sent": _S.SENT,
    "delivered": _S.DELIVERED,
    "read": _S.DELIVERED,
    "undelivered": _S.UNDELIVERED,
    "failed": _S.FAILED,
    "canceled": _S.FAILED,
    # calls
    "completed": _S.DELIVERED,
    "busy": _S.UNDELIVERED,
    "no-answer": _S.UNDELIVERED,
}
# Twilio has the message or call but nothing happened yet: at most it proves
# the hand-over, so it only settles a row still marked as sending.
TWILIO_INTERIM_STATUSES = frozenset(
    {"accepted", "scheduled", "queued", "sending", "initiated", "ringing", "in-progress"}
)

# The SMS cannot arrive, now or later (error codes of Twilio's delivery
# reports): 30003 unreachable handset, 30004 blocked, 30005 unknown number,
# 30006 landline or unreachable carrier, 30007 filtered by the carrier; plus
# the number errors of the API (21610: the person sent STOP to Twilio).
FALLBACK_ERROR_CODES = frozenset(
    {"30003", "30004", "30005", "30006", "30007"} | {str(code) for code in NUMBER_ERROR_CODES}
)

_FIRST_WORD = re.compile(r"^\W*(\w+)")


# --- signatures ----------------------------------------------------------


def twilio_webhook_url(*, path: str) -> str:
    """The URL Twilio called, which its signature covers: the public base
    (TWILIO_WEBHOOK_BASE_URL, else PUBLIC_BASE_URL) and the request's path
    with its query string. Behind a proxy the Host header cannot be trusted
    to rebuild it."""
    base = settings.TWILIO_WEBHOOK_BASE_URL or settings.PUBLIC_BASE_URL
    return base.rstrip("/") + path


def twilio_signature_valid(*, url: str, params, signature: str) -> bool:
    """Whether ``signature`` (X-Twilio-Signature) is Twilio's for this URL and
    form parameters, made with TWILIO_AUTH_TOKEN. False without a token."""
    token = settings.TWILIO_AUTH_TOKEN
    if not token:
        logger.error("Twilio webhook refused: TWILIO_AUTH_TOKEN is not set")
        return False
    if not signature:
        return False
    return RequestValidator(token).validate(url, params, signature)


# --- delivery reports ------------------------------------------------------


def twilio_status_record(
    *, sid: str, status: str, error_code: str = "", error_message: str = ""
) -> str:
    """Apply one Twilio status report to the delivery with provider id ``sid``.

    Returns what happened, for logs and tests: the new status, "unchanged"
    (the report was late, repeated or about a final delivery), "unknown" (no
    such delivery) or "ignored" (a status that says nothing about delivery).
    """
    status = (status or "").strip().lower()
    sid = (sid or "").strip()
    if status in TWILIO_INTERIM_STATUSES:
        target, below = _S.SENT, [_S.SENDING]
    elif status in TWILIO_STATUSES:
        target = TWILIO_STATUSES[status]
        below = [s for s, rank in STATUS_RANK.items() if rank < STATUS_RANK[target]]
    else:
        logger.info("Twilio status %r for %s ignored", status, sid)
        return "ignored"
    if not sid:
        logger.warning("Twilio status report without a sid")
        return "unknown"

    now = timezone.now()
    fields: dict = {"status": target, "updated_at": now}
    if target in (_S.SENT, _S.DELIVERED):
        fields["sent_at"] = Coalesce(F("sent_at"), Value(now, output_field=DateTimeField()))
    if target == _S.DELIVERED:
        # Reports measure how fast a message reached its members with this.
        fields["delivered_at"] = now
    error_code = str(error_code or "").strip()[:32]
    if target in (_S.UNDELIVERED, _S.FAILED):
        detail = (error_message or "").strip() or f"Twilio: {status}"
        if error_code:
            detail = f"{detail} (error {error_code})"
        fields.update(error_code=error_code, error=detail[:1000])
    # One statement that only matches lower ranks: concurrent or late reports
    # cannot move the row back, whatever order they commit in.
    moved = Delivery.objects.filter(provider_id=sid, status__in=below).update(**fields)
    if not moved:
        if not Delivery.objects.filter(provider_id=sid).exists():
            # 2xx all the same: Twilio must not retry a report we can never use.
            logger.warning("Twilio status %r for unknown sid %s", status, sid)
            return "unknown"
        return "unchanged"
    logger.info("delivery %s: Twilio %r -> %s", sid, status, target)
    if target in (_S.UNDELIVERED, _S.FAILED) and error_code in FALLBACK_ERROR_CODES:
        _email_fallback(sid=sid)
    return str(target)


def _email_fallback(*, sid: str) -> None:
    delivery = (
        Delivery.objects.select_related("message", "member")
        .filter(provider_id=sid, channel=Delivery.Channel.SMS)
        .first()
    )
    if delivery is None:
        return
    fallback = delivery_email_fallback(delivery)
    if fallback is not None:
        message = delivery.message
        transaction.on_commit(lambda: delivery_sends_queue(message, [fallback.pk]))
        logger.info("delivery %s undeliverable by SMS: email %s queued", sid, fallback.pk)


# --- inbound SMS -----------------------------------------------------------


@dataclass(frozen=True)
class InboundResult:
    """What an inbound SMS did: ``action`` is opt_out, opt_in, help or reply;
    ``text`` the SMS to answer with (empty: no answer); ``reply`` the stored
    Reply, if any (None for keywords alone and for a repeated post)."""

    action: str
    text: str = ""
    reply: Reply | None = None


def _e164(number: str) -> str:
    number = (number or "").strip()
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _keyword(body: str) -> str:
    """The first word, upper case, without punctuation ("Stop, please" → STOP)."""
    match = _FIRST_WORD.match(body)
    return match.group(1).upper() if match else ""


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
    return ", ".join(sorted({m.network.name for m in members}))


def _coordinator_name(network: Network) -> str:
    assignment = (
        RoleAssignment.objects.active()
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
        intro = _("BIN %(network)s, coordinator: %(name)s.") % {
            "network": network.name,
            "name": coordinator,
        }
    else:
        intro = _("BIN %(network)s.") % {"network": network.name}
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
            return Reply.objects.create(
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


def _cancel_queued_sms(number: str) -> int:
    """SMS still waiting for this number (quiet hours, backoff) must not go out after STOP."""
    return Delivery.objects.filter(
        channel=Delivery.Channel.SMS, to=number, status=_S.QUEUED
    ).update(status=_S.CANCELLED, updated_at=timezone.now())


def twilio_inbound_handle(
    *, from_number: str, to_number: str = "", body: str, sid: str
) -> InboundResult:
    """Handle one inbound SMS; the caller answers with ``result.text``, if any.

    Keywords are matched on the first word, in any case. A keyword followed
    by more words is also stored as a Reply: "Yes, I saw them at number 12"
    or "Help, someone is in my garden" must reach people, not only the robot.
    A number that belongs to no member gets no answer; its text is still
    stored (without member or network).
    """
    number = _e164(from_number)
    text = (body or "").strip()
    keyword = _keyword(text)
    has_more = bool(text) and len(text.split(None, 1)) > 1

    if keyword in OPT_OUT_KEYWORDS:
        action = "opt_out"
        members = member_sms_opt_out(mobile_phone=number)
        cancelled = _cancel_queued_sms(number)
        answer = ""
        if members:
            member, _delivery = _sender(number)
            with translation.override((member or members[0]).language):
                answer = _(
                    # Translators: START is the keyword; keep it in English.
                    "You will no longer receive SMS from BIN %(network)s. "
                    "Reply START to receive them again."
                ) % {"network": _network_names(members)}
        logger.info(
            "inbound SMS %s to %s: opt-out of %s membership(s), %s queued SMS cancelled",
            sid, to_number, len(members), cancelled,
        )  # fmt: skip
    elif keyword in OPT_IN_KEYWORDS:
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
                    "You will receive SMS from BIN %(network)s again. Reply STOP to stop them."
                ) % {"network": _network_names(members)}
        logger.info(
            "inbound SMS %s to %s: opt-in of %s membership(s)", sid, to_number, len(members)
        )
    elif keyword in HELP_KEYWORDS:
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
