"""Starting a BIN from below: residents' requests to start one, and the public
interest list of a network that is being founded (imported by charters.models).

Both hold personal data of people who are not members (yet): they are kept
only as long as they serve (``charters.services.interest.interest_retention``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from networks.models import Municipality, Network


class StartRequest(models.Model):
    """A resident asks the police to start a BIN in their neighbourhood
    (seed 002: "Interesse? Neem dan contact met uw lokale politie")."""

    class Status(models.TextChoices):
        UNVERIFIED = "unverified", _("Email not confirmed yet")
        NEW = "new", _("New")
        OPENED = "opened", _("Network proposed")
        DECLINED = "declined", _("Declined")

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="start_requests",
        verbose_name=_("municipality"),
    )
    name = models.CharField(_("name"), max_length=120)
    email = models.EmailField(_("email address"), max_length=254)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    street = models.CharField(_("street"), max_length=120)
    neighbourhood = models.TextField(_("neighbourhood"), max_length=2000)
    motivation = models.TextField(_("motivation"), max_length=4000)
    # The requester's language: the answer (declined) is written in it.
    language = models.CharField(_("language"), max_length=2, default="nl")
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.UNVERIFIED, db_index=True
    )
    # SHA-256 of the secret in the confirmation link; the secret itself is
    # only in the email.
    token_hash = models.CharField(max_length=64, unique=True)
    email_verified_at = models.DateTimeField(_("email confirmed at"), null=True, blank=True)
    network = models.ForeignKey(
        Network,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="start_requests",
        verbose_name=_("network"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decline_reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("request to start a BIN")
        verbose_name_plural = _("requests to start a BIN")

    def __str__(self) -> str:
        return f"{self.municipality}: {self.street}"


class InterestEntry(models.Model):
    """A resident who wants to hear about a network being founded: invited to
    the information evening, and to join once it is founded."""

    network = models.ForeignKey(
        Network,
        on_delete=models.CASCADE,
        related_name="interest_entries",
        verbose_name=_("network"),
    )
    name = models.CharField(_("name"), max_length=120)
    street = models.CharField(_("street"), max_length=120)
    email = models.EmailField(_("email address"), max_length=254)
    language = models.CharField(_("language"), max_length=2, default="nl")
    token_hash = models.CharField(max_length=64, unique=True)
    email_verified_at = models.DateTimeField(_("email confirmed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("interest list entry")
        verbose_name_plural = _("interest list entries")
        constraints = [
            models.UniqueConstraint(fields=["network", "email"], name="interest_once_per_network")
        ]

    def __str__(self) -> str:
        return f"{self.network}: {self.name}"


class InterestInvitation(models.Model):
    """One sending of a meeting's invitation to the interest list: who sent
    it, when, to how many. A later sending reaches only those confirmed since."""

    meeting = models.ForeignKey(
        "charters.Meeting",
        on_delete=models.CASCADE,
        related_name="interest_invitations",
        verbose_name=_("meeting"),
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    recipients = models.PositiveIntegerField(_("recipients"))

    class Meta:
        ordering = ["-sent_at", "-pk"]
        verbose_name = _("invitation of the interest list")
        verbose_name_plural = _("invitations of the interest list")

    def __str__(self) -> str:
        return f"{self.meeting}: {self.recipients}"
