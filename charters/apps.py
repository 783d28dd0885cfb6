from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChartersConfig(AppConfig):
    """Local charters, founding, coordinator governance, meetings and BIN signs."""

    name = "charters"
    verbose_name = _("Charters")

    def ready(self) -> None:
        # why: ready() is where an app may reach its selectors and the apps
        # below it, once all are loaded; it fills the hooks through which
        # members and messaging ask charters (bin_platform.hooks).
        from charters.selectors.charter import charter_communication_plan, house_rules_current
        from charters.selectors.governance import screening_accepted
        from members.hooks import house_rules_current as members_house_rules
        from messaging.hooks import communication_plan
        from networks.hooks import screening_accepted as networks_screening_accepted

        members_house_rules.provide(house_rules_current)
        networks_screening_accepted.provide(screening_accepted)
        communication_plan.provide(charter_communication_plan)
