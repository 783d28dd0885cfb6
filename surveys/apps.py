from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    """Anonymous evaluation surveys of a network's members."""

    name = "surveys"
    verbose_name = _("Evaluation surveys")
