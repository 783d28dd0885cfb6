from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    """Alerts, feedback and prevention tips fanned out through the gateways."""

    name = "messaging"
    verbose_name = _("Messaging")

    def ready(self) -> None:
        # why: ready() is where an app may reach its receivers and the apps
        # below it, once all models are loaded.
        from accounts.hooks import home_panels
        from members.hooks import channel_reach
        from messaging import receivers  # noqa: F401 - connects inbound email, SMS and status receivers
        from messaging.panels import home_panel_alerts
        from messaging.selectors.reach import reach_of_channels

        home_panels.register(home_panel_alerts)
        channel_reach.provide(reach_of_channels)
