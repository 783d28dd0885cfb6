from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members")

    def ready(self) -> None:
        # why: selectors import models, which Django loads only after the app registry.
        from members.selectors import network_with_member_counts
        from networks.hooks import network_member_counts

        network_member_counts.provide(network_with_member_counts)
