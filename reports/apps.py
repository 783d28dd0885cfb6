from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Dashboards for municipalities, police zones, networks and the federal level."""

    name = "reports"
    verbose_name = _("Reports")
