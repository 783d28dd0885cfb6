from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members")

    def ready(self) -> None:
        # why: ready() is where an app may reach its receivers and selectors, once
        # all models are loaded; it fills the hook through which networks asks members.
        # It also adds the new-addresses panel to the staff home of accounts.
        from accounts.hooks import home_panels
        from members import receivers  # noqa: F401 - connects the receivers
        from members.panels import home_panel_contact_changes
        from members.selectors.staff import network_with_member_counts
        from networks.hooks import network_member_counts

        network_member_counts.provide(network_with_member_counts)
        home_panels.register(home_panel_contact_changes)
