"""House rules now; the full charter (communication plan, signatures) arrives
with the Founding and governance issue and builds on these versions."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from networks.models import Network


class HouseRules(models.Model):
    """One published version of a network's house rules (huishoudelijk reglement).

    Versions are never edited once published: a change is a new version, and
    each member's consent record names the version they accepted.
    """

    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="house_rules", verbose_name=_("network")
    )
    version = models.CharField(_("version"), max_length=40)
    text = models.TextField(_("text"))
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("house rules")
        verbose_name_plural = _("house rules")
        constraints = [
            models.UniqueConstraint(
                fields=["network", "version"], name="house_rules_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.network} v{self.version}"
