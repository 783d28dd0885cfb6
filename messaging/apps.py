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
        from members.hooks import channel_reach, member_erasers
        from messaging import receivers  # noqa: F401 - connects inbound email, SMS and status receivers
        from messaging.panels import (
            home_panel_alerts,
            home_panel_conversations,
            home_panel_municipal_messages,
        )
        from messaging.selectors.reach import reach_of_channels
        from messaging.selectors.voice import delivery_voice_script
        from messaging.services.erasure import member_messaging_erase
        from outbox.hooks import voice_call_script

        home_panels.register(home_panel_alerts)
        home_panels.register(home_panel_conversations)
        home_panels.register(home_panel_municipal_messages)
        member_erasers.register(member_messaging_erase)
        channel_reach.provide(reach_of_channels)
        voice_call_script.provide(delivery_voice_script)
