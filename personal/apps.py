from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PersonalConfig(AppConfig):
    """The member's personal page (no models: it shows and changes other apps' data)."""

    name = "personal"
    verbose_name = _("Member's personal page")
