from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    """Alerts, feedback and prevention tips fanned out through the gateways.

    Its models arrive with the Messaging issue; the app exists from the start so
    that settings, URLs and the architecture stay stable.
    """

    name = "messaging"
    verbose_name = _("Messaging")
