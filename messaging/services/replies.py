"""Handling members' replies: read, answer, forward."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from messaging.models import Reply
from outbox.services.notifications import notification_queue

logger = logging.getLogger(__name__)


def reply_mark_read(*, reply: Reply) -> Reply:
    Reply.objects.filter(pk=reply.pk, status=Reply.Status.NEW).update(status=Reply.Status.READ)
    reply.refresh_from_db()
    return reply


@transaction.atomic
def reply_answer(*, reply: Reply, answered_by, text: str) -> Reply:
    """Answer a member's reply on the channel it came in by (SMS or email)."""
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write an answer.")})
    if len(text) > 1000:
        raise ValidationError({"text": _("Keep the answer under 1,000 characters.")})
    channel = "sms" if reply.channel == "sms" else "email"
    subject = ""
    if channel == "email":
        network = reply.network.name if reply.network else "BIN"
        subject = _("Answer from %(network)s") % {"network": network}
    notification_queue(
        kind="reply_answer",
        channel=channel,
        to=reply.from_address,
        subject=subject,
        body=text,
        about=reply.member,
    )
    reply.status = Reply.Status.ANSWERED
    reply.save(update_fields=["status"])
    logger.info("reply %s answered by %s", reply.pk, answered_by.pk)
    return reply


@transaction.atomic
def reply_forward(*, reply: Reply, forwarded_by, to_email: str, note: str = "") -> Reply:
    """Forward a reply by email (to the police or the municipality), with a note."""
    if not to_email:
        raise ValidationError({"to_email": _("Give an email address.")})
    body = render_to_string(
        "messaging/texts/reply_forward.txt",
        {"reply": reply, "note": note.strip(), "by": forwarded_by},
    )
    notification_queue(
        kind="reply_forward",
        channel="email",
        to=to_email,
        subject=_("Forwarded from %(network)s")
        % {"network": reply.network.bin_name if reply.network else "BIN"},
        body=body,
    )
    reply.status = Reply.Status.FORWARDED
    reply.save(update_fields=["status"])
    logger.info("reply %s forwarded by %s", reply.pk, forwarded_by.pk)
    return reply
