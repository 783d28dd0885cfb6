"""Endpoints that other systems registered, and the notices sent to them.

A ``WebhookDelivery`` is the outbox row of one event to one endpoint: it
exists before anything is sent, the send claims it (queued → sending), and it
ends delivered, failed (after the last retry) or cancelled (endpoint
disabled or deleted).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    MESSAGE_PUBLISHED = "message.published", _("Message published")
    MESSAGE_COMPLETED = "message.completed", _("Message completed (every delivery final, figures)")
    MESSAGE_CANCELLED = "message.cancelled", _("Message cancelled")
    REPORT_CREATED = "report.created", _("Member report received")
    REPLY_RECEIVED = "reply.received", _("Reply received")
    MEMBER_JOINED = "member.joined", _("Member joined (counts only)")


class WebhookEndpoint(models.Model):
    """A URL of another system (dispatch, municipality, signage) that gets the
    chosen events of one police zone, signed per Standard Webhooks."""

    police_zone = models.ForeignKey(
        "networks.PoliceZone",
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
        verbose_name=_("police zone"),
    )
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=120, blank=True)
    events = models.JSONField(_("events"), default=list)
    # "whsec_" + base64 of 32 random bytes. The platform signs with it, so it
    # is kept (not hashed); it is shown once, when the endpoint is created.
    secret = models.CharField(max_length=80)
    is_active = models.BooleanField(_("active"), default=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    disabled_reason = models.CharField(_("why disabled"), max_length=300, blank=True)
    # Failed attempts since the last success; too many disable the endpoint.
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["police_zone__name", "url"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.description or self.url

    def event_labels(self) -> list[str]:
        return [str(Event(e).label) for e in self.events if e in Event.values]


class WebhookDelivery(models.Model):
    """One event to one endpoint, with its attempts."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    # The Standard Webhooks ``webhook-id``: the same on every retry, so the
    # receiver can drop a duplicate.
    event_id = models.CharField(max_length=64, unique=True)
    event_type = models.CharField(_("event"), max_length=40, choices=Event.choices)
    payload = models.JSONField()
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(_("answer"), null=True, blank=True)
    last_error = models.CharField(_("error"), max_length=300, blank=True)
    # The start of the receiver's answer (bounded), for the delivery log.
    response_excerpt = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("last attempt"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhookdelivery_due"),
            models.Index(fields=["endpoint", "-created_at"], name="webhookdelivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id} ({self.status})"
