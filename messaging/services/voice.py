"""Voice calls that did not reach the person: dialled once more, then the
message by SMS (else email).

A call that found the line busy or rang out (Twilio's ``busy`` and
``no-answer``, ``StatusReport.not_answered``) goes back to queued for
VOICE_REDIAL_SECONDS on the same Delivery row (``redials`` counts it), so the
message's figures keep one row per member and channel and the message is not
complete while the redial waits. Its send is queued with that countdown on
commit; the sweep sends it too once it is due, should the task be lost. When
the second call is not answered either, or a call fails outright, the member
gets the same message as a new Delivery (``fallback_for`` the call), in the
same language: by SMS when they have a mobile number, did not text STOP and
the network's plan sends this kind by SMS; else by email when they have an
address that did not report us as spam.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from messaging.models import Delivery, Message
from messaging.selectors.policy import communication_policy
from messaging.services.fanout import delivery_sends_queue
from outbox.signals import StatusReport

__all__ = ["MAX_REDIALS", "delivery_call_fallback", "delivery_call_redial"]

logger = logging.getLogger(__name__)

# "Redialled once after a few minutes": a second miss means the person is
# away, and a text reaches them sooner than a third call.
MAX_REDIALS = 1


def _redial_wait() -> timedelta:
    return timedelta(seconds=getattr(settings, "VOICE_REDIAL_SECONDS", 180))


def delivery_call_redial(*, report: StatusReport) -> bool:
    """Queue the call reported busy or not answered for one more try after
    VOICE_REDIAL_SECONDS. Returns False (nothing changed) when the report is
    not about such a call, the call was redialled already, or its message is
    no longer published: the report is then recorded as usual."""
    if not report.not_answered:
        return False
    delivery = (
        Delivery.objects.select_related("message")
        .filter(provider_id=report.provider_id, channel=Delivery.Channel.VOICE)
        .first()
    )
    if (
        delivery is None
        or delivery.redials >= MAX_REDIALS
        or delivery.message.status != Message.Status.PUBLISHED
    ):
        return False
    now = timezone.now()
    due = now + _redial_wait()
    # Conditional on the row as read: a repeated or concurrent report finds
    # it changed (another provider id, more redials) and moves nothing.
    moved = Delivery.objects.filter(
        pk=delivery.pk,
        provider_id=report.provider_id,
        redials=delivery.redials,
        status__in=[Delivery.Status.SENDING, Delivery.Status.SENT],
    ).update(
        status=Delivery.Status.QUEUED,
        redials=F("redials") + 1,
        # The next call gets its own id; the old one must not match reports
        # any more (a repeated "busy" would otherwise end the waiting row).
        provider_id="",
        claimed_at=None,
        sent_at=None,
        next_attempt_at=due,
        error_code="",
        error=(report.error or "not answered")[:1000],
        updated_at=now,
    )
    if not moved:
        return False
    message = delivery.message
    wait = _redial_wait().total_seconds()
    transaction.on_commit(lambda: delivery_sends_queue(message, [delivery.pk], countdown=wait))
    logger.info("delivery %s: call not answered, dialling again at %s", delivery.pk, due)
    return True


def delivery_call_fallback(delivery: Delivery) -> Delivery | None:
    """After a call that did not reach the member (not answered twice, or
    failed), the same message by SMS, else by email, as a new Delivery for
    the same message in the same language; None when neither is possible or
    the member has that delivery already (they have the text then). The
    caller queues its send."""
    if delivery.channel != Delivery.Channel.VOICE:
        return None
    message = delivery.message
    if message.status != Message.Status.PUBLISHED:
        return None
    member = delivery.member
    channel, to = None, ""
    plan = communication_policy(network=member.network)
    if (
        member.mobile_phone
        and member.sms_opted_out_at is None
        and Delivery.Channel.SMS in plan.channels_for(message.kind)
    ):
        channel, to = Delivery.Channel.SMS, str(member.mobile_phone)
    elif member.email and member.email_complained_at is None:
        channel, to = Delivery.Channel.EMAIL, member.email
    if channel is None:
        return None
    fallback, created = Delivery.objects.get_or_create(
        message=message,
        member=member,
        channel=channel,
        defaults={"to": to, "language": delivery.language, "fallback_for": delivery},
    )
    if not created:
        return None
    logger.info(
        "delivery %s: call did not reach the member, %s %s", delivery.pk, channel, fallback.pk
    )
    return fallback
