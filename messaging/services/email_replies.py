"""Email replies to alerts: a Reply-To address per delivery, and the inbound
mail (through django-anymail's inbound webhook) threaded into the inbox."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re

from django.conf import settings
from django.db import IntegrityError, transaction

from messaging.models import Delivery, Reply
from messaging.services.conversations import conversation_reply_receive
from messaging.signals import reply_received

logger = logging.getLogger(__name__)

_ADDRESS = re.compile(r"reply\+r(\d+)-([0-9a-f]{12})@", re.IGNORECASE)
# Lines from which a mail client quotes the original message.
_QUOTE_START = re.compile(r"^(>|On .+ wrote:|Op .+ schreef|Le .+ a écrit|Am .+ schrieb)", re.I)


def _code(delivery_id: int) -> str:
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"reply:{delivery_id}".encode(), hashlib.sha256
    ).hexdigest()
    return digest[:12]


def email_reply_address(*, delivery_id: int) -> str | None:
    """The Reply-To address of one email delivery, or None without REPLY_TO_DOMAIN.

    It names the delivery and carries an HMAC, so a reply cannot be pinned on
    another message by guessing numbers.
    """
    domain = settings.REPLY_TO_DOMAIN
    if not domain:
        return None
    return f"reply+r{delivery_id}-{_code(delivery_id)}@{domain}"


def _text_without_quote(text: str) -> str:
    kept = []
    for line in text.splitlines():
        if _QUOTE_START.match(line.strip()):
            break
        kept.append(line)
    return "\n".join(kept).strip()


def email_reply_record(*, inbound) -> Reply | None:
    """Store an inbound email (anymail's AnymailInboundMessage) as a Reply.

    Only mail sent to a valid reply address is kept; anything else is logged
    and dropped. The same Message-ID twice stores one Reply.
    """
    recipients = " ".join(str(a) for a in (inbound.to or []) + (inbound.cc or []))
    recipients += " " + str(inbound.get("Delivered-To", "")) + " " + str(inbound.get("To", ""))
    match = _ADDRESS.search(recipients)
    if match is None or not hmac.compare_digest(match.group(2).lower(), _code(int(match.group(1)))):
        logger.warning("inbound email without a valid reply address dropped")
        return None
    delivery = (
        Delivery.objects.select_related("message", "member__network")
        .filter(pk=int(match.group(1)))
        .first()
    )
    if delivery is None:
        return None
    body = _text_without_quote(inbound.text or "") or (inbound.subject or "")
    sender = inbound.from_email.addr_spec if inbound.from_email else ""
    try:
        with transaction.atomic():
            reply = Reply.objects.create(
                message=delivery.message,
                member=delivery.member,
                network=delivery.member.network,
                channel=Delivery.Channel.EMAIL,
                from_address=sender[:254],
                body=body[:10000],
                provider_id=str(inbound.get("Message-ID", ""))[:64],
            )
    except IntegrityError:
        return None  # the provider posted the same mail twice
    # "Auto-Submitted: auto-replied" (RFC 3834): an out-of-office answer is
    # filed but never answered automatically, so two robots do not loop.
    auto = str(inbound.get("Auto-Submitted", "no")).strip().lower() not in ("", "no")
    conversation_reply_receive(reply=reply, explicit=True, auto_submitted=auto)
    reply_received.send(sender=Reply, reply=reply)
    return reply
