"""Bounces of alert emails sent over SMTP (API providers report theirs
through anymail's tracking webhooks, ``outbox.services.email_tracking``).

With EMAIL_SMTP_BOUNCES on, each alert email's envelope sender (where mail
servers send their delivery status notifications, the Return-Path) is
``bounce+r<delivery>-<code>@REPLY_TO_DOMAIN``; the From header stays
DEFAULT_FROM_EMAIL. Mail to that domain comes in through anymail's inbound
webhook, as replies do: a bounce names its delivery, with an HMAC so nobody
can fail another member's delivery by guessing numbers.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re

from django.conf import settings
from django.utils import timezone

from messaging.models import Delivery

__all__ = ["email_bounce_address", "email_bounce_record"]

logger = logging.getLogger(__name__)

_ADDRESS = re.compile(r"bounce\+r(\d+)-([0-9a-f]{12})@", re.IGNORECASE)
# Below a final status (``delivery_status.STATUS_RANK``): a bounce moves only these.
_OPEN = [Delivery.Status.QUEUED, Delivery.Status.SENDING, Delivery.Status.SENT]


def _code(delivery_id: int) -> str:
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"bounce:{delivery_id}".encode(), hashlib.sha256
    ).hexdigest()
    return digest[:12]


def email_bounce_address(*, delivery_id: int) -> str | None:
    """The envelope sender of one alert email, or None (EMAIL_SMTP_BOUNCES
    off, or no REPLY_TO_DOMAIN to receive the bounces on)."""
    domain = settings.REPLY_TO_DOMAIN
    if not (settings.EMAIL_SMTP_BOUNCES and domain):
        return None
    return f"bounce+r{delivery_id}-{_code(delivery_id)}@{domain}"


def _recipients(inbound) -> str:
    found = " ".join(str(a) for a in (inbound.to or []) + (inbound.cc or []))
    for header in ("Delivered-To", "To", "X-Original-To"):
        found += " " + str(inbound.get(header, ""))
    return found


def _delivery_status(inbound) -> dict[str, str]:
    """The recipient's fields of a delivery status notification (RFC 3464):
    Action, Status, Diagnostic-Code; empty when the mail is none."""
    for part in inbound.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        for block in blocks if isinstance(blocks, list) else []:
            if block.get("Action"):
                return {
                    name: " ".join(str(block.get(name, "")).split())
                    for name in ("Action", "Status", "Diagnostic-Code")
                }
    return {}


def email_bounce_record(*, inbound) -> str | None:
    """Record a bounce of an alert email (anymail's AnymailInboundMessage).

    Returns None when the mail is not addressed to a valid bounce address
    (it may be a reply), else what happened: "undelivered", "unchanged"
    (a final status already, or a delivery gone) or "ignored" (a delay
    notice, an auto-reply: no failure reported).
    """
    match = _ADDRESS.search(_recipients(inbound))
    if match is None or not hmac.compare_digest(match.group(2).lower(), _code(int(match.group(1)))):
        return None
    fields = _delivery_status(inbound)
    if fields.get("Action", "").lower() != "failed":
        logger.info("mail to bounce address of delivery %s without a failure", match.group(1))
        return "ignored"
    detail = fields.get("Diagnostic-Code") or inbound.subject or "bounced"
    moved = Delivery.objects.filter(
        pk=int(match.group(1)), channel=Delivery.Channel.EMAIL, status__in=_OPEN
    ).update(
        status=Delivery.Status.UNDELIVERED,
        error_code=fields.get("Status", "")[:32],
        error=detail[:1000],
        updated_at=timezone.now(),
    )
    logger.info("SMTP bounce of delivery %s: %s", match.group(1), fields.get("Status", ""))
    return "undelivered" if moved else "unchanged"
