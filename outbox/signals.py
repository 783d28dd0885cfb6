"""What providers report back, in the outbox's own words.

Each provider's module (``outbox.gateways.<provider>``) checks its callbacks'
signatures and translates its vocabulary into these two signals; higher apps
(messaging's deliveries and replies) connect receivers. The outbox itself
records the reports that concern its own ``Notification`` rows.

- ``status_received(sender=<provider name>, report=StatusReport)``: a message
  or call with this provider id moved on. Receivers return what they did
  ("unknown" when they hold no such id), for logs and tests.
- ``inbound_received(sender=<provider name>, message=InboundMessage)``: a
  person sent us a message. Receivers return the text to answer with, or "".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.dispatch import Signal


class ReportedStatus(StrEnum):
    """A provider's status, normalised. ACCEPTED only proves the hand-over
    (queued, ringing, ...); the next four say what became of the message;
    COMPLAINED that the person reported it as spam."""

    ACCEPTED = "accepted"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    # The person marked the message as spam (email): nothing about its
    # delivery changes, but the channel should be switched off for them.
    COMPLAINED = "complained"


@dataclass(frozen=True)
class StatusReport:
    """One delivery report. ``unreachable``: the provider says the address can
    never be reached on this channel (unknown number, landline, opted out at
    the carrier), so another channel should be tried. ``not_answered``: a
    call found the line busy or nobody picked up; calling again later may
    reach the person."""

    provider: str
    provider_id: str
    status: ReportedStatus
    error_code: str = ""
    error: str = ""
    unreachable: bool = False
    not_answered: bool = False


# What a person can send us: an SMS is at most 1,600 characters (10 parts,
# the longest providers deliver); addresses are email or E.164 numbers.
SMS_MAX_CHARS = 1600
ADDRESS_MAX_CHARS = 254
PROVIDER_ID_MAX_CHARS = 64


@dataclass(frozen=True)
class InboundMessage:
    """A message a person sent us (an SMS today). ``from_address`` is in
    E.164 form when it is a phone number."""

    provider: str
    provider_id: str
    channel: str
    from_address: str
    to_address: str
    body: str


status_received = Signal()
inbound_received = Signal()
