"""The contract every SMS and voice gateway implements.

Gateways work like Django's email backends: ``settings.OUTBOX_GATEWAYS``
names a BACKEND class per channel with its OPTIONS, and one module per
provider implements it. Adding a provider takes one module and a setting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings

from outbox.limits import Limits


class GatewayError(Exception):
    """A send failed. Subclasses say whether trying again can help."""


class TemporaryGatewayError(GatewayError):
    """Worth retrying with backoff: rate limited (429), provider error (5xx), timeout.

    ``rate_limited``: the provider asked us to slow down (HTTP 429), which
    pauses every sender of the account, not only this row."""

    def __init__(
        self, message: str, *, retry_after: float | None = None, rate_limited: bool = False
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.rate_limited = rate_limited


class PermanentGatewayError(GatewayError):
    """Retrying cannot help: invalid number, opted out, refused content."""

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class GatewayConfigurationError(GatewayError):
    """The gateway is misconfigured (missing credentials, unknown backend)."""


@dataclass(frozen=True)
class OutgoingSMS:
    to: str  # E.164
    body: str
    reference: str = ""  # our delivery id, echoed in logs and callbacks
    status_callback: str | None = None


@dataclass(frozen=True)
class OutgoingCall:
    to: str  # E.164
    text: str  # read out to the person
    language: str = "nl"
    reference: str = ""
    status_callback: str | None = None
    # The network's country (BE, NL): Dutch is read with a Dutch voice in the
    # Netherlands, a Flemish one in Belgium.
    country: str = ""


@dataclass(frozen=True)
class SendResult:
    provider_id: str
    status: str = "accepted"
    raw: dict = field(default_factory=dict)


class BaseGateway:
    """Common constructor: OPTIONS from settings arrive as keyword arguments.

    OPTIONS every gateway understands (``outbox.limits``):

    - ``max_in_flight``: requests the provider account may have open at once,
      shared by every worker process and host (0 or absent: no shared limit,
      only each process's send threads);
    - ``send_rate``: sends per second for the account, where the provider
      limits it (0 or absent: ``MESSAGING_SEND_RATE`` of the channel, else none).

    A gateway is called from several threads at once: it keeps no state per
    request outside thread-local storage.
    """

    channel = ""

    def __init__(self, **options) -> None:
        self.options = options

    def limit_key(self) -> str:
        """What the provider limits: one account. Gateways of the same
        account, in any process, must return the same key."""
        return f"{type(self).__module__}.{type(self).__name__}"

    def limits(self) -> Limits:
        """The account's shared limits, from OPTIONS."""
        try:
            max_in_flight = int(self.options.get("max_in_flight") or 0)
            rate = float(self.options.get("send_rate") or 0)
            timeout = float(self.options.get("timeout") or 10)
        except (TypeError, ValueError) as exc:
            raise GatewayConfigurationError(
                f"max_in_flight/send_rate must be numbers: {exc}"
            ) from exc
        if not rate:
            rate = float(getattr(settings, "MESSAGING_SEND_RATE", {}).get(self.channel) or 0)
        # A lease outlives the slowest request by a margin, so a live worker
        # never loses its place, and a dead one's place returns soon after.
        return Limits(
            key=self.limit_key(),
            max_in_flight=max(max_in_flight, 0),
            send_rate=max(rate, 0.0),
            lease_seconds=timeout + 5,
        )


class BaseSMSGateway(BaseGateway):
    channel = "sms"
    # Whether lookup_sms can answer; the sender asks it before sending an
    # in-doubt row again (one claimed by a worker that died mid-send).
    supports_lookup = False

    def send_sms(self, message: OutgoingSMS) -> SendResult:  # pragma: no cover - interface
        raise NotImplementedError

    def lookup_sms(self, message: OutgoingSMS, *, since: datetime) -> SendResult | None:
        """The provider's record of ``message`` (same recipient and text)
        accepted at or after ``since``, or None if it has none. Raises a
        GatewayError when it cannot tell (the row is then tried later)."""
        raise NotImplementedError  # pragma: no cover - optional part of the contract


class BaseVoiceGateway(BaseGateway):
    channel = "voice"

    def call(self, message: OutgoingCall) -> SendResult:  # pragma: no cover - interface
        raise NotImplementedError
