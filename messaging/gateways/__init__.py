"""Pluggable SMS and voice gateways (see ``base`` for the contract).

MESSAGING_GATEWAYS = {
    "sms": {"BACKEND": "messaging.gateways.console.ConsoleSMSGateway", "OPTIONS": {}},
    "voice": {"BACKEND": "messaging.gateways.console.ConsoleVoiceGateway", "OPTIONS": {}},
}
"""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

from messaging.gateways.base import (
    BaseSMSGateway,
    BaseVoiceGateway,
    GatewayConfigurationError,
    GatewayError,
    OutgoingCall,
    OutgoingSMS,
    PermanentGatewayError,
    SendResult,
    TemporaryGatewayError,
)

__all__ = [
    "GatewayConfigurationError",
    "GatewayError",
    "OutgoingCall",
    "OutgoingSMS",
    "PermanentGatewayError",
    "SendResult",
    "TemporaryGatewayError",
    "get_sms_gateway",
    "get_voice_gateway",
]


@cache
def _gateway(channel: str):
    config = settings.MESSAGING_GATEWAYS.get(channel)
    if not config or "BACKEND" not in config:
        raise GatewayConfigurationError(f"MESSAGING_GATEWAYS has no BACKEND for {channel!r}")
    try:
        backend = import_string(config["BACKEND"])
    except ImportError as exc:
        raise GatewayConfigurationError(f"cannot import {config['BACKEND']}: {exc}") from exc
    return backend(**config.get("OPTIONS", {}))


def get_sms_gateway() -> BaseSMSGateway:
    return _gateway("sms")


def get_voice_gateway() -> BaseVoiceGateway:
    return _gateway("voice")


def _reset(*, setting: str, **kwargs) -> None:
    if setting == "MESSAGING_GATEWAYS":
        _gateway.cache_clear()


setting_changed.connect(_reset)
