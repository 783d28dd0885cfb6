from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChartersConfig(AppConfig):
    """Local charters, founding, coordinator governance, meetings and BIN signs."""

    name = "charters"
    verbose_name = _("Charters")
