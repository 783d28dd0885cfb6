from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChartersConfig(AppConfig):
    """Local charters, founding, coordinator governance, meetings and BIN signs."""

    name = "charters"
    verbose_name = _("Charters")

    def ready(self) -> None:
        # why: ready() is where an app may reach the apps below it, once all
        # are loaded; it fills the hooks through which they ask charters.
        from charters.selectors.charter import house_rules_current
        from members.hooks import house_rules_current as members_house_rules

        members_house_rules.provide(house_rules_current)
