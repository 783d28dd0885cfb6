from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChartersConfig(AppConfig):
    """Local charters, founding, coordinator governance, meetings and BIN signs."""

    name = "charters"
    verbose_name = _("Charters")

    def ready(self) -> None:
        # rules autodiscovers only rules.py; the governance permissions live apart.
        from charters import rules_governance  # noqa: F401
        from charters.selectors import house_rules_current
        from members.hooks import house_rules_current as members_house_rules

        members_house_rules.provide(house_rules_current)
