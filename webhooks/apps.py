from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    """Outbound webhooks: signed notices of what happens, to other systems of a zone."""

    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        # why: ready() is where an app connects its receivers to the signals
        # of the apps below it, once all models are loaded.
        from webhooks import receivers  # noqa: F401 - connects the event receivers
