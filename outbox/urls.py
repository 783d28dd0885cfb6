"""The outbox's URLs (namespace ``outbox``): each provider's callbacks under
/webhooks/<provider>/ (signed machine endpoints, no login) and the
development outbox under /dev/ (404 unless DEBUG)."""

from __future__ import annotations

from django.conf import settings
from django.urls import include, path
from django.utils.module_loading import import_module

from outbox.gateways import backend_path
from outbox.views import dev

app_name = "outbox"


def webhook_modules() -> list[str]:
    """The provider modules whose callbacks are routed: those of the
    configured gateways, plus OUTBOX_WEBHOOK_PROVIDERS (providers to keep
    hearing from, e.g. late reports after switching providers)."""
    backends = [
        backend_path(config["BACKEND"]).rsplit(".", 1)[0]
        for config in settings.OUTBOX_GATEWAYS.values()
        if config.get("BACKEND")
    ]
    return list(dict.fromkeys([*backends, *settings.OUTBOX_WEBHOOK_PROVIDERS]))


def _webhook_urls() -> list:
    patterns = []
    for dotted in webhook_modules():
        module = import_module(dotted)
        if getattr(module, "urlpatterns", None):
            patterns.append(path(f"webhooks/{module.PROVIDER}/", include(module.urlpatterns)))
    return patterns


urlpatterns = [
    path("dev/outbox/", dev.dev_outbox, name="dev_outbox"),
    path("dev/outbox/inbound/", dev.dev_inbound_sms, name="dev_inbound_sms"),
    *_webhook_urls(),
]
