"""The contract every SMS and voice gateway implements.

Gateways work like Django's email backends: ``settings.OUTBOX_GATEWAYS``
names a BACKEND class per channel with its OPTIONS, and one module per
provider implements it. Adding a provider takes one module and a setting.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class GatewayError(Exception):
    """A send failed. Subclasses say whether trying again can help."""


class TemporaryGatewayError(GatewayError):
    """Worth retrying with backoff: rate limited (429), provider error (5xx), timeout."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


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


@dataclass(frozen=True)
class SendResult:
    provider_id: str
    status: str = "accepted"
    raw: dict = field(default_factory=dict)


class BaseGateway:
    """Common constructor: OPTIONS from settings arrive as keyword arguments."""

    def __init__(self, **options) -> None:
        self.options = options


class BaseSMSGateway(BaseGateway):
    def send_sms(self, message: OutgoingSMS) -> SendResult:  # pragma: no cover - interface
        raise NotImplementedError


class BaseVoiceGateway(BaseGateway):
    def call(self, message: OutgoingCall) -> SendResult:  # pragma: no cover - interface
        raise NotImplementedError
