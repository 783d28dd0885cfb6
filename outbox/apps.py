from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    """Getting things to people: the one-person outbox, the SMS and voice
    gateways and what providers report back (statuses, inbound messages).

    Below members and messaging: it knows addresses and references, never
    who a member is; what comes back travels up by the signals in
    ``outbox.signals``.
    """

    name = "outbox"
    verbose_name = _("Outbox")

    def ready(self) -> None:
        # why: ready() is where an app reaches its receivers, once
        from outbox import receivers  # noqa: F401 - connects the email provider's tracking events
