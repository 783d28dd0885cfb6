"""Telling the people an alert already reached that it was cancelled or
updated, in their language, on the channels that reached them.

A cancel notice is a small Message of its own (``Message.cancels``),
published by the platform when an officer cancels a message that had gone
out to someone; an update is a Message the officer writes
(``Message.update_of``, ``messaging.services.lifecycle.message_update_draft``),
its texts prefilled here with "Update from BIN …:". Both reach the members
through the normal fan-out: ``messaging.selectors.recipients`` sends them to
whom the original reached (SMS → SMS, email → email, a voice call → SMS on a
mobile, else email).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from messaging.models import Message
from messaging.selectors.recipients import REACHED_STATUSES
from messaging.services.fanout import message_fanout_queue

logger = logging.getLogger(__name__)

# The original's text quoted in a notice is cut to this many characters, so
# the notice stays one or two SMS segments.
EXCERPT_LENGTH = 60


def _networks_name(message: Message) -> str:
    return ", ".join(n.bin_name for n in message.networks.order_by("name"))


def _fallback_language(message: Message) -> str:
    first = message.networks.order_by("pk").first()
    return first.default_language if first else settings.LANGUAGE_CODE


def _cancel_texts(original: Message) -> dict[str, dict[str, str]]:
    """The cancel notice in every language of the platform: which network,
    which message (its time and first words in that language), that it no
    longer applies."""
    network = _networks_name(original)
    fallback = _fallback_language(original)
    when = timezone.localtime(original.published_at or timezone.now())
    texts = {}
    for code, _name in settings.LANGUAGES:
        text = original.text_for(code, fallback)
        excerpt = Truncator(text.get("sms", "")).chars(EXCERPT_LENGTH)
        with translation.override(code):
            moment = formats.date_format(when, "SHORT_DATETIME_FORMAT")
            values = {"network": network, "when": moment, "excerpt": excerpt}
            texts[code] = {
                "sms": _(
                    'Cancelled: %(network)s, message of %(when)s ("%(excerpt)s") no longer applies.'
                )
                % values,
                "subject": _("Cancelled: %(network)s, message of %(when)s") % values,
                "body": _(
                    "%(network)s cancels its message of %(when)s:\n\n"
                    '"%(excerpt)s"\n\n'
                    "It no longer applies. You do not need to do anything."
                )
                % values,
            }
    return texts


def message_cancel_notice(*, original: Message, cancelled_by) -> Message | None:
    """After ``original`` was cancelled, a cancel notice to the members it
    had already reached (or was sending to), published at once and fanned
    out after commit; None when it had reached nobody. Call inside the
    cancel's transaction (``messaging.services.lifecycle.message_cancel``)."""
    if original.published_at is None or original.cancels_id is not None:
        return None
    if not original.deliveries.filter(status__in=REACHED_STATUSES).exists():
        return None
    now = timezone.now()
    notice = Message.objects.create(
        kind=original.kind,
        status=Message.Status.PUBLISHED,
        streets=original.streets,
        # A voice call's notice goes by SMS or email (see the recipients).
        by_sms=original.by_sms or original.by_voice,
        by_email=original.by_email or original.by_voice,
        by_voice=original.by_voice,
        texts=_cancel_texts(original),
        cancels=original,
        created_by=cancelled_by,
        approved_by=cancelled_by,
        published_at=now,
        expires_at=now + Message.DEFAULT_VALIDITY[original.kind],
        is_exercise=original.is_exercise,
    )
    notice.networks.set(original.networks.all())
    transaction.on_commit(lambda: message_fanout_queue(notice))
    logger.info("message %s cancelled: cancel notice %s", original.pk, notice.pk)
    return notice


def message_update_texts(*, original: Message) -> dict[str, dict[str, str]]:
    """The texts an update of ``original`` starts from, per language of the
    original: its texts with "Update from BIN …:" in front (the officer then
    writes what changed), so the members know at once which alert it is about."""
    network = _networks_name(original)
    texts = {}
    for code, text in original.texts.items():
        sms = text.get("sms", "")
        with translation.override(code):
            prefix = _("Update from %(network)s:") % {"network": network}
            subject = _("Update: %(subject)s") % {
                "subject": text.get("subject") or Truncator(sms).chars(EXCERPT_LENGTH)
            }
        body = text.get("body", "")
        texts[code] = {
            "sms": f"{prefix} {sms}".strip(),
            "subject": subject,
            "body": f"{prefix}\n\n{body}" if body else "",
        }
    return texts
