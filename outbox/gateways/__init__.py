"""Pluggable SMS and voice gateways: the configured one per channel.

The contract (messages, results, errors, base classes) is in ``base``;
import it from there.

OUTBOX_GATEWAYS = {
    "sms": {"BACKEND": "outbox.gateways.console.ConsoleSMSGateway", "OPTIONS": {}},
    "voice": {"BACKEND": "outbox.gateways.console.ConsoleVoiceGateway", "OPTIONS": {}},
}

A provider's module may also define ``urlpatterns`` for its callbacks
(delivery reports, inbound messages); ``outbox.urls`` mounts them under
/webhooks/<PROVIDER>/ for every configured backend.
"""

from __future__ import annotations

import logging
from functools import cache

from django.conf import settings
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

from outbox.gateways.base import BaseSMSGateway, BaseVoiceGateway, GatewayConfigurationError

__all__ = ["backend_path", "get_sms_gateway", "get_voice_gateway"]


logger = logging.getLogger(__name__)

# Where the gateways lived before the outbox app; settings naming them still work.
_LEGACY_PREFIX = "messaging.gateways."


def backend_path(dotted: str) -> str:
    """The dotted path of a gateway class, with the pre-outbox location
    (``messaging.gateways.*`` in an old SMS_GATEWAY value) mapped to its home."""
    if dotted.startswith(_LEGACY_PREFIX):
        new = "outbox.gateways." + dotted[len(_LEGACY_PREFIX) :]
        logger.warning("gateway %s has moved: set %s instead", dotted, new)
        return new
    return dotted


@cache
def _gateway(channel: str):
    config = settings.OUTBOX_GATEWAYS.get(channel)
    if not config or "BACKEND" not in config:
        raise GatewayConfigurationError(f"OUTBOX_GATEWAYS has no BACKEND for {channel!r}")
    try:
        backend = import_string(backend_path(config["BACKEND"]))
    except ImportError as exc:
        raise GatewayConfigurationError(f"cannot import {config['BACKEND']}: {exc}") from exc
    return backend(**config.get("OPTIONS", {}))


def get_sms_gateway() -> BaseSMSGateway:
    return _gateway("sms")


def get_voice_gateway() -> BaseVoiceGateway:
    return _gateway("voice")


def _reset(*, setting: str, **kwargs) -> None:
    if setting == "OUTBOX_GATEWAYS":
        _gateway.cache_clear()


setting_changed.connect(_reset)
