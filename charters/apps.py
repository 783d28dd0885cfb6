from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from messaging.hooks import communication_plan


def _communication_plan(*, network):
    """Messaging's ``communication_plan`` hook: the plan of the network's
    charter in force and that charter's number, or None."""
    # why: apps.py is imported before the models are ready.
    from charters.selectors import charter_in_force

    charter = charter_in_force(network=network)
    if charter is None or not charter.communication_plan:
        return None
    return charter.communication_plan, charter.number


class ChartersConfig(AppConfig):
    """Local charters, founding, coordinator governance, meetings and BIN signs."""

    name = "charters"
    verbose_name = _("Charters")

    def ready(self) -> None:
        # rules autodiscovers only rules.py; the governance permissions live apart.
        from charters import rules_governance  # noqa: F401

        communication_plan.provide(_communication_plan)
