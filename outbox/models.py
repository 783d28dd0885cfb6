"""Messages to one person (verification codes, welcome, notices): the outbox.

Alerts to whole networks have their own rows in messaging (``Delivery``);
both follow the same principle: a row with a status first, the send after
commit, and the provider's reports move the status forward only.
"""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One email or SMS to one person. The row exists before anything is sent:
    the send task claims it (queued → sending), sends, and records the result,
    so a crash never loses it and a retry never sends it twice. The provider's
    delivery report then moves an SMS on to delivered or not delivered."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        UNDELIVERED = "undelivered", _("Not delivered")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(_("kind"), max_length=40)
    channel = models.CharField(_("channel"), max_length=5, choices=Channel.choices)
    to = models.CharField(_("to"), max_length=254)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"))
    html_body = models.TextField(blank=True)
    # The text carries a secret (a code, a personal link): once sent, no copy
    # of it is kept. The caller says so; the outbox knows no kinds of its own.
    sensitive = models.BooleanField(default=False)
    # Whom or what the message is about (a member, for their data export and
    # erasure): a generic reference, so the outbox needs no higher app.
    about_type = models.ForeignKey(
        ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    about_id = models.PositiveBigIntegerField(null=True, blank=True)
    about = GenericForeignKey("about_type", "about_id")
    status = models.CharField(
        _("status"), max_length=11, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    provider_id = models.CharField(max_length=120, blank=True, db_index=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # When the provider confirmed arrival (SMS delivery report).
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["about_type", "about_id"], name="notification_about_idx")]

    def __str__(self) -> str:
        return f"{self.kind} by {self.channel} ({self.status})"
