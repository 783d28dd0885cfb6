from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    """Alerts, feedback and prevention tips fanned out through the gateways."""

    name = "messaging"
    verbose_name = _("Messaging")

    def ready(self) -> None:
        from messaging import receivers  # noqa: F401 - connects inbound email, SMS and status receivers
