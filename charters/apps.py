from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChartersConfig(AppConfig):
    """Local charters: communication plan, house rules and their signatures.

    Its models arrive with the Founding and governance issue.
    """

    name = "charters"
    verbose_name = _("Charters")
